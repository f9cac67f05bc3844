"""Sharing with consent, end to end, with two clinicians (joined through the operator's links) and
three mothers: the preview built from her own data, declining, agreeing, the notes tick,
stopping, and buttons that are old, forged or someone else's."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.core.instruments import score
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.store.checkins import record_checkin, save_answer
from companion.store.clinician_models import Share
from companion.store.clinicians import code_hash, read_display_name
from companion.store.flags import raise_flag
from companion.store.models import Checkin, Mother
from companion.store.screenings import complete_screening, start_screening
from tests.chat_helpers import snapshot, t, texts
from tests.checkin_helpers import add_mother, update_mother
from tests.sharing_helpers import (
    audit_events,
    clinician_named,
    drafts,
    invites,
    join,
    patient_code,
    shares,
    use_operator_environment,
)

Factory = Callable[..., ChatDriver]
NOTES_OFF, NOTES_ON = "☐ Also share my notes", "☑ Also share my notes"
WEEKLY_OFF, WEEKLY_ON = "☐ Also a weekly summary", "☑ Also a weekly summary"
AGREE, DECLINE = "Agree and share", "Don't share"
# How the clinician may reach her: optional, nothing chosen (tests/test_reaching_her.py).
REACH = ["📱 Add my phone number", "☐ Yes, they may message me", "☑ No Telegram messages"]


@pytest.fixture(autouse=True)
def operator_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, services: Services
) -> None:
    use_operator_environment(monkeypatch, tmp_path, services)


@dataclass
class Clinic:
    """Two clinicians who joined through the operator's links, and three set-up mothers."""

    rivera: ChatDriver
    okafor: ChatDriver
    ana: ChatDriver
    beth: ChatDriver
    cara: ChatDriver
    ids: dict[str, str]  # mother's first name -> her id


@pytest.fixture
async def clinic(
    person_factory: Factory, services: Services, capsys: pytest.CaptureFixture[str]
) -> Clinic:
    rivera, okafor = person_factory(5001, first_name="Rosa"), person_factory(5002)
    await join(capsys, rivera, "Dr Rivera")
    await join(capsys, okafor, "Dr Okafor")
    ids = {name: await add_mother(services, user_id) for name, user_id in MOTHER_IDS.items()}
    ana, beth, cara = (
        person_factory(user_id, first_name=name) for name, user_id in MOTHER_IDS.items()
    )
    return Clinic(rivera, okafor, ana, beth, cara, ids)


MOTHER_IDS = {"Ana": 1001, "Beth": 1002, "Cara": 1003}


# --- her data, written as check-ins, questionnaires and a flag would leave it --------------------

MOODS = {  # November 2026; the clock is 20 November, 12:00 UTC (London: the same)
    date(2026, 11, 1): 5,  # before the 14-day window
    date(2026, 11, 8): 2,
    date(2026, 11, 10): 3,
    date(2026, 11, 14): 4,
    date(2026, 11, 15): 5,
    date(2026, 11, 18): 1,
    date(2026, 11, 19): 4,
}
NOTES = {date(2026, 11, 18): "tired but okay", date(2026, 11, 19): "a good walk today"}


