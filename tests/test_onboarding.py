"""Onboarding end to end through the real Application: consent, country, time zone, check-in time
and birth date, with what the mother sees and what the database holds after each answer."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from companion.bot.context import Services
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.store.models import Mother
from companion.store.mothers import read_birth_date
from tests.chat_helpers import (
    assert_nothing_stored,
    consent,
    load_consents,
    load_conversation,
    load_mother,
    onboard,
    position,
    reach,
    snapshot,
    stored_counts,
    summary_text,
    t,
    texts,
)

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OFFERED = ["United States", "United Kingdom", "Canada", "Australia", "Ireland", "Another country"]
CHECKIN_BUTTONS = ["07:00", "08:00", "09:00", "12:00", "13:00", "18:00", "19:00", "20:00", "21:00"]


# --- the whole way through ----------------------------------------------------------------------


async def test_full_onboarding_shows_each_question_and_stores_her_settings(
    mother: ChatDriver, services: Services, telegram: FakeTelegram
) -> None:
    replies = await mother.say("/start")
    assert texts(replies) == [
        t(services, "onboarding.intro"),
        t(services, "onboarding.consent_question", version="1.0"),
    ]
    assert replies[1].button_labels == ["I agree", "Not now", "Español"]
    consent_message = replies[1]

    replies = await mother.tap("I agree")
    assert texts(replies) == [
        t(services, "onboarding.agreed"),
        t(services, "onboarding.country.prompt"),
    ]
    assert replies[1].button_labels == OFFERED
    # The consent question keeps its text, loses its buttons and shows what she chose.
    assert consent_message.text.endswith("\n\n" + t(services, "onboarding.consent_recorded"))
    assert consent_message.buttons == []
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.country, stored.locale) == ("onboarding", None, "en")
    assert await position(services) == ("ob", "country")

    country_question = replies[1]
    replies = await mother.tap("United Kingdom")
    assert texts(replies) == [
        t(services, "onboarding.country.saved", country="United Kingdom"),
        t(services, "onboarding.timezone.prompt"),
        t(services, "onboarding.timezone.location_hint"),
    ]
    assert replies[1].button_labels == ["UK time (London)", "Somewhere else"]
    assert replies[2].keyboard == [[{"text": "📍 Share my location", "request_location": True}]]
    assert country_question.text.endswith("\n\n✓ United Kingdom")
    assert country_question.buttons == []
    assert await position(services) == ("ob", "timezone")

    replies = await mother.tap("UK time (London)")
    saved_zone = t(
        services, "onboarding.timezone.saved", zone="UK time (London)", local_time="12:00"
    )
    assert texts(replies) == [saved_zone, t(services, "onboarding.checkin_time.prompt")]
    assert replies[1].button_labels == CHECKIN_BUTTONS
    # The one-off "share location" keyboard is taken away once the zone is known.
    saved_call = next(
        call
        for call in telegram.calls
        if call.method == "sendMessage" and call.params["text"] == saved_zone
    )
    assert saved_call.params["reply_markup"] == {"remove_keyboard": True}

    replies = await mother.tap("09:00")
    assert texts(replies) == [
        t(services, "onboarding.checkin_time.saved", time="09:00"),
        t(services, "onboarding.birth_date.prompt", example="23/04/2026"),
    ]
    assert replies[1].button_labels == ["Skip"]

    replies = await mother.say("03/04/2026")
    assert texts(replies) == [t(services, "onboarding.birth_date.ambiguous")]
    assert replies[0].button_labels == ["3 April 2026", "4 March 2026", "Skip"]
    assert await position(services) == ("ob", "birth_date")

    replies = await mother.tap("3 April 2026")
    assert texts(replies) == [
        t(services, "onboarding.birth_date.saved", date="3 April 2026"),
        t(services, "settings.snippets.prompt"),
    ]
    assert replies[1].button_labels == ["Daily", "Every few days", "No, thanks"]
    assert await position(services) == ("ob", "snippets")

    replies = await mother.tap("No, thanks")
    assert texts(replies) == [
        t(services, "settings.snippets.saved_off"),
        t(
            services,
            "onboarding.done.summary",
            summary=summary_text(services, birth_date="3 April 2026"),
            first_checkin="tomorrow at 09:00",
        ),
    ]

    stored = await load_mother(services)
    assert stored is not None
    assert stored.status == "active"
    assert stored.country == "GB"
    assert stored.timezone == "Europe/London"
    assert stored.checkin_time == "09:00"
    assert stored.next_checkin_at == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # GMT in November
    assert stored.onboarded_at == START
    assert stored.chat_id == mother.chat_id
    assert await load_conversation(services, stored.id) is None
    consents = await load_consents(services, stored.id)
    assert len(consents) == 1
    assert consents[0]["version"] == "1.0"
    assert consents[0]["kind"] == "participation"
    assert consents[0]["given_at"] == START
    assert consents[0]["withdrawn_at"] is None
    # The birth date is sealed: the raw column holds no readable date, but the vault opens it.
    async with services.db.session() as session:
        raw = await session.scalar(select(Mother.__table__.c.birth_date_sealed))
    assert isinstance(raw, bytes)
    assert b"2026-04-03" not in raw
    assert b"2026" not in raw
    assert read_birth_date(stored, services.vault) == date(2026, 4, 3)
    assert await stored_counts(services) == {"mothers": 1, "consents": 1}


@pytest.mark.parametrize(
    ("country", "zone_label", "zone", "time", "next_utc", "first"),
    [
        # New York is UTC-5 in November: 07:00 there now, so 09:00 is still to come today.
        (
            "United States",
            "Eastern (New York)",
            "America/New_York",
            "09:00",
            datetime(2026, 11, 20, 14, 0, tzinfo=UTC),
            "today at 09:00",
        ),
        # Sydney is UTC+11 in November (daylight saving): 23:00 there now.
        (
            "Australia",
            "NSW / ACT (Sydney)",
            "Australia/Sydney",
            "07:00",
            datetime(2026, 11, 20, 20, 0, tzinfo=UTC),
            "tomorrow at 07:00",
        ),
        # Exactly 12:00 in London now: the first check-in is strictly later, so tomorrow.
        (
            "United Kingdom",
            "UK time (London)",
            "Europe/London",
            "12:00",
            datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
            "tomorrow at 12:00",
        ),
        (
            "Canada",
            "Newfoundland (St. John's)",
            "America/St_Johns",
            "13:00",
            datetime(2026, 11, 20, 16, 30, tzinfo=UTC),
            "today at 13:00",
        ),
    ],
)
async def test_first_checkin_is_her_local_time_in_utc(
    mother: ChatDriver,
    services: Services,
    country: str,
    zone_label: str,
    zone: str,
    time: str,
    next_utc: datetime,
    first: str,
) -> None:
    replies = await onboard(mother, country, zone_label, time)
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.timezone, stored.checkin_time) == (zone, time)
    assert stored.next_checkin_at == next_utc
    assert replies[-1].text.endswith(
        f"Your first check-in will arrive {first}. /help lists everything I can do."
    )
    assert read_birth_date(stored, services.vault) is None
    assert texts(replies)[0] == t(services, "onboarding.birth_date.skipped")


# --- nothing before consent ---------------------------------------------------------------------


async def test_nothing_is_stored_before_she_agrees_or_after_she_declines(
    mother: ChatDriver, services: Services
) -> None:
    replies = await mother.say("/start")
    assert len(replies) == 2
    await assert_nothing_stored(services)

    question = replies[1]
    replies = await mother.tap("Not now")
    assert texts(replies) == [t(services, "onboarding.declined")]
    assert question.text.endswith("\n\n" + t(services, "onboarding.consent_declined"))
    assert question.buttons == []
    await assert_nothing_stored(services)

    # She changes her mind: /start asks again, and agreeing enrols her.
    replies = await mother.say("/start")
    assert texts(replies) == [
        t(services, "onboarding.intro"),
        t(services, "onboarding.consent_question", version="1.0"),
    ]
    await assert_nothing_stored(services)
    replies = await mother.tap("I agree")
    assert texts(replies)[0] == t(services, "onboarding.agreed")
    assert await stored_counts(services) == {"mothers": 1, "consents": 1, "conversations": 1}


async def test_agreeing_twice_enrols_her_once(mother: ChatDriver, services: Services) -> None:
    first = (await mother.say("/start"))[1]
    second = (await mother.say("/start"))[1]
    replies = await mother.tap_on(second, "I agree")
    assert texts(replies)[0] == t(services, "onboarding.agreed")
    assert await mother.tap_on(first, "I agree") == []
    assert first.text.endswith(t(services, "onboarding.consent_recorded"))
    assert first.buttons == []
    assert await stored_counts(services) == {"mothers": 1, "consents": 1, "conversations": 1}


async def test_consent_is_per_person(
    person_factory: Callable[..., ChatDriver], services: Services
) -> None:
    ana, bea = person_factory(2001), person_factory(2002)
    await ana.say("/start")
    await bea.say("/start")
    await ana.tap("I agree")
    assert await load_mother(services, 2001) is not None
    assert await load_mother(services, 2002) is None
    assert await stored_counts(services) == {"mothers": 1, "consents": 1, "conversations": 1}


# --- country ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code", "label"),
    [
        ("Germany", "DE", "Germany"),
        ("de", "DE", "Germany"),
        ("  united kingdom ", "GB", "United Kingdom"),
        ("USA", "US", "United States"),
    ],
)
async def test_country_can_be_typed_as_a_name_or_code(
    mother: ChatDriver, services: Services, typed: str, code: str, label: str
) -> None:
    await reach(mother, "country")
    replies = await mother.say(typed)
    assert replies[0].text == t(services, "onboarding.country.saved", country=label)
    stored = await load_mother(services)
    assert stored is not None
    assert stored.country == code
    assert await position(services) == ("ob", "timezone")


async def test_a_typed_country_without_curated_zones_offers_its_tzdata_zones(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "country")
    replies = await mother.say("Germany")
    assert replies[1].text == t(services, "onboarding.timezone.prompt")
    # Busingen keeps Berlin's clock all year: one button, not two (issue 17)
    assert replies[1].button_labels == ["Berlin", "Somewhere else"]
    replies = await mother.tap("Berlin")
    assert replies[0].text == t(
        services, "onboarding.timezone.saved", zone="Berlin", local_time="13:00"
    )
    stored = await load_mother(services)
    assert stored is not None
    assert stored.timezone == "Europe/Berlin"


async def test_unknown_country_is_asked_again_and_nothing_changes(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "country")
    before = await snapshot(services, her_text_remembered=True)
    replies = await mother.say("Narnia")
    assert texts(replies) == [t(services, "onboarding.country.unknown")]
    assert await snapshot(services, her_text_remembered=True) == before
    assert await position(services) == ("ob", "country")
    # The buttons of the question are still live.
    replies = await mother.tap("Ireland")
    assert replies[0].text == t(services, "onboarding.country.saved", country="Ireland")


async def test_another_country_asks_her_to_type_it(mother: ChatDriver, services: Services) -> None:
    await reach(mother, "country")
    replies = await mother.tap("Another country")
    assert texts(replies) == [t(services, "onboarding.country.other_prompt")]
    assert await position(services) == ("ob", "country")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.country is None

    replies = await mother.say("Brazil")
    # Brazil has many zones and no curated list: she types a city, an offset, or shares location.
    assert texts(replies) == [
        t(services, "onboarding.country.saved", country="Brazil"),
        # the question first, then the location button (issue 17)
        "Which time zone are you in? Type your nearest big city (for example: Berlin) or your UTC "
        "offset (for example: UTC+1), or share your location.",
        "Or share your location: I use it once to find your time zone and don't keep it.",
    ]
    assert replies[2].keyboard == [[{"text": "📍 Share my location", "request_location": True}]]
    assert all(reply.buttons == [] for reply in replies)
    stored = await load_mother(services)
    assert stored is not None
    assert stored.country == "BR"

    replies = await mother.say("Sao Paulo")
    assert replies[0].text == t(
        services, "onboarding.timezone.saved", zone="Sao Paulo", local_time="09:00"
    )


# --- time zone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone", "label", "local_time"),
    [
        ("Berlin", "Europe/Berlin", "Berlin", "13:00"),
        ("manchester", "Europe/London", "UK time (London)", "12:00"),
        ("new york", "America/New_York", "Eastern (New York)", "07:00"),
        ("Europe/Paris", "Europe/Paris", "Paris", "13:00"),
        ("UTC", "UTC", "UTC", "12:00"),
    ],
)
async def test_time_zone_typed_as_a_city_or_zone(
    mother: ChatDriver, services: Services, typed: str, zone: str, label: str, local_time: str
) -> None:
    await reach(mother, "timezone")
    replies = await mother.say(typed)
    assert texts(replies) == [
        t(services, "onboarding.timezone.saved", zone=label, local_time=local_time),
        t(services, "onboarding.checkin_time.prompt"),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.timezone == zone
    assert await position(services) == ("ob", "checkin_time")


@pytest.mark.parametrize(
    ("typed", "zone", "local_time", "next_utc"),
    [
        ("UTC+5:30", "UTC+05:30", "17:30", datetime(2026, 11, 21, 3, 30, tzinfo=UTC)),
        # 09:00 there right now: the first check-in is tomorrow's.
        ("utc-3", "UTC-03:00", "09:00", datetime(2026, 11, 21, 12, 0, tzinfo=UTC)),
        ("GMT+1", "UTC+01:00", "13:00", datetime(2026, 11, 21, 8, 0, tzinfo=UTC)),
        # Already 02:00 on the 21st there: 09:00 that day is 19:00 UTC today.
        ("UTC+14", "UTC+14:00", "02:00", datetime(2026, 11, 20, 19, 0, tzinfo=UTC)),
    ],
)
async def test_time_zone_typed_as_an_offset_comes_with_the_fixed_offset_note(
    mother: ChatDriver,
    services: Services,
    typed: str,
    zone: str,
    local_time: str,
    next_utc: datetime,
) -> None:
    await reach(mother, "timezone")
    replies = await mother.say(typed)
    assert replies[0].text == (
        t(services, "onboarding.timezone.saved", zone=zone, local_time=local_time)
        + "\n"
        + t(services, "onboarding.timezone.fixed_offset_note")
    )
    stored = await load_mother(services)
    assert stored is not None
    assert stored.timezone == zone

    await mother.tap("09:00")
    await mother.tap("Skip")
    await mother.tap("No, thanks")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == next_utc


@pytest.mark.parametrize(
    "typed", ["nonsense", "UTC+15", "UTC-13", "UTC+5:20", "Atlantis", "somewhere near the sea"]
)
async def test_time_zone_nonsense_or_out_of_range_offset_is_asked_again(
    mother: ChatDriver, services: Services, typed: str
) -> None:
    await reach(mother, "timezone")
    before = await snapshot(services, her_text_remembered=True)
    replies = await mother.say(typed)
    assert texts(replies) == [t(services, "onboarding.timezone.unknown")]
    assert await snapshot(services, her_text_remembered=True) == before
    assert await position(services) == ("ob", "timezone")


async def test_somewhere_else_asks_her_to_type_a_zone(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "timezone")
    replies = await mother.tap("Somewhere else")
    assert texts(replies) == [t(services, "onboarding.timezone.type_prompt")]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.timezone is None
    assert await position(services) == ("ob", "timezone")
    replies = await mother.say("Chicago")
    assert replies[0].text == t(
        services, "onboarding.timezone.saved", zone="Central (Chicago)", local_time="06:00"
    )


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone", "label", "local_time"),
    [
        (51.5, -0.12, "Europe/London", "UK time (London)", "12:00"),
        (40.71, -74.0, "America/New_York", "Eastern (New York)", "07:00"),
        (-33.87, 151.21, "Australia/Sydney", "NSW / ACT (Sydney)", "23:00"),
    ],
)
async def test_shared_location_sets_the_time_zone_and_is_not_kept(
    mother: ChatDriver,
    services: Services,
    latitude: float,
    longitude: float,
    zone: str,
    label: str,
    local_time: str,
) -> None:
    await reach(mother, "timezone")
    replies = await mother.share_location(latitude, longitude)
    assert texts(replies) == [
        t(services, "onboarding.timezone.saved", zone=label, local_time=local_time),
        t(services, "onboarding.checkin_time.prompt"),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.timezone == zone
    # No column anywhere holds the coordinates.
    rows = await snapshot(services)
    flat = repr(rows)
    assert str(latitude) not in flat
    assert str(longitude) not in flat


@pytest.mark.parametrize(("latitude", "longitude"), [(0.0, -30.0), (-60.0, -140.0), (0.0, 0.0)])
async def test_location_at_sea_asks_for_a_city(
    mother: ChatDriver, services: Services, latitude: float, longitude: float
) -> None:
    await reach(mother, "timezone")
    before = await snapshot(services)
    replies = await mother.share_location(latitude, longitude)
    assert texts(replies) == [t(services, "onboarding.timezone.location_unknown")]
    assert await snapshot(services) == before
    assert await position(services) == ("ob", "timezone")


async def test_location_at_another_question_is_not_used(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "checkin_time")
    before = await snapshot(services)
    replies = await mother.share_location(51.5, -0.12)
    # Not used, not kept, and the open question is asked again.
    assert texts(replies) == [
        t(services, "common.location_elsewhere"),
        t(services, "onboarding.checkin_time.prompt"),
    ]
    assert "09:00" in replies[-1].button_labels
    assert await snapshot(services) == before


# --- check-in time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("25:00", "onboarding.checkin_time.out_of_range"),
        ("10:75", "onboarding.checkin_time.out_of_range"),
        ("13pm", "onboarding.checkin_time.out_of_range"),
        ("tomorrow", "onboarding.checkin_time.not_a_time"),
        ("after lunch", "onboarding.checkin_time.not_a_time"),
        ("🙂", "onboarding.checkin_time.not_a_time"),
    ],
)
async def test_check_in_time_that_is_not_a_clock_time_is_explained(
    mother: ChatDriver, services: Services, typed: str, key: str
) -> None:
    await reach(mother, "checkin_time")
    before = await snapshot(services, her_text_remembered=True)
    replies = await mother.say(typed)
    assert texts(replies) == [t(services, key)]
    assert await snapshot(services, her_text_remembered=True) == before
    assert await position(services) == ("ob", "checkin_time")


@pytest.mark.parametrize(
    ("typed", "stored_time"),
    [
        ("7pm", "19:00"),
        ("7:30 am", "07:30"),
        ("21.15", "21:15"),
        ("0830", "08:30"),
        ("noon", "12:00"),
        ("9:45pm", "21:45"),
        ("07:00", "07:00"),  # quiet hours end at 07:00
    ],
)
async def test_check_in_time_can_be_typed(
    mother: ChatDriver, services: Services, typed: str, stored_time: str
) -> None:
    await reach(mother, "checkin_time")
    replies = await mother.say(typed)
    assert texts(replies)[0] == t(services, "onboarding.checkin_time.saved", time=stored_time)
    stored = await load_mother(services)
    assert stored is not None
    assert stored.checkin_time == stored_time
    assert await position(services) == ("ob", "birth_date")


@pytest.mark.parametrize("typed", ["12am", "22:00", "23:30", "06:59", "3am"])
async def test_check_in_time_in_quiet_hours_is_refused_kindly(
    mother: ChatDriver, services: Services, typed: str
) -> None:
    await reach(mother, "checkin_time")
    before = await snapshot(services, her_text_remembered=True)
    replies = await mother.say(typed)
    assert texts(replies) == [
        t(
            services,
            "onboarding.checkin_time.quiet",
            quiet="22:00-07:00",
            opens="07:00",
            closes="22:00",
        )
    ]
    assert await snapshot(services, her_text_remembered=True) == before
    assert await position(services) == ("ob", "checkin_time")


# --- birth date ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("25/12/2026", "onboarding.birth_date.in_future"),
        ("21 November 2026", "onboarding.birth_date.in_future"),
        ("01/01/2024", "onboarding.birth_date.too_old"),
        ("2020-06-15", "onboarding.birth_date.too_old"),
        ("soon", "onboarding.birth_date.not_a_date"),
        ("31/02/2026", "onboarding.birth_date.not_a_date"),
    ],
)
async def test_implausible_birth_dates_are_refused_kindly(
    mother: ChatDriver, services: Services, typed: str, key: str
) -> None:
    await reach(mother, "birth_date")
    before = await snapshot(services, her_text_remembered=True)
    replies = await mother.say(typed)
    assert texts(replies) == [t(services, key, example="23/04/2026")]
    assert replies[0].button_labels == ["Skip"]
    assert await snapshot(services, her_text_remembered=True) == before
    assert await position(services) == ("ob", "birth_date")


async def test_birth_date_examples_follow_her_country_order(
    mother: ChatDriver, services: Services
) -> None:
    replies = await reach(mother, "birth_date", "United States", "Eastern (New York)")
    assert replies[-1].text == t(services, "onboarding.birth_date.prompt", example="04/23/2026")
    replies = await mother.say("soon")
    assert texts(replies) == [t(services, "onboarding.birth_date.not_a_date", example="04/23/2026")]


@pytest.mark.parametrize(
    ("country", "zone", "labels", "first"),
    [
        ("United Kingdom", "UK time (London)", ["3 April 2026", "4 March 2026"], date(2026, 4, 3)),
        ("United States", "Eastern (New York)", ["4 March 2026", "3 April 2026"], date(2026, 3, 4)),
    ],
)
async def test_ambiguous_birth_date_offers_both_readings_in_her_country_order(
    mother: ChatDriver,
    services: Services,
    country: str,
    zone: str,
    labels: list[str],
    first: date,
) -> None:
    await reach(mother, "birth_date", country, zone)
    replies = await mother.say("03/04/2026")
    assert texts(replies) == [t(services, "onboarding.birth_date.ambiguous")]
    assert replies[0].button_labels == [*labels, "Skip"]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.birth_date_sealed is None

    replies = await mother.tap(labels[0])
    assert replies[0].text == t(services, "onboarding.birth_date.saved", date=labels[0])
    stored = await load_mother(services)
    assert stored is not None
    assert read_birth_date(stored, services.vault) == first


async def test_birth_date_that_only_fits_the_other_order_is_confirmed_not_swapped(
    mother: ChatDriver, services: Services
) -> None:
    # In the UK 11/12/2026 is 11 December, in the future; 12 November is offered, not stored.
    await reach(mother, "birth_date")
    replies = await mother.say("11/12/2026")
    assert texts(replies) == [t(services, "onboarding.birth_date.confirm")]
    assert replies[0].button_labels == ["12 November 2026", "Skip"]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.birth_date_sealed is None

    replies = await mother.tap("12 November 2026")
    assert replies[0].text == t(services, "onboarding.birth_date.saved", date="12 November 2026")
    stored = await load_mother(services)
    assert stored is not None
    assert read_birth_date(stored, services.vault) == date(2026, 11, 12)


async def test_a_us_mother_typing_the_day_first_is_asked_to_confirm_not_swapped(
    mother: ChatDriver, services: Services
) -> None:
    """Issue 17 (9): in the US 13/08/2026 has no reading (month 13); 13 August is offered."""
    await reach(mother, "birth_date", country="United States", zone="Eastern (New York)")
    replies = await mother.say("13/08/2026")
    assert texts(replies) == ["Did you mean this date? If not, type it again (or tap Skip)."]
    assert replies[0].button_labels == ["13 August 2026", "Skip"]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.birth_date_sealed is None
    await mother.tap("13 August 2026")
    stored = await load_mother(services)
    assert stored is not None
    assert read_birth_date(stored, services.vault) == date(2026, 8, 13)


async def test_not_now_after_agreeing_explains_how_to_stop(
    mother: ChatDriver, services: Services
) -> None:
    await mother.say("/start")
    await mother.say("/start")
    first, second = [m for m in mother.history if "Not now" in m.button_labels]
    await mother.tap_on(first, "I agree")
    before = await snapshot(services)
    replies = await mother.tap_on(second, "Not now")
    assert texts(replies) == [t(services, "onboarding.already_agreed")]
    assert await snapshot(services) == before


async def test_unambiguous_birth_date_is_stored_directly(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "birth_date")
    replies = await mother.say("15th October 2026")
    assert replies[0].text == t(services, "onboarding.birth_date.saved", date="15 October 2026")
    assert replies[1].text == t(services, "settings.snippets.prompt")
    replies = await mother.tap("No, thanks")
    assert replies[1].text.startswith("You're all set.")
    stored = await load_mother(services)
    assert stored is not None
    assert read_birth_date(stored, services.vault) == date(2026, 10, 15)


async def test_skip_finishes_without_a_birth_date(mother: ChatDriver, services: Services) -> None:
    await reach(mother, "birth_date")
    replies = await mother.tap("Skip")
    assert texts(replies) == [
        t(services, "onboarding.birth_date.skipped"),
        t(services, "settings.snippets.prompt"),
    ]
    replies = await mother.tap("No, thanks")
    assert texts(replies) == [
        t(services, "settings.snippets.saved_off"),
        t(
            services,
            "onboarding.done.summary",
            summary=summary_text(services),
            first_checkin="tomorrow at 09:00",
        ),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.status == "active"
    assert stored.birth_date_sealed is None
    assert await load_conversation(services, stored.id) is None


async def test_skip_after_an_ambiguous_date_stores_nothing(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "birth_date")
    await mother.say("03/04/2026")
    replies = await mother.tap("Skip")
    assert replies[0].text == t(services, "onboarding.birth_date.skipped")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.birth_date_sealed is None


# --- /start again -------------------------------------------------------------------------------


async def test_start_mid_onboarding_asks_the_open_question_again(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "timezone")
    replies = await mother.say("/start")
    assert texts(replies) == [
        t(services, "onboarding.continue_setup"),
        t(services, "onboarding.timezone.prompt"),
        t(services, "onboarding.timezone.location_hint"),
    ]
    assert replies[1].button_labels == ["UK time (London)", "Somewhere else"]
    assert await position(services) == ("ob", "timezone")
    assert await stored_counts(services) == {"mothers": 1, "consents": 1, "conversations": 1}
    # The re-asked question works.
    replies = await mother.tap("UK time (London)")
    assert texts(replies)[1] == t(services, "onboarding.checkin_time.prompt")


async def test_start_mid_onboarding_at_the_first_question(
    mother: ChatDriver, services: Services
) -> None:
    await consent(mother)
    replies = await mother.say("/start")
    assert texts(replies) == [
        t(services, "onboarding.continue_setup"),
        t(services, "onboarding.country.prompt"),
    ]
    assert replies[1].button_labels == OFFERED


async def test_start_when_already_set_up_shows_her_settings(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    before = await snapshot(services)
    replies = await mother.say("/start")
    assert texts(replies) == [
        t(services, "onboarding.already_set_up", summary=summary_text(services)),
    ]
    assert await snapshot(services) == before


async def test_an_answered_question_keeps_its_choice_under_it(
    mother: ChatDriver, services: Services
) -> None:
    replies = await reach(mother, "checkin_time")
    question = copy.deepcopy(replies[-1])
    assert question.button_labels == CHECKIN_BUTTONS
    await mother.tap("20:00")
    shown = mother.telegram.find(mother.chat_id, question.message_id)
    assert shown.text == question.text + "\n\n✓ 20:00"
    assert shown.buttons == []


# --- a Spanish-speaking mother types her answers in Spanish -----------------------------------


def es(services: Services, key: str, **params: object) -> str:
    return services.content.text("es", key, **params)


async def consent_in_spanish(mother: ChatDriver, services: Services) -> list[SentMessage]:
    await mother.say("/start")
    replies = await mother.tap("Español")
    assert replies[-1].button_labels[:2] == ["Acepto", "Ahora no"]
    replies = await mother.tap("Acepto")
    assert texts(replies) == [
        es(services, "onboarding.agreed"),
        es(services, "onboarding.country.prompt"),
    ]
    return replies


async def test_a_spanish_speaking_mother_types_every_answer_in_spanish(
    mother: ChatDriver, services: Services
) -> None:
    await consent_in_spanish(mother, services)
    replies = await mother.tap("Otro país")
    assert texts(replies) == [es(services, "onboarding.country.other_prompt")]
    replies = await mother.say("México")
    assert texts(replies) == [  # Mexico's zones are buttons (resources/MX.toml); she types hers
        es(services, "onboarding.country.saved", country="México"),
        es(services, "onboarding.timezone.prompt"),
        es(services, "onboarding.timezone.location_hint"),
    ]
    replies = await mother.say("Ciudad de México")
    assert texts(replies) == [
        es(services, "onboarding.timezone.saved", zone="Ciudad de México", local_time="06:00"),
        es(services, "onboarding.checkin_time.prompt"),
    ]
    replies = await mother.say("7 de la tarde")
    assert texts(replies) == [
        es(services, "onboarding.checkin_time.saved", time="19:00"),
        es(services, "onboarding.birth_date.prompt", example="23/04/2026"),
    ]
    replies = await mother.say("3 de abril de 2026")
    assert texts(replies) == [
        es(services, "onboarding.birth_date.saved", date="3 de abril de 2026"),
        es(services, "settings.snippets.prompt"),
    ]
    replies = await mother.say("No, gracias")
    assert texts(replies)[0] == es(services, "settings.snippets.saved_off")
    assert texts(replies)[1].startswith("Todo listo.")
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.locale, stored.status, stored.country) == ("es", "active", "MX")
    assert (stored.timezone, stored.checkin_time, stored.snippets) == (
        "America/Mexico_City",
        "19:00",
        "off",
    )
    assert read_birth_date(stored, services.vault) == date(2026, 4, 3)
    assert stored.next_checkin_at == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # 19:00 UTC-6


@pytest.mark.parametrize(
    ("country", "city", "time", "birth", "stored"),
    [
        ("EE. UU.", "San José", "8 de la mañana", "ayer", ("US", "America/Los_Angeles", "08:00")),
        ("España", "Madrid", "19h30", "anteayer", ("ES", "Europe/Madrid", "19:30")),
        ("Reino Unido", "Londres", "mediodía", "hoy", ("GB", "Europe/London", "12:00")),
    ],
)
async def test_spanish_typed_answers_in_other_countries(
    mother: ChatDriver,
    services: Services,
    country: str,
    city: str,
    time: str,
    birth: str,
    stored: tuple[str, str, str],
) -> None:
    await consent_in_spanish(mother, services)
    await mother.say(country)
    replies = await mother.say(city)
    assert replies[0].text.startswith("Zona horaria: ")
    replies = await mother.say(time)
    assert texts(replies)[0] == es(services, "onboarding.checkin_time.saved", time=stored[2])
    replies = await mother.say(birth)
    assert texts(replies)[0].startswith("Fecha de nacimiento del bebé: ")
    saved = await load_mother(services)
    assert saved is not None
    assert (saved.country, saved.timezone, saved.checkin_time) == stored
    born = read_birth_date(saved, services.vault)
    assert born is not None
    local_today = START.astimezone(ZoneInfo(stored[1])).date()
    days_ago = {"hoy": 0, "ayer": 1, "anteayer": 2}[birth]
    assert (local_today - born).days == days_ago


async def test_a_spanish_answer_that_is_not_a_time_is_asked_again_in_spanish(
    mother: ChatDriver, services: Services
) -> None:
    await consent_in_spanish(mother, services)
    await mother.say("Reino Unido")  # not among the Spanish buttons: typed
    await mother.tap("Hora del Reino Unido (Londres)")
    replies = await mother.say("mañana")
    assert texts(replies) == [es(services, "onboarding.checkin_time.not_a_time")]
    replies = await mother.say("13 de la tarde")
    assert texts(replies) == [es(services, "onboarding.checkin_time.out_of_range")]
    assert await position(services) == ("ob", "checkin_time")
