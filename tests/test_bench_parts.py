"""The benchmark measures what it says: its crisis texts, sent as the bench sends them (raw
updates through the inbox), get the emergency crisis reply; its mixed updates get the check-in's
next question or its "please tap"; and its lock-error count counts lock errors, nothing else.
(Figures stay in the benchmark: nothing here is timed.)"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy.exc import OperationalError
from telegram import Update

from bench.burst import CRISIS_REPLY_START, CRISIS_TEXTS, LockErrors, crisis_update
from bench.dataset import settings_for
from bench.mixed import (
    MOOD_BUTTONS,
    MOOD_PRESS,
    MOOD_PROMPT,
    mixed_updates,
    press_update,
    text_update,
)
from bench.paid import paid_settings
from companion.bot.context import CompanionApp
from companion.devtools.driver import ChatDriver
from tests.chat_helpers import onboard


def _update(app: CompanionApp, raw: dict[str, object]) -> Update:
    return Update.de_json(raw, app.bot)


@pytest.mark.parametrize("index", range(len(CRISIS_TEXTS)))
async def test_each_crisis_text_of_the_bench_gets_the_emergency_reply(
    app: CompanionApp, mother: ChatDriver, index: int
) -> None:
    await onboard(mother)
    raw = crisis_update(900 + index, mother.chat_id, CRISIS_TEXTS[index])
    replies = await mother.deliver(_update(app, raw))
    assert replies[0].text.startswith(CRISIS_REPLY_START)
    assert "🚨 Emergency: call 999" in replies[0].text


async def test_the_bench_mixed_updates_answer_the_mood_question_or_are_asked_for_a_tap(
    app: CompanionApp, person_factory: Callable[..., ChatDriver]
) -> None:
    """As in bench.mixed: each mother has the mood question open and sends one update."""
    first, second, third = (person_factory(user_id) for user_id in (1001, 1002, 1003))
    sent = [
        press_update(901, first.chat_id, MOOD_PRESS),
        text_update(902, second.chat_id, "3"),
        text_update(903, third.chat_id, "we finally got four hours of sleep in a row"),
    ]
    for mother, raw in zip((first, second, third), sent, strict=True):
        await onboard(mother)
        [prompt] = await mother.say("/checkin")
        assert prompt.button_data("😐") == MOOD_PRESS  # the bench presses the real button
        assert [[b["text"], b["callback_data"]] for row in MOOD_BUTTONS for b in row] == [
            [b["text"], b["callback_data"]] for row in prompt.buttons for b in row
        ]
        assert prompt.text == MOOD_PROMPT
        replies = await mother.deliver(_update(app, raw))
        if mother is third:
            assert [r.text for r in replies] == [
                "Please tap the answer above that fits best.",
                prompt.text,
            ]
        else:
            assert [r.text for r in replies] == ["How did you sleep last night?"]


def test_a_third_of_the_mixed_updates_are_presses_typed_moods_and_free_text() -> None:
    updates = mixed_updates(9)
    presses = [u for u in updates if "callback_query" in u]
    typed = [u for u in updates if u.get("message", {}).get("text") == "3"]
    assert len(presses) == len(typed) == 3
    free = [u["message"]["text"] for u in updates if u not in presses and u not in typed]
    assert len(set(free)) == len(free) == 3


def test_lock_errors_counts_lock_errors_wherever_they_surface_and_nothing_else() -> None:
    locks = LockErrors()
    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    try:
        raise RuntimeError("the tick failed") from locked
    except RuntimeError as error:
        locks.saw(error, "tick")
    locks.saw(ValueError("not a lock"), "tick")
    handler_error = "event=handler_error update_id=%s error=%s"
    for name, message, args in (
        ("companion.bot.errors", handler_error, (3, "sqlalchemy.exc.OperationalError at x")),
        ("companion.delivery.inbox", "event=poll_failed error=%s", ("TimedOut",)),
    ):
        locks.handle(logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, None))
    assert locks.count == 2
    assert set(locks.where) == {
        "tick OperationalError",
        "log companion.bot.errors event=handler_error",
    }


def test_the_bench_takes_a_setting_to_try_from_the_environment_but_not_its_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """COMPANION_TICK_BATCH=250 python -m bench tries that batch size; the database and the
    keys stay the bench's own whatever the environment says."""
    monkeypatch.setenv("COMPANION_TICK_BATCH", "250")
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/production")
    monkeypatch.setenv("COMPANION_ENCRYPTION_KEYS", "not-a-key")
    settings = settings_for("sqlite+aiosqlite:///bench.db")
    assert settings.tick_batch == 250
    assert settings.database_url == "sqlite+aiosqlite:///bench.db"
    assert paid_settings("sqlite+aiosqlite:///paid.db").tick_batch == 250
    monkeypatch.delenv("COMPANION_TICK_BATCH")
    assert settings_for("sqlite+aiosqlite:///bench.db").tick_batch == 500  # the default
