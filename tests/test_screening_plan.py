"""due_today: which questionnaires the postpartum clock owes her on a given local day."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from companion.core.screening_plan import (
    DEFAULT_POLICY,
    Due,
    Given,
    Policy,
    add_months,
    due_today,
    may_offer,
    milestones,
    postpartum_days,
)
from companion.core.tiers import Tier

BIRTH = date(
    2026, 1, 15
)  # 2w 01-29, 6w 02-26, 2m 03-15, 4m 05-15, 6m 07-15, 9m 10-15, 12m 2027-01-15
EPDS_POLICY = Policy(full=("epds", "gad7"), brief_for={"phq2": "epds", "gad2": "gad7"})
BRIEFS = [("phq2", "weekly_brief"), ("gad2", "weekly_brief")]


def pp(days: int) -> date:
    """The date `days` after the birth."""
    return BIRTH + timedelta(days=days)


def fulls(reason: str) -> list[tuple[str, str]]:
    return [("phq9", reason), ("gad7", reason)]


def given(instrument: str, on: date, total: int = 0, tier: Tier = Tier.ROUTINE) -> Given:
    return Given(instrument, on, total, tier)


def both_fulls(*days: date, tier: Tier = Tier.ROUTINE) -> list[Given]:
    return [given(tool, day, 12, tier) for day in days for tool in ("phq9", "gad7")]


def plan(
    today: date,
    *,
    enrolled_on: date = BIRTH,
    birth_date: date | None = BIRTH,
    history: list[Given] | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> list[tuple[str, str]]:
    found = due_today(
        today, enrolled_on=enrolled_on, birth_date=birth_date, history=history or [], policy=policy
    )
    return [(due.instrument, due.reason) for due in found]


def first_full(
    start: date,
    end: date,
    *,
    enrolled_on: date = BIRTH,
    birth_date: date | None = BIRTH,
    history: list[Given] | None = None,
) -> tuple[date, list[tuple[str, str]]] | None:
    """The first day in [start, end] with a full tool due, and what is due; None if none is."""
    day = start
    while day <= end:
        found = plan(day, enrolled_on=enrolled_on, birth_date=birth_date, history=history)
        due = [item for item in found if item[1] != "weekly_brief"]
        if due:
            return day, due
        day += timedelta(days=1)
    return None


def simulate(
    start: date, end: date, *, birth_date: date | None, policy: Policy = DEFAULT_POLICY
) -> list[tuple[date, Due]]:
    """Every day from `start` (her enrolment) to `end`: she answers all that is due, routinely."""
    history: list[Given] = []
    offered: list[tuple[date, Due]] = []
    day = start
    while day <= end:
        for due in due_today(
            day, enrolled_on=start, birth_date=birth_date, history=history, policy=policy
        ):
            offered.append((day, due))
            history.append(given(due.instrument, day))
        day += timedelta(days=1)
    return offered


# --- small helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "birth_date", "expected"),
    [(BIRTH, None, None), (BIRTH, BIRTH, 0), (pp(14), BIRTH, 14), (pp(-10), BIRTH, -10)],
)
def test_postpartum_days(today: date, birth_date: date | None, expected: int | None) -> None:
    assert postpartum_days(today, birth_date) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 8, 31), 1, date(2025, 9, 30)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),  # across the year end
        (date(2025, 3, 31), 12, date(2026, 3, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 1, 15), 9, date(2026, 10, 15)),
    ],
)
def test_add_months_clips_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_milestones_of_a_month_end_birth() -> None:
    assert milestones(date(2024, 12, 31)) == [
        (date(2025, 1, 14), "milestone_2w"),
        (date(2025, 2, 11), "milestone_6w"),
        (date(2025, 2, 28), "milestone_2m"),
        (date(2025, 4, 30), "milestone_4m"),
        (date(2025, 6, 30), "milestone_6m"),
        (date(2025, 9, 30), "milestone_9m"),
        (date(2025, 12, 31), "milestone_12m"),
    ]


def test_policy_freezes_its_mappings_and_checks_them() -> None:
    assert EPDS_POLICY.brief_for["phq2"] == "epds"
    with pytest.raises(TypeError):
        EPDS_POLICY.brief_for["x"] = "y"  # type: ignore[index]
    with pytest.raises(ValueError, match="not a full tool"):
        Policy(full=("epds", "gad7"))  # phq2 still leads to phq9
    with pytest.raises(ValueError, match="no minimum interval for ybocs"):
        Policy(full=("phq9", "gad7", "ybocs"))


# --- enrolment ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enrolled_on", "birth_date"),
    [
        (pp(7), BIRTH),
        (pp(0), BIRTH),
        (pp(200), BIRTH),
        (pp(500), BIRTH),  # past the first year
        (pp(-60), BIRTH),  # pregnant
        (pp(7), None),
    ],
)
def test_enrolment_day_owes_the_full_tools_until_she_completes_them(
    enrolled_on: date, birth_date: date | None
) -> None:
    def on(day: date, history: list[Given] | None = None) -> list[tuple[str, str]]:
        return plan(day, enrolled_on=enrolled_on, birth_date=birth_date, history=history)

    assert on(enrolled_on - timedelta(days=1)) == []
    assert on(enrolled_on) == fulls("enrolment")
    assert on(enrolled_on + timedelta(days=3)) == fulls("enrolment")
    assert on(enrolled_on, both_fulls(enrolled_on)) == []


# --- milestones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "day", "previous"),
    [
        ("milestone_2w", pp(14), pp(0)),
        ("milestone_6w", pp(42), pp(14)),
        ("milestone_2m", date(2026, 3, 15), pp(42)),
        ("milestone_4m", date(2026, 5, 15), date(2026, 3, 15)),
        ("milestone_6m", date(2026, 7, 15), date(2026, 5, 15)),
        ("milestone_9m", date(2026, 10, 15), date(2026, 7, 15)),
        ("milestone_12m", date(2027, 1, 15), date(2026, 10, 15)),
    ],
)
def test_each_milestone_is_due_on_its_day_and_not_the_day_before(
    reason: str, day: date, previous: date
) -> None:
    history = both_fulls(BIRTH, previous)
    assert plan(day, history=history) == fulls(reason)
    assert first_full(previous + timedelta(days=1), day, history=history) == (day, fulls(reason))


@pytest.mark.parametrize(
    ("last_full", "expected"),
    [
        (pp(35), None),  # 7 days before the 6-week milestone: covers it, nothing owed before 2m
        (pp(38), None),
        (pp(34), (pp(48), fulls("milestone_6w"))),  # too early to cover; owed when the block lifts
        (pp(30), (pp(44), fulls("milestone_6w"))),
        (pp(20), (pp(42), fulls("milestone_6w"))),
    ],
)
def test_a_screen_from_seven_days_before_a_milestone_covers_it(
    last_full: date, expected: tuple[date, list[tuple[str, str]]] | None
) -> None:
    history = both_fulls(BIRTH, pp(14), last_full)
    assert first_full(last_full + timedelta(days=1), pp(58), history=history) == expected


def test_enrolling_on_day_40_covers_the_six_week_screen() -> None:
    history = both_fulls(pp(40))
    assert first_full(pp(41), date(2026, 3, 15), enrolled_on=pp(40), history=history) == (
        date(2026, 3, 15),
        fulls("milestone_2m"),
    )


def test_late_enrolment_owes_only_the_latest_milestone() -> None:
    enrolled = date(2026, 6, 15)  # five months: past 2w, 6w, 2m and 4m
    assert plan(enrolled + timedelta(days=1), enrolled_on=enrolled) == fulls("enrolment")
    history = both_fulls(enrolled)
    assert first_full(
        enrolled + timedelta(days=1), date(2026, 7, 15), enrolled_on=enrolled, history=history
    ) == (
        date(2026, 7, 15),
        fulls("milestone_6m"),
    )


def test_a_mother_silent_for_months_owes_only_the_latest_milestone() -> None:
    history = both_fulls(BIRTH)
    assert plan(date(2026, 6, 15), history=history) == fulls("milestone_4m")


# --- the minimum interval -------------------------------------------------------------------------


def test_an_owed_milestone_waits_until_the_block_lifts() -> None:
    history = both_fulls(BIRTH, pp(14), pp(42), pp(50))  # pp(50): after a positive brief
    assert first_full(pp(51), pp(70), history=history) == (pp(64), fulls("milestone_2m"))


def test_each_tool_waits_for_its_own_block() -> None:
    history = [*both_fulls(BIRTH, pp(14), pp(42)), given("phq9", pp(51))]
    assert plan(pp(59), history=history) == [("gad7", "milestone_2m")]  # 2m is 2026-03-15
    history.append(given("gad7", pp(59)))
    assert first_full(pp(59), pp(70), history=history) == (pp(65), [("phq9", "milestone_2m")])


@pytest.mark.parametrize(
    ("policy", "tool", "days_ago", "expected"),
    [
        (DEFAULT_POLICY, "phq9", 13, []),
        (DEFAULT_POLICY, "phq9", 14, [("phq9", "after_brief")]),
        (EPDS_POLICY, "epds", 6, []),
        (EPDS_POLICY, "epds", 7, [("epds", "after_brief")]),
    ],
)
def test_each_instrument_has_its_own_minimum_interval(
    policy: Policy, tool: str, days_ago: int, expected: list[tuple[str, str]]
) -> None:
    today = date(2026, 8, 1)  # between the 6- and 9-month milestones
    history = [
        given(tool, today - timedelta(days=days_ago)),
        given("gad7", today - timedelta(days=days_ago)),
        given("phq2", today, 3, Tier.POSSIBLE),
        given("gad2", today),
    ]
    assert plan(today, enrolled_on=date(2026, 7, 1), history=history, policy=policy) == expected


# --- early high scores ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_day", "tier", "expected"),
    [
        (7, Tier.POSSIBLE, (21, "early_repeat")),
        (7, Tier.PROBABLE, (21, "early_repeat")),
        (7, Tier.URGENT, (21, "early_repeat")),
        (3, Tier.POSSIBLE, (17, "early_repeat")),  # the 2-week screen waits and becomes the repeat
        (21, Tier.POSSIBLE, (35, "early_repeat")),  # a late 2-week screen still counts as early
        (22, Tier.POSSIBLE, (42, "milestone_6w")),  # not early: no repeat
        (7, Tier.ROUTINE, (42, "milestone_6w")),  # routine: no repeat (day 7 covers 2 weeks)
        (14, Tier.ROUTINE, (42, "milestone_6w")),
    ],
)
def test_a_high_early_full_is_repeated_fourteen_days_later(
    given_day: int, tier: Tier, expected: tuple[int, str]
) -> None:
    history = both_fulls(pp(given_day), tier=tier)
    day, reason = expected
    found = first_full(pp(given_day + 1), pp(58), enrolled_on=pp(given_day), history=history)
    assert found == (pp(day), fulls(reason))


@pytest.mark.parametrize("birth_date", [None, pp(30)])  # unknown, or given while pregnant
def test_no_early_repeat_without_a_postpartum_day(birth_date: date | None) -> None:
    history = both_fulls(BIRTH, tier=Tier.PROBABLE)
    found = first_full(pp(1), pp(30), birth_date=birth_date, history=history)
    assert found == (pp(28), fulls("every_4_weeks"))


# --- after a brief screen -------------------------------------------------------------------------

TODAY = date(2026, 8, 1)  # 6.5 months: the 6-month screen was done, the 9-month one is far


def brief_history(phq2: tuple[int, Tier], gad2: tuple[int, Tier], fulls_ago: int) -> list[Given]:
    return [
        *both_fulls(TODAY - timedelta(days=fulls_ago)),
        given("phq2", TODAY, *phq2),
        given("gad2", TODAY, *gad2),
    ]


@pytest.mark.parametrize(
    ("phq2", "gad2", "expected"),
    [
        ((3, Tier.POSSIBLE), (0, Tier.ROUTINE), [("phq9", "after_brief")]),
        ((0, Tier.ROUTINE), (4, Tier.POSSIBLE), [("gad7", "after_brief")]),
        ((6, Tier.POSSIBLE), (3, Tier.POSSIBLE), fulls("after_brief")),
        ((2, Tier.ROUTINE), (2, Tier.ROUTINE), []),
        ((2, Tier.POSSIBLE), (0, Tier.ROUTINE), [("phq9", "after_brief")]),  # its own tier says so
    ],
)
def test_a_positive_brief_makes_its_full_tool_due_the_same_day(
    phq2: tuple[int, Tier], gad2: tuple[int, Tier], expected: list[tuple[str, str]]
) -> None:
    history = brief_history(phq2, gad2, fulls_ago=17)
    assert plan(TODAY, enrolled_on=date(2026, 7, 15), history=history) == expected
    done = [*history, *both_fulls(TODAY)]
    assert plan(TODAY, enrolled_on=date(2026, 7, 15), history=done) == []


def test_a_positive_brief_waits_for_the_block_then_the_full_is_due() -> None:
    history = brief_history((3, Tier.POSSIBLE), (0, Tier.ROUTINE), fulls_ago=10)
    found = first_full(
        TODAY, TODAY + timedelta(days=20), enrolled_on=date(2026, 7, 15), history=history
    )
    assert found == (TODAY + timedelta(days=4), [("phq9", "after_brief")])


# --- brief screens --------------------------------------------------------------------------------


def test_briefs_are_weekly_from_the_end_of_the_full_tools_interval() -> None:
    """A positive brief promises its full tool at once, and a full tool is never given within
    14 days of the last: so the first brief after a full comes 14 days after it, then weekly."""
    history = both_fulls(pp(7))  # enrolment; no birth date, so no milestones to get in the way

    def on(day: int) -> list[tuple[str, str]]:
        return plan(pp(day), enrolled_on=pp(7), birth_date=None, history=history)

    assert on(14) == []
    assert on(20) == []
    assert on(21) == BRIEFS
    history.extend([given("phq2", pp(21)), given("gad2", pp(23))])
    assert on(27) == []
    assert on(28) == [("phq2", "weekly_brief")]
    assert on(29) == [("phq2", "weekly_brief")]  # owed until she answers it
    assert on(30) == BRIEFS


def test_no_brief_on_a_day_any_full_is_due() -> None:
    history = [*both_fulls(pp(42)), given("phq2", pp(50)), given("gad2", pp(50))]
    assert plan(date(2026, 3, 15), history=history) == fulls("milestone_2m")
    history = [*both_fulls(TODAY - timedelta(days=20)), given("phq2", TODAY - timedelta(days=8))]
    history += [given("phq2", TODAY, 3, Tier.POSSIBLE)]  # GAD-2 is due by the clock; PHQ-9 too
    assert plan(TODAY, enrolled_on=date(2026, 7, 1), history=history) == [("phq9", "after_brief")]


# --- without a birth date, and while pregnant -----------------------------------------------------


@pytest.mark.parametrize("birth_date", [None, pp(90)])
def test_without_a_birth_date_fulls_come_every_28_days(birth_date: date | None) -> None:
    history = both_fulls(BIRTH)
    found = first_full(pp(1), pp(60), birth_date=birth_date, history=history)
    assert found == (pp(28), fulls("every_4_weeks"))
    history.extend(both_fulls(pp(10)))  # an after-brief full restarts the count
    found = first_full(pp(11), pp(60), birth_date=birth_date, history=history)
    assert found == (pp(38), fulls("every_4_weeks"))


def test_once_born_the_milestones_take_over_from_every_28_days() -> None:
    birth = pp(30)
    owed = both_fulls(BIRTH)  # the 4-weekly screen is owed from pp(28) while she is pregnant
    assert plan(pp(29), birth_date=birth, history=owed) == fulls("every_4_weeks")
    assert plan(pp(30), birth_date=birth, history=owed) == BRIEFS  # born: no full until 2 weeks
    history = both_fulls(BIRTH, pp(28))
    assert first_full(pp(29), pp(100), birth_date=birth, history=history) == (
        birth + timedelta(days=14),
        fulls("milestone_2w"),
    )


def test_history_after_today_is_ignored() -> None:
    assert plan(BIRTH, history=both_fulls(pp(1))) == fulls("enrolment")


# --- whole years ----------------------------------------------------------------------------------

EXPECTED_YEAR = [
    (pp(7), "enrolment"),
    (pp(42), "milestone_6w"),  # day 7 covers the 2-week screen
    (date(2026, 3, 15), "milestone_2m"),
    (date(2026, 5, 15), "milestone_4m"),
    (date(2026, 7, 15), "milestone_6m"),
    (date(2026, 10, 15), "milestone_9m"),
    (date(2027, 1, 15), "milestone_12m"),
]


@pytest.mark.parametrize(
    ("policy", "depression"), [(DEFAULT_POLICY, "phq9"), (EPDS_POLICY, "epds")]
)
def test_a_whole_year_for_a_mother_enrolled_at_one_week(policy: Policy, depression: str) -> None:
    offered = simulate(pp(7), date(2027, 7, 15), birth_date=BIRTH, policy=policy)
    for full in (depression, "gad7"):
        assert [
            (day, due.reason) for day, due in offered if due.instrument == full
        ] == EXPECTED_YEAR
    by_tool: dict[str, list[date]] = {}
    for day, due in offered:
        by_tool.setdefault(due.instrument, []).append(day)
    for tool, days in by_tool.items():
        gap = 14 if tool in policy.full else 7
        assert all(b - a >= timedelta(days=gap) for a, b in pairwise(days)), tool
    full_days = {day for day, due in offered if due.instrument in policy.full}
    brief_days = {day for day, due in offered if due.instrument in policy.brief_for}
    assert not full_days & brief_days
    # She is asked at least every two weeks (weekly, but for the 14 days after a full tool, when
    # a positive brief's full tool could not follow at once), all year and beyond.
    asked = sorted(full_days | brief_days)
    assert all(b - a <= timedelta(days=14) for a, b in pairwise(asked))
    assert asked[-1] >= date(2027, 7, 8)


def test_after_the_first_year_only_briefs() -> None:
    offered = simulate(pp(400), pp(700), birth_date=BIRTH)
    assert [(day, due.instrument) for day, due in offered if due.reason != "weekly_brief"] == [
        (pp(400), "phq9"),
        (pp(400), "gad7"),
    ]
    brief_days = sorted({day for day, due in offered if due.reason == "weekly_brief"})
    assert brief_days == [pp(414 + 7 * n) for n in range(41)]  # from 14 days after the fulls


@pytest.mark.parametrize(
    ("policy", "depression"), [(DEFAULT_POLICY, "phq9"), (EPDS_POLICY, "epds")]
)
def test_on_every_day_a_brief_is_due_a_positive_answer_makes_its_full_tool_due_that_day(
    policy: Policy, depression: str
) -> None:
    """Issue 17 (3): "a few more questions would help" is kept at once, never a week later."""
    offered = simulate(pp(7), date(2027, 7, 15), birth_date=BIRTH, policy=policy)
    history = [
        given(due.instrument, day, 12 if due.instrument in policy.full else 0)
        for day, due in offered
    ]
    brief_days = [(day, due.instrument) for day, due in offered if due.reason == "weekly_brief"]
    assert len(brief_days) > 50
    for day, brief in brief_days:
        before = [g for g in history if g.on < day]
        positive = [*before, given(brief, day, 3, Tier.POSSIBLE)]
        due = plan(day, enrolled_on=pp(7), history=positive, policy=policy)
        assert (policy.brief_for[brief], "after_brief") in due, (day, brief)


# --- after "Not today" ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declines", "declined_on", "birth_date", "first_day_offered"),
    [
        (0, None, BIRTH, pp(30)),
        (1, pp(30), BIRTH, pp(33)),  # three days' rest
        (1, pp(30), None, pp(33)),
        (2, pp(30), BIRTH, pp(42)),  # the next milestone: 6 weeks
        (3, pp(50), BIRTH, date(2026, 3, 15)),  # 2 months
        (2, pp(30), None, pp(58)),  # no birth date: 28 days
        (2, pp(30), pp(60), pp(58)),  # still pregnant then: 28 days
        (2, date(2027, 1, 20), BIRTH, date(2027, 2, 17)),  # past the 12-month one: 28 days
    ],
)
def test_offers_rest_after_not_today(
    declines: int, declined_on: date | None, birth_date: date | None, first_day_offered: date
) -> None:
    def offered(day: date) -> bool:
        return may_offer(day, declines=declines, declined_on=declined_on, birth_date=birth_date)

    assert offered(first_day_offered)
    assert not offered(first_day_offered - timedelta(days=1)) or declines == 0
