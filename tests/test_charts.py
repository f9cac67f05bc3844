"""history_chart: a phone-sized PNG of her last 30 days, with gaps where she gave no answer."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from PIL import Image

from companion.charts import (
    COLOURS,
    HEIGHT_PX,
    WIDTH_PX,
    ChartLabels,
    build_figure,
    date_ticks,
    history_chart,
    series,
)
from companion.core.trends import DayPoint, last_days

TODAY = date(2026, 3, 10)
MONTHS = [f"M{n:02d}" for n in range(1, 13)]  # not English on purpose: all words come from us
LABELS = ChartLabels(
    title="T-title", mood="T-mood", sleep="T-sleep", anxiety="T-anxiety",
    missing_note="T-missing", month_names=MONTHS,
)  # fmt: skip


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def full_window() -> list[DayPoint]:
    points = [DayPoint(ago(i), 1 + i % 5, 5 - i % 5, i % 4) for i in range(30)]
    return last_days(points, TODAY)


def gappy_window() -> list[DayPoint]:
    """Days 0-9 answered, 10-14 missing, 15 alone, 16-29 missing (index from oldest)."""
    points = [DayPoint(ago(29 - i), mood=3, sleep=4, anxiety=1) for i in (*range(10), 15)]
    return last_days(points, TODAY)


def zigzag_window() -> list[DayPoint]:
    """The most ink a window can have: every value jumps end to end every day."""
    points = [DayPoint(ago(i), 1 + 4 * (i % 2), 5 - 4 * (i % 2), 3 * (i % 2)) for i in range(30)]
    return last_days(points, TODAY)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def texts(figure: Figure) -> list[str]:
    figure.canvas.draw()  # tick labels are only final after a draw
    return [text.get_text() for text in figure.findobj(match=Text) if isinstance(text, Text)]


def plotted(figure: Figure) -> list[list[float]]:
    return [
        [float(y) for y in np.asarray(line.get_ydata(), dtype=float)]
        for axes in figure.axes
        for line in axes.get_lines()
    ]


def same(a: list[float], b: list[float]) -> bool:
    """Equal, with NaN equal to NaN."""
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True)
    )


# --- series -----------------------------------------------------------------------------------


def test_series_gives_nan_on_missing_days_and_the_value_elsewhere() -> None:
    window = [
        DayPoint(ago(2), mood=4, sleep=None, anxiety=0),
        DayPoint(ago(1)),
        DayPoint(ago(0), mood=None, sleep=1, anxiety=3),
    ]
    values = series(window)
    assert set(values) == {"mood", "sleep", "anxiety"}
    assert same(values["mood"], [4.0, math.nan, math.nan])
    assert same(values["sleep"], [math.nan, math.nan, 1.0])
    assert same(values["anxiety"], [0.0, math.nan, 3.0])


def test_series_of_a_gappy_window_has_one_value_per_day() -> None:
    values = series(gappy_window())
    assert set(values) == {"mood", "sleep", "anxiety"}
    for line in values.values():
        assert len(line) == 30
        assert [i for i, v in enumerate(line) if not math.isnan(v)] == [*range(10), 15]


def test_series_all_missing_is_all_nan() -> None:
    values = series(last_days([], TODAY))
    assert set(values) == {"mood", "sleep", "anxiety"}
    assert [len(line) for line in values.values()] == [30, 30, 30]
    assert all(math.isnan(v) for line in values.values() for v in line)


# --- the figure -------------------------------------------------------------------------------


def test_figure_plots_the_series_with_gaps_not_interpolation() -> None:
    window = gappy_window()
    expected = series(window)
    lines = plotted(build_figure(window, labels=LABELS))
    assert len(lines) == 3
    for line, key in zip(lines, ("mood", "sleep", "anxiety"), strict=True):
        assert same(line, expected[key])


def test_figure_draws_markers_so_a_lone_day_is_visible() -> None:
    figure = build_figure(gappy_window(), labels=LABELS)
    for axes in figure.axes:
        (line,) = axes.get_lines()
        assert isinstance(line, Line2D)
        assert line.get_marker() not in {None, "", " ", "None"}
        assert float(line.get_markersize()) >= 5


def test_figure_has_three_panels_on_their_scales() -> None:
    figure = build_figure(full_window(), labels=LABELS)
    mood, sleep, anxiety = figure.axes
    assert [t for t in mood.get_yticks()] == [1, 2, 3, 4, 5]
    assert [t for t in sleep.get_yticks()] == [1, 2, 3, 4, 5]
    assert [t for t in anxiety.get_yticks()] == [0, 1, 2, 3]
    for axes in figure.axes:
        assert axes.get_xlim() == (-0.5, 29.5)  # the whole window, even with empty edges


def test_figure_shows_the_callers_words() -> None:
    shown = texts(build_figure(gappy_window(), labels=LABELS))
    for word in ("T-title", "T-mood", "T-sleep", "T-anxiety", "T-missing"):
        assert word in shown
    assert any("M02" in text for text in shown)
    assert any("M03" in text for text in shown)


def test_figure_has_no_words_of_its_own() -> None:
    shown = texts(build_figure(gappy_window(), labels=LABELS))
    for text in shown:
        words = text.replace("\n", " ").split()
        assert all(w.isdigit() or w.startswith("T-") or w in MONTHS for w in words), text


def test_missing_note_only_when_a_day_is_missing() -> None:
    assert "T-missing" not in texts(build_figure(full_window(), labels=LABELS))
    assert "T-missing" in texts(build_figure(gappy_window(), labels=LABELS))


def test_figure_size_in_pixels() -> None:
    figure = build_figure(full_window(), labels=LABELS)
    width, height = figure.get_size_inches() * figure.dpi
    assert (round(width), round(height)) == (WIDTH_PX, HEIGHT_PX)


# --- date ticks -------------------------------------------------------------------------------


def test_date_ticks_weekly_ending_today_with_month_names_at_changes() -> None:
    ticks = date_ticks(last_days([], TODAY), LABELS)
    # 30 days ending 10 March 2026: 9 Feb .. 10 Mar, ticks back from the last day every 7.
    assert ticks == [(1, "10\nM02"), (8, "17"), (15, "24"), (22, "3\nM03"), (29, "10")]


def test_date_ticks_across_a_year_end() -> None:
    window = last_days([], date(2026, 1, 3), days=9)
    assert date_ticks(window, LABELS) == [(1, "27\nM12"), (8, "3\nM01")]


def test_date_ticks_single_day() -> None:
    assert date_ticks([DayPoint(TODAY)], LABELS) == [(0, "10\nM03")]


def test_labels_need_twelve_months() -> None:
    with pytest.raises(ValueError, match="12 names"):
        ChartLabels("t", "m", "s", "a", "n", MONTHS[:11])


# --- the PNG ----------------------------------------------------------------------------------


WINDOWS = [full_window, gappy_window, zigzag_window, lambda: last_days([], TODAY)]


@pytest.mark.parametrize("make", WINDOWS)
def test_png_is_valid_phone_sized_and_small(make: Callable[[], list[DayPoint]]) -> None:
    png = history_chart(make(), labels=LABELS)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = decode(png)
    assert image.format == "PNG"
    assert image.size == (WIDTH_PX, HEIGHT_PX) == (900, 600)
    # The budget is 120 KB; the palette keeps even the zigzag near 30 KB (RGBA would be ~105).
    assert len(png) < 60_000


def test_png_keeps_the_three_line_colours() -> None:
    image = decode(history_chart(gappy_window(), labels=LABELS)).convert("RGB")
    counts = image.getcolors(maxcolors=WIDTH_PX * HEIGHT_PX)
    assert counts is not None
    for colour in COLOURS.values():
        want = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        near = sum(n for n, rgb in counts if _distance(rgb, want) <= 12)
        assert near > 500, colour  # a line and eleven markers' worth of pixels


def _distance(rgb: float | tuple[int, ...], want: list[int]) -> int:
    assert isinstance(rgb, tuple)
    return max(abs(a - b) for a, b in zip(rgb, want, strict=True))


def test_png_is_deterministic_and_carries_no_version_string() -> None:
    first = history_chart(gappy_window(), labels=LABELS)
    assert history_chart(gappy_window(), labels=LABELS) == first
    assert b"matplotlib" not in first.lower()
    assert "Software" not in decode(first).info


def test_png_differs_when_the_data_does() -> None:
    assert history_chart(full_window(), labels=LABELS) != history_chart(
        gappy_window(), labels=LABELS
    )


def test_a_short_window_still_renders() -> None:
    image = decode(history_chart([DayPoint(TODAY, mood=2)], labels=LABELS))
    assert image.size == (WIDTH_PX, HEIGHT_PX)
