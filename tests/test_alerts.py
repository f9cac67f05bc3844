"""Alerts end to end, with two clinicians and three mothers: mother A shares with Dr Rivera only,
B with both (her notes with Dr Rivera only), C with nobody. An urgent or emergency flag reaches
only her linked clinicians, after her own crisis reply; nobody acknowledging it within 15 minutes
repeats it once to them and the clinic's backup chat; the first acknowledgement stops it and
tells the others and her; a press by anyone else is refused. Every step is in the audit log."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.core.triage import lexicon_triage
from companion.core.triage_terms import REASONS
from companion.delivery import alert_repeats
from companion.delivery.alert_repeats import repeat_unacknowledged
from companion.delivery.tick import run_tick
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, FaultResult, SentMessage, blocked
from companion.store.alerts import create_alert
from companion.store.clinician_models import Alert, Clinician, Share
from companion.store.models import Lane, OutboxMessage
from companion.store.safety_models import Flag
from companion.triage_lexicon import lexicon_only
from tests.alert_helpers import (
    BACKUP,
    OKAFOR,
    RIVERA,
    START,
    A,
    B,
    C,
    World,
    audit_log,
    events,
    make_world,
)
from tests.chat_helpers import snapshot, t, texts
from tests.checkin_helpers import at, skip_to_the_end, tick, tick_and_read
from tests.flag_helpers import opened
from tests.test_personal_data import all_rows

STRANGER = 730416289  # neither a mother nor a clinician
SAID = ["I want to die", "some days I think about ending it", "I took all the pills"]
NAMES = ["Ana R.", "Bea K."]
ACKNOWLEDGE, WILL_CALL = "✓ Acknowledge", "📞 I'll call her back"
CLOSE = "🔒 Close flag"  # tests/test_flag_closing.py
CALL_ME = "📞 Ask my clinician to contact me"

A_URGENT = """⚠️ URGENT — Ana R.
Reason: suicidal thoughts (free-text disclosure in a chat message)
When: 20 November 12:00 (her time)
Latest scores: none yet

Urgent tier: please contact her today. She has been given crisis lines and told her clinician \
will follow up the same day.
Tap Acknowledge once you have seen this. If nobody acknowledges it within 15 minutes, it is \
sent again to every clinician she shares with and to the clinic's backup chat."""


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"backup_chat_id": BACKUP}


@pytest.fixture(autouse=True)
def _no_health_text_in_logs(
    caplog: pytest.LogCaptureFixture, telegram: FakeTelegram
) -> Iterator[None]:
    """For every test here: nothing she typed and no display name in any log record, and no
    message to anyone implies a child could be taken away."""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="companion")
    yield
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}"
        for phase in ("setup", "call")
        for record in caplog.get_records(phase)
    ).lower()
    assert not [said for said in [*SAID, *NAMES] if said.lower() in logged]
    shown = [m.text for chat in telegram.messages.values() for m in chat]
    assert not [text for text in shown if "taken" in text.lower()]


async def alerts(services: Services) -> list[Alert]:
    async with services.db.session() as session:
        return list((await session.scalars(select(Alert).order_by(Alert.created_at))).all())


@pytest.fixture
async def world(services: Services, person_factory: Callable[..., ChatDriver]) -> World:
    return await make_world(services, person_factory)


def backup_messages(telegram: FakeTelegram) -> list[SentMessage]:
    return telegram.sent_to(BACKUP)


def sends_since(telegram: FakeTelegram, mark: int) -> list[int]:
    """The chats messages went to since `mark`, in the order Telegram saw them."""
    return [int(c.params["chat_id"]) for c in telegram.calls[mark:] if c.method == "sendMessage"]


