"""Her check-in history as a PNG: mood, sleep and anxiety over the window, gaps left as gaps.

Each scale speaks in words (her check-in's answers, not numbers); anxiety is turned so that up
is calmer, as mood and sleep are better upwards. Questionnaire results in the window are marked
points on a row of their own, with their band; a line of words sums the window up.

Drawn with a bare matplotlib Figure on the Agg canvas: no pyplot, so no global figure state, and
safe to call from a worker thread (it takes about 0.2 s of CPU, so the bot should call it via
asyncio.to_thread). Every word on the chart comes from the caller's ChartLabels.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from companion.core.trends import ANXIETY_RANGE, MOOD_RANGE, SLEEP_RANGE, DayPoint

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from companion.core.clinician_summary import ScoreFact

WIDTH_PX = 900
HEIGHT_PX = 600
DPI = 100
TICK_EVERY = 7  # a labelled date every week, counted back from the last day
TICKS_AT_MOST = 5  # a longer window (a report of everything) labels every few weeks instead
FONT = 15
TITLE_FONT = 19
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
COLOURS = {"mood": "#0072B2", "sleep": "#009E73", "anxiety": "#D55E00"}
RANGES = {"mood": MOOD_RANGE, "sleep": SLEEP_RANGE, "anxiety": ANXIETY_RANGE}
# Antialiased lines on white need few colours: a 64-colour palette PNG is a third the size of
# RGBA and looks the same on a phone. Median cut without dithering is deterministic.
PALETTE_COLOURS = 64


@dataclass(frozen=True)
class ChartLabels:
    """The words on the chart, in her language.

    `month_names` holds twelve names, January first; `missing_note` explains the gaps and is
    shown only when the window has a day without an answer. The words of each scale, lowest
    value first, label its axis (numbers when left empty); `summary` is a line under the chart.
    """

    title: str
    mood: str
    sleep: str
    anxiety: str
    missing_note: str
    month_names: Sequence[str]
    mood_words: Sequence[str] = ()
    sleep_words: Sequence[str] = ()
    anxiety_words: Sequence[str] = ()
    questionnaires: str = ""
    summary: str = ""

    def __post_init__(self) -> None:
        if len(self.month_names) != 12:
            raise ValueError(f"month_names needs 12 names, not {len(self.month_names)}")
        for key, words in (
            ("mood", self.mood_words),
            ("sleep", self.sleep_words),
            ("anxiety", self.anxiety_words),
        ):
            if words and len(words) != len(RANGES[key]):
                raise ValueError(f"{key} needs {len(RANGES[key])} words, not {len(words)}")

    def words(self, key: str) -> Sequence[str]:
        return {"mood": self.mood_words, "sleep": self.sleep_words}.get(key, self.anxiety_words)


def series(window: Sequence[DayPoint]) -> dict[str, list[float]]:
    """The values to plot, one per day; NaN where she gave no answer, so the line breaks."""
    return {
        "mood": [_value(point.mood) for point in window],
        "sleep": [_value(point.sleep) for point in window],
        "anxiety": [_value(point.anxiety) for point in window],
    }


def _value(answer: int | None) -> float:
    return math.nan if answer is None else float(answer)


def date_ticks(window: Sequence[DayPoint], labels: ChartLabels) -> list[tuple[int, str]]:
    """(index, label) for a tick every week ending on the last day (every few weeks in a window
    longer than five): the day of the month, with the month's name under it on the first tick
    and wherever the month changes."""
    every = TICK_EVERY * math.ceil(max(len(window), 1) / (TICKS_AT_MOST * TICK_EVERY))
    positions = sorted(range(len(window) - 1, -1, -every))
    ticks: list[tuple[int, str]] = []
    previous_month = 0
    for index in positions:
        day = window[index].day
        text = str(day.day)
        if day.month != previous_month:
            text += "\n" + labels.month_names[day.month - 1]
            previous_month = day.month
        ticks.append((index, text))
    return ticks


def score_marks(
    window: Sequence[DayPoint], scores: Sequence[ScoreFact]
) -> list[tuple[int, str, str]]:
    """(day index, questionnaire name, "total band") for each result inside the window."""
    index = {point.day: position for position, point in enumerate(window)}
    return [
        (index[score.local_date], score.name, f"{score.total} {score.band or ''}".strip())
        for score in sorted(scores, key=lambda s: s.completed_at)
        if score.local_date in index
    ]


def build_figure(
    window: Sequence[DayPoint],
    *,
    labels: ChartLabels,
    scores: Sequence[ScoreFact] = (),
    size: tuple[float, float] = (WIDTH_PX / DPI, HEIGHT_PX / DPI),
) -> Figure:
    """Three stacked panels sharing the date axis: mood, sleep, anxiety (turned: up is calmer);
    a fourth row of questionnaire results when the window has any."""
    # Imported here, not at the top: matplotlib costs about half a second of every start-up
    # otherwise, and most processes never draw.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(labels.title, fontsize=TITLE_FONT, fontweight="bold")
    marks = score_marks(window, scores)
    heights = (3, 3, 3, 2) if marks else (1, 1, 1)
    panels = figure.subplots(len(heights), 1, sharex=True, height_ratios=heights)
    values = series(window)
    names = {"mood": labels.mood, "sleep": labels.sleep, "anxiety": labels.anxiety}
    for axes, (key, name) in zip(panels, names.items(), strict=False):
        _draw_panel(axes, name, values[key], RANGES[key], COLOURS[key], labels.words(key))
    panels[2].invert_yaxis()  # 0 "not at all" at the top: up is calmer, as up is better above
    if marks:
        _draw_scores(panels[3], labels.questionnaires, marks)
    _date_axis(panels[-1], window, labels)
    notes = [labels.summary] if labels.summary else []
    if not all(point.answered for point in window):
        notes.append(labels.missing_note)
    if notes:
        figure.supxlabel("\n".join(notes), fontsize=FONT - 2, color="#555555")
    return figure


def _draw_scores(axes: Axes, title: str, marks: list[tuple[int, str, str]]) -> None:
    names = list(dict.fromkeys(name for _, name, _ in marks))
    for index, name, text in marks:
        row = names.index(name)
        axes.plot([index], [row], linestyle="none", marker="D", markersize=9, color="#CC79A7")
        axes.annotate(
            text, (index, row), xytext=(8, 0), textcoords="offset points",
            va="center", fontsize=FONT - 3,
        )  # fmt: skip
    axes.set_ylim(-0.6, len(names) - 0.4)
    axes.set_yticks(range(len(names)), names)
    axes.invert_yaxis()
    axes.set_title(title, loc="left", fontsize=FONT, color="#333333", fontweight="bold")
    axes.tick_params(labelsize=FONT - 3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _draw_panel(
    axes: Axes, name: str, values: list[float], allowed: range, colour: str, words: Sequence[str]
) -> None:
    axes.plot(range(len(values)), values, color=colour, linewidth=2.5, marker="o", markersize=7)
    low, high = allowed.start, allowed.stop - 1
    axes.set_ylim(low - 0.4, high + 0.4)
    if words:
        axes.set_yticks(list(allowed), list(words))
    else:
        axes.set_yticks(list(allowed))
    axes.set_title(name, loc="left", fontsize=FONT, color=colour, fontweight="bold")
    axes.tick_params(labelsize=FONT - 2)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.grid(axis="x", which="minor", color="#f0f0f0", linewidth=0.8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _date_axis(axes: Axes, window: Sequence[DayPoint], labels: ChartLabels) -> None:
    ticks = date_ticks(window, labels)
    axes.set_xlim(-0.5, max(len(window), 1) - 0.5)
    axes.set_xticks([index for index, _ in ticks], [text for _, text in ticks])
    axes.set_xticks(range(len(window)), minor=True)
    axes.tick_params(axis="x", labelsize=FONT - 2)


def history_chart(
    window: Sequence[DayPoint], *, labels: ChartLabels, scores: Sequence[ScoreFact] = ()
) -> bytes:
    """The history chart as a 900x600 palette PNG, with no text chunks (no version string)."""
    return png_bytes(build_figure(window, labels=labels, scores=scores))


def png_bytes(figure: Figure) -> bytes:
    """A figure as a 64-colour palette PNG with no text chunks."""
    from PIL import Image

    raw = io.BytesIO()
    figure.savefig(raw, format="rgba", dpi=DPI)  # Agg's pixels, before any PNG encoding
    rgba = Image.frombytes("RGBA", figure.canvas.get_width_height(), raw.getvalue())
    palette = rgba.convert("RGB").quantize(
        PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
