"""The pure parsers: check-in times, birth dates, time zones and countries, with the words of
messages/<locale>/input/ (English and Spanish)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import available_timezones

import pytest

from companion.content import load_content
from companion.core.birth_date import (
    MAX_AGE_DAYS,
    AmbiguousDate,
    DateProblem,
    check_birth_date,
    parse_birth_date,
)
from companion.core.clock_time import ClockTime, TimeProblem, parse_clock_time
from companion.core.zones import (
    country_from_text,
    country_names,
    distinct_zones_for_country,
    is_valid_zone,
    parse_zone,
    tzinfo_for,
    zone_for_location,
    zones_for_country,
)
from companion.resources import messages_dir

CONTENT = load_content(messages_dir(), "en")
EN, ES = CONTENT.words("en"), CONTENT.words("es")

# --- check-in times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", ClockTime(9, 0)),
        ("09", ClockTime(9, 0)),
        ("0", ClockTime(0, 0)),
        ("23", ClockTime(23, 0)),
        ("09:00", ClockTime(9, 0)),
        ("9:00", ClockTime(9, 0)),
        ("00:00", ClockTime(0, 0)),
        ("23:59", ClockTime(23, 59)),
        ("9:30pm", ClockTime(21, 30)),
        ("9:30 pm", ClockTime(21, 30)),
        ("9:30 PM", ClockTime(21, 30)),
        ("9:30 p.m.", ClockTime(21, 30)),
        ("9am", ClockTime(9, 0)),
        ("9 a.m.", ClockTime(9, 0)),
        ("7pm", ClockTime(19, 0)),
        ("12am", ClockTime(0, 0)),
        ("12:30am", ClockTime(0, 30)),
        ("12pm", ClockTime(12, 0)),
        ("12:45pm", ClockTime(12, 45)),
        ("1am", ClockTime(1, 0)),
        ("11pm", ClockTime(23, 0)),
        ("21.30", ClockTime(21, 30)),
        ("21h30", ClockTime(21, 30)),
        ("2130", ClockTime(21, 30)),
        ("0830", ClockTime(8, 30)),
        ("0000", ClockTime(0, 0)),
        ("noon", ClockTime(12, 0)),
        ("Noon", ClockTime(12, 0)),
        ("midday", ClockTime(12, 0)),
        ("  08:30  ", ClockTime(8, 30)),
    ],
)
def test_clock_time_parses(text: str, expected: ClockTime) -> None:
    assert parse_clock_time(text, EN.time) == expected


@pytest.mark.parametrize(
    "text",
    ["25:00", "24:00", "10:75", "12:60", "99", "2400", "2360", "13pm", "0am", "00pm", "13:30am"],
)
def test_clock_time_out_of_range(text: str) -> None:
    assert parse_clock_time(text, EN.time) is TimeProblem.OUT_OF_RANGE


@pytest.mark.parametrize(
    "text",
    [
        "tomorrow",
        "after lunch",
        "",
        "   ",
        "🙂",
        "9:3",
        "9:300",
        "123",
        "12345",
        "-9",
        "9 o'clock",
        "nine",
        "9:30 xm",
        "9" * 10_000,
        "09:00" * 2_000,
    ],
)
def test_clock_time_not_a_time(text: str) -> None:
    assert parse_clock_time(text, EN.time) is TimeProblem.NOT_A_TIME


@pytest.mark.parametrize("hour", range(24))
@pytest.mark.parametrize("minute", [0, 1, 15, 30, 59])
def test_clock_time_every_hour_round_trips(hour: int, minute: int) -> None:
    """Every wall time survives str() and parse_stored, and parses from both 24h forms."""
    value = ClockTime(hour, minute)
    assert str(value) == f"{hour:02d}:{minute:02d}"
    assert ClockTime.parse_stored(str(value)) == value
    assert parse_clock_time(str(value), EN.time) == value
    assert parse_clock_time(f"{hour:02d}{minute:02d}", EN.time) == value
    twelve = hour % 12 or 12
    meridiem = "am" if hour < 12 else "pm"
    assert parse_clock_time(f"{twelve}:{minute:02d}{meridiem}", EN.time) == value


# --- birth dates ------------------------------------------------------------------------------

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "month_first", "expected"),
    [
        ("2026-10-15", False, date(2026, 10, 15)),
        ("2026-10-15", True, date(2026, 10, 15)),
        ("2026/10/15", False, date(2026, 10, 15)),
        ("2026.1.5", False, date(2026, 1, 5)),
        # day first (the default) vs month first
        ("15/10/2026", False, date(2026, 10, 15)),
        # In her country's order month 15 is impossible: the other reading, to confirm (issue 17)
        ("15/10/2026", True, AmbiguousDate((date(2026, 10, 15),))),
        ("10/15/2026", True, date(2026, 10, 15)),
        ("10/15/2026", False, AmbiguousDate((date(2026, 10, 15),))),
        ("15.10.2026", False, date(2026, 10, 15)),
        ("15-10-2026", False, date(2026, 10, 15)),
        ("5/5/2026", False, date(2026, 5, 5)),  # both readings are the same day
        ("05/05/2026", True, date(2026, 5, 5)),
        # month names, either order
        ("12 March 2026", False, date(2026, 3, 12)),
        ("12 march 2026", True, date(2026, 3, 12)),
        ("12th March 2026", False, date(2026, 3, 12)),
        ("1st Feb 2026", False, date(2026, 2, 1)),
        ("12 Sept 2026", False, date(2026, 9, 12)),
        ("March 12, 2026", False, date(2026, 3, 12)),
        ("March 12, 2026", True, date(2026, 3, 12)),
        ("Mar. 12th, 2026", False, date(2026, 3, 12)),
        ("may 3 2026", False, date(2026, 5, 3)),
        ("  12   MARCH   2026 ", False, date(2026, 3, 12)),
        # relative words
        ("today", False, TODAY),
        ("Today", True, TODAY),
        (" yesterday ", False, TODAY - timedelta(days=1)),
        # two-digit years
        ("15/10/26", False, date(2026, 10, 15)),
        ("15/10/25", False, date(2025, 10, 15)),
        ("10/15/25", True, date(2025, 10, 15)),
    ],
)
def test_birth_date_parses(text: str, month_first: bool, expected: date) -> None:
    assert parse_birth_date(text, TODAY, month_first=month_first, words=EN.dates) == expected


@pytest.mark.parametrize(
    ("text", "month_first", "options"),
    [
        ("03/04/2026", False, (date(2026, 4, 3), date(2026, 3, 4))),
        ("03/04/2026", True, (date(2026, 3, 4), date(2026, 4, 3))),
        ("3/4/26", False, (date(2026, 4, 3), date(2026, 3, 4))),
        ("3.4.2026", True, (date(2026, 3, 4), date(2026, 4, 3))),
        ("10/11/2026", False, (date(2026, 11, 10), date(2026, 10, 11))),
        ("10/11/2026", True, (date(2026, 10, 11), date(2026, 11, 10))),
        ("01/12/2025", False, (date(2025, 12, 1), date(2025, 1, 12))),
    ],
)
def test_birth_date_ambiguous_in_her_order(
    text: str, month_first: bool, options: tuple[date, date]
) -> None:
    """Both readings are plausible: she chooses, her country's reading offered first."""
    assert parse_birth_date(text, TODAY, month_first=month_first, words=EN.dates) == AmbiguousDate(
        options
    )


