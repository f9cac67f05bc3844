"""Which questionnaires are due on her local day: the postpartum clock. Dates in, decisions out.

Full tools (PHQ-9 and GAD-7 by default) are owed:
- at enrolment (from the day she enrols until she completes them);
- at each milestone after the birth: 2 and 6 weeks, then 2, 4, 6, 9 and 12 calendar months (a
  month-end birth date clips: Jan 31 + 1 month = Feb 28/29). Only the latest milestone that has
  arrived is owed, and a screen given from 7 days before it covers it. Nothing is scheduled from
  milestones after the 12-month one: the plan covers the first year; briefs and the after-brief
  rule go on;
- without a birth date, and while she is still pregnant (a birth date in the future), every 28
  days after the last one instead of at milestones;
- after a positive brief (PHQ-2 -> PHQ-9, GAD-2 -> GAD-7), until the full tool is given;
- 14 days after a possible-or-higher full screen given in the first 21 days after the birth (blues
  usually settle within two weeks).
A full tool is never due within its minimum interval of the last time it was given (14 days for
PHQ-9 and GAD-7, 7 for EPDS): an owed screen waits and becomes due the day the interval ends. An
owed screen stays due each day until she completes it. Brief tools are due at most weekly, never
on a day any full tool is due, and never while their full tool is within its minimum interval (so
a positive brief's full tool can always follow at once); a full tool counts as its brief.
History dated after `today` is ignored.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

from companion.core.tiers import Tier

EARLY_POSTPARTUM_DAYS = 21  # a full screen up to here counts as "early": the 2-week one may be late
EARLY_REPEAT_DAYS = 14  # a high early screen is repeated this many days later
MILESTONE_LEAD_DAYS = 7  # a screen given this many days before a milestone covers it


def _frozen(values: Mapping[str, object]) -> object:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class Given:
    """One completed questionnaire, on her local date."""

    instrument: str
    on: date
    total: int
    tier: Tier


@dataclass(frozen=True)
class Policy:
    """What to give and how often; every number is a setting with the clinical defaults."""

    full: tuple[str, ...] = ("phq9", "gad7")
    brief_for: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({"phq2": "phq9", "gad2": "gad7"})
    )
    min_interval_days: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(
            {"phq9": 14, "gad7": 14, "epds": 7, "phq2": 7, "gad2": 7}
        )
    )
    brief_positive: int = 3
    every_days_without_birth: int = 28
    milestone_weeks: tuple[int, ...] = (2, 6)
    milestone_months: tuple[int, ...] = (2, 4, 6, 9, 12)

    def __post_init__(self) -> None:
        object.__setattr__(self, "brief_for", _frozen(self.brief_for))
        object.__setattr__(self, "min_interval_days", _frozen(self.min_interval_days))
        for brief, full in self.brief_for.items():
            if full not in self.full:
                raise ValueError(f"brief {brief!r} leads to {full!r}, which is not a full tool")
        missing = [i for i in (*self.full, *self.brief_for) if i not in self.min_interval_days]
        if missing:
            raise ValueError(f"no minimum interval for {', '.join(missing)}")


@dataclass(frozen=True)
class Due:
    """A questionnaire to offer today, and the rule that made it due."""

    instrument: str
    reason: str


DEFAULT_POLICY = Policy()


def postpartum_days(today: date, birth_date: date | None) -> int | None:
    """Days since the birth (0 on the day); negative while she is pregnant; None if unknown."""
    return None if birth_date is None else (today - birth_date).days


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months on, clipped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def milestones(birth_date: date, policy: Policy = DEFAULT_POLICY) -> list[tuple[date, str]]:
    """Each milestone's date and reason ("milestone_2w" ... "milestone_12m"), earliest first."""
    weeks = [(birth_date + timedelta(weeks=n), f"milestone_{n}w") for n in policy.milestone_weeks]
    months = [(add_months(birth_date, n), f"milestone_{n}m") for n in policy.milestone_months]
    return sorted(weeks + months)


@dataclass(frozen=True)
class _Day:
    """Today and what she has done so far: the last time each instrument was given."""

    today: date
    enrolled_on: date
    birth_date: date | None
    last: Mapping[str, Given]
    policy: Policy

    def days_since(self, instrument: str) -> int | None:
        given = self.last.get(instrument)
        return None if given is None else (self.today - given.on).days

    def given_since(self, instrument: str, day: date) -> bool:
        given = self.last.get(instrument)
        return given is not None and given.on >= day

    def within_interval(self, instrument: str, interval_of: str) -> bool:
        since = self.days_since(instrument)
        return since is not None and since < self.policy.min_interval_days[interval_of]


