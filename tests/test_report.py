"""/report: a PDF she can send or show to her doctor, midwife or therapist (not protected: she is
told so), over a period she picks, her notes only if she ticks them; the same report for a
clinician she shares with, from /summary. Checked by reading the PDF's text."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from companion.bot.context import Services
from companion.bot.report_data import report_data, report_words
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_person import SentMessage
from companion.pictures.report import build_report
from tests.chat_helpers import load_mother, t
from tests.checkin_helpers import at, tick_and_read
from tests.clinician_helpers import add_clinician, add_share
from tests.picture_helpers import MOODS, SLEEPS, first_weeks

NOTE = "Cant sleep even when the baby sleeps, lying awake every night"
OFFER_START = "I can make a PDF of your check-ins and questionnaire results"


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


async def with_a_note(mother: ChatDriver, services: Services, clock: ManualClock) -> None:
    """A fourth day (24 November): mood and sleep, then a typed note."""
    clock.set(at(24, 9))
    await tick_and_read(services, mother)
    await mother.tap(MOODS[2])
    await mother.tap(SLEEPS[2])
    for _ in range(3):
        await mother.tap("Skip")  # anxiety, closeness, support
    await mother.say(NOTE)


async def test_her_report_is_a_pdf_she_may_forward_with_scores_bands_and_no_notes(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await first_weeks(mother, services, clock)
    await with_a_note(mother, services, clock)
    [offer] = await mother.say("/report")
    assert offer.text.startswith(OFFER_START)
    assert "the file can be forwarded and saved, because it's meant to be shared" in offer.text
    assert offer.button_labels == [
        "Last 4 weeks", "Last 3 months", "Everything", "[ ] Include my notes",
    ]  # fmt: skip
    [document] = await mother.tap_on(offer, "Last 4 weeks")
    assert document.document is not None
    assert document.document.startswith(b"%PDF")
    assert document.filename == "companion-report-2026-11-24.pdf"
    assert document.protect_content is False  # the one message meant to be shared
    assert document.text == (
        "Your report, 21 November 2026 to 24 November 2026. You can forward or save this file. "
        "It is not a diagnosis."
    )
    text = flat(pdf_text(document.document))
    first_page = flat(PdfReader(io.BytesIO(document.document)).pages[0].extract_text())
    assert "This report is not a diagnosis." in first_page
    assert "About PHQ-9 totals after a birth" in first_page
    assert "PHQ-9 (Over the last 2 weeks): 9 questions, total 0 to 27" in first_page
    assert "0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe" in text
    assert "21 November 2026: PHQ-9 8 of 27, mild (2 of the points from sleep" in first_page
    assert "21 November 2026: GAD-7 12 of 21, moderate" in first_page
    # Her note raised a concern: its level and date are in, her words are not.
    assert "What she wrote is not shown here. 24 November 2026: concern" in first_page
    assert "2026-11-21 | Good (4) | Badly (2) | A little (1)" in text
    assert "2026-11-24 | Okay (3) | Okay (3) | -" in text
    assert "Her notes are left out of this report." in text
    assert NOTE not in text
    assert "From 21 November 2026 to 24 November 2026 (4 days)" in text


async def test_ticking_include_my_notes_puts_her_notes_in(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await first_weeks(mother, services, clock)
    await with_a_note(mother, services, clock)
    [offer] = await mother.say("/report")
    assert await mother.tap_on(offer, "[ ] Include my notes") == []  # edited in place
    [ticked] = [m for m in mother.history if m.message_id == offer.message_id]
    assert ticked.button_labels[-1] == "[x] Include my notes"
    [document] = await mother.tap_on(ticked, "Everything")
    assert document.document is not None
    text = flat(pdf_text(document.document))
    assert f"Note: {NOTE}" in text
    assert "Her notes are left out" not in text


async def test_a_period_with_nothing_in_it_says_so(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await first_weeks(mother, services, clock, [(3, 3, 1)])
    clock.set(clock.now() + timedelta(days=40))
    [offer] = await mother.say("/report")
    [reply] = await mother.tap_on(offer, "Last 4 weeks")
    assert reply.document is None
    assert reply.text == t(services, "report.nothing")
    [document] = await mother.tap_on(offer, "Everything")
    assert document.document is not None
    assert "PHQ-9 8 of 27, mild" in flat(pdf_text(document.document))


async def test_the_spanish_report_keeps_its_accents_and_bands(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await first_weeks(mother, services, clock)
    stored = await load_mother(services, mother.person.user.id)
    assert stored is not None
    async with services.db.session() as session:
        data = await report_data(services, session, stored, "es", days=28, notes=False)
    assert data is not None
    text = flat(pdf_text(build_report(data, report_words(services.content, "es", data))))
    assert "Este informe no es un diagnóstico." in text
    assert "21 de noviembre de 2026: PHQ-9 8 de 27, leve" in text
    assert "21 de noviembre de 2026: GAD-7 12 de 21, moderado" in text
    assert "Sobre los totales del PHQ-9 después de un parto" in text
    assert "Ánimo" in text
    assert "2026-11-21 | Bien (4) | Mal (2) | Un poco (1)" in text


async def test_a_clinician_gets_her_report_from_the_summary_protected_without_private_notes(
    mother: ChatDriver,
    services: Services,
    clock: ManualClock,
    person_factory: object,
) -> None:
    clinician_id = await add_clinician(services)  # before anyone writes: who is who is cached
    mother_id = await first_weeks(mother, services, clock)
    await with_a_note(mother, services, clock)
    await add_share(services, mother_id, clinician_id, "Ana R.")
    rivera: ChatDriver = person_factory(5001)  # type: ignore[operator]
    replies: list[SentMessage] = await rivera.say("/summary Ana")
    [offering] = [m for m in replies if "Report (PDF) for Ana R." in m.button_labels]
    [document] = await rivera.tap_on(offering, "Report (PDF) for Ana R.")
    assert document.document is not None
    assert document.protect_content is True
    assert document.text.startswith("Ana R.: report, 21 November 2026 to 24 November 2026.")
    text = flat(pdf_text(document.document))
    assert "Check-in report: Ana R." in text
    assert "This report is not a diagnosis." in text
    assert "PHQ-9 8 of 27, mild" in text
    assert NOTE not in text  # her share leaves her notes out


async def test_a_period_shorter_than_her_time_with_companion_starts_at_the_periods_start(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await first_weeks(mother, services, clock)  # 21 to 23 November, questionnaires on the 21st
    clock.set(at(19, 9, month=12))
    [offer] = await mother.say("/report")
    [document] = await mother.tap_on(offer, "Last 4 weeks")
    assert document.document is not None
    text = flat(pdf_text(document.document))
    assert "From 22 November 2026 to 19 December 2026 (28 days)" in text
    assert "No questionnaires in this period." in text  # the 21st is before it
    assert "2026-11-22 | Okay (3) | Okay (3) | Quite a bit (2)" in text
    assert "2026-11-21 |" not in text