def without_audit(rows: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    return {table: found for table, found in rows.items() if table != "audit_log"}


async def raise_urgent(world: World, driver: ChatDriver, said: str = "I want to die") -> Alert:
    await driver.say(said)
    return (await alerts(driver.application.bot_data.services))[-1]


# --- 1. an urgent flag reaches only her linked clinicians, after her own reply -------------------


async def test_an_urgent_flag_for_a_reaches_only_dr_rivera_after_her_own_reply(
    world: World, services: Services, telegram: FakeTelegram
) -> None:
    mark = len(telegram.calls)
    await world.a.handle(world.a.person.text("I want to die"))  # not sent yet
    async with services.db.session() as session:
        query = select(OutboxMessage.chat_id, OutboxMessage.lane).order_by(OutboxMessage.id)
        rows = (await session.execute(query)).all()
    assert [tuple(row) for row in rows] == [(A, Lane.EMERGENCY), (RIVERA, Lane.EMERGENCY)]
    await services.sender.drain()
    assert sends_since(telegram, mark) == [A, RIVERA]  # her help first, then the alert

    [reply] = world.a.new_messages()
    assert "I've sent an alert to Dr Rivera, so they can contact you today" in reply.text
    assert "no clinician is linked" not in reply.text
    [alert_message] = world.rivera.new_messages()
    assert alert_message.text == A_URGENT
    assert alert_message.protect_content
    [alert] = await alerts(services)
    assert [[b["callback_data"] for b in row] for row in alert_message.buttons] == [
        [f"ack|{alert.id}"],
        [f"cbr|{alert.id}"],
        [f"fcl|{alert.flag_id}"],
    ]
    assert alert_message.button_labels == [ACKNOWLEDGE, WILL_CALL, CLOSE]
    assert "I want to die" not in alert_message.text  # her words only where her share allows
    assert world.okafor.new_messages() == world.b.new_messages() == world.c.new_messages() == []
    assert backup_messages(telegram) == []
    assert (alert.kind, alert.status, alert.mother_id) == ("flag", "open", world.ids["A"])
    assert (alert.escalate_at, alert.escalated_at) == (START + timedelta(minutes=15), None)
    [sent] = await audit_log(services)
    assert (sent.event, sent.alert_id, sent.clinician_id, sent.mother_id) == (
        "alert_sent",
        alert.id,
        world.ids["rivera"],
        world.ids["A"],
    )
    assert str(sent.detail).endswith("lane=0")  # no Telegram id: clinician_id says who


async def test_b_reaches_both_clinicians_with_her_words_only_where_she_allowed_them(
    world: World, services: Services, telegram: FakeTelegram
) -> None:
    mark = len(telegram.calls)
    [reply] = await world.b.say("some days I think about ending it")
    assert sends_since(telegram, mark)[0] == B
    assert "I've sent an alert to Dr Okafor and Dr Rivera" in reply.text
    [to_rivera] = world.rivera.new_messages()
    [to_okafor] = world.okafor.new_messages()
    assert to_rivera.text.startswith("⚠️ URGENT — Bea K.\n")
    assert to_okafor.text.startswith("⚠️ URGENT — Bea K.\n")
    words = "Her words (shared with her consent): “some days I think about ending it”"
    assert words in to_rivera.text
    assert "ending it" not in to_okafor.text
    assert [to_rivera.protect_content, to_okafor.protect_content] == [True, True]
    assert world.a.new_messages() == world.c.new_messages() == []
    assert await events(services) == [
        ("alert_sent", world.ids["okafor"]),
        ("alert_sent", world.ids["rivera"]),
    ]


async def test_c_with_nobody_linked_is_told_so_and_how_to_link_one(
    world: World, services: Services, telegram: FakeTelegram
) -> None:
    mark = len(telegram.calls)
    [reply] = await world.c.say("I want to die")
    assert sends_since(telegram, mark) == [C]
    assert reply.text.endswith(t(services, "crisis.next_no_clinician", minutes=90))
    assert "no clinician is linked to companion for you, so nobody has been told" in reply.text
    assert "ask them for a companion code and send /share CODE" in reply.text
    assert await alerts(services) == []
    assert await audit_log(services) == []


async def test_an_emergency_alerts_both_at_once_and_says_so(
    world: World, services: Services, telegram: FakeTelegram
) -> None:
    mark = len(telegram.calls)
    [reply] = await world.b.say("I took all the pills")
    assert sends_since(telegram, mark)[0] == B
    assert reply.text.startswith("I'm worried about your safety right now. Please call 999 now")
    assert "I've alerted Dr Okafor and Dr Rivera straight away" in reply.text
    for clinician in (world.rivera, world.okafor):
        [message] = clinician.new_messages()
        assert message.text.startswith("🚨 EMERGENCY — Bea K.\nReason: possible suicide attempt")
        assert "Emergency tier: please contact her at once." in message.text


# --- 2. the repeat, with a controlled clock -------------------------------------------------------


async def test_nobody_acknowledging_repeats_it_once_at_fifteen_minutes(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    alert = await raise_urgent(world, world.b)
    world.b.new_messages(), world.rivera.new_messages(), world.okafor.new_messages()
    clock.set(START + timedelta(minutes=14))
    assert (await tick(services)).alerts_repeated == 0
    assert world.rivera.new_messages() == world.okafor.new_messages() == []

    clock.set(START + timedelta(minutes=15))
    report = await run_tick(services)
    assert report.alerts_repeated == 1
    async with services.db.session() as session:
        lanes = dict(
            (await session.execute(select(OutboxMessage.chat_id, OutboxMessage.lane))).all()
        )
    assert lanes == {
        RIVERA: Lane.EMERGENCY,
        OKAFOR: Lane.EMERGENCY,
        BACKUP: Lane.EMERGENCY,
        B: Lane.REPLY,
    }
    await services.sender.drain()
    for clinician in (world.rivera, world.okafor):
        [again] = clinician.new_messages()
        assert again.text.startswith("🔁 REPEAT, NOT YET ACKNOWLEDGED: ⚠️ URGENT — Bea K.\n")
        assert "Nobody has acknowledged this alert in the 15 minutes" in again.text
        assert again.protect_content
        assert again.button_labels == [ACKNOWLEDGE, WILL_CALL, CLOSE]
    [to_backup] = backup_messages(telegram)
    assert to_backup.text == (
        "🔁 REPEAT, NOT YET ACKNOWLEDGED: ⚠️ URGENT — Bea K.\n"
        "Raised: 20 November 12:00 (her time)\n"
        "No clinician has acknowledged this alert after 15 minutes. Her linked clinicians have "
        "been sent it again; please make sure someone responds."
    )
    assert to_backup.protect_content
    assert to_backup.buttons == []  # nothing to acknowledge from there: no share
    [told] = world.b.new_messages()
    assert told.text == t(
        services,
        "alerts.mother.repeated_with_team",
        clinicians="Dr Okafor and Dr Rivera",
        emergency="999",
    )
    assert world.a.new_messages() == world.c.new_messages() == []
    [repeated] = await alerts(services)
    assert (repeated.id, repeated.status, repeated.escalated_at) == (alert.id, "open", clock.now())
    assert (await events(services))[-3:] == [
        ("alert_repeated", world.ids["okafor"]),
        ("alert_repeated", world.ids["rivera"]),
        ("alert_repeated", None),  # the backup chat
    ]

    for later in (16, 30, 240):  # never a third time
        clock.set(START + timedelta(minutes=later))
        assert (await tick(services)).alerts_repeated == 0
    assert world.rivera.new_messages() == world.okafor.new_messages() == []
    assert len(backup_messages(telegram)) == 1


@pytest.mark.parametrize("settings_overrides", [{"backup_chat_id": -1001234567890}])
async def test_the_repeat_reaches_a_backup_group_with_only_name_level_and_time(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    await raise_urgent(world, world.a, "I want to die")
    clock.set(START + timedelta(minutes=15))
    assert (await tick(services)).alerts_repeated == 1
    [to_group] = telegram.sent_to(-1001234567890)
    assert to_group.text.startswith("🔁 REPEAT, NOT YET ACKNOWLEDGED: ⚠️ URGENT — Ana R.\n")
    assert "die" not in to_group.text
    assert to_group.protect_content
    assert to_group.buttons == []
    assert [line.text for line in world.a.new_messages()][-1] == t(
        services, "alerts.mother.repeated_with_team", clinicians="Dr Rivera", emergency="999"
    )


async def test_two_ticks_at_once_repeat_it_once(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    await raise_urgent(world, world.a)
    clock.set(START + timedelta(minutes=15))
    counts = await asyncio.gather(
        repeat_unacknowledged(services, 10), repeat_unacknowledged(services, 10)
    )
    assert sorted(counts) == [0, 1]
    await services.sender.drain()
    assert len(backup_messages(telegram)) == 1
    assert len(world.rivera.new_messages()) == 2  # the alert and its one repeat


# --- 3. acknowledgement ---------------------------------------------------------------------------


async def test_the_first_acknowledgement_stops_the_repeat_and_tells_the_others_and_her(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    alert = await raise_urgent(world, world.b)
    world.b.new_messages(), world.rivera.new_messages()
    [to_okafor] = world.okafor.new_messages()
    clock.set(START + timedelta(minutes=5))
    assert await world.okafor.tap_on(to_okafor, ACKNOWLEDGE) == []
    assert (
        telegram.callback_answers[-1]["text"] == "Acknowledged. The others and she have been told."
    )
    assert to_okafor.text.endswith("\n\n✓ Acknowledged by you at 12:05.")
    assert to_okafor.button_labels == [CLOSE]  # closing the flag is still to come
    [notice] = world.rivera.new_messages()
    assert notice.text == (
        "✓ ⚠️ URGENT alert for Bea K. (20 November 12:00 (her time)) acknowledged by Dr Okafor."
    )
    assert notice.protect_content
    [told] = world.b.new_messages()
    assert told.text == (
        "Dr Okafor has seen my alert about how you're feeling. If you need help before you hear "
        "from them, call 999 or one of the lines I sent you."
    )
    [acknowledged] = await alerts(services)
    assert (acknowledged.status, acknowledged.acknowledged_by) == (
        "acknowledged",
        world.ids["okafor"],
    )
    assert acknowledged.acknowledged_at == clock.now()

    clock.set(START + timedelta(minutes=15))
    assert (await tick(services)).alerts_repeated == 0
    assert (
        world.rivera.new_messages() == world.okafor.new_messages() == world.b.new_messages() == []
    )
    assert backup_messages(telegram) == []

    # A second acknowledgement is told who was first; nothing else changes.
    before = without_audit(await snapshot(services))
    [to_rivera] = [m for m in world.rivera.history if m.buttons]
    assert await world.rivera.tap_on(to_rivera, ACKNOWLEDGE) == []
    assert telegram.callback_answers[-1]["text"] == "Already acknowledged by Dr Okafor at 12:05."
    assert to_rivera.text.endswith("\n\n✓ Already acknowledged by Dr Okafor at 12:05.")
    assert to_rivera.button_labels == [CLOSE]  # her stale copy is tidied, nothing else changes
    assert without_audit(await snapshot(services)) == before
    assert world.okafor.new_messages() == world.b.new_messages() == []
    assert (await events(services))[-1] == ("ack_duplicate", world.ids["rivera"])
    assert ("acknowledged", world.ids["okafor"]) in await events(services)
    assert alert.id == acknowledged.id


async def test_after_the_repeat_an_acknowledgement_tells_the_backup_chat_too(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    await raise_urgent(world, world.a)
    clock.set(START + timedelta(minutes=15))
    await tick(services)
    repeat = world.rivera.history[-1]
    clock.set(START + timedelta(minutes=20))
    await world.rivera.tap_on(repeat, ACKNOWLEDGE)
    assert backup_messages(telegram)[-1].text == (
        "✓ ⚠️ URGENT alert for Ana R. (20 November 12:00 (her time)) acknowledged by Dr Rivera."
    )
    assert world.a.new_messages()[-1].text.startswith("Dr Rivera has seen my alert")


async def test_ill_call_her_back_acknowledges_and_tells_her_she_will_be_contacted(
    world: World, services: Services, telegram: FakeTelegram
) -> None:
    await raise_urgent(world, world.a)
    world.a.new_messages()
    [message] = world.rivera.new_messages()
    await world.rivera.tap_on(message, WILL_CALL)
    assert telegram.callback_answers[-1]["text"] == "Noted: she will be told you will contact her."
    assert message.text.endswith("\n\n📞 You will contact her (noted at 12:00).")
    [told] = world.a.new_messages()
    assert told.text.startswith(
        "Dr Rivera has seen my alert about how you're feeling and will contact you."
    )
    [alert] = await alerts(services)
    assert (alert.status, alert.callback_requested_at) == ("acknowledged", START)
    assert [e for e, _ in await events(services)] == [
        "alert_sent",
        "acknowledged",
        "callback_requested",
    ]


# --- 4. presses by anyone else are refused --------------------------------------------------------


async def test_a_forged_acknowledgement_from_dr_okafor_for_as_alert_is_refused(
    world: World,
    services: Services,
    telegram: FakeTelegram,
    person_factory: Callable[..., ChatDriver],
) -> None:
    alert = await raise_urgent(world, world.a)
    world.a.new_messages(), world.rivera.new_messages()
    before = without_audit(await snapshot(services))
    mark = len(telegram.calls)
    forged = SentMessage(OKAFOR, 1, "anything")
    for data in (f"ack|{alert.id}", f"cbr|{alert.id}"):
        assert await world.okafor.deliver(world.okafor.person.press_data(forged, data)) == []
        assert telegram.callback_answers[-1]["text"] == "This button is no longer valid."
    # A mother pressing it, or a stranger pressing a made-up one, is refused the same way,
    # and leaves no row naming her or him.
    await world.c.deliver(world.c.person.press_data(SentMessage(C, 1, "x"), f"ack|{alert.id}"))
    assert telegram.callback_answers[-1]["text"] == "This button is no longer valid."
    stranger = person_factory(STRANGER)
    made_up = stranger.person.press_data(SentMessage(STRANGER, 1, "x"), f"ack|{'ab' * 16}")
    assert await stranger.deliver(made_up) == []
    assert telegram.callback_answers[-1]["text"] == "This button is no longer valid."
    assert sends_since(telegram, mark) == []
    assert without_audit(await snapshot(services)) == before
    refused = [row for row in await audit_log(services) if row.event == "ack_refused"]
    assert [(row.clinician_id, row.alert_id, row.detail) for row in refused] == [
        (world.ids["okafor"], alert.id, "button=ack"),
        (world.ids["okafor"], alert.id, "button=cbr"),
    ]
    assert not [row for row in await audit_log(services) if str(C) in str(row.detail)]
    stored = json.dumps(await all_rows(services), default=str)
    assert str(STRANGER) not in stored


@pytest.mark.parametrize("revoked", ["clinician", "share"])
async def test_after_a_revocation_her_clinicians_press_is_refused_and_nothing_repeats(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock, revoked: str
) -> None:
    await raise_urgent(world, world.a)
    [message] = world.rivera.new_messages()
    async with services.db.session() as session:
        if revoked == "clinician":
            await session.execute(
                update(Clinician)
                .where(Clinician.id == world.ids["rivera"])
                .values(status="revoked")
            )
        else:
            await session.execute(
                update(Share)
                .where(Share.mother_id == world.ids["A"])
                .values(revoked_at=clock.now())
            )
    before = without_audit(await snapshot(services))
    await world.rivera.tap_on(message, ACKNOWLEDGE)
    assert telegram.callback_answers[-1]["text"] == "This button is no longer valid."
    assert without_audit(await snapshot(services)) == before
    assert (await events(services))[-1][0] == "ack_refused"
    [alert] = await alerts(services)
    assert alert.status == "open"

    # With nobody linked any more, the repeat goes to nobody (not even the backup chat).
    world.a.new_messages()
    clock.set(START + timedelta(minutes=15))
    assert (await tick(services)).alerts_repeated == 0
    assert world.rivera.new_messages() == world.a.new_messages() == backup_messages(telegram) == []
    assert (await events(services))[-1] == ("alert_not_sent", None)


# --- 5. delivery failures -------------------------------------------------------------------------


async def test_an_alert_that_cannot_be_delivered_is_in_the_audit_log(
    world: World, services: Services, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse_rivera(method: str, params: dict[str, Any]) -> FaultResult:
        to_rivera = method == "sendMessage" and int(params["chat_id"]) == RIVERA
        return blocked() if to_rivera else None

    telegram.fault = refuse_rivera
    [reply] = await world.b.say("I want to die")
    assert reply.text.startswith("Thank you for telling me.")
    assert world.rivera.new_messages() == []
    assert len(world.okafor.new_messages()) == 1
    [alert] = await alerts(services)
    failed = [row for row in await audit_log(services) if row.event == "delivery_failed"]
    assert [(row.alert_id, row.clinician_id, row.mother_id) for row in failed] == [
        (alert.id, world.ids["rivera"], world.ids["B"])
    ]
    assert str(failed[0].detail).endswith(" error=Forbidden")
    assert str(RIVERA) not in str(failed[0].detail)
    # the log names her clinician by companion's id, not by his Telegram chat
    logged = [r.getMessage() for r in caplog.records if "delivery_failed" in r.getMessage()]
    assert logged == [
        f"event=clinician_delivery_failed alert={alert.id} clinician={world.ids['rivera']} "
        "error=Forbidden"
    ]


# --- 6. her call-back request ---------------------------------------------------------------------


async def test_she_can_ask_her_clinician_to_contact_her_from_help(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    [shown] = await world.a.say("/help")
    assert shown.button_labels == [CALL_ME]
    [for_c] = await world.c.say("/help")
    assert for_c.buttons == []

    [told] = await world.a.tap_on(shown, CALL_ME)
    assert told.text.startswith("I've asked Dr Rivera to contact you.")
    [request] = world.rivera.new_messages()
    assert request.text.startswith(
        "📞 CALL-BACK REQUEST — Ana R.\n"
        "She asked for her clinician to contact her.\n"
        "When: 20 November 12:00 (her time)\n"
        "Latest scores: none yet\n\n"
    )
    assert request.button_labels == [ACKNOWLEDGE]
    assert request.protect_content
    assert world.okafor.new_messages() == []
    [alert] = await alerts(services)
    assert (alert.kind, alert.flag_id, alert.escalate_at) == ("callback", None, None)

    [again] = await world.a.tap_on(shown, CALL_ME)
    assert again.text.startswith("You've already asked Dr Rivera to contact you")
    assert world.rivera.new_messages() == []
    assert len(await alerts(services)) == 1

    clock.set(START + timedelta(minutes=30))
    assert (await tick(services)).alerts_repeated == 0  # a request is not repeated
    await world.rivera.tap_on(request, ACKNOWLEDGE)
    [seen] = world.a.new_messages()
    assert seen.text == "Dr Rivera has seen your request and will contact you."

    # C has nobody linked: a forged press tells her how to link one, and sends nothing.
    [none] = await world.c.deliver(world.c.person.press_data(for_c, "cb|req"))
    assert none.text == t(services, "help.callback.none")
    assert len(await alerts(services)) == 1


async def test_a_questionnaire_safety_item_alerts_in_clinical_words_and_offers_a_call_back(
    world: World, services: Services, clock: ManualClock
) -> None:
    clock.set(at(21, 9))
    await tick_and_read(services, world.a)
    await world.a.tap("🙂")
    await skip_to_the_end(world.a)
    await world.a.tap("Start")
    for _ in range(8):
        await world.a.tap("Not at all")
    crisis_reply, result = await world.a.tap("Several days")
    assert crisis_reply.text.startswith("Thank you for telling me. Thoughts like these")
    assert result.text.startswith("Your PHQ-9 score is 1 out of 27")
    assert result.button_labels == [CALL_ME]
    [alert_message] = world.rivera.new_messages()
    assert alert_message.text.startswith(
        "⚠️ URGENT — Ana R.\n"
        "Reason: PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered "
        "“Several days”\n"
        "When: 21 November 09:00 (her time)\n"
        "Latest scores: PHQ-9 1/27 (minimal, 21 November 2026)\n"
        "Note: PHQ-9 sleep, energy and appetite items rise with normal newborn care.\n\n"
    )

    # C, with nobody linked, gets her result without the button.
    await tick_and_read(services, world.c)
    await world.c.tap("🙂")
    await skip_to_the_end(world.c)
    await world.c.tap("Start")
    for _ in range(8):
        await world.c.tap("Not at all")
    replies = await world.c.tap("Not at all")
    assert replies[0].text.startswith("Your PHQ-9 score is 0 out of 27")
    assert replies[0].buttons == []
    assert texts(world.rivera.new_messages()) == []


# --- 7. robustness and content --------------------------------------------------------------------


async def test_a_failure_building_the_alert_never_costs_her_the_crisis_reply(
    world: World,
    services: Services,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise KeyError("a missing message key")

    monkeypatch.setattr(alert_repeats, "alert_text", broken)
    [reply] = await world.a.say("I want to die")
    assert reply.text.startswith("Thank you for telling me.")
    assert world.rivera.new_messages() == []
    assert "event=alert_queue_failed" in caplog.text
    [alert] = await alerts(services)
    assert alert.status == "open"  # kept, so the repeat is the safety net

    monkeypatch.undo()
    clock.set(START + timedelta(minutes=15))
    assert (await tick(services)).alerts_repeated == 1
    [again] = world.rivera.new_messages()
    assert again.text.startswith("🔁 REPEAT, NOT YET ACKNOWLEDGED: ⚠️ URGENT — Ana R.")


def test_every_reason_and_source_has_clinical_words(services: Services) -> None:
    content = services.content
    codes = [
        *REASONS,
        *(f"{kind}_{answer}" for kind, answer in (("safe", "unsafe"), ("clar", "yes"))),
        *(reason for lexicon in services.lexicons.values() for reason in lexicon.model.reasons),
    ]
    for locale in content.locales:
        assert [code for code in codes if not content.has(locale, f"alerts.reason.{code}")] == []
    typed = ("message", "note", "caption", "command", "edited", "clarify", "followup")
    assert [s for s in typed if not content.has("en", f"alerts.source.{s}")] == []
    for instrument in content.instruments["en"].values():  # questionnaires name their own item
        assert not content.has("en", f"alerts.source.{instrument.id}")


# What only the learned model understood (no keyword in it): a wish not to wake up.
MODEL_ONLY = "i pray every night that i dont wake up"


async def test_an_urgent_message_only_the_language_model_caught_alerts_and_says_so(
    world: World, services: Services, telegram: FakeTelegram
) -> None:
    assert lexicon_triage(MODEL_ONLY, lexicon_only("en")).level == "none"  # no keyword in it
    await world.a.handle(world.a.person.text(MODEL_ONLY))
    await services.sender.drain()
    [reply] = world.a.new_messages()
    assert "I've sent an alert to Dr Rivera, so they can contact you today" in reply.text
    [alert_message] = world.rivera.new_messages()
    assert alert_message.text.startswith("⚠️ URGENT — Ana R.\nReason: passive death wish")
    assert "found by the language model, not a keyword (probability 0." in alert_message.text
    async with services.db.session() as session:
        [row] = (await session.scalars(select(Flag))).all()
    flag = opened(services, row)
    reasons = flag.reasons
    assert (flag.level, flag.source) == ("urgent", "message")
    assert [reason.split(" ")[0] for reason in reasons] == ["model:passive_death_wish"]


# --- 7. alerts nobody has acknowledged come back in each clinician's daily digest ---------------


def digest_of(driver: ChatDriver) -> tuple[str, list[SentMessage]]:
    """The digest's text and the button messages after it, from what she has not read yet
    (a "no answer to the safety follow-up" alert sent overnight is not part of it)."""
    unread = [m for m in driver.new_messages() if not m.text.startswith("🚨 NO ANSWER")]
    [digest, *buttons] = unread
    assert digest.text.startswith("Daily summary, ")
    return digest.text, buttons


async def test_alerts_nobody_acknowledged_come_back_in_the_digest_with_their_buttons(
    world: World, services: Services, clock: ManualClock
) -> None:
    await raise_urgent(world, world.a)  # to Dr Rivera
    clock.set(START + timedelta(minutes=1))
    [help_shown] = await world.b.say("/help")
    await world.b.tap_on(help_shown, CALL_ME)  # to both
    clock.set(START + timedelta(minutes=15))
    await tick(services)  # the urgent alert is repeated; her request is not
    for driver in (world.a, world.b, world.rivera, world.okafor):
        driver.new_messages()

    clock.set(at(21, 8))  # both digests are due at 08:00 London
    await tick(services)
    text, buttons = digest_of(world.rivera)
    assert text.startswith(
        "Daily summary, 21 November 2026\n\n"
        "Alerts nobody has acknowledged yet (2):\n"
        "• Ana R.: urgent alert, sent 20 h ago\n"
        "• Bea K.: her request to be contacted, sent 19 h ago\n\n"
        "Open flags (1):\n"
    )
    assert [(m.text, m.button_labels, m.protect_content) for m in buttons] == [
        (
            "Ana R.: urgent alert, sent 20 h ago. Nobody has acknowledged it yet.",
            [ACKNOWLEDGE, WILL_CALL, CLOSE],
            True,
        ),
        (
            "Bea K.: her request to be contacted, sent 19 h ago. Nobody has acknowledged it yet.",
            [ACKNOWLEDGE],
            True,
        ),
    ]
    text, okafors = digest_of(world.okafor)  # Bea's request only; and not "all quiet"
    assert text.startswith(
        "Daily summary, 21 November 2026\n\n"
        "Alerts nobody has acknowledged yet (1):\n"
        "• Bea K.: her request to be contacted, sent 19 h ago\n\n/patients"
    )
    assert [m.text for m in okafors] == [buttons[1].text]

    # Acknowledged from the digest: as from the alert itself.
    assert await world.rivera.tap_on(buttons[0], ACKNOWLEDGE) == []
    assert buttons[0].button_labels == [CLOSE]
    assert buttons[0].text.endswith("\n\n✓ Acknowledged by you at 08:00.")
    [seen] = [m for m in world.a.new_messages() if m.text.startswith("Dr Rivera")]
    assert seen.text.startswith("Dr Rivera has seen my alert about how you're feeling.")
    urgent, request = await alerts(services)
    assert (urgent.status, urgent.acknowledged_by) == ("acknowledged", world.ids["rivera"])
    assert request.status == "open"

    clock.set(at(22, 8))
    await tick(services)
    text, buttons = digest_of(world.rivera)
    assert "Alerts nobody has acknowledged yet (1):\n• Bea K.: her request" in text
    assert "Ana R.: urgent alert" not in text
    _, okafors = digest_of(world.okafor)
    assert [m.text for m in okafors] == [m.text for m in buttons]
    await world.okafor.tap_on(okafors[0], ACKNOWLEDGE)
    [seen] = [m for m in world.b.new_messages() if m.text.startswith("Dr Okafor")]
    assert seen.text == "Dr Okafor has seen your request and will contact you."
    [notice] = world.rivera.new_messages()
    assert notice.text == (
        "✓ Call-back request from Bea K. (20 November 12:01 (her time)) acknowledged by Dr Okafor."
    )

    clock.set(at(23, 8))
    await tick(services)
    for driver in (world.rivera, world.okafor):
        text, buttons = digest_of(driver)
        assert "acknowledged" not in text
        assert buttons == []


async def test_a_digest_names_every_waiting_alert_and_repeats_the_oldest_five_with_buttons(
    world: World, services: Services, clock: ManualClock
) -> None:
    async with services.db.session() as session:
        for minutes in range(1, 8):
            await create_alert(
                session, mother_id=world.ids["A"], kind="callback",
                now=START + timedelta(minutes=minutes),
            )  # fmt: skip
    await tick(services)  # the first tick schedules the digests: 08:00 London tomorrow
    clock.set(at(21, 8))
    await tick(services)
    text, buttons = digest_of(world.rivera)
    assert "Alerts nobody has acknowledged yet (7):\n" in text
    assert text.count("• Ana R.: her request to be contacted, sent 19 h ago") == 7
    assert "… and 2 more, each with its buttons in the message that first brought it.\n" in text
    assert len(buttons) == 5
    assert all(m.button_labels == [ACKNOWLEDGE] for m in buttons)
    oldest_five = [alert.id for alert in await alerts(services)][:5]
    assert [m.buttons[0][0]["callback_data"] for m in buttons] == [f"ack|{i}" for i in oldest_five]


async def test_an_alert_from_her_answer_to_the_follow_up_says_where_once(
    world: World, services: Services, clock: ManualClock
) -> None:
    """Issue 17 (10): not '... to the safety follow-up (her answer to the safety follow-up)'."""
    await world.a.say("I want to kill myself")
    world.rivera.new_messages()
    clock.advance(timedelta(minutes=91))
    await tick(services)
    await world.a.tap("I'm not safe")
    [alert] = [m for m in world.rivera.new_messages() if m.text.startswith("🚨 EMERGENCY")]
    assert alert.text.splitlines()[1] == 'Reason: answered "I\'m not safe" to the safety follow-up'


async def test_a_clear_denial_is_asked_about_and_no_clinician_hears_of_it(
    world: World, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    """ "Not suicidal, just tired" is none by the clinical facts: she gets the clarifying question
    with the crisis lines, and nothing reaches her clinician: no alert, no open flag in her
    summary or patient list, nothing in the backup chat, none in tomorrow's digest either."""
    [asked] = await world.a.say("not suicidal just tired")
    assert asked.button_labels == ["Yes, I am", "No, I'm not"]
    assert "Samaritans" in asked.text
    await services.sender.drain()
    assert world.rivera.new_messages() == []
    assert backup_messages(telegram) == []
    async with services.db.session() as session:
        assert (await session.scalars(select(Alert))).all() == []
    flagged = ("open flags:", "open flags for", "open flags (")
    patients = " ".join(texts(await world.rivera.say("/patients"))).lower()
    assert "ana r." in patients
    assert not any(words in patients for words in flagged)
    summary = " ".join(texts(await world.rivera.say("/summary Ana R."))).lower()
    assert "ana r." in summary
    assert not any(words in summary for words in flagged)
    # Her "yes" to the question is what reaches Dr Rivera: an urgent alert of its own.
    await world.a.say("yes")
    await services.sender.drain()
    [alert] = world.rivera.new_messages()
    assert alert.text.startswith("⚠️ URGENT — Ana R.\n")
