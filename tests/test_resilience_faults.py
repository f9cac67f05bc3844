"""Telegram misbehaving: a fifth of the bot's calls fail (429 with retry_after, 5xx, time-outs,
calls carried out whose response was lost, Forbidden) during a morning's fan-out of check-ins,
some /help requests and some answers.

Every message is still delivered, or its mother is paused because she blocked the bot, and no
exception reaches the error handler. A message is repeated only when Telegram delivered it and
its response was lost, at most once per lost response. The faults are seeded, so a failing run
repeats.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from telegram.error import TimedOut

from companion.bot.context import CompanionApp, Services
from companion.bot.mother_view import crisis_block
from companion.clock import ManualClock
from companion.delivery.inbox import handle_stored, poll_once
from companion.delivery.sender import HEADROOM, Pacer
from companion.delivery.tick import run_tick
from companion.devtools.fake_telegram import (
    FakeTelegram,
    Person,
    RandomFaults,
    bad_request,
    flood,
)
from companion.devtools.telegram_faults import SENDS
from companion.devtools.telegram_limits import QUERY_TOO_OLD as TOO_OLD_AT_TELEGRAM
from companion.store.models import Mother, MotherStatus, OutboxMessage
from tests.chat_helpers import t
from tests.checkin_helpers import add_mother, at, prompt_text

QUIET_OFF = {"quiet_hours": "00:00-00:00"}
FIRST = 3000  # the first mother's chat id


@dataclass
class VirtualTime:
    """The pacer's clock: a 429's pause is waited out at once, not in real seconds."""

    now: float = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def help_text(services: Services) -> str:
    content = services.content
    crisis = crisis_block(content, "en", content.resources_for("GB"))
    return content.text("en", "help.text", crisis=crisis)


async def pending(services: Services) -> int:
    async with services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def deliver_everything(services: Services, clock: ManualClock) -> None:
    """Send, and let the clock reach the next retry's time, until nothing is owed."""
    for _ in range(200):
        await services.sender.drain()
        if await pending(services) == 0:
            return
        async with services.db.session() as session:
            later = OutboxMessage.not_before > clock.now()
            due = await session.scalar(select(func.min(OutboxMessage.not_before)).where(later))
        assert due is not None, "messages ready to go that the sender would not send"
        clock.set(due)
    raise AssertionError(f"still {await pending(services)} messages owed")


async def handle_updates(app: CompanionApp, telegram: FakeTelegram) -> None:
    offset = await poll_once(app, None, wait_seconds=0)
    while await handle_stored(app):
        pass
    await poll_once(app, offset, wait_seconds=0)
    assert telegram.waiting_updates == []


async def statuses(services: Services) -> dict[int, str]:
    async with services.db.session() as session:
        rows = await session.execute(select(Mother.chat_id, Mother.status))
        return {int(chat_id): str(status) for chat_id, status in rows.all()}


async def morning_under_faults(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    clock: ManualClock,
    *,
    mothers: int,
    seed: int,
) -> tuple[RandomFaults, set[int]]:
    """A fan-out of check-ins, /help from every third mother, and then every other mother
    answers her mood; all under faults. Returns the faults and who answered."""
    time = VirtualTime()
    rate = services.settings.send_rate
    services.sender.pacer = Pacer(rate, time.monotonic, time.sleep, headroom=HEADROOM)
    chats = [FIRST + n for n in range(mothers)]
    for chat in chats:
        await add_mother(services, chat)
    clock.set(at(21, 9))
    faults = RandomFaults(0.2, seed)
    telegram.fault = faults
    for chat in chats[::3]:
        telegram.push_update(Person(app.bot, chat, now=clock.now).text("/help"))
    await handle_updates(app, telegram)
    await run_tick(services)
    await deliver_everything(services, clock)

    answered = set()
    for chat in chats[::2]:
        prompt = next((m for m in telegram.sent_to(chat) if m.text == prompt_text(services)), None)
        if prompt is not None and chat not in faults.blocked:
            her = Person(app.bot, chat, now=clock.now)
            telegram.push_update(her.press_data(prompt, "st|ci|mood|4"))
            answered.add(chat)
    await handle_updates(app, telegram)
    await deliver_everything(services, clock)
    return faults, answered


def expected_for(services: Services, chat: int, answered: set[int]) -> list[str]:
    wanted = [prompt_text(services)]
    if (chat - FIRST) % 3 == 0:
        wanted.append(help_text(services))
    if chat in answered:
        wanted.append(t(services, "checkin.sleep.prompt"))
    return wanted


