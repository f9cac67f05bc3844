"""(d) inbound replies handled per second: M private "/help" messages from onboarded mothers.

companion: each getUpdates-sized batch (100) goes through inbox.store_updates, then
handle_stored until it is drained, as poll_forever does; a reply counts once it is queued in the
outbox (the sender is not running). baseline: plain Application.process_update, one update after
the other as PTB does without concurrent_updates, with a handler that looks the mother up and
answers with reply_text (so its reply is sent, through the fake, before the next update)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bench.baseline import plain_application, send_with_retry
from bench.common import CHAT_BASE, sqlite_url, tomorrow
from bench.dataset import fresh_database, fresh_postgres, populate, settings_for
from bench.fake_api import LimitedTelegram
from companion.app import build_application, build_services
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


async def run_companion_replies(
    template: Path | None, workdir: Path, count: int, *, url: str | None = None
) -> float:
    """On a copy of the SQLite template, or (given `url`) on a PostgreSQL database made afresh."""
    if url is None:
        assert template is not None
        url = fresh_database(template, workdir / "replies.db")
    else:
        url = fresh_postgres(url)
    populate(url, count, due=tomorrow())
    services = build_services(settings_for(url))
    application = build_application(services, request=LimitedTelegram())
    await application.initialize()
    updates = _updates(count)
    try:
        started = time.perf_counter()
        for start in range(0, count, BATCH):
            await store_updates(services, updates[start : start + BATCH])
            while await handle_stored(application):
                pass
        elapsed = time.perf_counter() - started
        async with services.db.session() as session:
            queued = await pending_count(session)
    finally:
        await application.shutdown()
        await services.db.dispose()
    if queued != count:
        raise RuntimeError(f"expected {count} replies queued, found {queued}")
    return count / elapsed


async def run_baseline_replies(template: Path, workdir: Path, count: int) -> float:
    path = workdir / "replies-baseline.db"
    populate(fresh_database(template, path), count, due=tomorrow())
    engine = create_async_engine(sqlite_url(path))
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
    if fake.delivered_to(range(CHAT_BASE, CHAT_BASE + count)) != count:
        raise RuntimeError("the baseline did not answer every update")
    return count / elapsed
