"""The pure parsers: check-in times, birth dates, time zones and countries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import available_timezones

import pytest

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
    fixed_offset_name,
    is_valid_zone,
    parse_zone,
    tzinfo_for,
    zone_for_location,
    zones_for_country,
)

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
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["25:00", "24:00", "10:75", "12:60", "99", "2400", "2360", "13pm", "0am", "00pm", "13:30am"],
)
def test_clock_time_out_of_range(text: str) -> None:
    assert parse_clock_time(text) is TimeProblem.OUT_OF_RANGE


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
    assert parse_clock_time(text) is TimeProblem.NOT_A_TIME


@pytest.mark.parametrize("hour", range(24))
@pytest.mark.parametrize("minute", [0, 1, 15, 30, 59])
def test_clock_time_every_hour_round_trips(hour: int, minute: int) -> None:
    """Every wall time survives str() and parse_stored, and parses from both 24h forms."""
    value = ClockTime(hour, minute)
    assert str(value) == f"{hour:02d}:{minute:02d}"
    assert ClockTime.parse_stored(str(value)) == value
    assert parse_clock_time(str(value)) == value
    assert parse_clock_time(f"{hour:02d}{minute:02d}") == value
    twelve = hour % 12 or 12
    meridiem = "am" if hour < 12 else "pm"
    assert parse_clock_time(f"{twelve}:{minute:02d}{meridiem}") == value


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
        ("15/10/2026", True, date(2026, 10, 15)),  # month 15 is impossible: unambiguous
        ("10/15/2026", True, date(2026, 10, 15)),
        ("10/15/2026", False, date(2026, 10, 15)),  # month 15 is impossible: unambiguous
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
    assert parse_birth_date(text, TODAY, month_first=month_first) == expected


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
    assert parse_birth_date(text, TODAY, month_first=month_first) == AmbiguousDate(options)


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
    assert parse_birth_date(text, today, month_first=month_first) == AmbiguousDate((only,))


def test_birth_date_other_reading_impossible_is_taken_as_is() -> None:
    # 15 cannot be a month, so 15/10/2026 needs no confirmation in either order.
    assert parse_birth_date("15/10/2026", TODAY, month_first=True) == date(2026, 10, 15)


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
    assert parse_birth_date(text, TODAY, month_first=month_first) is problem


def test_birth_date_boundary_two_years() -> None:
    oldest = TODAY - timedelta(days=MAX_AGE_DAYS)
    assert MAX_AGE_DAYS >= 730  # two calendar years, even across a 29 February
    assert check_birth_date(oldest, TODAY) == oldest
    assert parse_birth_date(oldest.isoformat(), TODAY) == oldest
    too_old = oldest - timedelta(days=1)
    assert check_birth_date(too_old, TODAY) is DateProblem.TOO_OLD
    assert parse_birth_date(too_old.isoformat(), TODAY) is DateProblem.TOO_OLD
    assert check_birth_date(TODAY, TODAY) == TODAY
    assert check_birth_date(TODAY + timedelta(days=1), TODAY) is DateProblem.IN_FUTURE


def test_birth_date_exactly_two_calendar_years_ago_is_accepted() -> None:
    two_years = date(TODAY.year - 2, TODAY.month, TODAY.day)
    assert parse_birth_date(two_years.isoformat(), TODAY) == two_years


@pytest.mark.parametrize("days_ago", range(0, MAX_AGE_DAYS + 3))
def test_birth_date_every_day_in_range_day_first(days_ago: int) -> None:
    """Every date in the last two years parses from the day-first and ISO forms."""
    value = TODAY - timedelta(days=days_ago)
    expected: date | DateProblem = value if days_ago <= MAX_AGE_DAYS else DateProblem.TOO_OLD
    assert parse_birth_date(value.isoformat(), TODAY) == expected
    written = f"{value.day}/{value.month}/{value.year}"
    result = parse_birth_date(written, TODAY)
    if isinstance(result, AmbiguousDate):
        assert result.options[0] == value
        assert value.day <= 12
    else:
        assert result == expected or (
            # the month-first reading may be the only plausible one
            expected is DateProblem.TOO_OLD and isinstance(result, date)
        )


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
    assert parse_zone(text) == expected


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
    assert parse_zone(text) == expected
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
    assert parse_zone(text) is None


@pytest.mark.parametrize("minutes", range(-12 * 60, 14 * 60 + 1, 15))
def test_every_quarter_hour_offset_round_trips(minutes: int) -> None:
    """Every offset she may type is stored by name and comes back as the same utcoffset."""
    sign = "-" if minutes < 0 else "+"
    typed = f"UTC{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}"
    name = parse_zone(typed)
    assert name is not None
    assert name == ("UTC" if minutes == 0 else fixed_offset_name(minutes))
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
        assert parse_zone(text) in zones


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
    assert country_from_text(text) == expected


def test_country_names_and_zones_come_from_tzdata() -> None:
    names = country_names()
    assert names["GB"] == "Britain (UK)"
    assert len(names) > 240
    assert "Europe/London" in zones_for_country("gb")
    assert "America/New_York" in zones_for_country("US")
    assert zones_for_country("XX") == []
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
    assert parse_zone("Etc/GMT+2") is None
