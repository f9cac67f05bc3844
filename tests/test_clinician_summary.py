"""The pure builder of what clinicians read (companion.core.clinician_summary) and the 90-day
chart (companion.clinician_charts)."""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from matplotlib.lines import Line2D
from matplotlib.text import Text
from PIL import Image

from companion.clinician_charts import (
    SummaryLabels,
    build_figure,
    date_ticks,
    mood_series,
    score_points,
    summary_chart,
)
from companion.core.clinician_summary import (
    FlagFact,
    PatientFacts,
    ScoreFact,
    build_digest,
    by_concern,
    days_quiet,
    flag_age,
    latest_scores,
    newborn_points,
    pack,
    patient_row,
    table_rows,
    week_summary,
)
from companion.core.tiers import Tier
from companion.core.trends import DayPoint, last_days

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MONTHS = [f"M{n:02d}" for n in range(1, 13)]
LABELS = SummaryLabels("T-title", "T-mood", "T-missing", MONTHS)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def result(
    instrument: str = "phq9",
    days_ago: int = 0,
    total: int = 12,
    tier: Tier = Tier.POSSIBLE,
    *,
    hours: int = 9,
    newborn: int | None = None,
) -> ScoreFact:
    day = ago(days_ago)
    return ScoreFact(
        instrument=instrument,
        name=instrument.upper(),
        local_date=day,
        completed_at=datetime(day.year, day.month, day.day, hours, tzinfo=UTC),
        total=total,
        max_total=27,
        band=None,
        tier=tier,
        newborn_points=newborn,
    )


def facts(name: str = "Ana", **values: object) -> PatientFacts:
    base: dict[str, object] = {
        "share_id": name.lower(),
        "name": name,
        "status": "active",
        "today": TODAY,
        "joined": ago(60),
        "last_checkin": ago(1),
    }
    return PatientFacts(**(base | values))  # type: ignore[arg-type]


def flag(level: str = "urgent", hours_ago: int = 2, source: str = "message") -> FlagFact:
    return FlagFact(level, source, NOW - timedelta(hours=hours_ago))


# --- rows --------------------------------------------------------------------------------------


def test_newborn_points_count_only_phq9_sleep_energy_and_appetite() -> None:
    points = {"interest": 1, "down": 2, "sleep": 3, "tired": 2, "appetite": 1, "harm": 0}
    assert newborn_points("phq9", points) == 6
    assert newborn_points("phq9", {"interest": 3}) == 0
    assert newborn_points("gad7", {"sleep": 3}) is None
    assert newborn_points("epds", points) is None


def test_days_quiet_since_the_last_check_in_or_since_joining() -> None:
    assert days_quiet(facts(last_checkin=TODAY)) == 0
    assert days_quiet(facts(last_checkin=ago(4))) == 4
    assert days_quiet(facts(last_checkin=None, joined=ago(2))) == 2
    assert days_quiet(facts(last_checkin=None, joined=None)) is None
    assert days_quiet(facts(last_checkin=TODAY + timedelta(days=1))) == 0  # her zone is ahead


def test_latest_scores_keep_the_newest_of_each_questionnaire_newest_first() -> None:
    old_phq, new_phq = result("phq9", 30, 8), result("phq9", 2, 14)
    gad = result("gad7", 10, 6)
    assert latest_scores([old_phq, gad, new_phq]) == (new_phq, gad)
    assert latest_scores([]) == ()


def test_patient_row_reads_trend_flags_silence_and_the_caveat() -> None:
    points = [DayPoint(ago(i), mood=2 if i < 7 else 4) for i in range(14)]
    row = patient_row(
        facts(
            days=tuple(points),
            last_checkin=ago(3),
            scores=(result("gad7", 5, 6, Tier.ROUTINE), result("phq9", 2, newborn=5)),
            flags=(flag("concern"), flag("urgent")),
        ),
        silent_days=3,
    )
    assert (row.days_quiet, row.silent) == (3, True)
    assert (row.open_flags, row.top_flag) == (2, "urgent")
    assert row.trend.direction == "worse"
    assert row.trend.answered_days == 14
    assert [score.instrument for score in row.latest] == ["phq9", "gad7"]
    assert row.caveat is True
    quiet = patient_row(facts(scores=(result("gad7"),)), silent_days=3)
    assert (quiet.silent, quiet.caveat, quiet.top_flag) == (False, False, None)


