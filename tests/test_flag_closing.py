"""Closing a flag, end to end: Ana shares with Dr Rivera only, Bea with Dr Rivera and Dr Okafor.
A worrying message raises an urgent flag and its alert; Close flag (on the alert, on the digest's
waiting alerts, under /summary) asks how it ended; the chosen outcome closes the flag (stored,
sealed, audited), stops the alert's repeat and takes the flag out of the digest and /summary. Only
a clinician who shares with her closes it; anyone else, or a second close, is refused and
nothing changes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.store.clinician_models import Alert, AuditEntry, Clinician, Share
from companion.store.flag_closing import closed_outcome
from companion.store.flags import raise_flag
from companion.store.models import Mother
from tests.chat_helpers import snapshot
from tests.checkin_helpers import add_mother, at, tick
from tests.clinician_helpers import add_clinician, add_share
from tests.flag_helpers import StoredFlag, stored_flags

START = at(20, 12)  # the clock fixture's start: Friday 12:00 UTC, noon in London
BACKUP = 990001
ANA, BEA, RIVERA, OKAFOR = 1001, 1002, 5001, 5002
SAID = ["I want to die", "some days I think about ending it"]
NAMES = ["Ana R.", "Bea K."]
CLOSE, ACKNOWLEDGE = "🔒 Close flag", "✓ Acknowledge"
OUTCOMES = {  # code -> (button, as the confirmation words it)
    "safe": ("✅ Reached her, she is safe", "reached her; she is safe"),
    "referred": ("🏥 Referred to urgent care", "referred to urgent care"),
    "no_risk": ("➖ Not a risk after all", "not a risk after all"),
    "unreached": ("📵 Could not reach her", "could not reach her"),
}
STALE = "This button is no longer valid."
QUESTION = (
    "Close the urgent flag for Ana R., raised 20 November 12:00 (her time)?\n"
    "What was the outcome? Once closed, it leaves your digest and her summary. Anything worrying "
    "she says later raises a new flag."
)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"backup_chat_id": BACKUP}


@pytest.fixture(autouse=True)
def _no_health_text_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Nothing she typed and no display name in any log record."""
    caplog.set_level(logging.DEBUG, logger="companion")
    yield
    logged = "\n".join(record.getMessage() for record in caplog.get_records("call")).lower()
    assert not [said for said in [*SAID, *NAMES] if said.lower() in logged]


@dataclass
class World:
    ana: ChatDriver
    bea: ChatDriver
    rivera: ChatDriver
    okafor: ChatDriver
    ids: dict[str, str]


@pytest.fixture
async def world(services: Services, person_factory: Callable[..., ChatDriver]) -> World:
    ids = {
        "rivera": await add_clinician(services, "Dr Rivera", next_digest_at=at(21, 8)),
        "okafor": await add_clinician(services, "Dr Okafor", next_digest_at=at(21, 8)),
        "ana": await add_mother(services, ANA, onboarded_at=START),
        "bea": await add_mother(services, BEA, onboarded_at=START),
    }
    ids["ana_share"] = await add_share(services, ids["ana"], ids["rivera"], "Ana R.")
    await add_share(services, ids["bea"], ids["rivera"], "Bea K.")
    await add_share(services, ids["bea"], ids["okafor"], "Bea K.")
    return World(
        person_factory(ANA),
        person_factory(BEA, first_name="Bea"),
        person_factory(RIVERA, first_name="Rivera"),
        person_factory(OKAFOR, first_name="Okafor"),
        ids,
    )


async def flags(services: Services) -> list[StoredFlag]:
    return await stored_flags(services)


async def alerts(services: Services) -> list[Alert]:
    async with services.db.session() as session:
        return list((await session.scalars(select(Alert).order_by(Alert.created_at))).all())


async def audit_log(services: Services, *names: str) -> list[AuditEntry]:
    async with services.db.session() as session:
        query = select(AuditEntry).where(AuditEntry.event.in_(names)).order_by(AuditEntry.id)
        return list((await session.scalars(query)).all())


def toast(telegram: FakeTelegram) -> str:
    return str(telegram.callback_answers[-1].get("text", ""))


