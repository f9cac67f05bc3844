"""next_checkin_at: her local wall time, in UTC, across days and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from companion.core.clock_time import ClockTime
from companion.core.schedule import local_instant, next_checkin_at
from companion.core.zones import tzinfo_for

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- ordinary days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "zone", "at", "expected"),
    [
        # later the same day
        (utc(2026, 11, 20, 12, 0), UTC, ClockTime(18, 0), utc(2026, 11, 20, 18, 0)),
        (utc(2026, 11, 20, 12, 0), LONDON, ClockTime(12, 1), utc(2026, 11, 20, 12, 1)),
        (utc(2026, 11, 20, 12, 0), NEW_YORK, ClockTime(9, 0), utc(2026, 11, 20, 14, 0)),
        # already passed today: tomorrow
        (utc(2026, 11, 20, 12, 0), LONDON, ClockTime(9, 0), utc(2026, 11, 21, 9, 0)),
        (utc(2026, 11, 20, 12, 0), UTC, ClockTime(0, 0), utc(2026, 11, 21, 0, 0)),
        (utc(2026, 11, 20, 12, 0), NEW_YORK, ClockTime(6, 59), utc(2026, 11, 21, 11, 59)),
        # exactly now: strictly after, so tomorrow
        (utc(2026, 11, 20, 12, 0), UTC, ClockTime(12, 0), utc(2026, 11, 21, 12, 0)),
        (utc(2026, 11, 20, 12, 0), LONDON, ClockTime(12, 0), utc(2026, 11, 21, 12, 0)),
        (utc(2026, 11, 20, 14, 0), NEW_YORK, ClockTime(9, 0), utc(2026, 11, 21, 14, 0)),
        # a second before: today
        (
            datetime(2026, 11, 20, 11, 59, 59, tzinfo=UTC),
            UTC,
            ClockTime(12, 0),
            utc(2026, 11, 20, 12, 0),
        ),
        # her local date differs from the UTC date
        (utc(2026, 11, 21, 3, 0), NEW_YORK, ClockTime(23, 30), utc(2026, 11, 21, 4, 30)),
        (
            utc(2026, 11, 20, 23, 0),
            ZoneInfo("Asia/Tokyo"),
            ClockTime(7, 0),
            utc(2026, 11, 20, 22, 0) + timedelta(days=1),
        ),
        (
            utc(2026, 11, 20, 15, 0),
            ZoneInfo("Pacific/Kiritimati"),
            ClockTime(6, 0),
            utc(2026, 11, 20, 16, 0),
        ),
        # month and year ends
        (utc(2026, 12, 31, 23, 0), UTC, ClockTime(9, 0), utc(2027, 1, 1, 9, 0)),
        (utc(2026, 2, 28, 10, 0), UTC, ClockTime(9, 0), utc(2026, 3, 1, 9, 0)),
    ],
)
def test_next_checkin_ordinary(
    now: datetime, zone: tzinfo, at: ClockTime, expected: datetime
) -> None:
    result = next_checkin_at(now, zone, at)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("name", "now", "at", "expected"),
    [
        ("UTC+05:30", utc(2026, 11, 20, 12, 0), ClockTime(9, 0), utc(2026, 11, 21, 3, 30)),
        ("UTC+05:30", utc(2026, 11, 20, 12, 0), ClockTime(18, 0), utc(2026, 11, 20, 12, 30)),
        ("UTC+05:30", utc(2026, 11, 20, 12, 30), ClockTime(18, 0), utc(2026, 11, 21, 12, 30)),
        ("UTC-03:30", utc(2026, 11, 20, 12, 0), ClockTime(9, 0), utc(2026, 11, 20, 12, 30)),
        ("UTC-03:30", utc(2026, 11, 20, 2, 0), ClockTime(23, 0), utc(2026, 11, 20, 2, 30)),
        ("UTC+14:00", utc(2026, 11, 20, 12, 0), ClockTime(9, 0), utc(2026, 11, 20, 19, 0)),
        ("UTC-12:00", utc(2026, 11, 20, 12, 0), ClockTime(9, 0), utc(2026, 11, 20, 21, 0)),
        ("UTC+00:45", utc(2026, 11, 20, 12, 0), ClockTime(0, 0), utc(2026, 11, 20, 23, 15)),
    ],
)
def test_next_checkin_fixed_offsets(
    name: str, now: datetime, at: ClockTime, expected: datetime
) -> None:
    assert next_checkin_at(now, tzinfo_for(name), at) == expected
    fixed = timezone(tzinfo_for(name).utcoffset(None) or timedelta(0))
    assert next_checkin_at(now, fixed, at) == expected


def test_fixed_offset_is_the_same_every_day_of_the_year() -> None:
    zone = tzinfo_for("UTC+05:30")
    now = utc(2026, 1, 1, 0, 0)
    for _ in range(365):
        result = next_checkin_at(now, zone, ClockTime(9, 0))
        assert result.astimezone(zone).time() == time(9, 0)
        assert (result.hour, result.minute) == (3, 30)
        now = result


# --- daylight-saving changes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "at", "expected"),
    [
        # New York springs forward on 8 March 2026: 02:00 EST -> 03:00 EDT; 02:30 does not exist.
        # It moves forward by the gap: 02:30 EST = 03:30 EDT = 07:30 UTC.
        (NEW_YORK, utc(2026, 3, 7, 12, 0), ClockTime(2, 30), utc(2026, 3, 8, 7, 30)),
        (NEW_YORK, utc(2026, 3, 8, 5, 0), ClockTime(2, 30), utc(2026, 3, 8, 7, 30)),
        # 03:10 EDT, after the gap: the moved time is still ahead
        (NEW_YORK, utc(2026, 3, 8, 7, 10), ClockTime(2, 30), utc(2026, 3, 8, 7, 30)),
        (NEW_YORK, utc(2026, 3, 8, 7, 30), ClockTime(2, 30), utc(2026, 3, 9, 6, 30)),
        # the gap's edges exist: 01:59 EST and 03:00 EDT
        (NEW_YORK, utc(2026, 3, 7, 12, 0), ClockTime(1, 59), utc(2026, 3, 8, 6, 59)),
        (NEW_YORK, utc(2026, 3, 7, 12, 0), ClockTime(3, 0), utc(2026, 3, 8, 7, 0)),
        (NEW_YORK, utc(2026, 3, 7, 15, 0), ClockTime(9, 0), utc(2026, 3, 8, 13, 0)),
        # the day before and after: plain EST and EDT
        (NEW_YORK, utc(2026, 3, 6, 12, 0), ClockTime(2, 30), utc(2026, 3, 7, 7, 30)),
        (NEW_YORK, utc(2026, 3, 8, 12, 0), ClockTime(2, 30), utc(2026, 3, 9, 6, 30)),
        # New York falls back on 1 November 2026: 02:00 EDT -> 01:00 EST; 01:30 happens twice.
        # The first occurrence: 01:30 EDT = 05:30 UTC.
        (NEW_YORK, utc(2026, 10, 31, 12, 0), ClockTime(1, 30), utc(2026, 11, 1, 5, 30)),
        (NEW_YORK, utc(2026, 11, 1, 5, 29), ClockTime(1, 30), utc(2026, 11, 1, 5, 30)),
        # after the first 01:30 (even before the second): the next day's
        (NEW_YORK, utc(2026, 11, 1, 5, 30), ClockTime(1, 30), utc(2026, 11, 2, 6, 30)),
        (NEW_YORK, utc(2026, 11, 1, 6, 0), ClockTime(1, 30), utc(2026, 11, 2, 6, 30)),
        (NEW_YORK, utc(2026, 10, 31, 16, 0), ClockTime(9, 0), utc(2026, 11, 1, 14, 0)),
        (NEW_YORK, utc(2026, 10, 31, 12, 0), ClockTime(0, 30), utc(2026, 11, 1, 4, 30)),
        (NEW_YORK, utc(2026, 10, 31, 12, 0), ClockTime(2, 0), utc(2026, 11, 1, 7, 0)),
        # London springs forward on 29 March 2026: 01:00 GMT -> 02:00 BST; 01:30 does not exist.
        # 01:30 GMT = 02:30 BST = 01:30 UTC.
        (LONDON, utc(2026, 3, 28, 12, 0), ClockTime(1, 30), utc(2026, 3, 29, 1, 30)),
        (LONDON, utc(2026, 3, 28, 12, 0), ClockTime(0, 59), utc(2026, 3, 29, 0, 59)),
        (LONDON, utc(2026, 3, 28, 12, 0), ClockTime(2, 0), utc(2026, 3, 29, 1, 0)),
        (LONDON, utc(2026, 3, 28, 12, 0), ClockTime(9, 0), utc(2026, 3, 29, 8, 0)),
        (LONDON, utc(2026, 3, 29, 12, 0), ClockTime(1, 30), utc(2026, 3, 30, 0, 30)),
        # London falls back on 25 October 2026: 02:00 BST -> 01:00 GMT; 01:30 happens twice.
        # The first occurrence: 01:30 BST = 00:30 UTC.
        (LONDON, utc(2026, 10, 24, 12, 0), ClockTime(1, 30), utc(2026, 10, 25, 0, 30)),
        (LONDON, utc(2026, 10, 25, 0, 30), ClockTime(1, 30), utc(2026, 10, 26, 1, 30)),
        (LONDON, utc(2026, 10, 24, 12, 0), ClockTime(9, 0), utc(2026, 10, 25, 9, 0)),
        (LONDON, utc(2026, 10, 24, 12, 0), ClockTime(0, 30), utc(2026, 10, 24, 23, 30)),
        # Lord Howe moves by half an hour. Forward on 4 October 2026: 02:00 (+10:30) -> 02:30
        # (+11); 02:15 does not exist and moves to 02:45 (+11) = 15:45 UTC the day before.
        (LORD_HOWE, utc(2026, 10, 3, 0, 0), ClockTime(2, 15), utc(2026, 10, 3, 15, 45)),
        (LORD_HOWE, utc(2026, 10, 3, 0, 0), ClockTime(2, 30), utc(2026, 10, 3, 15, 30)),
        (LORD_HOWE, utc(2026, 10, 3, 0, 0), ClockTime(1, 59), utc(2026, 10, 3, 15, 29)),
        (LORD_HOWE, utc(2026, 10, 3, 0, 0), ClockTime(9, 0), utc(2026, 10, 3, 22, 0)),
        # Back on 5 April 2026: 02:00 (+11) -> 01:30 (+10:30); 01:45 happens twice.
        # The first occurrence: 01:45 (+11) = 14:45 UTC the day before.
        (LORD_HOWE, utc(2026, 4, 4, 0, 0), ClockTime(1, 45), utc(2026, 4, 4, 14, 45)),
        (LORD_HOWE, utc(2026, 4, 4, 14, 45), ClockTime(1, 45), utc(2026, 4, 5, 15, 15)),
        (LORD_HOWE, utc(2026, 4, 4, 0, 0), ClockTime(1, 29), utc(2026, 4, 4, 14, 29)),
        (LORD_HOWE, utc(2026, 4, 4, 0, 0), ClockTime(2, 0), utc(2026, 4, 4, 15, 30)),
        (LORD_HOWE, utc(2026, 4, 4, 0, 0), ClockTime(9, 0), utc(2026, 4, 4, 22, 30)),
    ],
)
def test_next_checkin_across_dst(
    zone: ZoneInfo, now: datetime, at: ClockTime, expected: datetime
) -> None:
    assert next_checkin_at(now, zone, at) == expected


def test_spring_forward_gap_lands_at_0330_local() -> None:
    result = next_checkin_at(utc(2026, 3, 7, 12, 0), NEW_YORK, ClockTime(2, 30))
    local = result.astimezone(NEW_YORK)
    assert (local.date(), local.time()) == (date(2026, 3, 8), time(3, 30))
    assert local.utcoffset() == timedelta(hours=-4)


def test_fall_back_overlap_takes_the_first_occurrence() -> None:
    result = next_checkin_at(utc(2026, 10, 31, 12, 0), NEW_YORK, ClockTime(1, 30))
    local = result.astimezone(NEW_YORK)
    assert local.time() == time(1, 30)
    assert local.utcoffset() == timedelta(hours=-4)  # EDT, before the clocks go back
    assert local.fold == 0


def test_local_instant_is_utc_and_ignores_fold_of_input() -> None:
    result = local_instant(date(2026, 11, 1), ClockTime(1, 30), NEW_YORK)
    assert result == utc(2026, 11, 1, 5, 30)
    assert result.tzinfo is UTC


# --- every day of 2026 ------------------------------------------------------------------------

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "America/Santiago",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "UTC+05:30",
]
TIMES = [
    ClockTime(0, 0),
    ClockTime(0, 30),
    ClockTime(1, 30),
    ClockTime(2, 15),
    ClockTime(2, 30),
    ClockTime(3, 45),
    ClockTime(9, 0),
    ClockTime(23, 59),
]


def _intended(day: date, at: ClockTime, zone: tzinfo) -> tuple[datetime, bool]:
    """The UTC instant meant by `at` on `day`, worked out from offsets alone, and whether the
    wall time falls in a spring-forward gap."""
    naive = datetime.combine(day, time(at.hour, at.minute))
    before = zone.utcoffset(naive - timedelta(hours=3))
    after = zone.utcoffset(naive + timedelta(hours=3))
    assert before is not None
    assert after is not None
    readings = sorted({(naive - offset).replace(tzinfo=UTC) for offset in (before, after)})
    real = [u for u in readings if u.astimezone(zone).replace(tzinfo=None) == naive]
    if not real:
        return (naive - before).replace(tzinfo=UTC), True  # in the gap: move forward by it
    return real[0], False  # the first occurrence when there are two


@pytest.mark.parametrize("zone_name", ZONES)
def test_every_day_of_2026(zone_name: str) -> None:
    zone = tzinfo_for(zone_name)
    gap_days = 0
    for day_number in range(365):
        day = date(2026, 1, 1) + timedelta(days=day_number)
        for now_local in (time(0, 0), time(1, 45), time(2, 20), time(12, 0), time(23, 59)):
            now = datetime.combine(day, now_local, tzinfo=zone).astimezone(UTC)
            for at in TIMES:
                result = next_checkin_at(now, zone, at)
                assert result > now
                assert result < now + timedelta(hours=49)
                assert result.tzinfo is not None
                assert result.utcoffset() == timedelta(0)
                local = result.astimezone(zone)
                expected, in_gap = _intended(local.date(), at, zone)
                assert result == expected, (now, at)
                if in_gap:
                    gap_days += 1
                    assert local.time() > time(at.hour, at.minute)
                    shifted = datetime.combine(local.date(), time(at.hour, at.minute))
                    assert local.replace(tzinfo=None) - shifted <= timedelta(hours=1)
                else:
                    assert (local.hour, local.minute) == (at.hour, at.minute)
                # nothing earlier would do: the previous day's instant is not after now
                previous, _ = _intended(local.date() - timedelta(days=1), at, zone)
                assert previous <= now, (now, at)
    if zone_name in {"Asia/Kolkata", "UTC+05:30"}:
        assert gap_days == 0
    elif zone_name in {"America/New_York", "Europe/London", "Australia/Lord_Howe"}:
        assert gap_days > 0  # the loop did reach a spring-forward gap
