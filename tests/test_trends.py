"""last_days and summarise: the window of her check-ins and what it says."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from companion.core.trends import DayPoint, TrendSummary, direction, last_days, summarise

TODAY = date(2026, 3, 10)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def window_of(moods: list[int | None]) -> list[DayPoint]:
    """A window ending today whose moods are `moods`, oldest first; nothing else answered."""
    n = len(moods)
    return [DayPoint(ago(n - 1 - i), mood=mood) for i, mood in enumerate(moods)]


# --- DayPoint ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{"mood": 0}, {"mood": 6}, {"sleep": 0}, {"sleep": 6}, {"anxiety": -1}, {"anxiety": 4}],
)
def test_day_point_rejects_values_outside_their_scale(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="outside"):
        DayPoint(TODAY, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{"mood": 1}, {"mood": 5}, {"sleep": 1}, {"sleep": 5}, {"anxiety": 0}, {"anxiety": 3}],
)
def test_day_point_accepts_the_ends_of_each_scale(kwargs: dict[str, int]) -> None:
    assert DayPoint(TODAY, **kwargs).answered


def test_day_point_with_nothing_answered_is_not_answered() -> None:
    assert not DayPoint(TODAY).answered
    assert DayPoint(TODAY) == DayPoint(TODAY, None, None, None)


# --- last_days --------------------------------------------------------------------------------


def test_last_days_is_exactly_the_window_ending_today_oldest_first() -> None:
    window = last_days([], TODAY)
    assert [p.day for p in window] == [ago(29 - i) for i in range(30)]
    assert all(p == DayPoint(p.day) for p in window)


@pytest.mark.parametrize("days", [1, 7, 14, 30, 90])
def test_last_days_length_follows_days(days: int) -> None:
    window = last_days([DayPoint(TODAY, mood=3)], TODAY, days=days)
    assert len(window) == days
    assert window[0].day == ago(days - 1)
    assert window[-1] == DayPoint(TODAY, mood=3)


@pytest.mark.parametrize("days", [0, -1])
def test_last_days_refuses_an_empty_window(days: int) -> None:
    with pytest.raises(ValueError, match="at least one day"):
        last_days([], TODAY, days=days)


def test_last_days_fills_gaps_and_keeps_points_in_place() -> None:
    points = [DayPoint(ago(0), 4, 3, 1), DayPoint(ago(2), 2, None, 3), DayPoint(ago(29), 5, 5, 0)]
    window = last_days(points, TODAY)
    assert window[-1] == points[0]
    assert window[-2] == DayPoint(ago(1))
    assert window[-3] == points[1]
    assert window[0] == points[2]
    assert sum(p.answered for p in window) == 3


def test_last_days_ignores_points_outside_the_window_at_both_edges() -> None:
    points = [
        DayPoint(ago(30), mood=1),  # one day too old
        DayPoint(ago(29), mood=2),  # the first day in
        DayPoint(TODAY, mood=3),  # the last day in
        DayPoint(TODAY + timedelta(days=1), mood=4),  # tomorrow
    ]
    window = last_days(points, TODAY)
    assert [p.mood for p in window if p.mood is not None] == [2, 3]
    assert window[0].mood == 2
    assert window[-1].mood == 3


def test_last_days_on_unsorted_input_still_sorts_by_day() -> None:
    points = [DayPoint(ago(i), mood=1 + i % 5) for i in (3, 0, 2, 1)]
    assert [p.mood for p in last_days(points, TODAY, days=4)] == [4, 3, 2, 1]


def test_last_days_later_duplicate_wins() -> None:
    first, second = DayPoint(ago(5), mood=1, sleep=1), DayPoint(ago(5), mood=5)
    assert last_days([first, second], TODAY)[-6] == second
    assert last_days([second, first], TODAY)[-6] == first


def test_last_days_accepts_a_generator() -> None:
    window = last_days((DayPoint(ago(i), mood=3) for i in range(40)), TODAY)
    assert [p.mood for p in window] == [3] * 30


# --- summarise: counts ------------------------------------------------------------------------


def test_summarise_all_missing() -> None:
    assert summarise(last_days([], TODAY)) == TrendSummary(
        answered_days=0,
        window_days=30,
        mood_mean=None,
        mood_recent_mean=None,
        mood_earlier_mean=None,
        low_mood_days=0,
        direction="unknown",
        anxious_days=0,
        poor_sleep_days=0,
    )


def test_summarise_empty_sequence() -> None:
    summary = summarise([])
    assert (summary.window_days, summary.answered_days, summary.direction) == (0, 0, "unknown")
    assert summary.mood_mean is None


def test_summarise_counts_a_day_answered_if_any_question_was() -> None:
    points = [
        DayPoint(ago(0), mood=3),
        DayPoint(ago(1), sleep=3),
        DayPoint(ago(2), anxiety=0),
        DayPoint(ago(3)),
    ]
    summary = summarise(last_days(points, TODAY))
    assert summary.answered_days == 3
    assert summary.window_days == 30


@pytest.mark.parametrize(("mood", "low"), [(1, 1), (2, 1), (3, 0), (4, 0), (5, 0)])
def test_low_mood_is_two_or_below(mood: int, low: int) -> None:
    assert summarise([DayPoint(TODAY, mood=mood)]).low_mood_days == low


@pytest.mark.parametrize(("sleep", "poor"), [(1, 1), (2, 1), (3, 0), (4, 0), (5, 0)])
def test_poor_sleep_is_two_or_below(sleep: int, poor: int) -> None:
    assert summarise([DayPoint(TODAY, sleep=sleep)]).poor_sleep_days == poor


@pytest.mark.parametrize(("anxiety", "anxious"), [(0, 0), (1, 0), (2, 1), (3, 1)])
def test_anxious_is_two_or_above(anxiety: int, anxious: int) -> None:
    assert summarise([DayPoint(TODAY, anxiety=anxiety)]).anxious_days == anxious


def test_counts_add_up_over_the_window_and_skip_missing_answers() -> None:
    points = [
        DayPoint(ago(0), mood=1, sleep=5, anxiety=3),
        DayPoint(ago(1), mood=2, sleep=2, anxiety=2),
        DayPoint(ago(2), mood=None, sleep=1, anxiety=None),
        DayPoint(ago(20), mood=2, sleep=None, anxiety=3),
        DayPoint(ago(29), mood=5, sleep=4, anxiety=0),
        DayPoint(ago(30), mood=1, sleep=1, anxiety=3),  # outside the window
    ]
    summary = summarise(last_days(points, TODAY))
    assert summary.answered_days == 5
    assert summary.low_mood_days == 3
    assert summary.poor_sleep_days == 2
    assert summary.anxious_days == 3


# --- summarise: means -------------------------------------------------------------------------


def test_mood_mean_is_over_answered_days_only() -> None:
    window = last_days([DayPoint(ago(0), mood=5), DayPoint(ago(25), mood=2)], TODAY)
    assert summarise(window).mood_mean == pytest.approx(3.5)


def test_recent_is_the_last_seven_days_and_earlier_the_seven_before() -> None:
    # 16 days: two too old for either span, then seven 2s, then seven 4s.
    window = window_of([5, 5, *[2] * 7, *[4] * 7])
    summary = summarise(window)
    assert summary.mood_recent_mean == pytest.approx(4.0)
    assert summary.mood_earlier_mean == pytest.approx(2.0)
    assert summary.mood_mean == pytest.approx((10 + 14 + 28) / 16)


def test_span_edges_day_seven_is_recent_and_day_eight_is_earlier() -> None:
    moods: list[int | None] = [None] * 30
    moods[-7] = 5  # oldest day of the recent week
    moods[-8] = 1  # newest day of the earlier week
    moods[-14] = 3  # oldest day of the earlier week
    moods[-15] = 1  # before both spans
    summary = summarise(window_of(moods))
    assert summary.mood_recent_mean == pytest.approx(5.0)
    assert summary.mood_earlier_mean == pytest.approx(2.0)


def test_recent_mean_none_when_the_last_week_has_no_mood() -> None:
    moods: list[int | None] = [3] * 23 + [None] * 7
    window = window_of(moods)
    window[-1] = DayPoint(TODAY, sleep=4, anxiety=1)  # answered, but not mood
    summary = summarise(window)
    assert summary.mood_recent_mean is None
    assert summary.mood_earlier_mean == pytest.approx(3.0)
    assert summary.direction == "unknown"


def test_earlier_mean_none_when_the_week_before_has_no_mood() -> None:
    summary = summarise(window_of([3] * 16 + [None] * 7 + [4] * 7))
    assert summary.mood_recent_mean == pytest.approx(4.0)
    assert summary.mood_earlier_mean is None
    assert summary.direction == "unknown"


def test_a_window_shorter_than_two_weeks_has_a_partial_earlier_span() -> None:
    summary = summarise(window_of([1, 1, 4, 4, 4, 4, 4, 4, 4]))
    assert summary.mood_earlier_mean == pytest.approx(1.0)
    assert summary.mood_recent_mean == pytest.approx(4.0)
    assert summary.direction == "better"


def test_a_window_of_a_week_or_less_has_no_earlier_span() -> None:
    summary = summarise(window_of([4] * 7))
    assert summary.mood_earlier_mean is None
    assert summary.direction == "unknown"


# --- summarise: direction ---------------------------------------------------------------------


def moods_for(earlier: list[int | None], recent: list[int | None]) -> list[DayPoint]:
    assert len(earlier) == len(recent) == 7
    return window_of([None] * 16 + earlier + recent)


@pytest.mark.parametrize(
    ("earlier", "recent", "expected"),
    [
        # exactly half a point: better / worse
        ([3] * 7, [3.5], "better"),
        ([3.5], [3] * 7, "worse"),
        # just under half a point: steady
        ([3] * 7, [3 + 3 / 7], "steady"),
        ([3 + 3 / 7], [3] * 7, "steady"),
        # equal
        ([2] * 7, [2] * 7, "steady"),
        # big moves
        ([1] * 7, [5] * 7, "better"),
        ([5] * 7, [1] * 7, "worse"),
    ],
)
def test_direction_thresholds(earlier: list[float], recent: list[float], expected: str) -> None:
    assert summarise(moods_for(_week(earlier), _week(recent))).direction == expected


def _week(mean: list[float]) -> list[int | None]:
    """Seven days whose mood mean is the one number given, or the seven moods themselves."""
    if len(mean) == 7:
        return [int(m) for m in mean]
    target = mean[0]
    for answered in range(1, 8):  # the fewest answered days that reach the mean exactly
        total = round(target * answered)
        if abs(total / answered - target) < 1e-9:
            low, extra = divmod(total, answered)
            moods: list[int | None] = [low + 1] * extra
            return moods + [low] * (answered - extra) + [None] * (7 - answered)
    raise AssertionError(f"no week of whole moods has mean {target}")


def test_direction_at_exactly_half_has_no_float_error() -> None:
    # recent 13/3 (4.333...) minus earlier 23/6 (3.833...) is exactly 1/2, but not in floats.
    earlier: list[int | None] = [4, 4, 4, 4, 4, 3, None]
    recent: list[int | None] = [4, None, 4, None, 5, None, None]
    assert 13 / 3 - 23 / 6 < 0.5  # float subtraction would call this steady
    summary = summarise(moods_for(earlier, recent))
    assert summary.mood_recent_mean == pytest.approx(13 / 3)
    assert summary.mood_earlier_mean == pytest.approx(23 / 6)
    assert summary.direction == "better"
    assert summarise(moods_for(recent, earlier)).direction == "worse"


def test_direction_uses_only_mood() -> None:
    earlier = [DayPoint(ago(13 - i), mood=3, sleep=1, anxiety=3) for i in range(7)]
    recent = [DayPoint(ago(6 - i), mood=3, sleep=5, anxiety=0) for i in range(7)]
    assert summarise(last_days(earlier + recent, TODAY)).direction == "steady"


def test_direction_function_directly() -> None:
    assert direction(None, Fraction(3)) == "unknown"
    assert direction(Fraction(3), None) == "unknown"
    assert direction(None, None) == "unknown"
    assert direction(Fraction(7, 2), Fraction(3)) == "better"
    assert direction(Fraction(5, 2), Fraction(3)) == "worse"
    assert direction(Fraction(349, 100), Fraction(3)) == "steady"
    assert direction(Fraction(251, 100), Fraction(3)) == "steady"