def test_by_concern_puts_flags_first_then_the_silent_then_names() -> None:
    rows = [
        patient_row(facts("Zoe"), silent_days=3),
        patient_row(facts("Bea", last_checkin=ago(5)), silent_days=3),
        patient_row(facts("Cat", last_checkin=ago(9)), silent_days=3),
        patient_row(facts("Dot", flags=(flag("concern"), flag("concern"))), silent_days=3),
        patient_row(facts("Eve", flags=(flag("emergency"),)), silent_days=3),
        patient_row(facts("amy"), silent_days=3),
    ]
    assert [row.name for row in by_concern(rows)] == ["Eve", "Dot", "Cat", "Bea", "amy", "Zoe"]


# --- the digest --------------------------------------------------------------------------------


def test_the_digest_lists_open_flags_new_results_of_note_and_the_silent() -> None:
    since = NOW - timedelta(days=1)
    ana = facts(
        "Ana",
        scores=(
            result("phq9", 0, 16, Tier.PROBABLE, newborn=7),  # new, of note
            result("gad7", 0, 4, Tier.ROUTINE),  # new, routine
            result("gad7", 3, 12, Tier.POSSIBLE),  # of note, but old news
        ),
        flags=(flag("concern", 30), flag("emergency", 1)),
    )
    bea = facts("Bea", last_checkin=ago(3), scores=(result("phq2", 0, 3, Tier.POSSIBLE),))
    cat = facts("Cat", last_checkin=None, joined=ago(8), status="paused")
    dot = facts("Dot", last_checkin=ago(2))
    digest = build_digest([ana, bea, cat, dot], since=since, silent_days=3)
    assert [(line.name, line.flag.level) for line in digest.flags] == [
        ("Ana", "emergency"),
        ("Ana", "concern"),
    ]
    assert [(line.name, line.score.instrument) for line in digest.results] == [
        ("Ana", "phq9"),
        ("Bea", "phq2"),
    ]
    assert [(s.name, s.days, s.last_checkin, s.status) for s in digest.silent] == [
        ("Cat", 8, None, "paused"),
        ("Bea", 3, ago(3), "active"),
    ]
    assert (digest.quiet, digest.caveat) == (False, True)


def test_a_quiet_digest() -> None:
    digest = build_digest([facts(), facts("Bea")], since=NOW, silent_days=3)
    assert digest.quiet is True
    assert digest.caveat is False
    assert build_digest([], since=NOW, silent_days=3).quiet is True


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(0), ("minutes", 0)),
        (timedelta(minutes=59), ("minutes", 59)),
        (timedelta(hours=1), ("hours", 1)),
        (timedelta(hours=47, minutes=59), ("hours", 47)),
        (timedelta(hours=48), ("days", 2)),
        (timedelta(days=9, hours=23), ("days", 9)),
        (timedelta(minutes=-5), ("minutes", 0)),  # a clock a little behind the flag's
    ],
)
def test_flag_age(age: timedelta, expected: tuple[str, int]) -> None:
    assert flag_age(NOW - age, NOW) == expected


# --- the weekly summary and the table ----------------------------------------------------------


def test_week_summary_covers_seven_days_and_notes_only_if_given() -> None:
    points = tuple(DayPoint(ago(i), mood=3, sleep=2, anxiety=2) for i in range(1, 15) if i != 4)
    ana = facts(
        days=points,
        scores=(result("phq9", 3, newborn=4), result("gad7", 9)),
        notes=((ago(2), "a shared note"), (ago(10), "an older note")),
        flags=(flag(),),
    )
    week = week_summary(ana, ago(1))
    assert (week.first, week.last) == (ago(7), ago(1))
    assert (week.week.answered_days, week.week.window_days) == (6, 7)
    assert (week.week.poor_sleep_days, week.week.anxious_days) == (6, 6)
    assert week.direction == "steady"
    assert [score.instrument for score in week.scores] == ["phq9"]
    assert week.notes == ((ago(2), "a shared note"),)
    assert (week.open_flags, week.top_flag, week.caveat) == (1, "urgent", True)
    assert week_summary(facts(), ago(1)).notes == ()


