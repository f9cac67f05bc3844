"""The PDF report: her check-ins over a period, for her doctor, midwife or therapist.

Page one says what it is (not a diagnosis), what each scale means and the PHQ-9 caveat, then each
questionnaire with score, band and date, and the flags by level and date (never her words). Then
the charts, then a line per check-in (with her notes only when `notes` is given). Pure: the
caller gathers the facts and the words; matplotlib's PDF backend (PdfPages) draws it with
TrueType DejaVu Sans, so the text can be found and copied, accents included.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from companion import charts, clinician_charts
from companion.charts import ChartLabels
from companion.clinician_charts import Scale, SummaryLabels
from companion.core.clinician_summary import ScoreFact
from companion.core.trends import DayPoint
from companion.pictures.pages import A4, TextPages

CHART_WIDTH_PX = 827  # A4's width at the charts' 100 dots per inch


@dataclass(frozen=True)
class InstrumentInfo:
    """What page one says of a questionnaire: its name, recall period, items and bands."""

    id: str
    name: str
    recall: str
    items: int
    max_total: int
    bands: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class ReportData:
    first: date
    last: date
    made: date
    name: str  # "" on her own report
    window: Sequence[DayPoint]  # first..last, gaps as empty days
    scores: Sequence[ScoreFact]
    flags: Sequence[tuple[date, str]]  # (day, level)
    notes: Sequence[tuple[date, str]] | None  # None: left out
    instruments: Sequence[InstrumentInfo]
    scales: Mapping[str, Scale]


@dataclass(frozen=True)
class ReportWords:
    say: Callable[..., str]  # "report.pdf.<key>" in the reader's language
    when: Callable[[date], str]  # a date in words
    level: Callable[[str], str]  # a flag level in words
    scale_words: Mapping[str, Sequence[str]]  # mood, sleep, anxiety: lowest value first
    chart: ChartLabels
    scores_chart: SummaryLabels


def build_report(data: ReportData, words: ReportWords) -> bytes:
    from matplotlib import rc_context  # lazily, as in companion.charts
    from matplotlib.backends.backend_pdf import PdfPages

    say = words.say
    title = say("title_named", name=data.name) if data.name else say("title")
    buffer = io.BytesIO()
    metadata = {"Title": title, "Creator": None, "Producer": None, "CreationDate": None}
    with rc_context({"pdf.fonttype": 42}), PdfPages(buffer, metadata=metadata) as pdf:
        pages = TextPages(pdf, say("page", number="{number}"))
        pages.title(title)
        first, last = words.when(data.first), words.when(data.last)
        days = len(data.window)
        pages.paragraph(
            say("period", first=first, last=last, days=days, made=words.when(data.made)),
            colour="#555555",
        )
        _about(pages, data, words)
        _questionnaires(pages, data, words)
        _flags(pages, data, words)
        _charts(pages, data, words)
        _checkins(pages, data, words)
        pages.close_page()
    return buffer.getvalue()


def _about(pages: TextPages, data: ReportData, words: ReportWords) -> None:
    say = words.say
    pages.heading(say("about"))
    pages.paragraph(say("not_diagnosis"))
    pages.heading(say("scales"))
    for key in ("scale_mood", "scale_sleep", "scale_anxiety"):
        pages.paragraph(say(key))
    for info in data.instruments:
        bands = ", ".join(
            say("scale_band", low=low, high=high, label=label) for low, high, label in info.bands
        )
        pages.paragraph(
            say(
                "scale_instrument",
                name=info.name,
                recall=info.recall,
                items=info.items,
                max_total=info.max_total,
                bands=bands,
            )
        )
    pages.paragraph(say("caveat"))


def _questionnaires(pages: TextPages, data: ReportData, words: ReportWords) -> None:
    say = words.say
    pages.heading(say("questionnaires"))
    if not data.scores:
        pages.paragraph(say("questionnaires_none"))
    for score in data.scores:
        values = {
            "date": words.when(score.local_date),
            "name": score.name,
            "total": score.total,
            "max_total": score.max_total,
            "band": score.band or say("band_none"),
        }
        if score.newborn_points is None:
            pages.line(say("questionnaire", **values))
        else:
            pages.line(say("questionnaire_newborn", points=score.newborn_points, **values))


def _flags(pages: TextPages, data: ReportData, words: ReportWords) -> None:
    say = words.say
    pages.heading(say("flags"))
    if not data.flags:
        pages.paragraph(say("flags_none"))
        return
    pages.paragraph(say("flags_intro"), colour="#555555")
    for day, level in data.flags:
        pages.line(say("flag", date=words.when(day), level=words.level(level)))


def _charts(pages: TextPages, data: ReportData, words: ReportWords) -> None:
    figure = charts.build_figure(data.window, labels=words.chart, scores=data.scores, size=A4)
    pages.figure_page(figure)
    if data.scores or data.flags:
        scored = clinician_charts.build_figure(
            data.window, data.scores, labels=words.scores_chart, scales=data.scales,
            flags=data.flags, width_px=CHART_WIDTH_PX,
        )  # fmt: skip
        pages.figure_page(scored)


def _checkins(pages: TextPages, data: ReportData, words: ReportWords) -> None:
    say = words.say
    pages.heading(say("checkins"))
    if data.notes is None:
        pages.paragraph(say("notes_left_out"), colour="#555555")
    answered = [point for point in data.window if point.answered]
    if not answered:
        pages.paragraph(say("checkins_none"))
        return
    notes: dict[date, list[str]] = {}
    for day, text in data.notes or ():
        notes.setdefault(day, []).append(text)
    pages.line(say("checkins_head"))
    for point in answered:
        values = {
            key: _in_words(words, key, getattr(point, key)) for key in ("mood", "sleep", "anxiety")
        }
        pages.line(say("checkin", date=point.day.isoformat(), **values))
        for text in notes.get(point.day, []):
            pages.paragraph(say("note", text=text), indent=4)


def _in_words(words: ReportWords, key: str, value: int | None) -> str:
    if value is None:
        return words.say("blank")
    scale = words.scale_words[key]
    lowest = 0 if key == "anxiety" else 1
    return f"{scale[value - lowest]} ({value})"
