"""The clinician's chart: each questionnaire on its own scale, shaded by its severity bands, with
dashed lines at the cut-offs the settings put in force; flags marked by level; the window fitted
to her data when she is newer than 90 days; the PHQ-9 caveat on its panel."""

from __future__ import annotations

from datetime import date, timedelta

from matplotlib.patches import Rectangle

from companion.bot.context import Services
from companion.bot.summary_chart import fitted_days, summary_labels
from companion.bot.weekly_chart import weekly_parts
from companion.charts import build_figure as build_history_figure
from companion.clinician_charts import build_figure, flag_points
from companion.core.clinician_summary import PatientFacts, week_summary
from companion.core.trends import DayPoint, last_days
from companion.pictures.scales import scales_for
from tests.picture_helpers import shown_texts
from tests.test_clinician_summary import result

TODAY = date(2026, 11, 20)
PHQ9_BANDS = [
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately severe"),
    (20, 27, "severe"),
]


def window(days: int = 30) -> list[DayPoint]:
    points = [DayPoint(TODAY - timedelta(i), mood=1 + i % 5) for i in range(days)]
    return last_days(points, TODAY, days)


def test_scales_carry_the_files_bands_and_the_settings_cut_offs(services: Services) -> None:
    content = services.content
    scales = scales_for(content, "en", ["phq9", "gad7", "phq2"], {"phq9.possible": 11})
    phq9 = scales["phq9"]
    assert (phq9.name, phq9.max_total) == ("PHQ-9", 27)
    assert list(phq9.bands) == PHQ9_BANDS
    assert list(phq9.cutoffs) == [(11, "possible from 11"), (15, "probable from 15")]
    assert phq9.note == "items 3-5 rise with newborn care"
    assert list(scales["gad7"].bands)[-1] == (15, 21, "severe")
    assert list(scales["gad7"].cutoffs) == [(10, "possible from 10"), (15, "probable from 15")]
    assert list(scales["phq2"].bands) == [
        (0, 2, "below the cut-off"),
        (3, 6, "at or above the cut-off"),
    ]
    moved = scales_for(content, "en", ["phq2"], {"phq2.possible": 4})["phq2"]
    assert list(moved.bands) == [(0, 3, "below the cut-off"), (4, 6, "at or above the cut-off")]
    assert list(moved.cutoffs) == [(4, "possible from 4")]
    spanish = scales_for(content, "es", ["phq9"], {})["phq9"]
    assert [words for _, _, words in spanish.bands] == [
        "mínimo", "leve", "moderado", "moderadamente grave", "grave",
    ]  # fmt: skip
    assert spanish.cutoffs[0] == (10, "posible desde 10")


def test_each_questionnaire_gets_its_own_panel_with_its_band_edges(services: Services) -> None:
    scores = [result("phq9", 3, 16), result("gad7", 3, 12), result("phq2", 1, 4)]
    scales = scales_for(services.content, "en", ["phq9", "gad7", "phq2"], {})
    labels = summary_labels(services.content, "en", "Ana: last 30 days")
    figure = build_figure(window(), scores, labels=labels, scales=scales)
    _, phq9, gad7, phq2 = figure.axes
    assert phq9.get_ylim() == (-0.5, 27.5)
    assert gad7.get_ylim() == (-0.5, 21.5)
    assert phq2.get_ylim() == (-0.5, 6.5)
    spans = [patch for patch in phq9.patches if isinstance(patch, Rectangle)]
    assert [patch.get_label() for patch in spans] == [words for _, _, words in PHQ9_BANDS]
    edges = [(patch.get_y(), patch.get_y() + patch.get_height()) for patch in spans]
    assert edges == [(low - 0.5, high + 0.5) for low, high, _ in PHQ9_BANDS]
    cut_lines = [line for line in phq9.get_lines() if line.get_linestyle() == "--"]
    assert [float(line.get_ydata()[0]) for line in cut_lines] == [9.5, 14.5]  # type: ignore[index]
    (points,) = [line for line in phq9.get_lines() if line.get_label() == "PHQ-9"]
    assert list(points.get_xdata()) == [26]  # type: ignore[arg-type]
    assert list(points.get_ydata()) == [16]  # type: ignore[arg-type]
    shown = shown_texts(figure)
    assert "PHQ-9 (0-27)  items 3-5 rise with newborn care" in shown
    assert {"moderately severe", "possible from 10", "probable from 15"} <= set(shown)


def test_flags_are_marked_by_level_on_their_days(services: Services) -> None:
    flags = [
        (TODAY - timedelta(2), "urgent"),
        (TODAY, "emergency"),
        (TODAY - timedelta(9), "concern"),
    ]
    flags.append((TODAY - timedelta(60), "urgent"))  # before the window: not drawn
    assert flag_points(window(), flags) == {"concern": [20], "urgent": [27], "emergency": [29]}
    labels = summary_labels(services.content, "en", "Ana")
    figure = build_figure(window(), [], labels=labels, flags=flags)
    (mood,) = figure.axes
    marked = {
        str(line.get_label()): list(line.get_xdata())  # type: ignore[arg-type]
        for line in mood.get_lines()
        if str(line.get_label()).startswith("flag")
    }
    assert marked == {"flag: concern": [20], "flag: urgent": [27], "flag: emergency": [29]}
    assert {"flag: concern", "flag: urgent", "flag: emergency"} <= set(shown_texts(figure))


def test_the_window_fits_a_newer_patients_data() -> None:
    assert fitted_days(TODAY, []) == 1
    assert fitted_days(TODAY, [TODAY - timedelta(6), TODAY - timedelta(2)]) == 7
    assert fitted_days(TODAY, [TODAY - timedelta(89)]) == 90
    assert fitted_days(TODAY, [TODAY - timedelta(200)]) == 90


def test_the_weekly_summarys_chart_is_her_seven_days_in_the_clinicians_words(
    services: Services,
) -> None:
    days = tuple(DayPoint(TODAY - timedelta(n), 1 + n % 5, 3, n % 4) for n in range(14))
    facts = PatientFacts("s", "Ana R.", "active", TODAY, None, TODAY, days=days)
    week = week_summary(facts, TODAY - timedelta(1))
    window, labels = weekly_parts(services.content, "es", facts, week)
    assert [p.day for p in window] == [TODAY - timedelta(n) for n in range(7, 0, -1)]
    assert [p.mood for p in window] == [1 + n % 5 for n in range(7, 0, -1)]
    assert (
        labels.title
        == "Resumen semanal: Ana R., del 13 de noviembre de 2026 al 19 de noviembre de 2026"
    )
    assert list(labels.mood_words) == ["Muy bajo", "Bajo", "Regular", "Bien", "Muy bien"]
    figure = build_history_figure(window, labels=labels)
    mood, _, anxiety = figure.axes
    assert [label.get_text() for label in mood.get_yticklabels()] == list(labels.mood_words)
    assert anxiety.get_ylim()[0] > anxiety.get_ylim()[1]  # up is calmer
