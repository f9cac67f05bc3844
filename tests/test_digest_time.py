"""A clinician's digest time and time zone: /digest asks once for her zone when she has none,
/digest 07:30 New York and /timezone set it, and the digest comes at her local time across a
daylight-saving change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.store.clinician_models import Clinician
from tests.checkin_helpers import add_mother, at, tick
from tests.clinician_helpers import add_clinician, add_share

RIVERA, ANA = 5001, 1001


@pytest.fixture
async def rivera_id(services: Services) -> str:
    """Dr Rivera, who has never said where she is, with Ana sharing with her."""
    clinician = await add_clinician(services, "Dr Rivera", timezone=None)
    await add_share(services, await add_mother(services, ANA), clinician, "Ana R.")
    return clinician


@pytest.fixture
def rivera(person_factory: Callable[..., ChatDriver]) -> ChatDriver:
    return person_factory(RIVERA, first_name="Rivera")


async def stored(services: Services, clinician_id: str) -> Clinician:
    async with services.db.session() as session:
        found = await session.get(Clinician, clinician_id)
        assert found is not None
        return found


async def digests_at(
    services: Services, clock: ManualClock, rivera: ChatDriver, *moments: datetime
) -> list[int]:
    """At each moment, the number of daily summaries she got."""
    counts = []
    for moment in moments:
        clock.set(moment)
        await tick(services)
        counts.append(sum(m.text.startswith("Daily summary") for m in rivera.new_messages()))
    return counts


async def test_digest_asks_once_for_her_zone_and_comes_at_0730_new_york_across_dst(
    services: Services, clock: ManualClock, rivera_id: str, rivera: ChatDriver
) -> None:
    clock.set(at(30, 12, month=10))  # Friday 30 October: New York is on daylight time (UTC-4)
    [current] = await rivera.say("/digest")
    assert current.text.startswith("Your daily summary comes at 08:00 UTC")
    assert "/timezone" in current.text
    [asked] = await rivera.say("/digest 07:30")
    assert "07:30" in asked.text
    assert "Which time zone are you in?" in asked.text
    [saved] = await rivera.say("New York")
    assert saved.text.startswith("Time zone: Eastern (New York) (it's 08:00 there now).")
    assert "07:30" in saved.text
    assert "tomorrow at 07:30" in saved.text
    clinician = await stored(services, rivera_id)
    assert (clinician.timezone, clinician.digest_time) == ("America/New_York", "07:30")
    assert clinician.zone_asked_at is None
    # Asked once: the question is answered, so a later word is not read as a zone.
    [later] = await rivera.say("Chicago")
    assert "I can't read messages here" in later.text
    assert (await stored(services, rivera_id)).timezone == "America/New_York"
    # Saturday 31 October, 07:30 EDT = 11:30 UTC; Sunday 1 November the clocks go back, so
    # 07:30 EST = 12:30 UTC; Monday 2 November the same.
    assert await digests_at(
        services,
        clock,
        rivera,
        at(31, 11, 29, month=10),
        at(31, 11, 30, month=10),
        at(1, 11, 30),
        at(1, 12, 29),
        at(1, 12, 30),
        at(2, 12, 30),
    ) == [0, 1, 0, 0, 1, 1]
    assert (await stored(services, rivera_id)).next_digest_at == at(3, 12, 30)


async def test_digest_with_a_time_and_a_zone_sets_both_at_once(
    services: Services, clock: ManualClock, rivera_id: str, rivera: ChatDriver
) -> None:
    [saved] = await rivera.say("/digest 07:30 New York")
    assert saved.text == (
        "Saved: your daily summary will come at 07:30, Eastern (New York), every day. "
        "The next one arrives today at 07:30."
    )
    clinician = await stored(services, rivera_id)
    assert (clinician.timezone, clinician.digest_time) == ("America/New_York", "07:30")
    assert clinician.next_digest_at == at(20, 12, 30)  # 07:30 EST; it is 07:00 there now
    [current] = await rivera.say("/digest")
    assert current.text.startswith("Your daily summary comes at 07:30, Eastern (New York).")


async def test_a_zone_that_is_not_one_gets_a_kind_answer_and_changes_nothing(
    services: Services, clock: ManualClock, rivera_id: str, rivera: ChatDriver
) -> None:
    [refused] = await rivera.say("/digest 07:30 Atlantis")
    assert "“Atlantis”" in refused.text
    assert "nearest big city" in refused.text
    assert "nothing has changed" in refused.text
    clinician = await stored(services, rivera_id)
    assert (clinician.timezone, clinician.digest_time) == (None, "08:00")
    # Asked for her zone, a word that is not one is answered kindly and the question stays.
    await rivera.say("/digest 07:30")
    [again] = await rivera.say("Atlantis")
    assert "“Atlantis”" in again.text
    assert "nearest big city" in again.text
    [saved] = await rivera.say("UTC-5")
    assert saved.text.startswith("Time zone: UTC-05:00")
    assert "daylight-saving" in saved.text  # a fixed offset does not follow clock changes
    assert (await stored(services, rivera_id)).timezone == "UTC-05:00"


async def test_timezone_shows_and_changes_her_zone(
    services: Services, clock: ManualClock, rivera_id: str, rivera: ChatDriver
) -> None:
    [asked] = await rivera.say("/timezone")
    assert "I don't know your time zone yet" in asked.text
    [saved] = await rivera.say("Madrid")
    assert saved.text.startswith(
        "Time zone: Mainland Spain and Balearics (Madrid) (it's 13:00 there now)."
    )
    assert "08:00" in saved.text
    assert (await stored(services, rivera_id)).next_digest_at == at(21, 7)  # 08:00 CET
    [moved] = await rivera.say("/timezone Chicago")
    assert moved.text.startswith("Time zone: Central (Chicago) (it's 06:00 there now).")
    clinician = await stored(services, rivera_id)
    assert (clinician.timezone, clinician.next_digest_at) == ("America/Chicago", at(20, 14))
    [shown] = await rivera.say("/timezone")
    assert "Central (Chicago)" in shown.text
    [bad] = await rivera.say("/timezone Atlantis")
    assert "“Atlantis”" in bad.text
    assert (await stored(services, rivera_id)).timezone == "America/Chicago"


async def test_spanish_clinician_is_asked_in_spanish(
    services: Services, clock: ManualClock, rivera_id: str, rivera: ChatDriver
) -> None:
    async with services.db.session() as session:
        clinician = await session.get(Clinician, rivera_id)
        assert clinician is not None
        clinician.locale = "es"
    [asked] = await rivera.say("/digest 07:30")
    assert "¿En qué zona horaria está?" in asked.text
    [saved] = await rivera.say("Ciudad de México")
    assert saved.text.startswith("Zona horaria:")
    assert (await stored(services, rivera_id)).timezone == "America/Mexico_City"
