"""Summaries for clinicians, end to end: the daily digest at her local time, /patients, /summary
with its chart and table, /digest, the weekly summary; two clinicians, three mothers, and only
shares in force ever shown."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from companion.app import build_services
from companion.bot.context import Services
from companion.clock import ManualClock
from companion.config import Settings
from companion.core.instruments import score
from companion.delivery.digests import send_due_digests
from companion.delivery.tick import run_tick
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.store.checkins import checkin_for_day, record_checkin, save_answer
from companion.store.clinician_models import AuditEntry, Clinician, ClinicianStatus, Share
from companion.store.flags import raise_flag
from companion.store.models import CheckinStatus, Lane, Mother, OutboxMessage
from companion.store.safety_models import Flag, FlagStatus
from companion.store.screenings import complete_screening, start_screening
from tests.chat_helpers import t, texts
from tests.checkin_helpers import add_mother, at, tick
from tests.clinician_helpers import add_clinician, add_share

RIVERA, OKAFOR = 5001, 5002
ANA, BETH, CARA = 1001, 1002, 1003
PHQ9_ANA = {  # 12 of 27, moderate, possible; 8 points from sleep, energy and appetite
    "interest": 1, "down": 1, "sleep": 3, "tired": 3, "appetite": 2,
    "failure": 1, "concentration": 1, "moving": 0, "harm": 0,
}  # fmt: skip
GAD7_BETH = {item: 2 for item in ("nervous", "control", "worry", "relax", "restless")}
GAD7_BETH |= {"irritable": 3, "afraid": 3}  # 16 of 21: severe, probable
CARE_NOTE = "My sister is staying this week and it helps a lot"
PRIVATE_NOTE = "Rowed with my partner about the night feeds"


@dataclass
class World:
    rivera: str
    okafor: str
    mothers: dict[int, str]  # Telegram id -> mother id
    shares: dict[tuple[int, int], str]  # (mother, clinician) -> share id


async def add_checkin(
    services: Services, mother_id: str, day: date, note: str | None = None, **answers: int
) -> None:
    now = services.clock.now()
    async with services.db.session() as session:
        await record_checkin(
            session, mother_id=mother_id, local_date=day, status=CheckinStatus.DONE,
            due_at=now, now=now,
        )  # fmt: skip
        checkin = await checkin_for_day(session, mother_id, day)
        assert checkin is not None
        values = {question: str(value) for question, value in answers.items()}
        if note is not None:
            values["note"] = note
        for question, value in values.items():
            await save_answer(
                session, services.vault, checkin=checkin, question=question, value=value, now=now
            )


async def add_result(
    services: Services, mother_id: str, instrument_id: str, answers: dict[str, int], when: datetime
) -> None:
    instrument = services.content.instrument("en", instrument_id)
    async with services.db.session() as session:
        mother = await session.get(Mother, mother_id)
        assert mother is not None
        row = await start_screening(
            session, services.vault, mother=mother, instrument=instrument_id,
            reason="test", local_date=when.date(), now=when, answers=answers,
        )  # fmt: skip
        complete_screening(row, services.vault, score(instrument, answers), when.date(), when)


async def add_flag(
    services: Services,
    mother_id: str,
    level: str,
    source: str,
    when: datetime,
    reasons: tuple[str, ...] = ("suicidal_ideation",),
) -> None:
    async with services.db.session() as session:
        mother = await session.get(Mother, mother_id)
        assert mother is not None
        await raise_flag(
            session, services.vault, mother=mother, level=level, source=source,
            reasons=list(reasons), sent=[], now=when,
        )  # fmt: skip


async def revoke(services: Services, share_id: str) -> None:
    async with services.db.session() as session:
        share = await session.get(Share, share_id)
        assert share is not None
        share.revoked_at = services.clock.now()


async def build_world(services: Services) -> World:
    """Friday 20 November 2026, 12:00 UTC. Dr Rivera (London, digest 08:00) has Ana, Beth and
    Cara; Dr Okafor (New York, 06:00) has Beth, and had Cara until she revoked."""
    rivera = await add_clinician(services, "Dr Rivera", next_digest_at=at(21, 8))
    okafor = await add_clinician(
        services, "Dr Okafor", timezone="America/New_York", digest_time="06:00",
        next_digest_at=at(21, 11),
    )  # fmt: skip
    joined = at(1, 12)
    mothers = {
        user: await add_mother(services, user, onboarded_at=joined) for user in (ANA, BETH, CARA)
    }
    shares = {
        (ANA, RIVERA): await add_share(
            services, mothers[ANA], rivera, "Ana R.", include_notes=True, weekly_summary=True
        ),
        (BETH, RIVERA): await add_share(services, mothers[BETH], rivera, "Beth K."),
        (CARA, RIVERA): await add_share(services, mothers[CARA], rivera, "Cara M."),
        (BETH, OKAFOR): await add_share(services, mothers[BETH], okafor, "Beth K."),
        (CARA, OKAFOR): await add_share(services, mothers[CARA], okafor, "Cara M."),
    }
    await revoke(services, shares[(CARA, OKAFOR)])
    for offset, (mood, sleep, anxiety) in enumerate(
        [(3, 3, 1), (3, 2, 1), (2, 2, 2), (4, 3, 1), (3, 4, 0), (4, 4, 1), (4, 3, 1)]
    ):
        day = date(2026, 11, 14 + offset)
        note = CARE_NOTE if day.day == 18 else None
        await add_checkin(
            services, mothers[ANA], day, note, mood=mood, sleep=sleep, anxiety=anxiety
        )
    await add_checkin(services, mothers[BETH], date(2026, 11, 19), mood=2, sleep=1, anxiety=3)
    await add_checkin(services, mothers[BETH], date(2026, 11, 20), PRIVATE_NOTE, mood=2)
    for day in range(10, 17):
        await add_checkin(services, mothers[CARA], date(2026, 11, day), mood=3, sleep=3)
    await add_result(
        services, mothers[ANA], "gad7", dict.fromkeys(GAD7_BETH, 1) | {"afraid": 0}, at(18, 9)
    )
    await add_result(services, mothers[ANA], "phq9", PHQ9_ANA, at(20, 9))
    await add_result(services, mothers[BETH], "phq2", {"interest": 1, "down": 0}, at(20, 11, 20))
    await add_result(services, mothers[BETH], "gad7", GAD7_BETH, at(20, 11, 30))
    await add_flag(services, mothers[ANA], "urgent", "message", at(20, 10))
    return World(rivera, okafor, mothers, shares)


@pytest.fixture
async def world(services: Services) -> World:
    return await build_world(services)


@pytest.fixture
def rivera(person_factory: Callable[..., ChatDriver]) -> ChatDriver:
    return person_factory(RIVERA, first_name="Rivera")


@pytest.fixture
def okafor(person_factory: Callable[..., ChatDriver]) -> ChatDriver:
    return person_factory(OKAFOR, first_name="Okafor")


CAVEAT_START = "About PHQ-9 totals after a birth: the sleep, energy and appetite items"
ANA_PHQ9 = (
    "PHQ-9 12/27 moderate, possible, 20 November 2026 "
    "(8 of the points from sleep, energy and appetite)"
)
ANA_GAD7 = "GAD-7 6/21 mild, below the cut-offs, 18 November 2026"
BETH_GAD7 = "GAD-7 16/21 severe, probable, 20 November 2026"


# --- the daily digest ------------------------------------------------------------------------


async def test_the_digest_comes_at_her_local_time_with_flags_results_and_the_silent_mother(
    services: Services, clock: ManualClock, world: World, rivera: ChatDriver, okafor: ChatDriver
) -> None:
    clock.set(at(21, 7, 59))
    assert (await tick(services)).digests == 0
    assert rivera.new_messages() == []

    clock.set(at(21, 8))  # 08:00 in London
    report = await run_tick(services)
    assert report.digests == 1
    async with services.db.session() as session:
        lanes = (
            await session.scalars(select(OutboxMessage.lane).where(OutboxMessage.chat_id == RIVERA))
        ).all()
        assert list(lanes) == [Lane.CLINICIAN]
        stored = await session.get(Clinician, world.rivera)
        assert stored is not None
        assert stored.next_digest_at == at(22, 8)
    await services.sender.drain()
    [digest] = rivera.new_messages()
    assert digest.protect_content is True
    assert digest.text.splitlines()[:12] == [
        "Daily summary, 21 November 2026",
        "",
        "Open flags (1):",
        "• Ana R.: urgent, from a message she typed, raised 22 h ago. Why: suicidal thoughts",
        "",
        "New questionnaire results of note since the last summary:",
        f"• Beth K.: {BETH_GAD7}",
        f"• Ana R.: {ANA_PHQ9}",
        "",
        "No check-in for 3 days or more:",
        "• Cara M.: 5 days (last check-in 16 November 2026)",
        "",
    ]
    assert CAVEAT_START in digest.text
    assert "All quiet" not in digest.text
    # Old or unremarkable results are not news: Ana's routine GAD-7 of the 18th, Beth's PHQ-2.
    assert "GAD-7 6/21" not in digest.text
    assert "PHQ-2" not in digest.text
    # No free text in a digest, even from a mother who shares her notes.
    assert CARE_NOTE not in digest.text
    assert PRIVATE_NOTE not in digest.text
    assert okafor.new_messages() == []  # 03:00 in New York

    clock.set(at(21, 11))  # 06:00 in New York
    await tick(services)
    [other] = okafor.new_messages()
    assert other.text.startswith("Daily summary, 21 November 2026")
    assert f"• Beth K.: {BETH_GAD7}" in other.text
    assert "Ana" not in other.text
    assert "Cara" not in other.text
    assert "Open flags" not in other.text
    assert "No check-in for" not in other.text
    assert rivera.new_messages() == []


async def test_a_flag_the_language_model_raised_says_so_in_the_digest(
    services: Services, clock: ManualClock, world: World, rivera: ChatDriver
) -> None:
    """A concern only the learned model found (abuse at home, say) is in her clinician's digest
    with its reason, marked as the model's; a questionnaire's flag names no typed reason."""
    await add_flag(
        services, world.mothers[BETH], "concern", "message", at(20, 11), ("model:ipv 0.81",)
    )
    await add_flag(services, world.mothers[CARA], "urgent", "phq9", at(20, 11), ("phq9.harm",))
    clock.set(at(21, 8))
    await tick(services)
    [digest] = rivera.new_messages()
    assert (
        "• Beth K.: concern, from a message she typed, raised 21 h ago. Why: possible intimate "
        "partner violence: found by the language model, not a keyword (probability 0.81)"
    ) in digest.text.splitlines()
    [cara] = [line for line in digest.text.splitlines() if line.startswith("• Cara M.: urgent")]
    assert "Why" not in cara


async def test_the_next_digest_lists_only_what_is_new_and_all_quiet_when_nothing_is(
    services: Services, clock: ManualClock, world: World, rivera: ChatDriver
) -> None:
    clock.set(at(21, 8))
    await tick(services)
    rivera.new_messages()
    clock.set(at(22, 8))
    await tick(services)
    [second] = rivera.new_messages()
    assert "New questionnaire results" not in second.text  # all reported yesterday
    assert "• Ana R.: urgent, from a message she typed, raised 46 h ago. Why: " in second.text
    assert "• Cara M.: 6 days (last check-in 16 November 2026)" in second.text

    async with services.db.session() as session:
        for flag in await session.scalars(select(Flag).where(Flag.mother_id == world.mothers[ANA])):
            flag.status = FlagStatus.CLOSED
    for user in (ANA, BETH, CARA):
        await add_checkin(services, world.mothers[user], date(2026, 11, 22), mood=4)
    clock.set(at(23, 8))
    await tick(services)
    quiet, chart, weekly = rivera.new_messages()  # a Monday: Ana asked for a weekly summary
    assert chart.photo is not None
    assert weekly.text.startswith("Weekly summary: Ana R.")
    assert quiet.text.splitlines()[2] == (
        "All quiet: no open flags, no new results of note, and everyone sharing with you has "
        "checked in within the last 3 days."
    )


async def test_a_digest_is_never_sent_twice(
    services: Services,
    settings: Settings,
    clock: ManualClock,
    world: World,
    rivera: ChatDriver,
) -> None:
    clock.set(at(21, 8, 5))
    other = build_services(settings, clock)
    try:
        results = await asyncio.gather(
            send_due_digests(services, 10), send_due_digests(other, 10), return_exceptions=True
        )
        counts = []
        for result in results:
            if isinstance(result, OperationalError) and "locked" in str(result):
                counts.append(await send_due_digests(services, 10))
            elif isinstance(result, BaseException):
                raise result
            else:
                counts.append(result)
    finally:
        await other.db.dispose()
    assert sum(counts) == 1
    assert (await tick(services)).digests == 0
    assert len(rivera.new_messages()) == 1
    async with services.db.session() as session:
        queued = await session.scalars(
            select(AuditEntry).where(AuditEntry.event == "digest_queued")
        )
        assert [entry.clinician_id for entry in queued] == [world.rivera]


async def test_a_digest_missed_past_the_grace_window_waits_for_the_next_day(
    services: Services, clock: ManualClock, world: World, rivera: ChatDriver
) -> None:
    clock.set(at(21, 8))
    await tick(services)
    assert len(rivera.new_messages()) == 1
    await add_result(services, world.mothers[BETH], "phq9", PHQ9_ANA, at(21, 20))
    clock.set(at(22, 11, 1))  # the bot was down from before 08:00 until past 11:00 (3 h grace)
    assert (await tick(services)).digests == 0
    assert rivera.new_messages() == []
    async with services.db.session() as session:
        stored = await session.get(Clinician, world.rivera)
        assert stored is not None
        assert stored.next_digest_at == at(23, 8)
    clock.set(at(23, 8))
    await tick(services)
    digest = rivera.new_messages()[0]
    assert digest.text.startswith("Daily summary, 23 November 2026")
    beth_phq9 = ANA_PHQ9.replace("20 November", "21 November")
    assert f"• Beth K.: {beth_phq9}" in digest.text  # since the last digest sent, not missed


async def test_a_mother_who_revokes_is_gone_from_the_next_digest(
    services: Services, clock: ManualClock, world: World, rivera: ChatDriver
) -> None:
    await revoke(services, world.shares[(BETH, RIVERA)])
    clock.set(at(21, 8))
    await tick(services)
    [digest] = rivera.new_messages()
    assert "Beth" not in digest.text
    assert "GAD-7" not in digest.text
    assert f"• Ana R.: {ANA_PHQ9}" in digest.text


async def test_a_new_clinician_is_scheduled_and_one_without_patients_gets_nothing(
    services: Services, clock: ManualClock, person_factory: Callable[..., ChatDriver]
) -> None:
    lone = await add_clinician(services, "Dr Lone", 5003, digest_time="09:15")
    await tick(services)
    async with services.db.session() as session:
        stored = await session.get(Clinician, lone)
        assert stored is not None
        assert stored.next_digest_at == at(21, 9, 15)
    clock.set(at(21, 9, 15))
    assert (await tick(services)).digests == 0
    assert person_factory(5003).history == []
    async with services.db.session() as session:
        stored = await session.get(Clinician, lone)
        assert stored is not None
        assert stored.next_digest_at == at(22, 9, 15)


async def test_the_weekly_summary_comes_with_mondays_digest_for_those_who_asked(
    services: Services, clock: ManualClock, world: World, rivera: ChatDriver
) -> None:
    async with services.db.session() as session:
        stored = await session.get(Clinician, world.rivera)
        assert stored is not None
        stored.next_digest_at = at(23, 8)
    clock.set(at(23, 8))  # Monday 23 November
    await tick(services)
    digest, chart, weekly = rivera.new_messages()
    assert digest.text.startswith("Daily summary, 23 November 2026")
    assert chart.text == "Weekly summary: Ana R., 16 November 2026 to 22 November 2026"
    assert _png_size(chart) == (900, 600)  # her week's chart before the text
    assert chart.protect_content is True
    assert weekly.protect_content is True
    assert weekly.text.splitlines() == [
        "Weekly summary: Ana R., 16 November 2026 to 22 November 2026",
        "Checked in on 5 of 7 days.",
        "Mood: average 3.4, low on 1 of those days; about the same as the week before.",
        "Nights of poor sleep: 1. Anxious days: 1.",
        f"Questionnaires this week: {ANA_GAD7}; {ANA_PHQ9}",
        "Open flags: 1 (highest: urgent).",
        "",
        "Notes she chose to share:",
        f"• 18 November 2026: {CARE_NOTE}",
        "",
        weekly.text.splitlines()[-1],
    ]
    assert weekly.text.splitlines()[-1].startswith(CAVEAT_START)
    assert "Beth" not in weekly.text  # she did not ask for a weekly summary

    clock.set(at(24, 8))  # Tuesday: the digest alone
    await tick(services)
    assert len(rivera.new_messages()) == 1


# --- /patients -------------------------------------------------------------------------------


async def test_patients_shows_each_consenting_mother_with_open_flags_first(
    services: Services, world: World, rivera: ChatDriver, okafor: ChatDriver
) -> None:
    [reply] = await rivera.say("/patients")
    assert reply.protect_content is True
    blocks = reply.text.split("\n\n")
    assert blocks[0] == "Patients sharing with you: 3, open flags first."
    assert blocks[1].splitlines() == [
        "Ana R. · open flags: 1 (highest: urgent)",
        "Last check-in: 20 November 2026 (today)",
        "Mood, last 14 days: answered on 7 of 14 days, average 3.3 of 5, low on 1 of them; too few "
        "answers for a trend",
        f"Latest questionnaires: {ANA_PHQ9}; {ANA_GAD7}",
    ]
    assert blocks[2].splitlines()[:2] == ["Cara M.", "Last check-in: 16 November 2026 (4 days ago)"]
    assert blocks[3].splitlines()[0] == "Beth K."
    assert blocks[3].splitlines()[3] == (
        f"Latest questionnaires: {BETH_GAD7}; PHQ-2 1/6, below the cut-offs, 20 November 2026"
    )
    assert blocks[4].startswith(CAVEAT_START)
    assert CARE_NOTE not in reply.text
    assert PRIVATE_NOTE not in reply.text
    assert [b["callback_data"] for row in reply.buttons for b in row] == [
        f"sum|{world.shares[(ANA, RIVERA)]}",
        f"sum|{world.shares[(CARA, RIVERA)]}",
        f"sum|{world.shares[(BETH, RIVERA)]}",
    ]
    assert reply.button_labels == ["📈 Ana R.", "📈 Cara M.", "📈 Beth K."]

    [theirs] = await okafor.say("/patients")
    assert "Beth K." in theirs.text
    assert "Ana" not in theirs.text
    assert "Cara" not in theirs.text
    assert theirs.button_labels == ["📈 Beth K."]


async def test_a_revoked_share_disappears_at_once(
    services: Services, world: World, rivera: ChatDriver
) -> None:
    [before] = await rivera.say("/patients")
    await revoke(services, world.shares[(BETH, RIVERA)])
    [after] = await rivera.say("/patients")
    assert "Beth" not in after.text
    assert after.text.startswith("Patients sharing with you: 2,")
    [refusal] = await rivera.say("/summary beth k.")
    assert refusal.text.startswith('No one sharing with you is called "beth k."')
    assert await rivera.tap_on(before, "📈 Beth K.") == []  # the old button
    assert rivera.telegram.callback_answers[-1]["text"] == t(
        services, "clinician_summary.summary.gone"
    )


async def test_only_active_clinicians_get_answers(
    services: Services,
    world: World,
    person_factory: Callable[..., ChatDriver],
    rivera: ChatDriver,
) -> None:
    mother = person_factory(ANA)
    stranger = person_factory(4242)
    unknown = t(services, "common.unknown_command")
    for person in (mother, stranger):
        for command in ("/patients", "/summary Ana", "/digest 07:00"):
            assert texts(await person.say(command)) == [unknown]
    async with services.db.session() as session:
        stored = await session.get(Clinician, world.rivera)
        assert stored is not None
        stored.status = ClinicianStatus.REVOKED
    assert texts(await rivera.say("/patients")) == [unknown]


# --- /summary --------------------------------------------------------------------------------


def _png_size(message: SentMessage) -> tuple[int, int]:
    assert message.photo is not None
    assert message.photo.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(message.photo))
    return image.size


async def test_one_answer_in_the_window_reads_as_one_answer_not_an_average(
    services: Services, world: World, rivera: ChatDriver
) -> None:
    """Issue 17 (10): not "average 2.0 on 1 of 14 days, low on 1"."""
    dani = await add_mother(services, 1004, onboarded_at=at(19, 12))
    await add_share(services, dani, world.rivera, "Dani P.")
    await add_checkin(services, dani, date(2026, 11, 20), mood=2)
    [reply] = await rivera.say("/patients")
    [block] = [b for b in reply.text.split("\n\n") if b.startswith("Dani P.")]
    assert block.splitlines()[2] == (
        "Mood, last 14 days: answered on 1 of 14 days, 2.0 of 5; too few answers for a trend"
    )


async def test_summary_sends_a_chart_and_a_table_of_her_stored_answers(
    services: Services, world: World, rivera: ChatDriver
) -> None:
    chart, table, flags = await rivera.say("/summary ANA r.")
    assert _png_size(chart) == (900, 130 + 300 + 2 * 170)  # mood, then PHQ-9 and GAD-7
    assert len(chart.photo or b"") < 150_000
    # Fitted to her data: her first check-in was a week ago, not 90 days.
    assert chart.text.startswith(
        "Ana R.: since 14 November 2026, her first check-in, questionnaire or flag."
    )
    assert chart.protect_content is True
    assert table.protect_content is True
    lines = table.text.splitlines()
    assert lines[0] == "Ana R. · open flags: 1 (highest: urgent)"
    header = lines.index("Date | Mood 1-5 | Sleep 1-5 | Anxiety 0-3 | Questionnaires")
    assert lines[header + 1 : header + 8] == [
        "2026-11-14 | 3 | 3 | 1 | –",
        "2026-11-15 | 3 | 2 | 1 | –",
        "2026-11-16 | 2 | 2 | 2 | –",
        "2026-11-17 | 4 | 3 | 1 | –",
        "2026-11-18 | 3 | 4 | 0 | GAD-7 6",
        "2026-11-19 | 4 | 4 | 1 | –",
        "2026-11-20 | 4 | 3 | 1 | PHQ-9 12",
    ]
    assert lines[header + 8] == ""
    assert lines[header + 9].startswith(CAVEAT_START)
    assert lines[-2:] == [
        "Notes she chose to share, last 90 days:",
        f"• 18 November 2026: {CARE_NOTE}",
    ]
    assert flags.text == (  # each with its button (tests/test_flag_closing.py)
        "Open flags for Ana R. (1); each stays open until a clinician closes it:\n"
        "1. urgent, from a message she typed, raised 2 h ago"
    )
    assert flags.button_labels == ["🔒 Close flag 1"]
    async with services.db.session() as session:
        viewed = await session.scalars(
            select(AuditEntry).where(AuditEntry.event == "summary_viewed")
        )
        assert [(e.clinician_id, e.mother_id) for e in viewed] == [
            (world.rivera, world.mothers[ANA])
        ]


async def test_summary_keeps_notes_private_unless_shared(
    services: Services, world: World, okafor: ChatDriver
) -> None:
    _, table = await okafor.say("/summary Beth K.")
    assert "2026-11-19 | 2 | 1 | 3 | –" in table.text
    assert "2026-11-20 | 2 | – | – | PHQ-2 1; GAD-7 16" in table.text
    assert PRIVATE_NOTE not in table.text
    assert "Notes" not in table.text


async def test_summary_finds_her_by_name_or_offers_a_choice(
    services: Services, world: World, rivera: ChatDriver
) -> None:
    [several] = await rivera.say("/summary a")
    assert several.text == 'More than one patient matches "a". Which one?'
    assert several.button_labels == ["📈 Ana R.", "📈 Cara M."]
    chart, table = await rivera.tap_on(several, "📈 Cara M.")
    assert chart.photo is not None
    assert "2026-11-16 | 3 | 3 | – | –" in table.text

    [usage] = await rivera.say("/summary")
    assert usage.text.startswith("Send /summary and the patient's name")
    assert usage.button_labels == ["📈 Ana R.", "📈 Beth K.", "📈 Cara M."]
    [none] = await rivera.say("/summary Zoe")
    assert none.text == (
        'No one sharing with you is called "Zoe". /patients lists everyone sharing with you now.'
    )
    assert none.buttons == []


async def test_a_clinician_quoting_a_patient_after_a_command_gets_no_crisis_reply(
    services: Services, world: World, rivera: ChatDriver
) -> None:
    count = select(func.count()).select_from(Flag)
    async with services.db.session() as session:
        flags_before = await session.scalar(count)
    [answer] = await rivera.say("/summary Zoe said I want to kill myself")
    assert answer.text.startswith('No one sharing with you is called "Zoe said')
    async with services.db.session() as session:
        assert await session.scalar(count) == flags_before


async def test_a_forged_summary_button_for_another_clinicians_patient_is_refused(
    services: Services,
    person_factory: Callable[..., ChatDriver],
    world: World,
    rivera: ChatDriver,
    okafor: ChatDriver,
    telegram: FakeTelegram,
) -> None:
    [mine] = await okafor.say("/patients")
    for forged in (world.shares[(ANA, RIVERA)], world.shares[(CARA, OKAFOR)], "f" * 32):
        sent = await okafor.deliver(okafor.person.press_data(mine, f"sum|{forged}"))
        assert sent == []
        assert telegram.callback_answers[-1]["text"] == (
            "That patient is not sharing with you now, so her summary can't be shown."
        )
    assert telegram.sent_to(OKAFOR) == [mine]
    ana = person_factory(ANA)  # a mother, not a clinician, pressing a forged button
    assert (
        await ana.deliver(ana.person.press_data(mine, f"sum|{world.shares[(ANA, RIVERA)]}")) == []
    )
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    async with services.db.session() as session:
        refused = await session.scalars(
            select(AuditEntry).where(AuditEntry.event == "summary_refused")
        )
        assert [entry.clinician_id for entry in refused] == [world.okafor] * 3
        viewed = await session.scalars(
            select(AuditEntry).where(AuditEntry.event == "summary_viewed")
        )
        assert list(viewed) == []
    # her own patient's button works
    chart, _ = await okafor.tap_on(mine, "📈 Beth K.")
    assert chart.photo is not None


# --- /digest ---------------------------------------------------------------------------------


async def test_digest_sets_her_summary_time(
    services: Services, clock: ManualClock, world: World, rivera: ChatDriver
) -> None:
    [current] = await rivera.say("/digest")
    assert current.text.startswith("Your daily summary comes at 08:00, UK time (London).")
    [bad] = await rivera.say("/digest 25:00")
    assert bad.text == t(services, "clinician_summary.digest_time.out_of_range")
    [vague] = await rivera.say("/digest after lunch")
    assert vague.text == t(services, "clinician_summary.digest_time.not_a_time")
    [saved] = await rivera.say("/digest 6:45pm")
    assert saved.text == (
        "Saved: your daily summary will come at 18:45, UK time (London), every day. "
        "The next one arrives today at 18:45."
    )
    async with services.db.session() as session:
        stored = await session.get(Clinician, world.rivera)
        assert stored is not None
        assert (stored.digest_time, stored.next_digest_at) == ("18:45", at(20, 18, 45))
    clock.set(at(20, 18, 44))
    await tick(services)
    assert rivera.new_messages() == []
    clock.set(at(20, 18, 45))
    await tick(services)
    [digest] = rivera.new_messages()
    assert digest.text.startswith("Daily summary, 20 November 2026")
