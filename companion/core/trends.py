"""Her last weeks of check-ins: a gap-filled window of days and a plain summary of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Literal

MOOD_RANGE = range(1, 6)  # 1 very low .. 5 very good
SLEEP_RANGE = range(1, 6)  # 1 very badly .. 5 very well
ANXIETY_RANGE = range(0, 4)  # 0 not at all .. 3 very

LOW_MOOD = 2  # mood at or below this is a low day
POOR_SLEEP = 2  # sleep at or below this is a poor night
ANXIOUS = 2  # anxiety at or above this is an anxious day
WEEK = 7
DIRECTION_STEP = Fraction(1, 2)  # recent and earlier means this far apart: better or worse

Direction = Literal["better", "worse", "steady", "unknown"]


@dataclass(frozen=True)
class DayPoint:
    """One day of answers; None is a question not answered (or a day with no check-in)."""

    day: date
    mood: int | None = None
    sleep: int | None = None
    anxiety: int | None = None

    def __post_init__(self) -> None:
        _check("mood", self.mood, MOOD_RANGE)
        _check("sleep", self.sleep, SLEEP_RANGE)
        _check("anxiety", self.anxiety, ANXIETY_RANGE)

    @property
    def answered(self) -> bool:
        """Whether she answered at least one question that day."""
        return any(value is not None for value in (self.mood, self.sleep, self.anxiety))


def _check(name: str, value: int | None, allowed: range) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{name} {value} is outside {allowed.start}..{allowed.stop - 1}")


@dataclass(frozen=True)
class TrendSummary:
    """Counts and means over a window; a mean is None when no day in its span has a mood."""

    answered_days: int
    window_days: int
    mood_mean: float | None
    mood_recent_mean: float | None  # the last 7 days of the window
    mood_earlier_mean: float | None  # the 7 days before those
    low_mood_days: int
    direction: Direction
    anxious_days: int
    poor_sleep_days: int


def last_days(points: Iterable[DayPoint], today: date, days: int = 30) -> list[DayPoint]:
    """Exactly `days` days ending at `today`, oldest first, with empty DayPoints for gaps.

    Points outside the window are ignored; of two points on the same day the later one wins.
    """
    if days < 1:
        raise ValueError(f"a window needs at least one day, not {days}")
    first = today - timedelta(days=days - 1)
    by_day = {point.day: point for point in points if first <= point.day <= today}
    dates = (first + timedelta(days=offset) for offset in range(days))
    return [by_day.get(day, DayPoint(day)) for day in dates]


def summarise(window: Sequence[DayPoint]) -> TrendSummary:
    """Means, counts and the direction of her mood over a window from `last_days`."""
    recent = _mean_mood(window[-WEEK:])
    earlier = _mean_mood(window[-2 * WEEK : -WEEK])
    return TrendSummary(
        answered_days=sum(point.answered for point in window),
        window_days=len(window),
        mood_mean=_as_float(_mean_mood(window)),
        mood_recent_mean=_as_float(recent),
        mood_earlier_mean=_as_float(earlier),
        low_mood_days=sum(p.mood is not None and p.mood <= LOW_MOOD for p in window),
        direction=direction(recent, earlier),
        anxious_days=sum(p.anxiety is not None and p.anxiety >= ANXIOUS for p in window),
        poor_sleep_days=sum(p.sleep is not None and p.sleep <= POOR_SLEEP for p in window),
    )


def direction(recent: Fraction | None, earlier: Fraction | None) -> Direction:
    """Better or worse when the means differ by at least half a point; exact, no float error."""
    if recent is None or earlier is None:
        return "unknown"
    change = recent - earlier
    if change >= DIRECTION_STEP:
        return "better"
    if change <= -DIRECTION_STEP:
        return "worse"
    return "steady"


def _mean_mood(span: Sequence[DayPoint]) -> Fraction | None:
    moods = [point.mood for point in span if point.mood is not None]
    return Fraction(sum(moods), len(moods)) if moods else None


def _as_float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)
