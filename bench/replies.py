"""(d) inbound replies handled per second: M private "/help" messages from onboarded mothers,
and (companion only) M mixed updates: mood buttons pressed, moods typed, and free text the
triage reads (see bench.mixed).

companion: each getUpdates-sized batch (100) goes through inbox.store_updates, then
handle_stored until it is drained, as poll_forever does; a reply counts once it is queued in the
outbox (the sender is not running). baseline: plain Application.process_update, one update after
the other as PTB does without concurrent_updates, with a handler that looks the mother up and
answers with reply_text (so its reply is sent, through the fake, before the next update)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bench.baseline import plain_application, send_with_retry
from bench.common import CHAT_BASE, tomorrow
from bench.dataset import Databases, populate, settings_for
from bench.fake_api import LimitedTelegram
from companion.app import build_application, build_services
from companion.bot.context import CompanionApp
from companion.delivery.inbox import handle_stored, store_updates
from companion.delivery.outbox import pending_count
from companion.store.models import Mother

BATCH = 100  # what one getUpdates call returns at most
HELP_TEXT = (
    "I'm here to check in with you every day and to listen.\n\n"
    "/checkin - today's check-in now\n/history - how your days have been\n"
    "/settings - your check-in time and language\n/pause, /resume, /stop\n"
    "/mydata - everything I hold about you\n/delete - erase it\n\n"
    "If you feel unsafe or think about harming yourself or your baby, call 999 now, or "
    "Samaritans on 116 123 (free, any time), or text SHOUT to 85258."
)


def help_update(update_id: int, user_id: int) -> dict[str, Any]:
    """The update Telegram sends when she types /help in her private chat with the bot."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1000 + update_id,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


def _updates(count: int) -> list[dict[str, Any]]:
    return [help_update(index + 1, CHAT_BASE + index) for index in range(count)]


async def run_companion_replies(databases: Databases, count: int) -> float:
    url = databases.fresh("replies")
    populate(url, count, due=tomorrow())
    services = build_services(settings_for(url))
    application = build_application(services, request=LimitedTelegram())
    await application.initialize()
    try:
        elapsed = await through_inbox(application, _updates(count))
        async with services.db.session() as session:
            queued = await pending_count(session)
    finally:
        await application.shutdown()
        await services.db.dispose()
        databases.discard("replies")
    if queued != count:
        raise RuntimeError(f"expected {count} replies queued, found {queued}")
    return count / elapsed


async def through_inbox(application: CompanionApp, updates: list[dict[str, Any]]) -> float:
    """Store the updates a getUpdates batch at a time and handle each batch, as poll_forever
    does; returns the seconds it took."""
    services = application.bot_data.services
    started = time.perf_counter()
    for start in range(0, len(updates), BATCH):
        await store_updates(services, updates[start : start + BATCH])
        while await handle_stored(application):
            pass
    return time.perf_counter() - started


async def run_baseline_replies(databases: Databases, count: int) -> float:
    url = databases.fresh("replies-baseline")
    populate(url, count, due=tomorrow())
    engine = create_async_engine(url)
    fake = LimitedTelegram()
    application = plain_application(fake)

    async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None
        assert update.effective_chat is not None
        async with engine.connect() as connection:
            query = select(Mother.locale, Mother.country).where(
                Mother.telegram_user_id == update.effective_user.id
            )
            await connection.execute(query)  # her locale and country pick the crisis lines
        await send_with_retry(context.bot, update.effective_chat.id, HELP_TEXT)

    application.add_handler(CommandHandler("help", show_help))
    await application.initialize()
    updates = [Update.de_json(raw, application.bot) for raw in _updates(count)]
    try:
        started = time.perf_counter()
        for update in updates:
            await application.process_update(update)
        elapsed = time.perf_counter() - started
    finally:
        await application.shutdown()
        await engine.dispose()
        databases.discard("replies-baseline")
    if fake.delivered_to(range(CHAT_BASE, CHAT_BASE + count)) != count:
        raise RuntimeError("the baseline did not answer every update")
    return count / elapsed