def without_audit(rows: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    return {table: found for table, found in rows.items() if table != "audit_log"}


def digests(clinician: ChatDriver) -> list[SentMessage]:
    """The digest and the waiting alerts after it, from what the clinician has not read yet
    (other news, such as an alert about her safety follow-up, may come first)."""
    unread = clinician.new_messages()
    first = next(i for i, m in enumerate(unread) if m.text.startswith("Daily summary, "))
    return unread[first:]


async def alert_for(world: World, mother: ChatDriver, clinician: ChatDriver) -> SentMessage:
    """She says something worrying; the alert her clinician gets."""
    await mother.say(SAID[0] if mother is world.ana else SAID[1])
    return clinician.new_messages()[-1]


async def ask(clinician: ChatDriver, message: SentMessage, label: str = CLOSE) -> SentMessage:
    """Press Close flag on a message; the question that comes back."""
    [question] = await clinician.tap_on(message, label)
    return question


# --- closing from the alert -----------------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(OUTCOMES))
async def test_closing_from_the_alert_stores_the_outcome_and_stops_the_repeat(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock, outcome: str
) -> None:
    alert_message = await alert_for(world, world.ana, world.rivera)
    [flag] = await flags(services)
    assert alert_message.button_data(CLOSE) == f"fcl|{flag.id}"

    clock.set(START + timedelta(minutes=5))
    question = await ask(world.rivera, alert_message)
    assert question.text == QUESTION
    assert question.protect_content
    assert question.button_labels == [button for button, _ in OUTCOMES.values()]
    assert [question.button_data(b) for b, _ in OUTCOMES.values()] == [
        f"fco|{flag.id}|{code}" for code in OUTCOMES
    ]
    assert all(len(question.button_data(b).encode()) <= 64 for b, _ in OUTCOMES.values())
    [still_open] = await flags(services)
    assert (still_open.status, still_open.closed_at) == ("open", None)  # asking changes nothing

    button, words = OUTCOMES[outcome]
    assert await world.rivera.tap_on(question, button) == []
    assert toast(telegram) == "Flag closed."
    assert question.text == f"{QUESTION}\n\n✓ Flag closed by you at 12:05. Outcome: {words}."
    assert question.buttons == []

    [closed] = await flags(services)
    assert (closed.status, closed.closed_at, closed.closed_by) == (
        "closed",
        clock.now(),
        world.ids["rivera"],
    )
    assert closed_outcome(closed, services.vault) == outcome
    [alert] = await alerts(services)
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", world.ids["rivera"])
    [entry] = await audit_log(services, "flag_closed")
    assert (entry.clinician_id, entry.mother_id, entry.alert_id, entry.detail) == (
        world.ids["rivera"],
        world.ids["ana"],
        alert.id,
        f"outcome={outcome} flag={flag.id}",
    )

    # The repeat that was due at 15 minutes never comes, to her clinician or the backup chat.
    world.ana.new_messages()
    clock.set(START + timedelta(minutes=15))
    assert (await tick(services)).alerts_repeated == 0
    assert world.rivera.new_messages() == world.ana.new_messages() == []
    assert telegram.sent_to(BACKUP) == []


async def test_after_acknowledging_the_alert_keeps_close_flag_and_her_other_clinician_is_told(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    to_rivera = await alert_for(world, world.bea, world.rivera)
    [to_okafor] = world.okafor.new_messages()
    await world.rivera.tap_on(to_rivera, ACKNOWLEDGE)
    assert to_rivera.button_labels == [CLOSE]
    world.okafor.new_messages()  # "acknowledged by Dr Rivera"

    clock.set(START + timedelta(minutes=40))
    question = await ask(world.rivera, to_rivera)
    await world.rivera.tap_on(question, OUTCOMES["referred"][0])
    [notice] = world.okafor.new_messages()
    assert notice.text == (
        "✓ Dr Rivera closed the urgent flag for Bea K. (20 November 12:00 (her time)). "
        "Outcome: referred to urgent care."
    )
    assert notice.protect_content

    # Dr Okafor's copy is stale now: closing again is refused and tells him who closed it.
    before = without_audit(await snapshot(services))
    assert await world.okafor.tap_on(to_okafor, CLOSE) == []
    assert toast(telegram) == "This flag was already closed by Dr Rivera."
    assert without_audit(await snapshot(services)) == before
    [flag] = await flags(services)
    assert closed_outcome(flag, services.vault) == "referred"


# --- the digest and /summary ----------------------------------------------------------------------


async def test_a_closed_flag_leaves_the_digest_and_a_new_message_raises_a_new_one(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    await alert_for(world, world.ana, world.rivera)
    clock.set(START + timedelta(minutes=15))
    await tick(services)  # the repeat: nobody acknowledged it
    world.rivera.new_messages()

    clock.set(at(21, 8))
    await tick(services)
    digest, waiting = digests(world.rivera)
    assert "Alerts nobody has acknowledged yet (1):\n• Ana R.: urgent alert, sent 20 h ago" in (
        digest.text
    )
    assert "Open flags (1):\n• Ana R.: urgent, from a message she typed, raised 20 h ago" in (
        digest.text
    )
    assert waiting.button_labels == [ACKNOWLEDGE, "📞 I'll call her back", CLOSE]

    question = await ask(world.rivera, waiting)
    await world.rivera.tap_on(question, OUTCOMES["safe"][0])
    assert question.text.endswith(
        "✓ Flag closed by you at 08:00. Outcome: reached her; she is safe."
    )

    clock.set(at(22, 8))
    await tick(services)
    [digest] = digests(world.rivera)
    assert "Ana R." not in digest.text  # neither waiting nor an open flag any more
    assert "All quiet: no open flags" in digest.text

    # Nothing she says closed it, and what she says next raises a new flag, with its own alert.
    clock.set(at(22, 9))
    alert_message = await alert_for(world, world.ana, world.rivera)
    old, new = await flags(services)
    assert (old.status, new.status) == ("closed", "open")
    assert alert_message.button_data(CLOSE) == f"fcl|{new.id}"


async def test_summary_lists_her_open_flags_each_with_close_flag(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    [nothing_open] = await world.rivera.say("/summary Ana")  # no flags: no list
    assert "Open flags" not in nothing_open.text
    await alert_for(world, world.ana, world.rivera)
    async with services.db.session() as session:
        ana = await session.get(Mother, world.ids["ana"])
        assert ana is not None
        await raise_flag(
            session, services.vault, mother=ana, level="concern", source="note",
            reasons=["isolation"], sent=[], now=START - timedelta(days=3),
        )  # fmt: skip
    clock.set(START + timedelta(hours=2))

    view, listing = await world.rivera.say("/summary Ana")
    assert view.text.startswith("Ana R. · open flags: 2 (highest: urgent)")
    assert listing.text == (
        "Open flags for Ana R. (2); each stays open until a clinician closes it:\n"
        "1. urgent, from a message she typed, raised 2 h ago\n"
        "2. concern, from a check-in note, raised 3 days ago"
    )
    assert listing.protect_content
    assert listing.button_labels == ["🔒 Close flag 1", "🔒 Close flag 2"]

    question = await ask(world.rivera, listing, "🔒 Close flag 2")
    assert question.text.startswith(
        "Close the concern flag for Ana R., raised 17 November 12:00 (her time)?"
    )
    await world.rivera.tap_on(question, OUTCOMES["no_risk"][0])

    view, listing = await world.rivera.say("/summary Ana")
    assert view.text.startswith("Ana R. · open flags: 1 (highest: urgent)")
    assert listing.text.endswith("(1); each stays open until a clinician closes it:\n"
                                 "1. urgent, from a message she typed, raised 2 h ago")  # fmt: skip
    assert listing.button_labels == ["🔒 Close flag 1"]
    await world.rivera.tap_on(
        await ask(world.rivera, listing, "🔒 Close flag 1"), OUTCOMES["safe"][0]
    )
    [view] = await world.rivera.say("/summary Ana")
    assert view.text.startswith("Ana R.\n")  # no open flags, and no list of them
    assert [f.status for f in await flags(services)] == ["closed", "closed"]


# --- refusals -------------------------------------------------------------------------------------


async def test_a_clinician_without_a_share_a_mother_and_a_revoked_share_are_refused(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    alert_message = await alert_for(world, world.ana, world.rivera)
    question = await ask(world.rivera, alert_message)
    [flag] = await flags(services)
    before = without_audit(await snapshot(services))
    forged = SentMessage(OKAFOR, 1, "anything")
    for data in (f"fcl|{flag.id}", f"fco|{flag.id}|safe"):
        assert await world.okafor.deliver(world.okafor.person.press_data(forged, data)) == []
        assert toast(telegram) == STALE
        own = SentMessage(ANA, 1, "anything")  # nothing she does closes it either
        await world.ana.deliver(world.ana.person.press_data(own, data))
        assert toast(telegram) == STALE
    assert world.okafor.new_messages() == []
    assert without_audit(await snapshot(services)) == before

    async with services.db.session() as session:  # Ana stops sharing with Dr Rivera
        await session.execute(
            update(Share).where(Share.id == world.ids["ana_share"]).values(revoked_at=clock.now())
        )
    before = without_audit(await snapshot(services))
    assert await world.rivera.tap_on(question, OUTCOMES["safe"][0]) == []
    assert toast(telegram) == STALE
    assert question.button_labels == [b for b, _ in OUTCOMES.values()]
    assert without_audit(await snapshot(services)) == before
    refused = await audit_log(services, "flag_close_refused")
    assert [(row.clinician_id, row.detail) for row in refused] == [
        (world.ids["okafor"], "button=fcl closed=0"),
        (world.ids["okafor"], "button=fco closed=0"),
        (world.ids["rivera"], "button=fco closed=0"),
    ]
    assert [f.status for f in await flags(services)] == ["open"]


async def test_a_second_close_is_refused_and_keeps_the_first_outcome(
    world: World, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    alert_message = await alert_for(world, world.ana, world.rivera)
    first = await ask(world.rivera, alert_message)
    second = await ask(world.rivera, alert_message)  # asked twice, before answering either
    await world.rivera.tap_on(first, OUTCOMES["unreached"][0])
    before = await snapshot(services)
    clock.set(START + timedelta(minutes=3))

    assert await world.rivera.tap_on(second, OUTCOMES["safe"][0]) == []
    assert toast(telegram) == "This flag was already closed by Dr Rivera."
    assert await world.rivera.tap_on(alert_message, CLOSE) == []
    assert toast(telegram) == "This flag was already closed by Dr Rivera."
    assert world.rivera.new_messages() == []  # no new question
    assert without_audit(await snapshot(services)) == without_audit(before)
    [flag] = await flags(services)
    assert (flag.closed_at, closed_outcome(flag, services.vault)) == (START, "unreached")
    assert len(await audit_log(services, "flag_closed")) == 1
    assert [row.detail for row in await audit_log(services, "flag_close_refused")] == [
        "button=fco closed=1",
        "button=fcl closed=1",
    ]


# --- Spanish ----------------------------------------------------------------------------------


async def test_a_spanish_clinician_closes_a_flag_in_spanish(
    world: World, services: Services, telegram: FakeTelegram
) -> None:
    async with services.db.session() as session:
        await session.execute(
            update(Clinician).where(Clinician.id == world.ids["rivera"]).values(locale="es")
        )
    alert_message = await alert_for(world, world.ana, world.rivera)
    assert alert_message.button_labels[-1] == "🔒 Cerrar alerta"
    question = await ask(world.rivera, alert_message, "🔒 Cerrar alerta")
    assert question.text.startswith(
        "¿Cerrar la alerta de nivel urgente de Ana R., emitida el 20 de noviembre, 12:00 "
        "(hora local de ella)?"
    )
    assert question.button_labels == [
        "✅ Hablé con ella, está a salvo",
        "🏥 Derivada a atención urgente",
        "➖ Al final no había riesgo",
        "📵 No pude contactarla",
    ]
    await world.rivera.tap_on(question, "🏥 Derivada a atención urgente")
    assert toast(telegram) == "Alerta cerrada."
    assert question.text.endswith(
        "\n\n✓ Alerta cerrada por usted a las 12:00. Resultado: derivada a atención urgente."
    )
    [flag] = await flags(services)
    assert (flag.status, closed_outcome(flag, services.vault)) == ("closed", "referred")
