"""Her longest words reach her clinician whole, in messages Telegram accepts: the fake refuses a
text over 4,096 characters as Telegram does, so a summary that packed her notes badly would lose
a message here, not only in production."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from companion.bot.context import Services
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.checkins import checkin_for_day, record_checkin, save_answer
from companion.store.models import CheckinStatus
from tests.checkin_helpers import add_mother, at
from tests.clinician_helpers import add_clinician, add_share

RIVERA, ANA = 5001, 1001
LONGEST = 4096  # the most Telegram lets her send in one message, so the longest note she has


async def add_note(services: Services, mother_id: str, day: date, note: str) -> None:
    now = services.clock.now()
    async with services.db.session() as session:
        await record_checkin(
            session, mother_id=mother_id, local_date=day, status=CheckinStatus.DONE,
            due_at=now, now=now,
        )  # fmt: skip
        checkin = await checkin_for_day(session, mother_id, day)
        assert checkin is not None
        for question, value in (("mood", "2"), ("note", note)):
            await save_answer(
                session, services.vault, checkin=checkin, question=question, value=value, now=now
            )


async def test_her_longest_notes_reach_the_clinicians_summary_whole(
    services: Services, telegram: FakeTelegram, person_factory: Callable[..., ChatDriver]
) -> None:
    clinician = await add_clinician(services, "Dr Rivera", RIVERA)
    mother = await add_mother(services, ANA, onboarded_at=at(1, 12))
    await add_share(services, mother, clinician, "Ana R.", include_notes=True)
    notes = {
        date(2026, 11, 19): ("The night feeds are endless. " * 200)[:LONGEST],
        date(2026, 11, 20): ("I slept four hours at last! 😀 " * 200)[:LONGEST],
    }
    for day, note in notes.items():
        await add_note(services, mother, day, note)

    replies = await person_factory(RIVERA, first_name="Rivera").say("/summary Ana R.")

    assert telegram.refused == []  # every message was one Telegram accepts
    texts = [m.text for m in replies if m.photo is None]
    assert len(texts) >= 3  # two notes of 4,096 characters cannot share a message
    joined = "".join(texts)
    for note in notes.values():
        assert note in joined  # whole, in order, nothing cut