@pytest.mark.parametrize(
    ("text", "month_first", "today", "only"),
    [
        # Her country's reading is in the future: the other one is offered, never taken silently.
        ("03/12/2026", False, TODAY, date(2026, 3, 12)),
        ("12/03/2026", True, TODAY, date(2026, 3, 12)),
        ("11/12/2026", False, TODAY, date(2026, 11, 12)),
        # Her country's reading is more than two years ago; the other one is not.
        ("03/01/2024", False, date(2026, 1, 15), date(2024, 3, 1)),
        ("01/03/2024", True, date(2026, 1, 15), date(2024, 3, 1)),
    ],
)
def test_birth_date_swapped_reading_is_offered_for_confirmation(
    text: str, month_first: bool, today: date, only: date
) -> None:
    assert parse_birth_date(text, today, month_first=month_first, words=EN.dates) == AmbiguousDate(
        (only,)
    )


@pytest.mark.parametrize(
    ("text", "month_first", "meant"),
    [
        ("13/08/2026", True, date(2026, 8, 13)),  # a US mother: month 13 does not exist
        ("08/13/2026", False, date(2026, 8, 13)),  # a UK mother: month 13 does not exist
        ("31/1/26", True, date(2026, 1, 31)),
    ],
)
def test_a_date_that_only_makes_sense_the_other_way_round_is_offered_to_confirm(
    text: str, month_first: bool, meant: date
) -> None:
    """Never swapped silently: she may have mistyped a different date altogether."""
    parsed = parse_birth_date(text, TODAY, month_first=month_first, words=EN.dates)
    assert parsed == AmbiguousDate((meant,))


