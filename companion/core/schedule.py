"""When her next check-in is due, in UTC, from her time zone and chosen local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from companion.core.clock_time import ClockTime


def local_instant(day: date, at: ClockTime, zone: tzinfo) -> datetime:
    """The UTC instant of a wall time on a day.

    A wall time that does not exist (the spring-forward gap) moves forward by the gap; an
    ambiguous one (the autumn overlap) takes the first occurrence. fold=0 gives both (PEP 495).
    """
    wall = datetime.combine(day, time(at.hour, at.minute), tzinfo=zone).replace(fold=0)
    return wall.astimezone(UTC)


def next_after(
    due: datetime, now: datetime, grace: timedelta, zone: tzinfo, at: ClockTime
) -> datetime:
    """The due time after `due`, dealt with at `now`: the next one after it, or after a missed
    one, the first still within the grace window. Down from the 20th at noon to the 22nd at
    10:00 with a 09:00 check-in and 3 hours' grace, the 21st is missed and the 22nd (one hour
    late) is next, not the 23rd."""
    return next_checkin_at(max(due, now - grace), zone, at)


def next_checkin_at(now: datetime, zone: tzinfo, at: ClockTime) -> datetime:
    """The first time strictly after `now` at which her local clock shows `at`."""
    today = now.astimezone(zone).date()
    for offset in range(3):
        candidate = local_instant(today + timedelta(days=offset), at, zone)
        if candidate > now:
            return candidate
    raise AssertionError("a wall time recurs within three days")  # pragma: no cover