def _last_given(history: Sequence[Given], today: date) -> dict[str, Given]:
    last: dict[str, Given] = {}
    for given in sorted((g for g in history if g.on <= today), key=lambda g: g.on):
        last[given.instrument] = given
    return last


def _after_brief(day: _Day, full: str) -> str | None:
    for brief, its_full in day.policy.brief_for.items():
        given = day.last.get(brief)
        if its_full != full or given is None:
            continue
        positive = given.total >= day.policy.brief_positive or given.tier >= Tier.POSSIBLE
        if positive and not day.given_since(full, given.on):
            return "after_brief"
    return None


def _early_repeat(day: _Day, full: str) -> str | None:
    given = day.last.get(full)
    if given is None or given.tier < Tier.POSSIBLE:
        return None
    age = postpartum_days(given.on, day.birth_date)
    early = age is not None and 0 <= age <= EARLY_POSTPARTUM_DAYS
    due = given.on + timedelta(days=EARLY_REPEAT_DAYS) <= day.today
    return "early_repeat" if early and due else None


def _enrolment(day: _Day, full: str) -> str | None:
    return None if day.given_since(full, day.enrolled_on) else "enrolment"


def _scheduled(day: _Day, full: str) -> str | None:
    if day.birth_date is None or day.birth_date > day.today:
        since = day.days_since(full)
        every = day.policy.every_days_without_birth
        return "every_4_weeks" if since is not None and since >= every else None
    arrived = [m for m in milestones(day.birth_date, day.policy) if m[0] <= day.today]
    if not arrived:
        return None
    when, reason = arrived[-1]
    covered = day.given_since(full, when - timedelta(days=MILESTONE_LEAD_DAYS))
    return None if covered else reason


# When several rules owe the same tool on one day, the Due names the first that applies.
_RULES = (_after_brief, _early_repeat, _enrolment, _scheduled)


def _full_due(day: _Day, full: str) -> Due | None:
    if day.within_interval(full, full):
        return None
    for rule in _RULES:
        if reason := rule(day, full):
            return Due(full, reason)
    return None


def _brief_due(day: _Day, brief: str, full: str) -> Due | None:
    # Not while its full tool is within its own minimum interval: a positive brief promises the
    # full tool at once, which that interval would forbid.
    recent = day.within_interval(brief, brief) or day.within_interval(full, full)
    return None if recent else Due(brief, "weekly_brief")


def due_today(
    today: date,
    *,
    enrolled_on: date,
    birth_date: date | None,
    history: Sequence[Given],
    policy: Policy = DEFAULT_POLICY,
) -> list[Due]:
    """The questionnaires due on her local day `today`: full tools in policy order, then briefs.

    At most one Due per instrument; nothing before she enrols; no brief on a day a full is due.
    """
    if today < enrolled_on:
        return []
    day = _Day(today, enrolled_on, birth_date, _last_given(history, today), policy)
    fulls = [due for full in policy.full if (due := _full_due(day, full))]
    if fulls:
        return fulls
    briefs = (_brief_due(day, brief, full) for brief, full in policy.brief_for.items())
    return [due for due in briefs if due]


DECLINE_WAIT_DAYS = 3  # after one "Not today", no offer for this many days


def may_offer(
    today: date,
    *,
    declines: int,
    declined_on: date | None,
    birth_date: date | None,
    policy: Policy = DEFAULT_POLICY,
) -> bool:
    """Whether to offer what is due today, after she said "Not today" `declines` times in a row
    (the last on `declined_on`): after one, not for 3 days; after two or more, not before the
    next milestone of the postpartum clock (without one ahead, 28 days on: the cadence without a
    birth date)."""
    if declines <= 0 or declined_on is None:
        return True
    if declines == 1:
        return today >= declined_on + timedelta(days=DECLINE_WAIT_DAYS)
    ahead = []
    if birth_date is not None and birth_date <= declined_on:
        ahead = [when for when, _ in milestones(birth_date, policy) if when > declined_on]
    wait_until = (
        ahead[0] if ahead else declined_on + timedelta(days=policy.every_days_without_birth)
    )
    return today >= wait_until