@pytest.mark.parametrize(
    ("text", "month_first", "problem"),
    [
        ("2026-11-21", False, DateProblem.IN_FUTURE),
        ("21/11/2026", False, DateProblem.IN_FUTURE),
        ("11/21/2026", True, DateProblem.IN_FUTURE),
        ("21 November 2026", False, DateProblem.IN_FUTURE),
        ("1 January 2027", False, DateProblem.IN_FUTURE),
        ("2024-11-18", False, DateProblem.TOO_OLD),
        ("1 January 2020", False, DateProblem.TOO_OLD),
        ("15/10/1990", False, DateProblem.TOO_OLD),
        ("1/2/24", False, DateProblem.TOO_OLD),  # both readings are too old
        # a two-digit year after this year is read as last century
        ("15/10/27", False, DateProblem.IN_FUTURE),
        ("30/02/2026", False, DateProblem.NOT_A_DATE),
        ("02/30/2026", True, DateProblem.NOT_A_DATE),
        ("2026-02-30", False, DateProblem.NOT_A_DATE),
        ("30 February 2026", False, DateProblem.NOT_A_DATE),
        ("29/02/2026", False, DateProblem.NOT_A_DATE),  # 2026 is not a leap year
        ("32/13/2026", False, DateProblem.NOT_A_DATE),
        ("2026-13-01", False, DateProblem.NOT_A_DATE),
        ("00/00/2026", False, DateProblem.NOT_A_DATE),
        ("12 Smarch 2026", False, DateProblem.NOT_A_DATE),
        ("12 March", False, DateProblem.NOT_A_DATE),
        ("last week", False, DateProblem.NOT_A_DATE),
        ("tomorrow", False, DateProblem.NOT_A_DATE),
        ("", False, DateProblem.NOT_A_DATE),
        ("🙂", False, DateProblem.NOT_A_DATE),
        ("15/10/2026" * 1000, False, DateProblem.NOT_A_DATE),
        ("1" * 10_000, False, DateProblem.NOT_A_DATE),
    ],
)
def test_birth_date_problems(text: str, month_first: bool, problem: DateProblem) -> None:
    assert parse_birth_date(text, TODAY, month_first=month_first, words=EN.dates) is problem


def test_birth_date_boundary_two_years() -> None:
    oldest = TODAY - timedelta(days=MAX_AGE_DAYS)
    assert MAX_AGE_DAYS >= 730  # two calendar years, even across a 29 February
    assert check_birth_date(oldest, TODAY) == oldest
    assert parse_birth_date(oldest.isoformat(), TODAY, words=EN.dates) == oldest
    too_old = oldest - timedelta(days=1)
    assert check_birth_date(too_old, TODAY) is DateProblem.TOO_OLD
    assert parse_birth_date(too_old.isoformat(), TODAY, words=EN.dates) is DateProblem.TOO_OLD
    assert check_birth_date(TODAY, TODAY) == TODAY
    assert check_birth_date(TODAY + timedelta(days=1), TODAY) is DateProblem.IN_FUTURE


