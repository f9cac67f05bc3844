"""/history speaks her language: words on every axis, anxiety turned so that up is calmer, the
window from her first check-in when she is newer than 30 days, questionnaire results as marked
points with their band, and a line of words under the chart (English and Spanish)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from companion.bot.context import Services
from companion.bot.history import chart_labels, history_view
from companion.charts import ChartLabels, build_figure, date_ticks, score_marks
from companion.clinician_charts import date_ticks as clinician_ticks
from companion.clock import ManualClock
from companion.core.trends import last_days
from companion.devtools.driver import ChatDriver
from tests.chat_helpers import load_mother
from tests.picture_helpers import first_weeks, shown_texts
from tests.test_clinician_summary import result

MOOD_WORDS = ["Very low", "Low", "Okay", "Good", "Very good"]


async def test_a_new_mothers_chart_starts_at_her_first_check_in_and_speaks_in_words(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await first_weeks(mother, services, clock)
    stored = await load_mother(services, mother.person.user.id)
    assert stored is not None
    view = await history_view(services, stored)
    assert [p.day for p in view.window] == [date(2026, 11, 21) + timedelta(n) for n in range(3)]
    assert [(p.mood, p.sleep, p.anxiety) for p in view.window] == [(4, 2, 1), (3, 3, 2), (2, 2, 3)]
    assert view.labels.title == "Since your first check-in, 21 November 2026"
    assert [(s.name, s.total, s.band) for s in view.scores] == [
        ("PHQ-9", 8, "mild"),
        ("GAD-7", 12, "moderate"),
    ]
    figure = build_figure(view.window, labels=view.labels, scores=view.scores)
    mood, sleep, anxiety, questionnaires = figure.axes
    shown = shown_texts(figure)
    assert [label.get_text() for label in mood.get_yticklabels()] == MOOD_WORDS
    assert [label.get_text() for label in sleep.get_yticklabels()] == [
        "Very badly", "Badly", "Okay", "Well", "Very well",
    ]  # fmt: skip
    assert [label.get_text() for label in anxiety.get_yticklabels()] == [
        "Not at all", "A little", "Quite a bit", "Very",
    ]  # fmt: skip
    low, high = anxiety.get_ylim()
    assert low > high  # turned over: "Not at all" (0) at the top, so up is calmer
    assert "Anxiety (up is calmer)" in shown
    assert [label.get_text() for label in questionnaires.get_yticklabels()] == ["PHQ-9", "GAD-7"]
    assert "8 mild" in shown
    assert "12 moderate" in shown
    line = "3 check-ins in 3 days: low mood on 1, poor sleep on 2, anxious on 2."
    assert any(line in text for text in shown)
    assert "Gaps are days without a check-in." not in " ".join(shown)  # no gap since she began


async def test_a_mother_of_more_than_30_days_sees_her_last_30(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await first_weeks(mother, services, clock, [(3, 3, 1)])
    clock.set(clock.now() + timedelta(days=40))
    stored = await load_mother(services, mother.person.user.id)
    assert stored is not None
    view = await history_view(services, stored)
    assert len(view.window) == 30
    assert view.since is None
    assert view.labels.title == "Your last 30 days"
    assert view.scores == ()  # the questionnaires were before the window
    replies = await mother.say("/history")
    assert (
        replies[0].text
        == "No check-ins yet. Your chart fills in as you answer: /checkin starts one now."
    )


def test_the_spanish_chart_has_spanish_words_on_its_axes(services: Services) -> None:
    labels = chart_labels(services.content, "es", "Tus últimos 30 días")
    assert list(labels.mood_words) == ["Muy bajo", "Bajo", "Regular", "Bien", "Muy bien"]
    assert list(labels.sleep_words) == ["Muy mal", "Mal", "Regular", "Bien", "Muy bien"]
    assert list(labels.anxiety_words) == ["Nada", "Un poco", "Bastante", "Mucho"]
    assert labels.anxiety == "Ansiedad (arriba es más calma)"
    assert labels.month_names[0] == "enero"


def test_score_marks_are_the_results_inside_the_window_with_their_band() -> None:
    window = last_days([], date(2026, 11, 20), 10)
    inside = result("phq9", days_ago=3, total=16)
    outside = result("gad7", days_ago=20, total=5)
    marks = score_marks(window, [inside, outside])
    assert marks == [(6, "PHQ9", "16")]  # no band given: the total alone


def test_a_year_long_window_labels_every_few_weeks_not_every_week() -> None:
    year = last_days([], date(2026, 11, 20), 365)
    months = [f"M{n}" for n in range(1, 13)]
    labels = chart_labels_for_ticks(months)
    ticks = date_ticks(year, labels)
    assert [b - a for (a, _), (b, _) in pairwise(ticks)] == [77] * 4
    assert ticks[-1][0] == 364
    fortnights = clinician_ticks(year, months)
    assert {b - a for (a, _), (b, _) in pairwise(fortnights)} == {56}
    assert len(date_ticks(last_days([], date(2026, 11, 20), 30), labels)) == 5  # weekly


def chart_labels_for_ticks(months: list[str]) -> ChartLabels:
    return ChartLabels("t", "m", "s", "a", "n", months)