def test_table_rows_are_the_days_with_answers_or_questionnaires() -> None:
    phq = result("phq9", 3)
    ana = facts(
        days=(DayPoint(ago(0), 4, 3, 1), DayPoint(ago(5), mood=2), DayPoint(ago(95), mood=1)),
        scores=(phq, result("gad7", 120)),
    )
    rows = table_rows(ana)
    assert [(row.day, row.mood, row.sleep, row.anxiety, row.scores) for row in rows] == [
        (ago(5), 2, None, None, ()),
        (ago(3), None, None, None, (phq,)),
        (ago(0), 4, 3, 1, ()),
    ]


def test_pack_fills_texts_without_splitting_lines() -> None:
    assert pack(["aaa", "bbb", "", "cc"], 8) == ["aaa\nbbb", "cc"]
    assert pack(["", "aaa", ""], 8) == ["aaa"]
    assert pack(["x" * 20], 8) == ["x" * 8, "x" * 8, "x" * 4]
    assert pack([], 8) == []
    long = [f"line {n:03d}" for n in range(500)]
    texts = pack(long, 400)
    assert all(len(text) <= 400 for text in texts)
    assert "\n".join(texts).split("\n") == long


def test_the_core_is_pure() -> None:
    path = Path(__file__).parent.parent / "companion" / "core" / "clinician_summary.py"
    source = path.read_text(encoding="utf-8")
    imports = re.findall(r"^(?:from|import) ([\w.]+)", source, re.MULTILINE)
    assert not [name for name in imports if name.split(".")[0] in {"telegram", "sqlalchemy"}]
    assert all(name.startswith("companion.core.") for name in imports if "companion" in name)


# --- the chart ---------------------------------------------------------------------------------


def window90() -> list[DayPoint]:
    points = [DayPoint(ago(i), mood=1 + i % 5) for i in range(90) if i % 10 != 3]
    return last_days(points, TODAY, 90)


def test_the_chart_is_a_small_phone_sized_png() -> None:
    scores = [result("phq9", 80, 14), result("phq9", 2, 12), result("gad7", 2, 16)]
    png = summary_chart(window90(), scores, labels=LABELS)
    image = Image.open(io.BytesIO(png))
    image.load()
    # The mood panel and one panel for each questionnaire (PHQ-9 and GAD-7).
    assert (image.format, image.size, image.mode) == ("PNG", (900, 130 + 300 + 2 * 170), "P")
    assert len(png) < 60_000
    assert image.text == {}  # type: ignore[attr-defined]
    assert summary_chart(window90(), scores, labels=LABELS) == png  # deterministic


def test_the_chart_leaves_gaps_and_places_totals_on_their_days() -> None:
    window = window90()
    mood = mood_series(window)
    assert [math.isnan(value) for value in mood] == [point.mood is None for point in window]
    assert sum(math.isnan(value) for value in mood) == 9
    outside = result("phq9", 120, 20)
    points = score_points(window, [result("phq9", 80, 14), outside, result("gad7", 0, 16)])
    assert points == {"phq9": [(9, 14)], "gad7": [(89, 16)]}


def test_the_chart_uses_only_the_callers_words() -> None:
    figure = build_figure(window90(), [result("phq9", 2)], labels=LABELS)
    words = {text.get_text() for text in figure.findobj(Text)}
    assert {"T-title", "T-mood", "T-missing", "PHQ9 (0-27)"} <= words
    lettered = [word for word in words if re.search(r"[A-Za-z]", word)]
    assert all(re.fullmatch(r"T-\w+|PHQ9 \(0-27\)|\d+\nM\d\d", word) for word in lettered), lettered
    drawn = [
        (list(line.get_xdata()), list(line.get_ydata()))  # type: ignore[arg-type]
        for line in figure.findobj(Line2D)
        if line.get_label() == "PHQ9"
    ]
    assert ([87], [12]) in drawn  # the total as a point on its day


def test_date_ticks_every_two_weeks_ending_today() -> None:
    assert date_ticks(window90(), MONTHS) == [
        (5, "28\nM08"),  # the first tick names its month, and so does each new month
        (19, "11\nM09"),
        (33, "25"),
        (47, "9\nM10"),
        (61, "23"),
        (75, "6\nM11"),
        (89, "20"),  # the last day
    ]