def test_birth_date_exactly_two_calendar_years_ago_is_accepted() -> None:
    two_years = date(TODAY.year - 2, TODAY.month, TODAY.day)
    assert parse_birth_date(two_years.isoformat(), TODAY, words=EN.dates) == two_years


OLDEST = date(2024, 11, 19)  # 731 days before TODAY: two years and a day for a 29 February


@pytest.mark.parametrize("days_ago", range(0, 732))
def test_birth_date_every_day_in_range_day_first(days_ago: int) -> None:
    """Every date in the last two years parses from the ISO and day-first forms. Day-first with
    a day up to 12 can also be read month-first: when that reading is in range too (and another
    day), both are offered, hers first."""
    value = TODAY - timedelta(days=days_ago)
    assert parse_birth_date(value.isoformat(), TODAY, words=EN.dates) == value
    written = f"{value.day}/{value.month}/{value.year}"
    swapped = date(value.year, value.day, value.month) if value.day <= 12 else value
    expected: date | AmbiguousDate = value
    if swapped != value and OLDEST <= swapped <= TODAY:
        expected = AmbiguousDate((value, swapped))
    assert parse_birth_date(written, TODAY, words=EN.dates) == expected


@pytest.mark.parametrize("text", ["2024-11-18", "18/11/2024", "2024-11-17", "17/11/2024"])
def test_birth_date_the_days_just_before_the_oldest_are_too_old(text: str) -> None:
    assert parse_birth_date(text, TODAY, words=EN.dates) is DateProblem.TOO_OLD


def test_birth_date_the_oldest_day_is_accepted_in_both_forms() -> None:
    for text in ("2024-11-19", "19/11/2024"):
        assert parse_birth_date(text, TODAY, words=EN.dates) == OLDEST


# --- time zones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("London", "Europe/London"),
        ("london", "Europe/London"),
        ("  LONDON ", "Europe/London"),
        ("Paris", "Europe/Paris"),
        ("tokyo", "Asia/Tokyo"),
        ("kolkata", "Asia/Kolkata"),
        ("new york", "America/New_York"),
        ("New York", "America/New_York"),
        ("new  york", "America/New_York"),
        ("new_york", "America/New_York"),
        ("los angeles", "America/Los_Angeles"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("st johns", "America/St_Johns"),
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("Europe/LONDON", "Europe/London"),
        ("australia/lord_howe", "Australia/Lord_Howe"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("gmt", "UTC"),
        ("nyc", "America/New_York"),
        ("NYC", "America/New_York"),
        ("new york city", "America/New_York"),
        ("LA", "America/Los_Angeles"),
        ("washington dc", "America/New_York"),
        ("manchester", "Europe/London"),
        ("Edinburgh", "Europe/London"),
        ("montreal", "America/Toronto"),
        ("canberra", "Australia/Sydney"),
        ("houston", "America/Chicago"),
        ("Narnia", None),
        ("Europe/Narnia", None),
    ],
)
def test_parse_zone_names(text: str, expected: str | None) -> None:
    assert parse_zone(text, EN.cities) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UTC+2", "UTC+02:00"),
        ("utc+2", "UTC+02:00"),
        ("UTC + 2", "UTC+02:00"),
        ("+2", "UTC+02:00"),
        ("+02", "UTC+02:00"),
        ("+05:30", "UTC+05:30"),
        ("+0530", "UTC+05:30"),
        ("UTC+5:45", "UTC+05:45"),
        ("GMT-3", "UTC-03:00"),
        ("gmt-3", "UTC-03:00"),
        ("utc-03:30", "UTC-03:30"),
        ("-9:30", "UTC-09:30"),
        ("−5", "UTC-05:00"),  # U+2212 minus sign
        ("UTC−5", "UTC-05:00"),
        ("UTC+14", "UTC+14:00"),
        ("UTC-12", "UTC-12:00"),
        ("UTC+0", "UTC"),
        ("-0", "UTC"),
        ("GMT+00:00", "UTC"),
    ],
)
def test_parse_zone_offsets(text: str, expected: str) -> None:
    assert parse_zone(text, EN.cities) == expected
    assert is_valid_zone(expected)


