"""Baselines "built the usual way": python-telegram-bot's JobQueue with one run_daily job per
mother, handlers that reply with bot.send_message directly, and a naive retry on RetryAfter;
the second fan-out baseline adds PTB's AIORateLimiter, set to the fake's global rate."""

from __future__ import annotations

import asyncio
import time
import warnings
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from apscheduler.events import (  # type: ignore[import-untyped]
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CallbackContext
from telegram.request import BaseRequest

from bench.common import CHAT_BASE, GLOBAL_RATE, URGENT_BASE, wait_until
from bench.fake_api import LimitedTelegram
from bench.results import URGENT_EVERY_S, URGENT_TEXT, FanoutResult, measure

LONDON = ZoneInfo("Europe/London")
PROMPT = "Good morning! How are you feeling today?\n\nHow has your mood been since yesterday?"
MOODS = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton(label, callback_data=f"mood|{value}")
            for value, label in enumerate(("Very low", "Low", "Okay", "Good", "Great"))
        ],
        [InlineKeyboardButton("Ask me in 1 hour", callback_data="snooze|1")],
    ]
)


def plain_application(
    request: BaseRequest, *, limited: bool = False
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A plain Application; `limited`: with PTB's AIORateLimiter at the fake's global rate (its
    default is Telegram's 30/s; the fake is scaled to 300/s). Its own retries are off
    (max_retries=0): a 429 reaches the same naive retry as without it."""
    builder = ApplicationBuilder().token("123:bench").request(request).get_updates_request(request)
    if limited:
        limiter: AIORateLimiter = AIORateLimiter(
            overall_max_rate=GLOBAL_RATE, overall_time_period=1, max_retries=0
        )
        return builder.rate_limiter(limiter).build()
    return builder.build()


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send_with_retry(bot: Bot, chat_id: int, text: str, **kwargs: Any) -> Message:
    """The naive retry: on 429 sleep retry_after and try again, so nothing is lost."""
    while True:
        try:
            return await bot.send_message(chat_id, text, **kwargs)
        except RetryAfter as error:
            await asyncio.sleep(retry_seconds(error))


async def checkin_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """One mother's daily check-in, as a run_daily job."""
    job = context.job
    assert job is not None
    assert job.chat_id is not None
    await send_with_retry(context.bot, job.chat_id, PROMPT, reply_markup=MOODS)
    progress = cast(dict[str, int], job.data)
    progress["finished"] += 1


def schedule_checkins(
    application: Application[Any, Any, Any, Any, Any, Any],
    chats: list[tuple[int, ZoneInfo]],
    at: datetime,
    progress: dict[str, int],
    job_kwargs: dict[str, Any] | None = None,
) -> None:
    """One run_daily job per mother, the usual way."""
    job_queue = application.job_queue
    assert job_queue is not None
    for chat_id, zone in chats:
        job_queue.run_daily(
            checkin_job,
            time=at.astimezone(zone).timetz().replace(microsecond=0),
            chat_id=chat_id,
            data=progress,
            name=f"checkin-{chat_id}",
            job_kwargs=job_kwargs,
        )


async def _jobs_due_soon(
    count: int, job_kwargs: dict[str, Any] | None, *, limited: bool = False
) -> tuple[Application[Any, Any, Any, Any, Any, Any], LimitedTelegram, dict[str, int], float]:
    """N run_daily jobs all due in the same second a few seconds ahead, and the JobQueue
    running: what happens at 09:00 when every mother chose 09:00. Returns when they are due.

    A job whose time has passed when the JobQueue starts is scheduled for tomorrow, so if
    scheduling took longer than the lead (a loaded machine), it starts again with a lead three
    times as long; the last figure returned is how many times that happened."""
    lead = 3.0 + count * 0.0004  # enough to schedule N jobs and start before they are due
    for attempt in range(4):
        fake = LimitedTelegram(global_rate=GLOBAL_RATE)
        application = plain_application(fake, limited=limited)
        await application.initialize()
        job_queue = application.job_queue
        assert job_queue is not None
        progress = {"finished": 0, "missed": 0}

        def missed(event: JobExecutionEvent, progress: dict[str, int] = progress) -> None:
            progress["missed"] += 1

        job_queue.scheduler.add_listener(missed, EVENT_JOB_MISSED)
        at = (datetime.now(LONDON) + timedelta(seconds=lead)).replace(microsecond=0)
        chats = [(CHAT_BASE + index, LONDON) for index in range(count)]
        schedule_checkins(application, chats, at, progress, job_kwargs)
        await job_queue.start()
        if datetime.now(LONDON) < at:
            await asyncio.sleep(max(0.0, (at - datetime.now(LONDON)).total_seconds()))
            return application, fake, progress, float(attempt)
        await _close(application)
        lead *= 3
    raise RuntimeError(f"could not schedule {count:,} jobs within {lead / 3:.0f} s")


async def _close(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert application.job_queue is not None
    await application.job_queue.stop(wait=False)
    await application.shutdown()


async def count_skipped_with_defaults(count: int) -> int:
    """How many of N same-second jobs APScheduler skips with PTB's defaults (a job started
    more than misfire_grace_time = 1 s late is dropped until tomorrow)."""
    application, _, progress, _ = await _jobs_due_soon(count, None)
    await wait_until(
        lambda: progress["finished"] + progress["missed"] >= count,
        within=60 + 6 * count / GLOBAL_RATE,
    )
    await _close(application)
    return progress["missed"]


async def run_baseline_fanout(count: int, *, limited: bool = False) -> FanoutResult:
    """The fan-out through the JobQueue, measured from the moment the jobs are due.
    misfire_grace_time=None, or APScheduler would skip the jobs it starts over 1 s late (at
    10,000 it skips them all: see count_skipped_with_defaults) and there would be no sending
    left to measure."""
    application, fake, progress, late = await _jobs_due_soon(
        count, {"misfire_grace_time": None}, limited=limited
    )
    due = time.monotonic()
    result = FanoutResult(count)
    result.extra["late_starts"] = late
    urgent_sent_at: dict[int, float] = {}
    urgent_tasks: list[asyncio.Task[Message]] = []

    def settled() -> bool:
        return progress["finished"] + progress["missed"] >= count

    started = time.perf_counter()
    index = 0
    # Urgent messages go straight out with bot.send_message, competing with the fan-out.
    while not settled() and time.perf_counter() - started < 60 + 6 * count / GLOBAL_RATE:
        chat = URGENT_BASE + index
        urgent_sent_at[chat] = time.monotonic()
        task = asyncio.create_task(send_with_retry(application.bot, chat, URGENT_TEXT))
        urgent_tasks.append(task)
        index += 1
        await asyncio.sleep(max(0.0, started + index * URGENT_EVERY_S - time.perf_counter()))
    result.extra["fanout_wall_s"] = time.perf_counter() - started
    result.extra["timed_out"] = float(not settled())
    await asyncio.wait_for(asyncio.gather(*urgent_tasks, return_exceptions=True), timeout=60)
    await _close(application)
    return measure(fake, count, urgent_sent_at, result, since=due)