async def give_her_history(services: Services, mother_id: str) -> None:
    vault = services.vault
    async with services.db.session() as session:
        mother = await session.get(Mother, mother_id)
        assert mother is not None
        for day, mood in MOODS.items():
            at = datetime.combine(day, time(9), tzinfo=UTC)
            checkin_id = await record_checkin(
                session, mother_id=mother_id, local_date=day, status="sent", due_at=at, now=at
            )
            checkin = await session.get(Checkin, checkin_id)
            assert checkin is not None
            await save_answer(
                session, vault, checkin=checkin, question="mood", value=str(mood), now=at
            )
            await save_answer(session, vault, checkin=checkin, question="sleep", value="2", now=at)
            if day in NOTES:
                await save_answer(
                    session, vault, checkin=checkin, question="note", value=NOTES[day], now=at
                )
        for instrument_id, day, answers in (
            ("phq9", date(2026, 11, 3), [3, 3, 3, 3, 2, 2, 2, 2, 0]),  # 20: older, not shown
            ("gad7", date(2026, 11, 10), [1, 1, 1, 1, 1, 1, 0]),  # 6, mild
            ("phq9", date(2026, 11, 17), [2, 2, 2, 2, 1, 1, 1, 1, 0]),  # 12, moderate
        ):
            instrument = services.content.instrument("en", instrument_id)
            given = dict(zip(instrument.item_ids, answers, strict=True))
            at = datetime.combine(day, time(10), tzinfo=UTC)
            row = await start_screening(
                session,
                vault,
                mother=mother,
                instrument=instrument_id,
                reason="enrolment",
                local_date=day,
                now=at,
                answers=given,
            )
            complete_screening(row, vault, score(instrument, given), day, at)
        await raise_flag(
            session,
            vault,
            mother=mother,
            level="concern",
            source="message",
            reasons=("hopeless",),
            sent=["crisis.concern"],
            now=datetime(2026, 11, 19, 20, tzinfo=UTC),
        )


def consent_text(services: Services, clinician: str) -> str:
    return t(services, "sharing.preview", clinician=clinician, version="1.1")


def assert_view_of_ana(view: list[SentMessage], *, notes: bool) -> None:
    """Her summary as the clinician sees it, checked against the data above by hand: the chart,
    then her open flag, latest scores and mood answers; her notes only when she shares them."""
    assert view[0].photo is not None  # the 90-day chart
    shown = "\n".join(message.text for message in view[1:])
    assert shown.startswith("Ana · open flags: 1 (highest: concern)")
    assert "PHQ-9 12/27 moderate, possible, 17 November 2026" in shown
    assert "GAD-7 6/21 mild, below the cut-offs, 10 November 2026" in shown
    assert "PHQ-9 20/27" not in shown.split("\n")[3]  # the older PHQ-9 is not the latest
    assert ("a good walk today" in shown) is notes
    assert ("tired but okay" in shown) is notes
    assert all(message.protect_content for message in view)


async def opened(mother: ChatDriver, code: str) -> list[SentMessage]:
    """She opens her clinician's link."""
    return await mother.say(f"/start p_{code}")


async def share_ids(services: Services, mother_id: str) -> list[str]:
    return [share.id for share in await shares(services) if share.mother_id == mother_id]


# --- the whole way: preview, notes tick, agree ------------------------------------------------