@pytest.mark.parametrize(
    "text",
    [
        "UTC+15",
        "UTC-13",
        "UTC+14:15",
        "UTC+05:20",
        "+05:60",
        "UTC+99",
        "UTC++2",
        "UTC+",
        # digits with no sign are not an offset (nor letters standing in for one)
        "5",
        "15",
        "a5",
        "x05:30",
        "",
        "   ",
        "🙂",
        "x" * 1000,
        "London" * 200,
        "+2" + "0" * 1000,
    ],
)
def test_parse_zone_rejects(text: str) -> None:
    assert parse_zone(text, EN.cities) is None


@pytest.mark.parametrize("minutes", range(-12 * 60, 14 * 60 + 1, 15))
def test_every_quarter_hour_offset_round_trips(minutes: int) -> None:
    """Every offset she may type is stored by name and comes back as the same utcoffset."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    name = parse_zone(f"UTC{sign}{hours}:{rest:02d}", EN.cities)
    assert name is not None
    # Stored as "UTC+05:30": the sign, then two-digit hours and minutes (plain "UTC" for zero).
    assert name == ("UTC" if minutes == 0 else f"UTC{sign}{hours:02d}:{rest:02d}")
    assert tzinfo_for(name).utcoffset(datetime(2026, 6, 1)) == timedelta(minutes=minutes)  # noqa: DTZ001


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("UTC+05:30", timedelta(hours=5, minutes=30)),
        ("UTC-03:30", -timedelta(hours=3, minutes=30)),
        ("UTC+14:00", timedelta(hours=14)),
        ("UTC-12:00", -timedelta(hours=12)),
        ("UTC+00:45", timedelta(minutes=45)),
        ("UTC", timedelta(0)),
    ],
)
def test_tzinfo_for_fixed_offsets(name: str, offset: timedelta) -> None:
    assert tzinfo_for(name).utcoffset(datetime(2026, 1, 1)) == offset  # noqa: DTZ001
    assert tzinfo_for(name).utcoffset(datetime(2026, 7, 1)) == offset  # noqa: DTZ001


def test_tzinfo_for_iana_names_follow_dst() -> None:
    zone = tzinfo_for("Europe/London")
    assert zone.utcoffset(datetime(2026, 1, 1)) == timedelta(0)  # noqa: DTZ001
    assert zone.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=1)  # noqa: DTZ001


@pytest.mark.parametrize("name", ["Europe/Narnia", "", "UTC+xx:yy", "not a zone"])
def test_is_valid_zone_rejects(name: str) -> None:
    assert not is_valid_zone(name)


def test_every_alias_and_city_is_a_real_zone() -> None:
    zones = available_timezones()
    for text in ["nyc", "la", "boston", "glasgow", "calgary", "austin", "cardiff", "belfast"]:
        assert parse_zone(text, EN.cities) in zones


# --- countries --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("uk", "GB"),
        ("UK", "GB"),
        ("U.K.", None),
        ("england", "GB"),
        ("Scotland", "GB"),
        ("Wales", "GB"),
        ("Northern Ireland", "GB"),
        ("Great Britain", "GB"),
        ("United Kingdom", "GB"),
        ("gb", "GB"),
        ("usa", "US"),
        ("USA.", "US"),
        ("us", "US"),
        ("United States", "US"),
        ("united states of america", "US"),
        ("America", "US"),
        ("de", "DE"),
        ("DE", "DE"),
        ("Germany", "DE"),
        ("  france  ", "FR"),
        ("ireland", "IE"),
        ("Côte d'Ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("New Zealand", "NZ"),
        ("Narnia", None),
        ("xx", None),
        ("", None),
        ("🙂", None),
        ("x" * 1000, None),
    ],
)
def test_country_from_text(text: str, expected: str | None) -> None:
    assert country_from_text(text, EN.countries) == expected


def test_country_names_and_zones_come_from_tzdata() -> None:
    names = country_names()
    assert names["GB"] == "Britain (UK)"
    assert len(names) > 240
    assert "Europe/London" in zones_for_country("gb")
    assert "America/New_York" in zones_for_country("US")
    assert zones_for_country("XX") == []
    # Buttons: Busingen keeps Berlin's clock all year, so Germany offers one zone (issue 17).
    assert zones_for_country("DE") == ["Europe/Berlin", "Europe/Busingen"]
    assert distinct_zones_for_country("DE") == ["Europe/Berlin"]
    assert distinct_zones_for_country("AU") == [
        "Australia/Lord_Howe",
        "Australia/Hobart",
        "Australia/Broken_Hill",
        "Australia/Brisbane",
        "Australia/Darwin",
        "Australia/Perth",
        "Australia/Eucla",
    ]
    for code in ["US", "GB", "CA", "AU", "IE", "DE", "IN"]:
        assert zones_for_country(code), code
        assert all(is_valid_zone(zone) for zone in zones_for_country(code))


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (51.5074, -0.1278, "Europe/London"),
        (40.7128, -74.0060, "America/New_York"),
        (-33.8688, 151.2093, "Australia/Sydney"),
        (-31.5553, 159.0821, "Australia/Lord_Howe"),
        (19.0760, 72.8777, "Asia/Kolkata"),
        (53.3498, -6.2603, "Europe/Dublin"),
        (91.0, 0.0, None),
        (-91.0, 0.0, None),
        (0.0, 181.0, None),
        (0.0, -180.5, None),
    ],
)
def test_zone_for_location(latitude: float, longitude: float, expected: str | None) -> None:
    assert zone_for_location(latitude, longitude) == expected


def test_zone_for_location_at_sea_is_no_zone() -> None:
    """Mid-Atlantic, timezonefinder's nautical Etc/GMT+2 reads backwards: she is asked instead."""
    assert zone_for_location(0.0, -30.0) is None


