"""The hard minute's inbound side: crisis texts arriving through the inbox while the tick and the
fan-out run, and a count of database-lock errors wherever they surface.

Each crisis text is a real update, stored with inbox.store_updates and handled by the webhook's
InboxHandler (woken as the webhook wakes it), the path every private message takes. Its latency
runs from the moment it arrived (just before it is stored) to the fake Bot API accepting the
crisis reply's sendMessage."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bench.common import CHAT_BASE
from companion.bot.context import Services
from companion.delivery.inbox import store_updates
from companion.webhook import InboxHandler

CRISIS_EVERY_S = 0.1
# Words the triage reads as an emergency: a plan with a method, or an act under way.
CRISIS_TEXTS = (
    "I have a plan to end it tonight, I've saved up my pills",
    "I took all the pills",
    "I have a plan to end it tonight",
    "I'm going to take all my tablets tonight, I have them ready",
    "I have the pills in my hand and I'm going to take them all",
)
# What the crisis reply to an emergency starts with (messages/en/crisis.toml), for mothers in GB.
CRISIS_REPLY_START = "I'm worried about your safety right now"
# An exception (its type and message) or a log line (companion logs type names only) that says
# the database refused for a lock: SQLite's "database is locked" is an OperationalError;
# PostgreSQL's are LockNotAvailable, DeadlockDetected, or a lock timeout.
LOCK_WORDS = re.compile(r"locked|deadlock|lock ?not ?available|lock timeout|OperationalError", re.I)
UPDATE_BASE = 500_000_000  # update_ids of the crisis texts: clear of any other part's


def crisis_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """The update Telegram sends when she types `text` in her private chat with the bot."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 5000 + update_id % 1_000_000,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            "text": text,
        },
    }


class LockErrors(logging.Handler):
    """Counts lock errors in log records (any logger, WARNING and up), in exceptions the bench
    catches itself, and in exceptions nobody retrieved from a task; keeps every ERROR record's
    event too, for the details."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.where: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + _describe(record.exc_info[1])
        event = text.split()[0] if text else record.name
        if record.levelno >= logging.ERROR:
            self.errors[f"{record.name} {event}"] += 1
        if LOCK_WORDS.search(text):
            self.count += 1
            self.where[f"log {record.name} {event}"] += 1

    def saw(self, error: BaseException, where: str) -> None:
        seen: BaseException | None = error
        while seen is not None:
            if LOCK_WORDS.search(_describe(seen)):
                self.count += 1
                self.where[f"{where} {type(seen).__name__}"] += 1
                return
            seen = seen.__cause__ or seen.__context__

    def install(self) -> None:
        logging.getLogger().addHandler(self)
        # The sender logs its retries at WARNING; quiet_logging keeps that logger at ERROR.
        logging.getLogger("companion.delivery.sender").setLevel(logging.WARNING)
        for handler in logging.getLogger().handlers:
            if handler is not self:
                handler.setLevel(logging.ERROR)  # stderr: errors only


def _describe(error: BaseException) -> str:
    return f"{type(error).__module__}.{type(error).__name__}: {error}"


async def feed_crisis(
    services: Services,
    inbox: InboxHandler,
    first_chat: int,
    stop: asyncio.Event,
    arrived: dict[int, float],
    locks: LockErrors,
) -> None:
    """Every ~100 ms a crisis text from another mother (chats from `first_chat` on, none due),
    stored as the webhook stores it; a store that fails is stored again (Telegram would resend
    an update the webhook did not acknowledge), its arrival time kept."""
    start = time.monotonic()
    index = 0
    while not stop.is_set():
        chat = first_chat + index
        raw = crisis_update(UPDATE_BASE + index, chat, CRISIS_TEXTS[index % len(CRISIS_TEXTS)])
        arrived[chat] = time.monotonic()
        while True:
            try:
                await store_updates(services, [raw])
                break
            except Exception as error:  # counted; the webhook would answer 503
                locks.saw(error, "store")
                await asyncio.sleep(CRISIS_EVERY_S)
        inbox.stored.set()
        index += 1
        await asyncio.sleep(max(0.0, start + index * CRISIS_EVERY_S - time.monotonic()))


def crisis_first_chat(due: int) -> int:
    """The crisis texts come from mothers after the due ones (due tomorrow, so not in the tick)."""
    return CHAT_BASE + due
