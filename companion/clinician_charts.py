"""One patient's last 90 days as a PNG for her clinician: daily mood (gaps left as gaps) above,
questionnaire totals as points below.

In the style of companion.charts (the mother's /history chart): a bare matplotlib Figure on the
Agg canvas, no pyplot, safe in a worker thread; Okabe-Ito colours; a 64-colour palette PNG. Every
word comes from the caller's SummaryLabels.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from companion.charts import COLOURS, DPI, FONT, HEIGHT_PX, PALETTE_COLOURS, TITLE_FONT, WIDTH_PX
from companion.core.clinician_summary import ScoreFact
from companion.core.trends import MOOD_RANGE, DayPoint

TICK_EVERY = 14  # a labelled date every two weeks, counted back from the last day
# Okabe-Ito again, one colour and marker per questionnaire, in order of first appearance.
SCORE_STYLES = (
    ("#CC79A7", "o"),
    ("#E69F00", "s"),
    ("#56B4E9", "^"),
    ("#009E73", "D"),
    ("#D55E00", "v"),
)


@dataclass(frozen=True)
class SummaryLabels:
    title: str
    mood: str
    scores: str
    missing_note: str
    month_names: Sequence[str]

    def __post_init__(self) -> None:
        if len(self.month_names) != 12:
            raise ValueError(f"month_names needs 12 names, not {len(self.month_names)}")


def mood_series(window: Sequence[DayPoint]) -> list[float]:
    return [math.nan if point.mood is None else float(point.mood) for point in window]


def score_points(
    window: Sequence[DayPoint], scores: Sequence[ScoreFact]
) -> dict[str, list[tuple[int, int]]]:
    """Questionnaire name -> (day index, total) for each result inside the window."""
    index = {point.day: position for position, point in enumerate(window)}
    points: dict[str, list[tuple[int, int]]] = {}
    for score in sorted(scores, key=lambda s: s.completed_at):
        if score.local_date in index:
            points.setdefault(score.name, []).append((index[score.local_date], score.total))
    return points


def date_ticks(window: Sequence[DayPoint], month_names: Sequence[str]) -> list[tuple[int, str]]:
    positions = sorted(range(len(window) - 1, -1, -TICK_EVERY))
    ticks, previous_month = [], 0
    for position in positions:
        day = window[position].day
        text = str(day.day)
        if day.month != previous_month:
            text += "\n" + month_names[day.month - 1]
            previous_month = day.month
        ticks.append((position, text))
    return ticks


def build_figure(
    window: Sequence[DayPoint], scores: Sequence[ScoreFact], *, labels: SummaryLabels
) -> Figure:
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(labels.title, fontsize=TITLE_FONT, fontweight="bold")
    mood_axes, score_axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    _mood_panel(mood_axes, labels.mood, mood_series(window))
    _score_panel(score_axes, labels.scores, score_points(window, scores), scores)
    ticks = date_ticks(window, labels.month_names)
    score_axes.set_xlim(-0.5, max(len(window), 1) - 0.5)
    score_axes.set_xticks([position for position, _ in ticks], [text for _, text in ticks])
    score_axes.tick_params(axis="x", labelsize=FONT - 2)
    if not all(point.mood is not None for point in window):
        figure.supxlabel(labels.missing_note, fontsize=FONT - 2, color="#555555")
    return figure


def _tidy(axes: Axes, title: str, colour: str) -> None:
    axes.set_title(title, loc="left", fontsize=FONT, color=colour, fontweight="bold")
    axes.tick_params(labelsize=FONT - 2)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _mood_panel(axes: Axes, title: str, values: list[float]) -> None:
    colour = COLOURS["mood"]
    axes.plot(range(len(values)), values, color=colour, linewidth=2, marker="o", markersize=4)
    axes.set_ylim(MOOD_RANGE.start - 0.4, MOOD_RANGE.stop - 1 + 0.4)
    axes.set_yticks(list(MOOD_RANGE))
    _tidy(axes, title, colour)


def _score_panel(
    axes: Axes, title: str, points: dict[str, list[tuple[int, int]]], scores: Sequence[ScoreFact]
) -> None:
    top = max((score.max_total for score in scores), default=27)
    for (name, found), (colour, marker) in zip(points.items(), SCORE_STYLES * 4, strict=False):
        axes.plot(
            [position for position, _ in found],
            [total for _, total in found],
            linestyle="none",
            marker=marker,
            markersize=10,
            color=colour,
            label=name,
        )
    axes.set_ylim(-1, top + 1)  # exact totals are in the table sent with the chart
    if points:  # above the panel, right of its title, so it never hides a point
        axes.legend(
            loc="lower right",
            bbox_to_anchor=(1, 1),
            fontsize=FONT - 3,
            frameon=False,
            ncols=len(points),
            borderaxespad=0,
        )
    _tidy(axes, title, "#333333")


def summary_chart(
    window: Sequence[DayPoint], scores: Sequence[ScoreFact], *, labels: SummaryLabels
) -> bytes:
    """The chart as a 900x600 palette PNG with no text chunks (about 0.2 s of CPU: call it
    through asyncio.to_thread)."""
    figure = build_figure(window, scores, labels=labels)
    raw = io.BytesIO()
    figure.savefig(raw, format="rgba", dpi=DPI)
    rgba = Image.frombytes("RGBA", figure.canvas.get_width_height(), raw.getvalue())
    palette = rgba.convert("RGB").quantize(
        PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