@pytest.mark.parametrize(
    "stored",
    [
        "UTC+-5:30",
        "UTCx05:30",
        "UTC+23:59",
        "UTC+05:20",
        "UTC+15:00",
        "UTC-13:00",
        "UTC+5",
        "Etc/GMT+2",
        "Etc/UTC",
        "posix/Europe/London",
        "../etc/passwd",
        "Nowhere/City",
    ],
)
def test_malformed_stored_zones_are_not_valid(stored: str) -> None:
    assert not is_valid_zone(stored)


@pytest.mark.parametrize("stored", ["UTC", "UTC+05:30", "UTC-12:00", "UTC+14:00", "UTC+05:45"])
def test_well_formed_fixed_offsets_are_valid(stored: str) -> None:
    assert is_valid_zone(stored)


def test_etc_zone_names_are_not_accepted_when_typed() -> None:
    # Etc/GMT+2 means UTC-2; she is asked for a city or "UTC-2" instead.
    assert parse_zone("Etc/GMT+2", EN.cities) is None


# --- what a Spanish-speaking mother types ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 p. m.", ClockTime(19, 0)),
        ("7 p.m.", ClockTime(19, 0)),
        ("7 pm", ClockTime(19, 0)),
        ("7 PM", ClockTime(19, 0)),
        ("9:30 p. m.", ClockTime(21, 30)),
        ("8 a. m.", ClockTime(8, 0)),
        ("7 de la tarde", ClockTime(19, 0)),
        ("7 DE LA TARDE", ClockTime(19, 0)),
        ("a las 7 de la tarde", ClockTime(19, 0)),
        ("la 1 de la tarde", ClockTime(13, 0)),
        ("8 de la mañana", ClockTime(8, 0)),
        ("8 de la manana", ClockTime(8, 0)),
        ("8:15 de la mañana", ClockTime(8, 15)),
        ("1 de la madrugada", ClockTime(1, 0)),
        ("10 de la noche", ClockTime(22, 0)),
        ("12 de la noche", ClockTime(0, 0)),
        ("12 del mediodía", ClockTime(12, 0)),
        ("mediodía", ClockTime(12, 0)),
        ("Mediodia", ClockTime(12, 0)),
        ("medianoche", ClockTime(0, 0)),
        ("19:30", ClockTime(19, 30)),
        ("19.30", ClockTime(19, 30)),
        ("19h30", ClockTime(19, 30)),
        ("19 h", ClockTime(19, 0)),
        ("19:30 horas", ClockTime(19, 30)),
        ("a las 19:30", ClockTime(19, 30)),
        ("noon", ClockTime(12, 0)),  # English words work in Spanish too
    ],
)
def test_spanish_clock_times(text: str, expected: ClockTime) -> None:
    assert parse_clock_time(text, ES.time) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("13 de la tarde", TimeProblem.OUT_OF_RANGE),
        ("0 de la mañana", TimeProblem.OUT_OF_RANGE),
        ("25 horas", TimeProblem.OUT_OF_RANGE),
        ("19:75 h", TimeProblem.OUT_OF_RANGE),
        ("mañana", TimeProblem.NOT_A_TIME),  # tomorrow, or the morning: not a time
        ("por la tarde", TimeProblem.NOT_A_TIME),
        ("a las", TimeProblem.NOT_A_TIME),
        ("siete", TimeProblem.NOT_A_TIME),
        ("7 de la", TimeProblem.NOT_A_TIME),
    ],
)
def test_spanish_clock_time_problems(text: str, problem: TimeProblem) -> None:
    assert parse_clock_time(text, ES.time) is problem


