"""Her check-in history as a PNG: mood, sleep and anxiety over the window, gaps left as gaps.

Drawn with a bare matplotlib Figure on the Agg canvas: no pyplot, so no global figure state, and
safe to call from a worker thread (it takes about 0.2 s of CPU, so the bot should call it via
asyncio.to_thread). Every word on the chart comes from the caller's ChartLabels.
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

from companion.core.trends import ANXIETY_RANGE, MOOD_RANGE, SLEEP_RANGE, DayPoint

WIDTH_PX = 900
HEIGHT_PX = 600
DPI = 100
TICK_EVERY = 7  # a labelled date every week, counted back from the last day
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
    shown only when the window has a day without an answer.
    """

    title: str
    mood: str
    sleep: str
    anxiety: str
    missing_note: str
    month_names: Sequence[str]

    def __post_init__(self) -> None:
        if len(self.month_names) != 12:
            raise ValueError(f"month_names needs 12 names, not {len(self.month_names)}")


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
    """(index, label) for a tick every week ending on the last day: the day of the month, with
    the month's name under it on the first tick and wherever the month changes."""
    positions = sorted(range(len(window) - 1, -1, -TICK_EVERY))
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


def build_figure(window: Sequence[DayPoint], *, labels: ChartLabels) -> Figure:
    """Three stacked panels sharing the date axis: mood, sleep, anxiety."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(labels.title, fontsize=TITLE_FONT, fontweight="bold")
    panels = figure.subplots(3, 1, sharex=True)
    values = series(window)
    names = {"mood": labels.mood, "sleep": labels.sleep, "anxiety": labels.anxiety}
    for axes, (key, name) in zip(panels, names.items(), strict=True):
        _draw_panel(axes, name, values[key], RANGES[key], COLOURS[key])
    _date_axis(panels[-1], window, labels)
    if not all(point.answered for point in window):
        figure.supxlabel(labels.missing_note, fontsize=FONT - 2, color="#555555")
    return figure


def _draw_panel(axes: Axes, name: str, values: list[float], allowed: range, colour: str) -> None:
    axes.plot(range(len(values)), values, color=colour, linewidth=2.5, marker="o", markersize=7)
    low, high = allowed.start, allowed.stop - 1
    axes.set_ylim(low - 0.4, high + 0.4)
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


def history_chart(window: Sequence[DayPoint], *, labels: ChartLabels) -> bytes:
    """The history chart as a 900x600 palette PNG, with no text chunks (no version string)."""
    figure = build_figure(window, labels=labels)
    raw = io.BytesIO()
    figure.savefig(raw, format="rgba", dpi=DPI)  # Agg's pixels, before any PNG encoding
    rgba = Image.frombytes("RGBA", figure.canvas.get_width_height(), raw.getvalue())
    palette = rgba.convert("RGB").quantize(
        PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