async def check_morning(
    services: Services,
    telegram: FakeTelegram,
    faults: RandomFaults,
    answered: set[int],
    caplog: pytest.LogCaptureFixture,
) -> int:
    """Checks the morning; returns how many messages were repeated."""
    assert sum(faults.injected.values()) > 0
    repeated = 0
    lost = Counter(int(c.params["chat_id"]) for c in telegram.lost_responses if c.method in SENDS)
    stored = await statuses(services)
    for chat in stored:
        if chat in faults.blocked:
            assert stored[chat] == MotherStatus.BLOCKED  # paused, her data kept
            continue
        assert stored[chat] == MotherStatus.ACTIVE
        seen = [message.text for message in telegram.sent_to(chat)]
        wanted = expected_for(services, chat, answered)
        for text in wanted:
            assert any(s.startswith(text) for s in seen), f"chat {chat} never got {text[:30]!r}"
        # Repeats: only of a message delivered whose response was lost, once per loss.
        assert len(seen) - len(wanted) <= lost[chat], f"chat {chat} got {len(seen)} messages"
        repeated += len(seen) - len(wanted)
        apology = t(services, "common.error", crisis="").split("\n")[0]
        assert not any(s.startswith(apology) for s in seen)
    assert await pending(services) == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == []
    return repeated


@pytest.mark.parametrize("settings_overrides", [QUIET_OFF])
async def test_a_fifth_of_calls_failing_loses_no_message(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    faults, answered = await morning_under_faults(
        app, services, telegram, clock, mothers=30, seed=7
    )
    assert set(faults.injected) == {"429", "5xx", "timeout", "lost", "403"}  # each kind tried
    assert faults.blocked  # and some mothers were paused
    # Some sends were delivered and their responses lost: those messages arrived twice.
    assert any(call.method in SENDS for call in telegram.lost_responses)
    assert len(answered) > 5
    repeated = await check_morning(services, telegram, faults, answered, caplog)
    assert repeated > 0  # the duplicate case happened, within its bound


SEEDS = int(os.environ.get("COMPANION_FAULT_SEEDS", "5"))
# CI moves the first seed every day (.ci/run), so over time many more seeds are tried; a failing
# seed is in the test's name and repeats with COMPANION_FAULT_SEED_BASE set to it.
SEED_BASE = int(os.environ.get("COMPANION_FAULT_SEED_BASE", "100"))


@pytest.mark.slow
@pytest.mark.parametrize("settings_overrides", [QUIET_OFF])
@pytest.mark.parametrize("seed", range(SEED_BASE, SEED_BASE + SEEDS))
async def test_many_seeds_and_more_mothers_lose_no_message(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    seed: int,
) -> None:
    faults, answered = await morning_under_faults(
        app, services, telegram, clock, mothers=120, seed=seed
    )
    await check_morning(services, telegram, faults, answered, caplog)


TOO_OLD = "Bad Request: query is too old and response timeout expired or query id is invalid"


@pytest.mark.parametrize("settings_overrides", [QUIET_OFF])
@pytest.mark.parametrize(
    "failure", [bad_request(TOO_OLD), flood(3), TimedOut()], ids=["too-old", "429", "timeout"]
)
async def test_a_press_that_telegram_wont_acknowledge_still_gets_its_reply(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    failure: object,
) -> None:
    """Answering a press fails when it is handled late (say, from the inbox after a restart)
    or Telegram is busy; her snooze is stored either way, and so must its confirmation be."""
    await add_mother(services, FIRST)
    clock.set(at(21, 9))
    await run_tick(services)
    await services.sender.drain()
    [prompt] = telegram.sent_to(FIRST)
    telegram.fault = lambda method, params: failure if method == "answerCallbackQuery" else None
    snooze_one_hour = prompt.buttons[1][0]["callback_data"]
    assert snooze_one_hour.startswith("snz|")
    her = Person(app.bot, FIRST, now=clock.now)
    telegram.push_update(her.press_data(prompt, snooze_one_hour))
    await handle_updates(app, telegram)
    await services.sender.drain()
    assert [m.text for m in telegram.sent_to(FIRST)[1:]] == [
        t(services, "checkin.snoozed", time="10:00")
    ]
    assert "answerCallbackQuery" in telegram.methods()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("settings_overrides", [QUIET_OFF])
async def test_a_press_handled_after_15_minutes_gets_telegrams_refusal_and_still_its_reply(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No injected fault: the press waits at Telegram 16 minutes (the bot was down), and the
    strict fake refuses its answer as Telegram would, 15 minutes after the press."""
    await add_mother(services, FIRST)
    clock.set(at(21, 9))
    await run_tick(services)
    await services.sender.drain()
    [prompt] = telegram.sent_to(FIRST)
    snooze_one_hour = prompt.buttons[1][0]["callback_data"]
    her = Person(app.bot, FIRST, now=clock.now)
    telegram.push_update(her.press_data(prompt, snooze_one_hour))
    clock.advance(timedelta(minutes=16))
    await handle_updates(app, telegram)
    await services.sender.drain()
    assert ("answerCallbackQuery", TOO_OLD_AT_TELEGRAM) in telegram.refused
    assert telegram.callback_answers == []
    assert [m.text for m in telegram.sent_to(FIRST)[1:]] == [
        t(services, "checkin.snoozed", time="10:16")
    ]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
