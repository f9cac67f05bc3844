"""No silence after a crisis: an unanswered "are you safe now?" tells her linked clinicians and
the backup chat, in the emergency lane, and sends her the emergency number once more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.delivery.tick import run_tick
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.models import Lane, OutboxMessage
from companion.store.safety_models import Flag
from tests.alert_helpers import BACKUP, START, World, events, make_world
from tests.chat_helpers import t
from tests.checkin_helpers import tick


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"backup_chat_id": BACKUP}


@pytest.fixture
async def world(services: Services, person_factory: Callable[..., ChatDriver]) -> World:
    """The alerts' mothers and clinicians: Ana (A) shares with Dr Rivera; Cat (C) with nobody."""
    return await make_world(services, person_factory)


FOLLOWUP = timedelta(minutes=90)  # COMPANION_SAFETY_FOLLOWUP_MINUTES
ESCALATE = timedelta(minutes=60)  # COMPANION_FOLLOWUP_ESCALATE_MINUTES


async def flags_of(services: Services) -> list[Flag]:
    async with services.db.session() as session:
        return list((await session.scalars(select(Flag).order_by(Flag.raised_at))).all())


async def lanes_to(services: Services, chat_id: int) -> list[int]:
    async with services.db.session() as session:
        query = select(OutboxMessage.lane).where(OutboxMessage.chat_id == chat_id)
        return list((await session.scalars(query)).all())


async def asked_are_you_safe(world: World, services: Services, clock: ManualClock) -> None:
    """Ana's urgent message at noon; Dr Rivera acknowledges; "are you safe now?" at 13:30."""
    await world.a.say("I want to die")
    await world.rivera.tap("✓ Acknowledge")
    clock.set(START + FOLLOWUP)
    assert (await tick(services)).followups == 1
    world.a.new_messages()
    world.rivera.new_messages()


async def test_no_answer_alerts_her_clinician_and_the_backup_chat_and_tells_her_once(
    world: World, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    await asked_are_you_safe(world, services, clock)
    clock.set(START + FOLLOWUP + ESCALATE - timedelta(minutes=1))
    assert (await tick(services)).unanswered == 0
    assert world.rivera.new_messages() == []

    clock.set(START + FOLLOWUP + ESCALATE)
    report = await tick(services)
    assert report.unanswered == 1
    [alert] = world.rivera.new_messages()
    assert alert.text.startswith("🚨 NO ANSWER TO THE SAFETY FOLLOW-UP — Ana R.\n")
    assert "in the 60 minutes since it was asked" in alert.text
    assert "die" not in alert.text  # her words are not repeated
    assert alert.protect_content
    [to_backup] = [m for m in telegram.sent_to(BACKUP) if "NO ANSWER" in m.text]
    assert "Ana R." in to_backup.text
    [to_her] = world.a.new_messages()
    assert to_her.text == t(services, "crisis.no_answer", emergency="999")
    [flag] = await flags_of(services)
    assert (flag.escalated_at, flag.asked, flag.status) == (clock.now(), "safe", "open")
    assert ("followup_unanswered_sent", world.ids["rivera"]) in await events(services)

    clock.advance(timedelta(hours=3))
    assert (await tick(services)).unanswered == 0  # once per flag
    assert world.a.new_messages() == []

    replies = await world.a.say("yes im safe")  # a late answer is still heard
    assert replies[0].text.startswith("I'm glad.")


async def test_the_alert_and_her_message_go_in_the_emergency_lane(
    world: World, services: Services, clock: ManualClock
) -> None:
    await asked_are_you_safe(world, services, clock)
    clock.set(START + FOLLOWUP + ESCALATE)
    assert (await run_tick(services)).unanswered == 1  # queued, not yet sent
    assert await lanes_to(services, world.rivera.chat_id) == [Lane.EMERGENCY]
    assert await lanes_to(services, world.a.chat_id) == [Lane.EMERGENCY]
    assert await lanes_to(services, BACKUP) == [Lane.EMERGENCY]


@pytest.mark.parametrize("answer", ["typed", "tapped"])
async def test_an_answer_in_time_means_no_alert(
    world: World, services: Services, clock: ManualClock, answer: str
) -> None:
    await world.a.say("I want to die")
    clock.set(START + FOLLOWUP)
    await tick(services)
    if answer == "typed":
        await world.a.say("im ok")
    else:
        await world.a.tap("I'm safe now")
    clock.set(START + FOLLOWUP + ESCALATE * 3)
    assert (await tick(services)).unanswered == 0
    assert not [m for m in world.rivera.new_messages() if "NO ANSWER" in m.text]


async def test_with_nobody_linked_she_still_gets_the_emergency_number_again(
    world: World, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    await world.c.say("I want to die")
    clock.set(START + FOLLOWUP)
    await tick(services)
    world.c.new_messages()
    clock.set(START + FOLLOWUP + ESCALATE)
    assert (await tick(services)).unanswered == 1
    [to_her] = world.c.new_messages()
    assert to_her.text == t(services, "crisis.no_answer", emergency="999")
    assert not [m for m in telegram.sent_to(BACKUP) if "NO ANSWER" in m.text]


async def test_a_flag_a_clinician_closed_raises_no_no_answer_alert(
    world: World, services: Services, clock: ManualClock
) -> None:
    await world.a.say("I want to die")
    [alert] = world.rivera.new_messages()
    [question] = await world.rivera.tap_on(alert, "🔒 Close flag")
    await world.rivera.tap_on(question, "✅ Reached her, she is safe")
    clock.set(START + FOLLOWUP)
    await tick(services)
    clock.set(START + FOLLOWUP + ESCALATE)
    assert (await tick(services)).unanswered == 0
    assert not [m for m in world.rivera.new_messages() if "NO ANSWER" in m.text]
    [flag] = await flags_of(services)
    assert (flag.status, flag.escalated_at) == ("closed", None)
