"""Mixed inbound replies per second: what mothers send back to the morning's check-in.

M onboarded mothers are due; the tick queues their prompts (the mood question). Then each sends
one update, in turn: a press of a mood button (a callback query: answered, the next question
queued), the mood typed as a number, or a line of free text (hard negatives from the triage's
labelled corpus: newborn tiredness, idioms, everyday life), which the triage reads before the
check-in asks for a tap. They go through the inbox as in bench.replies; a reply counts once it
is queued (the sender is not running)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import CHAT_BASE
from bench.dataset import Databases, TickClock, populate, settings_for
from bench.fake_api import BOT_USER, LimitedTelegram
from bench.replies import through_inbox
from companion.app import build_application, build_services
from companion.delivery.outbox import pending_count
from companion.delivery.tick import run_tick
from companion.triage_labels import read_labelled

NONE_LINES = Path(__file__).resolve().parent.parent / "tests/triage/corpus/en/none.tsv"
MOOD_PRESS = "st|ci|mood|3"  # the "Okay" button of the mood question (bot.steps.Turn.button)
# The mood question as she sees it (messages/en/checkin.toml): its text and buttons come back
# with her press, and the bot edits the message to show what she picked.
MOOD_PROMPT = "How are you feeling today?\n😞 very low · 😕 low · 😐 okay · 🙂 good · 😄 very good"
MOOD_BUTTONS = [
    [
        {"text": face, "callback_data": f"st|ci|mood|{value}"}
        for value, face in enumerate("😞😕😐🙂😄", 1)
    ]
]
UPDATE_BASE = 300_000_000


def _person(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"}


def _chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": "Ana"}


def text_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 2000 + update_id % 1_000_000,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": _chat(user_id),
            "from": _person(user_id),
            "text": text,
        },
    }


def press_update(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    """Her press of a button on the bot's mood question (the query id carries the moment, as
    the project's fakes expect)."""
    now = datetime.now(UTC)
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}@{int(now.timestamp() * 1000)}",
            "from": _person(user_id),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(now.timestamp()),
                "chat": _chat(user_id),
                "from": BOT_USER,
                "text": MOOD_PROMPT,
                "reply_markup": {"inline_keyboard": MOOD_BUTTONS},
            },
        },
    }


def mixed_updates(count: int) -> list[dict[str, Any]]:
    """A third each: a mood button pressed, a mood typed, free text (no two lines alike in a
    row, so the triage's memory of recent readings does not answer for it)."""
    lines = itertools.cycle(row.text for row in read_labelled(NONE_LINES))
    updates = []
    for index in range(count):
        user, update_id = CHAT_BASE + index, UPDATE_BASE + index
        if index % 3 == 0:
            updates.append(press_update(update_id, user, MOOD_PRESS))
        elif index % 3 == 1:
            updates.append(text_update(update_id, user, "3"))
        else:
            updates.append(text_update(update_id, user, next(lines)))
    return updates


async def run_mixed_replies(databases: Databases, count: int) -> float:
    due = datetime.now(UTC).replace(microsecond=0)
    url = databases.fresh("replies-mixed")
    populate(url, count, due=due)
    services = build_services(settings_for(url), TickClock())
    application = build_application(services, request=LimitedTelegram())
    await application.initialize()
    try:
        report = await run_tick(dataclasses.replace(services, clock=TickClock(frozen=due)))
        if report.sent != count:
            raise RuntimeError(f"expected {count} prompts, the tick queued {report}")
        async with services.db.session() as session:
            before = await pending_count(session)
        elapsed = await through_inbox(application, mixed_updates(count))
        async with services.db.session() as session:
            queued = await pending_count(session) - before
    finally:
        await application.shutdown()
        await services.db.dispose()
        databases.discard("replies-mixed")
    if queued < count:
        raise RuntimeError(f"expected at least {count} replies queued, found {queued}")
    return count / elapsed
