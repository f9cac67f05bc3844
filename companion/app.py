"""The composition root: the one place services, handlers and jobs are wired."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from companion.bot import (
    abuse,
    alerts,
    answers,
    checkin,
    clinician,
    crisis,
    digest_time,
    errors,
    guard,
    help,
    history,
    learn,
    mydata,
    onboarding,
    patients,
    presence,
    report,
    safety,
    screening,
    settings,
    sharing,
)
from companion.bot.context import BotData, CompanionApp, Ctx, Services
from companion.clock import Clock, SystemClock
from companion.config import Settings
from companion.content import ContentError, load_content
from companion.delivery.inbox import poll_forever, prune_handled
from companion.delivery.sender import Sender
from companion.delivery.tick import run_tick_if_leading
from companion.resources import messages_dir
from companion.store.db import Database
from companion.triage_lexicon import default_lexicon, shipped_lexicons
from companion.vault import Vault

log = logging.getLogger(__name__)
Receiver = Callable[[], Coroutine[Any, Any, None]]

# Order matters only for the fallbacks, which must come after every feature's handlers.
FEATURES = (
    clinician,
    sharing,
    alerts,
    patients,
    digest_time,
    onboarding,
    settings,
    checkin,
    history,
    report,
    help,
    mydata,
    safety,
    abuse,
    screening,
    learn,
    answers,
)


def build_services(config: Settings, clock: Clock | None = None) -> Services:
    content = load_content(
        config.messages_dir or messages_dir(),
        config.default_locale,
        instruments_dir=config.instruments_dir,
        thresholds=config.thresholds,
    )
    missing = [
        tool
        for tool in config.screening_full
        if tool not in content.instruments.get(config.default_locale, {})
    ]
    if missing:
        raise ContentError(
            f"COMPANION_SCREENING_TOOLS: no instrument file for {', '.join(missing)} "
            "(a licensed EPDS goes in COMPANION_INSTRUMENTS_DIR)"
        )
    db, vault, clock = (
        Database(config.database_url),
        Vault(config.key_bytes),
        clock or SystemClock(),
    )
    sender = Sender(
        db,
        vault,
        clock,
        rate=config.send_rate,
        chat_interval=config.chat_interval_s,
        paid_rate=config.paid_broadcast_rate if config.paid_broadcast else None,
    )
    # Her words are read with English and with her language's lexicon (companion.bot.risk_reading).
    lexicon, lexicons = default_lexicon("en"), shipped_lexicons()
    return Services(
        settings=config,
        db=db,
        content=content,
        vault=vault,
        clock=clock,
        sender=sender,
        lexicon=lexicon,
        lexicons=lexicons,
    )


async def publish_commands(application: CompanionApp) -> None:
    """Tell Telegram which commands to offer in private chats, in each locale."""
    content = application.bot_data.services.content
    for locale in content.locales:
        descriptions = content.text(locale, "help.commands").splitlines()
        commands = [BotCommand(*line.split(" ", 1)) for line in descriptions if " " in line]
        await application.bot.set_my_commands(
            commands,
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if locale == content.default_locale else locale,
        )


async def tick_job(context: Ctx) -> None:
    """The schedule tick, run by PTB's JobQueue every COMPANION_TICK_SECONDS."""
    services = context.services
    report = await run_tick_if_leading(services)
    if report is None:
        return  # another worker leads: it runs the tick (and the sender)
    if report.queued or report.missed:
        log.info(
            "event=tick sent=%d late=%d missed=%d nudged=%d reminded=%d duplicates=%d",
            report.sent,
            report.late,
            report.missed,
            report.nudged,
            report.reminded,
            report.duplicates,
        )
    await prune_handled(services, services.clock.now())


async def serve_polling(application: CompanionApp) -> None:
    """Long polling with the inbox, the schedule tick and the sender, until interrupted."""

    async def poll() -> None:
        await application.bot.delete_webhook()
        await poll_forever(application)

    await serve(application, poll)


async def serve(application: CompanionApp, *receivers: Receiver) -> None:
    """Run the receivers (polling, or the webhook server and its inbox handler) with the schedule
    tick and the sender, until one of them stops or fails, or this is cancelled."""
    services = application.bot_data.services
    await application.initialize()
    await publish_commands(application)
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        tick_job,
        interval=services.settings.tick_seconds,
        first=1,
        name="tick",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    await application.start()  # the JobQueue
    freeze_start_up()
    terminated = asyncio.Event()
    workers = [
        asyncio.create_task(services.sender.run(), name="sender"),
        *(asyncio.create_task(receiver()) for receiver in receivers),
        asyncio.create_task(terminated.wait(), name="terminated"),
    ]
    try:
        with on_sigterm(terminated.set):
            done, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a crashed worker stops the process, so the platform restarts it
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await application.stop()
        await application.shutdown()
        await services.db.dispose()
        gc.unfreeze()


def freeze_start_up() -> None:
    """What start-up loaded (wording, lexicons, models, PTB) lives as long as the process: out
    of the collector's sight, its full collections stop scanning it. Each one paused the event
    loop (the sender, her replies) for up to 0.4 s in the paid-broadcast benchmark."""
    gc.collect()
    gc.freeze()


@contextmanager
def on_sigterm(callback: Callable[[], None]) -> Iterator[None]:
    """SIGTERM, how a platform stops a process (a deploy, a restart), calls `callback` instead
    of ending the process at once, so serving stops as it does on Ctrl-C: updates being handled
    are cancelled and their claims released for the next worker at once (not after the lease),
    the leader's lock is let go, and connections are closed. Uvicorn catches SIGTERM while it
    serves and raises it again once it has stopped, which then lands here."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, _stopping, callback)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _stopping(callback: Callable[[], None]) -> None:
    log.info("event=stopping signal=SIGTERM")
    callback()


def build_application(services: Services, request: BaseRequest | None = None) -> CompanionApp:
    """The real Application; tests and the demo pass a fake request layer."""
    config = services.settings
    builder = (
        ApplicationBuilder()
        .token(config.telegram_bot_token or "0:demo")
        .base_url(config.telegram_base_url)
        .base_file_url(config.telegram_base_file_url)
        .context_types(ContextTypes(context=Ctx, bot_data=BotData))
        .rate_limiter(errors.CourtesyCalls())
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: CompanionApp = builder.build()  # type: ignore[assignment]
    application.bot_data.services = services
    services.sender.bot = application.bot
    # Groups run in order: the private-chat guard first, then presence and the crisis check of
    # words no feature reads (after a command, in an edit), then one feature.
    application.add_handlers(guard.handlers(), group=-2)
    application.add_handlers(presence.handlers(), group=-1)
    application.add_handlers(crisis.early_handlers(), group=-1)
    for feature in FEATURES:
        application.add_handlers(feature.handlers())
    application.add_handlers([*help.fallback_handlers(), *errors.fallback_handlers()])
    application.add_error_handler(errors.log_error)
    return application