async def test_the_preview_is_her_own_data_exactly_as_the_clinician_then_sees_it(
    clinic: Clinic, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    await give_her_history(services, clinic.ids["Ana"])
    code = await patient_code(clinic.rivera)

    replies = await opened(clinic.ana, code)
    assert texts(replies) == [
        t(services, "sharing.invited", clinician="Dr Rivera"),
        t(services, "sharing.name_prompt", clinician="Dr Rivera", limit=40),
    ]
    assert replies[1].button_labels == ["Ana", "A."]
    [draft] = await drafts(services)
    assert [b["callback_data"] for b in replies[1].buttons[0]] == [
        f"shn|{draft.id}|f",
        f"shn|{draft.id}|i",
    ]

    *view, preview = await clinic.ana.tap("Ana")
    assert preview.text == consent_text(services, "Dr Rivera")
    assert preview.button_labels == [NOTES_OFF, WEEKLY_OFF, *REACH, AGREE, DECLINE]
    assert [row[0]["callback_data"] for row in preview.buttons[:2]] == [
        f"sht|{draft.id}|0",
        f"sht|{draft.id}|1",
    ]
    assert preview.protect_content
    assert_view_of_ana(view, notes=False)
    # Nothing is shared while she decides: no share, and the clinician hears nothing.
    assert await shares(services) == []
    assert clinic.rivera.new_messages() == []

    # Each tick changes the one consent message in place: nothing is sent again. Her notes,
    # ticked, appear under it as the clinician's summary will list them.
    assert await clinic.ana.tap(NOTES_OFF) == []
    assert preview.button_labels == [NOTES_ON, WEEKLY_OFF, *REACH, AGREE, DECLINE]
    assert preview.text.startswith(consent_text(services, "Dr Rivera") + "\n\n")
    assert "tired but okay" in preview.text
    assert "a good walk today" in preview.text
    assert await clinic.ana.tap(NOTES_ON) == []
    assert preview.text == consent_text(services, "Dr Rivera")
    assert preview.button_labels == [NOTES_OFF, WEEKLY_OFF, *REACH, AGREE, DECLINE]
    assert await clinic.ana.tap(NOTES_OFF) == []
    with_notes_text = preview.text
    assert await clinic.ana.tap(WEEKLY_OFF) == []  # only the buttons change
    assert preview.text == with_notes_text
    assert preview.button_labels == [NOTES_ON, WEEKLY_ON, *REACH, AGREE, DECLINE]
    assert telegram.methods()[-2:] == ["editMessageReplyMarkup", "answerCallbackQuery"]
    assert clinic.ana.history[-len(view) - 1 :] == [*view, preview]  # the view is as it was
    assert_view_of_ana(view, notes=False)
    with_notes = preview

    clock.advance(timedelta(minutes=5))
    replies = await clinic.ana.tap(AGREE)
    assert texts(replies) == [t(services, "sharing.agreed", clinician="Dr Rivera")]
    assert with_notes.text.endswith("\n\n" + t(services, "sharing.picked_agree"))

    [share] = await shares(services)
    rivera = await clinician_named(services, "Dr Rivera")
    assert (share.mother_id, share.clinician_id) == (clinic.ids["Ana"], rivera.id)
    assert (share.include_notes, share.weekly_summary, share.consent_version) == (True, True, "1.1")
    assert (share.granted_at, share.revoked_at) == (clock.now(), None)
    assert read_display_name(share, services.vault) == "Ana"
    [invite] = await invites(services)
    assert invite.used_at == clock.now()
    assert await drafts(services) == []
    assert (await audit_events(services))[-1] == "share_granted"

    # The clinician is told, and sees exactly the card she previewed.
    [told] = clinic.rivera.new_messages()
    assert told.text == t(services, "clinician.now_sharing", name="Ana")
    assert [b["callback_data"] for b in told.buttons[0]] == [f"ccard|{share.id}"]
    seen = await clinic.rivera.tap("See summary")
    # Exactly what she agreed to: the view, and her notes as the consent message showed them.
    assert_view_of_ana(seen, notes=True)
    heading, *notes = with_notes_text.split("\n\n")[-1].splitlines()[1:]
    assert heading == "Notes she chose to share, last 90 days:"
    assert ["tired but okay" in notes[0], "a good walk today" in notes[1]] == [True, True]
    assert "\n".join([heading, *notes]) in "\n".join(texts(seen))
    not_notes = [m.text.split("\n\nNotes she chose to share")[0] for m in seen]
    assert not_notes == texts(view)
    assert [m.photo is not None for m in seen] == [m.photo is not None for m in view]
    assert all(m.protect_content for m in seen)
    # The other clinician sees nothing of her.
    assert clinic.okafor.new_messages() == []


BACKUP_SAYS = {
    "en": "If nobody answers it in time, it may also go to the clinic's backup contact, with only "
    "the name you choose, how serious it is (urgent or emergency) and when it was raised; that "
    "contact is also told if you don't answer my “are you safe now?”, and which clinician then "
    "took it or closed it.",
    "es": "Si nadie la atiende a tiempo, también puede llegar al contacto de respaldo de la "
    "clínica, solo con el nombre que elijas, su gravedad (urgente o emergencia) y cuándo se "
    "generó; a ese contacto también se le avisa si no respondes a mi “¿estás a salvo ahora?”, y "
    "qué profesional la atendió o la cerró.",
}
# What the backup chat is sent (messages/<locale>/alerts.toml): a field added there must be
# added to the sentence above, in both languages, with a new consent version.
TO_BACKUP = {
    "alerts.clinician.backup": {"level", "name", "when", "minutes"},
    "alerts.clinician.no_answer_backup": {"level", "name", "when", "minutes"},
    "alerts.close.closed_by_backup": {"clinician", "level", "name", "when"},
}


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_consent_says_what_the_backup_chat_gets(services: Services, locale: str) -> None:
    consent = services.content.text(locale, "sharing.preview", clinician="Dr Rivera", version="1.1")
    assert BACKUP_SAYS[locale] in consent
    assert consent.endswith("1.1)")
    for key, fields in TO_BACKUP.items():
        assert set(re.findall(r"{(\w+)}", services.content.strings[locale][key])) == fields, key


async def test_notes_under_the_consent_message_fit_in_one_message_or_are_counted(
    clinic: Clinic, services: Services
) -> None:
    long_note = "A long day with the baby, and then a longer night. " * 80  # 4,000 characters
    async with services.db.session() as session:
        for offset in range(20):
            day = date(2026, 11, 1) + timedelta(days=offset)
            at = datetime.combine(day, time(9), tzinfo=UTC)
            checkin_id = await record_checkin(
                session, mother_id=clinic.ids["Ana"], local_date=day, status="sent", due_at=at,
                now=at,
            )  # fmt: skip
            checkin = await session.get(Checkin, checkin_id)
            assert checkin is not None
            await save_answer(
                session, services.vault, checkin=checkin, question="note", value=long_note, now=at
            )
    await opened(clinic.ana, await patient_code(clinic.rivera))
    *_, preview = await clinic.ana.tap("Ana")
    assert await clinic.ana.tap(NOTES_OFF) == []
    assert len(preview.text) <= 4096
    shown = sum(line.startswith("• ") for line in preview.text.splitlines())
    assert 0 < shown < 20
    assert all(len(line) <= 600 for line in preview.text.splitlines() if line.startswith("• "))
    assert preview.text.endswith(f"…and {20 - shown} more, which Dr Rivera will see in full.")

    # Beth has written no notes: ticking says so.
    await opened(clinic.beth, await patient_code(clinic.rivera))
    *_, hers = await clinic.beth.tap("Beth")
    assert await clinic.beth.tap(NOTES_OFF) == []
    assert hers.text.endswith(t(services, "sharing.preview_no_notes", clinician="Dr Rivera"))


async def test_initials_and_a_typed_name_are_what_the_clinician_sees(
    clinic: Clinic, services: Services, telegram: FakeTelegram
) -> None:
    code = await patient_code(clinic.okafor)
    await opened(clinic.cara, code)
    *view, preview = await clinic.cara.tap("C.")
    assert preview.text == consent_text(services, "Dr Okafor")
    assert [m.photo for m in view] == [None]  # no answers yet: no chart
    assert view[0].text.startswith("C.\nNo check-in yet")

    long_name = "x" * 41
    assert texts(await clinic.cara.say(f"/name {long_name}")) == [
        t(services, "sharing.name_too_long", length=41, limit=40)
    ]
    assert texts(await clinic.cara.say("/name")) == [t(services, "sharing.name_empty")]
    *view, typed = await clinic.cara.say("/name Cara   M.")
    assert view[0].text.startswith("Cara M.\n")
    await clinic.cara.tap_on(typed, AGREE)
    [share] = await shares(services)
    assert read_display_name(share, services.vault) == "Cara M."
    assert clinic.okafor.new_messages()[-1].text == t(
        services, "clinician.now_sharing", name="Cara M."
    )
    # /name with nothing waiting for a name changes nothing.
    before = await snapshot(services)
    assert texts(await clinic.beth.say("/name Beth")) == [t(services, "sharing.name_nothing")]
    assert await snapshot(services) == before


# --- declining ---------------------------------------------------------------------------------


async def test_declining_shares_nothing_and_the_invite_stays_open(
    clinic: Clinic, services: Services, telegram: FakeTelegram
) -> None:
    code = await patient_code(clinic.okafor)
    await opened(clinic.beth, code)
    *_, preview = await clinic.beth.tap("Beth")
    agree_data = preview.button_data(AGREE)
    replies = await clinic.beth.tap(DECLINE)
    assert texts(replies) == [
        t(services, "sharing.declined", clinician="Dr Okafor")
        + " "
        + t(services, "sharing.declined_until", date="4 December 2026")
    ]
    assert preview.text.endswith("\n\n" + t(services, "sharing.picked_decline"))
    assert await shares(services) == []
    assert await drafts(services) == []
    [invite] = await invites(services)
    assert invite.used_at is None
    assert "share_granted" not in await audit_events(services)
    assert clinic.okafor.new_messages() == []

    # The Agree button on that preview is stale now: nothing changes.
    before = await snapshot(services)
    press = clinic.beth.person.press_data(preview, agree_data)
    assert await clinic.beth.deliver(press) == []
    assert telegram.callback_answers[-1]["text"] == t(services, "sharing.stale")
    assert await snapshot(services) == before

    # She changes her mind: the same invitation still works.
    await opened(clinic.beth, code)
    await clinic.beth.tap("B.")
    await clinic.beth.tap(AGREE)
    assert [s.mother_id for s in await shares(services)] == [clinic.ids["Beth"]]


# --- stopping ----------------------------------------------------------------------------------


async def test_stopping_takes_effect_at_once_and_old_buttons_are_refused(
    clinic: Clinic, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    agreed_on = []
    for clinician in (clinic.rivera, clinic.okafor):
        await opened(clinic.ana, await patient_code(clinician))
        *_, preview = await clinic.ana.tap("Ana")
        agreed_on.append((preview, preview.button_data(AGREE)))
        await clinic.ana.tap(AGREE)
    consent_preview, agree_data = agreed_on[0]
    rivera_notice = clinic.rivera.message_with("See summary")
    okafor_notice = clinic.okafor.message_with("See summary")

    [listing] = await clinic.ana.say("/sharing")
    rivera_share, okafor_share = await share_ids(services, clinic.ids["Ana"])
    assert listing.text == "\n\n".join(
        [
            t(services, "sharing.list_header"),
            t(
                services,
                "sharing.list_item",
                clinician="Dr Rivera",
                date="20 November 2026",
                name="Ana",
                notes="not shared",
                weekly="no",
                phone="not given",
                direct="no",
            ),
            t(
                services,
                "sharing.list_item",
                clinician="Dr Okafor",
                date="20 November 2026",
                name="Ana",
                notes="not shared",
                weekly="no",
                phone="not given",
                direct="no",
            ),
            t(services, "sharing.list_footer"),
        ]
    )
    assert [b["callback_data"] for row in listing.buttons for b in row] == [
        f"shr|{rivera_share}",
        f"sra|{rivera_share}",
        f"srm|{rivera_share}|y",
        f"shr|{okafor_share}",
        f"sra|{okafor_share}",
        f"srm|{okafor_share}|y",
    ]
    okafor_buttons = [
        "Stop sharing with Dr Okafor",
        "Add my number for Dr Okafor",
        "Let Dr Okafor message me on Telegram",
    ]

    clinic.rivera.new_messages()
    clock.advance(timedelta(hours=1))
    replies = await clinic.ana.tap("Stop sharing with Dr Rivera")
    assert texts(replies) == [t(services, "sharing.revoked", clinician="Dr Rivera")]
    assert listing.button_labels == okafor_buttons
    by_id = {share.id: share for share in await shares(services)}
    assert by_id[rivera_share].revoked_at == clock.now()
    assert by_id[okafor_share].revoked_at is None
    assert (await audit_events(services))[-1] == "share_revoked"
    [told] = clinic.rivera.new_messages()
    assert told.text == t(services, "clinician.stopped_sharing")
    assert "Ana" not in told.text

    # At once: Dr Rivera's old "See summary" button shows nothing.
    before = await snapshot(services)
    assert await clinic.rivera.tap_on(rivera_notice, "See summary") == []
    assert telegram.callback_answers[-1]["text"] == t(services, "clinician.stale")
    # Her old buttons: Stop again, and Agree on the consent preview, change nothing.
    press = clinic.ana.person.press_data(listing, f"shr|{rivera_share}")
    assert await clinic.ana.deliver(press) == []
    assert telegram.callback_answers[-1]["text"] == t(services, "sharing.stale")
    press = clinic.ana.person.press_data(consent_preview, agree_data)
    assert await clinic.ana.deliver(press) == []
    assert await snapshot(services) == before
    assert clinic.rivera.new_messages() == []

    # Dr Okafor still sees her; /sharing lists only Dr Okafor.
    clinic.okafor.new_messages()
    seen = await clinic.okafor.tap_on(okafor_notice, "See summary")
    assert texts(seen)[-1].startswith("Ana")
    [listing] = await clinic.ana.say("/sharing")
    assert listing.button_labels == okafor_buttons
    # Sharing again with Dr Rivera takes a new invitation and a new consent.
    await opened(clinic.ana, await patient_code(clinic.rivera))
    await clinic.ana.tap("A.")
    await clinic.ana.tap(AGREE)
    assert len(await share_ids(services, clinic.ids["Ana"])) == 3


# --- buttons naming someone else's share, and mothers who never agreed ------------------------


async def test_forged_buttons_naming_another_mothers_share_or_draft_are_refused(
    clinic: Clinic, services: Services, telegram: FakeTelegram
) -> None:
    await opened(clinic.ana, await patient_code(clinic.rivera))
    await clinic.ana.tap("Ana")
    await clinic.ana.tap(AGREE)
    [ana_share] = await share_ids(services, clinic.ids["Ana"])
    await opened(clinic.beth, await patient_code(clinic.okafor))
    await clinic.beth.tap("Beth")
    [beth_draft] = await drafts(services)  # Beth is still deciding
    rivera_notice = clinic.rivera.message_with("See summary")
    clinic.rivera.new_messages()
    clinic.okafor.new_messages()

    before = await snapshot(services)
    cara_screen = (await clinic.cara.say("/sharing"))[0]
    for forged in (f"shr|{ana_share}", f"shy|{beth_draft.id}", f"sht|{beth_draft.id}"):
        press = clinic.cara.person.press_data(cara_screen, forged)
        assert await clinic.cara.deliver(press) == []
        assert telegram.callback_answers[-1]["text"] == t(services, "sharing.stale")
    for forged in (f"shr|{ana_share}", f"sht|{beth_draft.id}|7", f"shn|{beth_draft.id}|x"):
        press = clinic.beth.person.press_data(cara_screen, forged)
        assert await clinic.beth.deliver(press) == []
        assert telegram.callback_answers[-1]["text"] == t(services, "sharing.stale")
    # Dr Okafor pressing "See summary" with Ana's share (she shares only with Dr Rivera).
    press = clinic.okafor.person.press_data(rivera_notice, f"ccard|{ana_share}")
    assert await clinic.okafor.deliver(press) == []
    assert telegram.callback_answers[-1]["text"] == t(services, "clinician.stale")
    # Dr Rivera asking for Beth's draft as if it were a share.
    press = clinic.rivera.person.press_data(rivera_notice, f"ccard|{beth_draft.id}")
    assert await clinic.rivera.deliver(press) == []
    assert await snapshot(services) == before
    assert clinic.rivera.new_messages() == []
    assert clinic.okafor.new_messages() == []


async def test_a_clinician_never_sees_a_mother_who_did_not_agree(
    clinic: Clinic, services: Services, telegram: FakeTelegram
) -> None:
    await give_her_history(services, clinic.ids["Cara"])
    await opened(clinic.cara, await patient_code(clinic.rivera))
    await clinic.cara.tap("Cara")  # she sees the preview, then leaves it
    await opened(clinic.beth, await patient_code(clinic.rivera))
    await clinic.beth.tap("Beth")
    await clinic.beth.tap(DECLINE)
    assert await shares(services) == []
    sent_to_rivera = telegram.sent_to(5001)
    assert not any("Cara" in m.text or "Beth" in m.text for m in sent_to_rivera)
    assert not any("tired but okay" in m.text for m in sent_to_rivera)


# --- codes that don't work, and people who can't use them --------------------------------------


async def test_wrong_expired_and_used_codes_get_a_kind_answer_and_store_nothing(
    clinic: Clinic, services: Services, clock: ManualClock
) -> None:
    bad = t(services, "sharing.bad_code", days=14)
    code = await patient_code(clinic.rivera)
    before = await snapshot(services)
    assert texts(await clinic.ana.say("/share not-a-code")) == [bad]
    assert texts(await opened(clinic.ana, code + "x")) == [bad]
    assert texts(await clinic.ana.say("/share")) == [t(services, "sharing.share_usage")]
    assert await snapshot(services) == before

    # The code typed with its prefix, or the whole link pasted, works too.
    link = f"https://t.me/companion_bot?start=p_{code}"
    for typed in (f"p_{code}", link, code):
        replies = await clinic.ana.say(f"/share {typed}")
        assert texts(replies)[0] == t(services, "sharing.invited", clinician="Dr Rivera")
    await clinic.ana.tap("Ana")
    await clinic.ana.tap(AGREE)
    before = await snapshot(services)
    assert texts(await opened(clinic.beth, code)) == [bad]  # used
    assert texts(await opened(clinic.ana, code)) == [bad]

    late = await patient_code(clinic.okafor)
    clock.advance(timedelta(days=14, seconds=1))
    before = await snapshot(services)
    assert texts(await opened(clinic.cara, late)) == [bad]  # expired
    assert await snapshot(services) == before
    async with services.db.session() as session:
        found = await session.scalar(select(Share).where(Share.mother_id == clinic.ids["Cara"]))
    assert found is None
    assert code_hash(late) in {invite.code_hash for invite in await invites(services)}


async def test_an_invitation_that_expires_while_she_decides_is_not_used(
    clinic: Clinic, services: Services, clock: ManualClock
) -> None:
    await opened(clinic.ana, await patient_code(clinic.rivera))
    await clinic.ana.tap("Ana")
    clock.advance(timedelta(days=15))
    assert texts(await clinic.ana.tap(AGREE)) == [t(services, "sharing.bad_code", days=14)]
    assert await shares(services) == []
    assert [invite.used_at for invite in await invites(services)] == [None]


async def test_someone_not_set_up_is_set_up_first_then_opens_the_link_again(
    clinic: Clinic, services: Services, person_factory: Factory
) -> None:
    code = await patient_code(clinic.rivera)
    dana = person_factory(1004, first_name="Dana")
    replies = await opened(dana, code)
    assert texts(replies) == [
        t(services, "sharing.set_up_first"),
        t(services, "onboarding.intro"),
        t(services, "onboarding.consent_question", version="1.0"),
    ]
    async with services.db.session() as session:
        assert await session.scalar(select(Mother).where(Mother.telegram_user_id == 1004)) is None
    assert await drafts(services) == []
    await dana.tap("I agree")
    replies = await opened(dana, code)  # mid set-up: finish first
    assert texts(replies)[:2] == [
        t(services, "sharing.set_up_first"),
        t(services, "onboarding.continue_setup"),
    ]
    assert texts(await dana.say(f"/share {code}")) == [t(services, "sharing.set_up_first_command")]
    await update_mother(services, 1004, status="active")  # as the end of set-up leaves her
    replies = await opened(dana, code)
    assert texts(replies)[0] == t(services, "sharing.invited", clinician="Dr Rivera")


async def test_a_clinician_opening_a_patient_link_is_told_it_is_for_patients(
    clinic: Clinic, services: Services
) -> None:
    code = await patient_code(clinic.okafor)
    before = await snapshot(services)
    assert texts(await opened(clinic.rivera, code)) == [t(services, "clinician.patient_link")]
    assert texts(await clinic.rivera.say(f"/share {code}")) == [
        t(services, "clinician.unknown_command")
    ]
    assert await snapshot(services) == before


async def test_a_mother_already_sharing_with_that_clinician_is_told_so(
    clinic: Clinic, services: Services
) -> None:
    await opened(clinic.ana, await patient_code(clinic.rivera))
    await clinic.ana.tap("Ana")
    await clinic.ana.tap(AGREE)
    second = await patient_code(clinic.rivera)
    before = await snapshot(services)
    assert texts(await opened(clinic.ana, second)) == [
        t(services, "sharing.already_sharing", clinician="Dr Rivera")
    ]
    assert await snapshot(services) == before
