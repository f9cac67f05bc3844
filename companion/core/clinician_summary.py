"""What a clinician reads about the mothers sharing with her: plain data in, plain rows out.

No telegram, no database, no words: the caller gathers the facts (only for shares in force) and
puts the rows into the clinician's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from companion.core.tiers import Tier
from companion.core.trends import WEEK, DayPoint, TrendSummary, last_days, summarise

TREND_DAYS = 14  # /patients: the mood trend over two weeks (this week against the one before)
SUMMARY_DAYS = 90  # /summary: the chart and the table
# PHQ-9 items that rise with normal newborn care (broken sleep, tiredness, feeding at all hours):
# the postpartum caveat of shared/clinical-facts.md. Item ids as in messages/*/instruments/.
NEWBORN_ITEMS: Mapping[str, frozenset[str]] = {"phq9": frozenset({"sleep", "tired", "appetite"})}
FLAG_LEVELS = ("concern", "urgent", "emergency")  # lowest first


@dataclass(frozen=True)
class ScoreFact:
    """One completed questionnaire. `newborn_points` is the part of a PHQ-9 total from its sleep,
    energy and appetite items (None for other instruments): the reason for the caveat."""

    instrument: str
    name: str
    local_date: date
    completed_at: datetime
    total: int
    max_total: int
    band: str | None
    tier: Tier
    newborn_points: int | None = None

    @property
    def needs_caveat(self) -> bool:
        return self.newborn_points is not None


@dataclass(frozen=True)
class FlagFact:
    """An open safety flag: level (concern, urgent, emergency), where it came from, when, and
    its reason codes (the triage's, or a questionnaire item's)."""

    level: str
    source: str
    raised_at: datetime
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class PatientFacts:
    """One mother as her clinician may see her. `notes` is empty unless she chose to share them."""

    share_id: str
    name: str
    status: str  # her check-ins: active, paused, stopped, blocked
    today: date  # her local date now
    joined: date | None  # her local date of setting up companion
    last_checkin: date | None  # the last day she answered a check-in
    days: tuple[DayPoint, ...] = ()
    scores: tuple[ScoreFact, ...] = ()  # oldest first
    flags: tuple[FlagFact, ...] = ()  # open ones
    notes: tuple[tuple[date, str], ...] = ()


@dataclass(frozen=True)
class PatientRow:
    """One line of /patients (and the card a consent preview shows)."""

    share_id: str
    name: str
    status: str
    last_checkin: date | None
    days_quiet: int | None  # since her last check-in (or since she joined, if none yet)
    silent: bool
    trend: TrendSummary  # the last TREND_DAYS days
    latest: tuple[ScoreFact, ...]  # newest result of each questionnaire, newest first
    open_flags: int
    top_flag: str | None

    @property
    def caveat(self) -> bool:
        return any(score.needs_caveat for score in self.latest)


def newborn_points(instrument: str, item_points: Mapping[str, int]) -> int | None:
    """Points a PHQ-9 total owes to sleep, energy and appetite (item id -> points scored)."""
    items = NEWBORN_ITEMS.get(instrument)
    if items is None:
        return None
    return sum(points for item, points in item_points.items() if item in items)


def days_quiet(facts: PatientFacts) -> int | None:
    """Whole days since her last check-in; if she never answered one, since she joined."""
    since = facts.last_checkin or facts.joined
    return None if since is None else max((facts.today - since).days, 0)


def latest_scores(scores: Iterable[ScoreFact]) -> tuple[ScoreFact, ...]:
    """The newest result of each questionnaire, newest first."""
    newest: dict[str, ScoreFact] = {}
    for score in scores:
        kept = newest.get(score.instrument)
        if kept is None or score.completed_at >= kept.completed_at:
            newest[score.instrument] = score
    return tuple(sorted(newest.values(), key=lambda s: s.completed_at, reverse=True))


def top_level(flags: Iterable[FlagFact]) -> str | None:
    levels = [flag.level for flag in flags]
    return max(levels, key=_level_rank, default=None)


def _level_rank(level: str) -> int:
    return FLAG_LEVELS.index(level) if level in FLAG_LEVELS else len(FLAG_LEVELS)


def patient_row(facts: PatientFacts, *, silent_days: int) -> PatientRow:
    quiet = days_quiet(facts)
    return PatientRow(
        share_id=facts.share_id,
        name=facts.name,
        status=facts.status,
        last_checkin=facts.last_checkin,
        days_quiet=quiet,
        silent=quiet is not None and quiet >= silent_days,
        trend=summarise(last_days(facts.days, facts.today, TREND_DAYS)),
        latest=latest_scores(facts.scores),
        open_flags=len(facts.flags),
        top_flag=top_level(facts.flags),
    )


def by_concern(rows: Iterable[PatientRow]) -> list[PatientRow]:
    """Open flags first (highest level, then most flags), then the silent (longest first), then
    everyone else by name."""

    def key(row: PatientRow) -> tuple[int, int, int, int, str]:
        flagged = row.top_flag is not None
        rank = _level_rank(row.top_flag) if row.top_flag is not None else -1
        quiet = row.days_quiet if row.silent and row.days_quiet is not None else -1
        return (not flagged, -rank, -row.open_flags, -quiet, row.name.casefold())

    return sorted(rows, key=key)


# --- the daily digest ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagLine:
    name: str
    flag: FlagFact


@dataclass(frozen=True)
class ResultLine:
    name: str
    score: ScoreFact


@dataclass(frozen=True)
class SilentLine:
    name: str
    days: int
    last_checkin: date | None
    status: str


@dataclass(frozen=True)
class Digest:
    flags: tuple[FlagLine, ...]
    results: tuple[ResultLine, ...]
    silent: tuple[SilentLine, ...]

    @property
    def quiet(self) -> bool:
        return not (self.flags or self.results or self.silent)

    @property
    def caveat(self) -> bool:
        return any(line.score.needs_caveat for line in self.results)


def build_digest(patients: Sequence[PatientFacts], *, since: datetime, silent_days: int) -> Digest:
    """Open flags (highest level first, then oldest), results of note completed after `since`
    (possible or higher), and mothers with no check-in for `silent_days` days or more."""
    flags = [FlagLine(p.name, flag) for p in patients for flag in p.flags]
    flags.sort(key=lambda line: (-_level_rank(line.flag.level), line.flag.raised_at))
    results = [
        ResultLine(p.name, score)
        for p in patients
        for score in p.scores
        if score.completed_at > since and score.tier >= Tier.POSSIBLE
    ]
    results.sort(key=lambda line: (-line.score.tier, line.score.completed_at))
    silent = []
    for p in patients:
        quiet = days_quiet(p)
        if quiet is not None and quiet >= silent_days:
            silent.append(SilentLine(p.name, quiet, p.last_checkin, p.status))
    silent.sort(key=lambda line: (-line.days, line.name.casefold()))
    return Digest(tuple(flags), tuple(results), tuple(silent))


def flag_age(raised_at: datetime, now: datetime) -> tuple[str, int]:
    """How long a flag has been open, as ("minutes" | "hours" | "days", count)."""
    age = max(now - raised_at, timedelta(0))
    if age < timedelta(hours=1):
        return "minutes", age // timedelta(minutes=1)
    if age < timedelta(hours=48):
        return "hours", age // timedelta(hours=1)
    return "days", age.days


# --- the weekly summary --------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekSummary:
    name: str
    first: date
    last: date
    week: TrendSummary  # the seven days
    direction: str  # this week's mood against the week before
    scores: tuple[ScoreFact, ...]
    open_flags: int
    top_flag: str | None
    notes: tuple[tuple[date, str], ...]

    @property
    def caveat(self) -> bool:
        return any(score.needs_caveat for score in self.scores)


def week_summary(facts: PatientFacts, last: date) -> WeekSummary:
    """The seven days ending on `last` (her local dates)."""
    fortnight = last_days(facts.days, last, 2 * WEEK)
    first = last - timedelta(days=WEEK - 1)
    return WeekSummary(
        name=facts.name,
        first=first,
        last=last,
        week=summarise(fortnight[-WEEK:]),
        direction=summarise(fortnight).direction,
        scores=tuple(s for s in facts.scores if first <= s.local_date <= last),
        open_flags=len(facts.flags),
        top_flag=top_level(facts.flags),
        notes=tuple((day, note) for day, note in facts.notes if first <= day <= last),
    )


# --- the /summary table --------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    day: date
    mood: int | None
    sleep: int | None
    anxiety: int | None
    scores: tuple[ScoreFact, ...]


def table_rows(facts: PatientFacts, days: int = SUMMARY_DAYS) -> list[TableRow]:
    """One row per day of the window with an answer or a questionnaire, oldest first."""
    window = last_days(facts.days, facts.today, days)
    first = window[0].day
    scored: dict[date, list[ScoreFact]] = {}
    for score in facts.scores:
        if first <= score.local_date <= facts.today:
            scored.setdefault(score.local_date, []).append(score)
    return [
        TableRow(p.day, p.mood, p.sleep, p.anxiety, tuple(scored.get(p.day, ())))
        for p in window
        if p.answered or p.day in scored
    ]


def pack(lines: Iterable[str], limit: int) -> list[str]:
    """Lines joined into as few texts of at most `limit` characters as they fit in, never
    splitting a line unless it alone is too long; no text starts or ends with a blank line."""
    chunks: list[list[str]] = []
    current: list[str] = []
    size = -1  # the length of "\n".join(current)
    for line in lines:
        for piece in [line[i : i + limit] for i in range(0, len(line), limit)] or [""]:
            if current and size + 1 + len(piece) > limit:
                chunks.append(current)
                current, size = [], -1
            current.append(piece)
            size += 1 + len(piece)
    chunks.append(current)
    texts = ("\n".join(chunk).strip("\n") for chunk in chunks)
    return [text for text in texts if text]
