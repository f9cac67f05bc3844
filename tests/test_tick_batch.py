"""The set-based tick: its prompts are exactly what a single prompt would be; while it queues
thousands of check-ins and the sender sends them, every crisis text that arrives through the
inbox is answered with the crisis reply, and no lock error reaches a handler or loses a message;
what she changes while her batch is being prepared is kept."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from companion.bot.checkin import nudge_replies, prompt_replies
from companion.bot.context import CompanionApp, Services
from companion.clock import ManualClock
from companion.delivery import tick_batch
from companion.delivery.outgoing import encode
from companion.delivery.tick import run_tick
from companion.delivery.tick_rows import Prompts
from companion.devtools.driver import ChatDriver, receive
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.models import Checkin, InboxUpdate, Mother, new_id
from tests.chat_helpers import load_mother
from tests.checkin_helpers import QUIET_OFF, add_mother, at, update_mother
from tests.conftest import PG_URL
from tests.crisis_texts import URGENT_GB
from tests.workers_helpers import add_mothers, until

DUE = 3000


@pytest.mark.parametrize("locale", ["en", "es"])
def test_a_batch_renders_exactly_what_the_single_prompt_does(
    services: Services, locale: str
) -> None:
    prompts = Prompts(services)
    her = Mother(locale=locale)
    for late in (False, True):
        for checkin_id in (new_id(), new_id()):
            single = [encode(r) for r in prompt_replies(services, her, checkin_id, late=late)]
            assert prompts.prompt(locale, checkin_id, late=late) == single
            assert checkin_id in single[0]
    assert prompts.nudge(locale) == [encode(r) for r in nudge_replies(services, her)]


CRISIS = ["I want to die", "I don't want to be here anymore", "I want to end my life"]


@pytest.mark.parametrize("settings_overrides", [{**QUIET_OFF, "tick_batch": 250}])
async def test_crisis_texts_during_a_tick_of_thousands_are_all_answered(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    person_factory: Callable[..., ChatDriver],
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await add_mothers(services, DUE)  # due at 09:00 London on the 21st
    women = []
    for index in range(24):  # her own check-in is at noon: not part of the morning's tick
        user_id = 5000 + index
        await add_mother(services, user_id, at="12:00")
        women.append(person_factory(user_id))
    clock.set(at(21, 9))
    caplog.set_level(logging.INFO)

    sender = asyncio.create_task(services.sender.run(poll_seconds=0.05))
    tick = asyncio.create_task(run_tick(services))
    during_tick = 0

    async def say_crisis(woman: ChatDriver, text: str) -> None:
        nonlocal during_tick
        await receive(app, woman.person.text(text))
        during_tick += not tick.done()

    try:
        arrivals = []
        for index, woman in enumerate(women):  # one arrives every turn of the event loop
            arrivals.append(asyncio.create_task(say_crisis(woman, CRISIS[index % len(CRISIS)])))
            await asyncio.sleep(0)
        await asyncio.gather(*arrivals)
        report = await tick
        await until(lambda: all(woman.history for woman in women), seconds=120)
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        await services.sender.wait_idle()

    assert during_tick > 0  # the test drove what it says: texts handled while the tick ran
    assert report.sent == DUE
    for woman in women:
        assert [message.text for message in woman.new_messages()] == [URGENT_GB]
    async with services.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Checkin)) == DUE
        unhandled = select(func.count()).where(InboxUpdate.handled_at.is_(None))
        assert await session.scalar(unhandled) == 0
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert problems == []
    assert "locked" not in caplog.text


@pytest.mark.skipif(bool(PG_URL), reason="on PostgreSQL the claim locks her row until it commits")
async def test_what_she_changes_while_her_batch_is_prepared_is_kept(
    services: Services, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_mother(services, 2001)  # due at 09:00 London on the 21st
    await update_mother(services, 2001, unanswered=1)
    clock.set(at(21, 9))
    claim = tick_batch._claim

    async def claim_then_she_acts(*args: object) -> object:
        claimed = await claim(*args)  # type: ignore[arg-type]
        # On SQLite the claim is read before the batch takes the write lock: meanwhile she
        # answers yesterday's check-in (her silence is over) and moves hers to 18:00.
        await update_mother(services, 2001, unanswered=0, checkin_time="18:00")
        await update_mother(services, 2001, next_checkin_at=at(21, 18))
        return claimed

    monkeypatch.setattr(tick_batch, "_claim", claim_then_she_acts)
    assert (await run_tick(services)).sent == 1  # the 09:00 prompt was due: it goes
    stored = await load_mother(services, 2001)
    assert stored is not None
    assert (stored.checkin_time, stored.next_checkin_at) == ("18:00", at(21, 18))
    assert stored.unanswered == 1  # this prompt, not the one she answered


@pytest.mark.parametrize("settings_overrides", [QUIET_OFF])
async def test_a_damaged_check_in_time_stops_her_schedule_not_the_batch(
    services: Services, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await add_mother(services, 2001)
    await add_mother(services, 2002)
    await update_mother(services, 2001, checkin_time="25:99")  # not a time: damage
    clock.set(at(21, 9))
    assert (await run_tick(services)).sent == 1
    damaged, fine = await load_mother(services, 2001), await load_mother(services, 2002)
    assert damaged is not None
    assert fine is not None
    assert (damaged.next_checkin_at, fine.next_checkin_at) == (None, at(22, 9))
    assert "event=schedule_unreadable mother=" in caplog.text