def test_the_core_knows_no_words_of_its_own() -> None:
    """Without a language's words only digits are read: the words are data, not code."""
    assert parse_clock_time("19:30") == ClockTime(19, 30)
    assert parse_clock_time("noon") is TimeProblem.NOT_A_TIME
    assert parse_clock_time("7 pm") is TimeProblem.NOT_A_TIME
    assert parse_birth_date("2026-04-03", TODAY) == date(2026, 4, 3)
    assert parse_birth_date("hoy", TODAY) is DateProblem.NOT_A_DATE
    assert parse_birth_date("3 April 2026", TODAY) is DateProblem.NOT_A_DATE
    assert country_from_text("de") == "DE"
    assert country_from_text("Germany") == "DE"  # tzdata's own names
    assert country_from_text("Alemania") is None
    assert parse_zone("Nueva York") is None


@pytest.mark.parametrize("month_first", [False, True])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 de abril de 2026", date(2026, 4, 3)),
        ("3 de Abril del 2026", date(2026, 4, 3)),
        ("3 abril 2026", date(2026, 4, 3)),
        ("3 abr 2026", date(2026, 4, 3)),
        ("3 de abr. de 2026", date(2026, 4, 3)),
        ("1.º de octubre de 2026", date(2026, 10, 1)),
        ("1ro de octubre de 2026", date(2026, 10, 1)),
        ("15 de septiembre de 2026", date(2026, 9, 15)),
        ("15 setiembre 2026", date(2026, 9, 15)),
        ("2 ENE 2026", date(2026, 1, 2)),
        ("20 de diciembre de 2025", date(2025, 12, 20)),
        ("20 dic 2025", date(2025, 12, 20)),
        ("12 March 2026", date(2026, 3, 12)),  # English works in Spanish too
        ("hoy", TODAY),
        ("Hoy", TODAY),
        ("ayer", TODAY - timedelta(days=1)),
        ("anteayer", TODAY - timedelta(days=2)),
        ("antier", TODAY - timedelta(days=2)),
        ("antes de ayer", TODAY - timedelta(days=2)),
    ],
)
def test_spanish_birth_dates(text: str, month_first: bool, expected: date) -> None:
    assert parse_birth_date(text, TODAY, month_first=month_first, words=ES.dates) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("21 de noviembre de 2026", DateProblem.IN_FUTURE),
        ("1 de enero de 2020", DateProblem.TOO_OLD),
        ("30 de febrero de 2026", DateProblem.NOT_A_DATE),
        ("3 de abril", DateProblem.NOT_A_DATE),
        ("3 de smarzo de 2026", DateProblem.NOT_A_DATE),
        ("mañana", DateProblem.NOT_A_DATE),
        ("de abril de 2026", DateProblem.NOT_A_DATE),
    ],
)
def test_spanish_birth_date_problems(text: str, problem: DateProblem) -> None:
    assert parse_birth_date(text, TODAY, words=ES.dates) is problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("México", "MX"),
        ("Mexico", "MX"),
        ("méxico", "MX"),
        ("Estados Unidos", "US"),  # from names.country in messages/es/names.toml
        ("estados unidos", "US"),
        ("EEUU", "US"),
        ("EE. UU.", "US"),
        ("EE.UU.", "US"),
        ("ee uu", "US"),
        ("Reino Unido", "GB"),
        ("Irlanda", "IE"),
        ("Irlanda del Norte", "GB"),
        ("España", "ES"),
        ("espana", "ES"),
        ("ESPAÑA", "ES"),
        ("Alemania", "DE"),
        ("Perú", "PE"),
        ("República Dominicana", "DO"),
        ("Japón", "JP"),
        ("United States", "US"),  # English names and codes keep working
        ("uk", "GB"),
        ("mx", "MX"),
        ("Narnia", None),
        ("Méxicoo", None),
    ],
)
def test_spanish_countries(text: str, expected: str | None) -> None:
    assert country_from_text(text, ES.countries) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bogotá", "America/Bogota"),
        ("bogota", "America/Bogota"),
        ("Ciudad de México", "America/Mexico_City"),
        ("ciudad de mexico", "America/Mexico_City"),
        ("CDMX", "America/Mexico_City"),
        ("Los Ángeles", "America/Los_Angeles"),
        ("Nueva York", "America/New_York"),
        ("nueva  york", "America/New_York"),
        ("San José", "America/Costa_Rica"),
        ("san jose", "America/Costa_Rica"),
        ("Londres", "Europe/London"),
        ("Sídney", "Australia/Sydney"),
        ("Medellín", "America/Bogota"),
        ("Asunción", "America/Asuncion"),
        ("Cancún", "America/Cancun"),
        ("Quito", "America/Guayaquil"),
        ("New York", "America/New_York"),
        ("nyc", "America/New_York"),
        ("UTC-5", "UTC-05:00"),
        ("Narnia", None),
    ],
)
def test_spanish_cities(text: str, expected: str | None) -> None:
    assert parse_zone(text, ES.cities) == expected


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("San José", "US", "America/Los_Angeles"),
        ("San José", "CR", "America/Costa_Rica"),
        ("San José", "GB", "America/Costa_Rica"),
        ("Córdoba", "ES", "Europe/Madrid"),
        ("Córdoba", "AR", "America/Argentina/Cordoba"),
        ("San Juan", "AR", "America/Argentina/San_Juan"),
        ("San Juan", "US", "America/Puerto_Rico"),
    ],
)
def test_a_city_in_her_country_wins(text: str, country: str, expected: str) -> None:
    assert parse_zone(text, ES.cities, zones_for_country(country)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sí", True),
        ("si", True),
        ("¡Sí!", True),
        ("SI", True),
        ("claro", True),
        ("yes", True),
        ("no", False),
        ("No, gracias", False),
        ("nope", False),
        ("quizás", None),
        ("", None),
    ],
)
def test_yes_and_no_in_both_languages(text: str, expected: bool | None) -> None:
    assert ES.yes_or_no(text) is expected
    assert EN.yes_or_no(text) is expected
