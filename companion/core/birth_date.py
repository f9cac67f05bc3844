"""Parsing the baby's birth date she types, with the country's day/month order.

Digits are read here; month names and words such as "yesterday" or "ayer" come from her
language's data as a DateWords.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from companion.core.folding import fold

MAX_AGE_DAYS = 731  # two years


class DateProblem(Enum):
    NOT_A_DATE = "not_a_date"
    IN_FUTURE = "in_future"
    TOO_OLD = "too_old"


@dataclass(frozen=True)
class AmbiguousDate:
    """03/04/2026 could be 3 April or 4 March: she chooses. One option means the date only
    makes sense with day and month the other way round, so she confirms it."""

    options: tuple[date, ...]


@dataclass(frozen=True)
class DateWords:
    """One language's date words, folded when used: month names and abbreviations (-> 1..12),
    words for a day ("today" -> 0 days ago), small words between the parts ("3 de abril de
    2026") and endings after the day ("3rd")."""

    months: Mapping[str, int] = field(default_factory=dict)
    days_ago: Mapping[str, int] = field(default_factory=dict)
    joiners: tuple[str, ...] = ()
    ordinals: tuple[str, ...] = ()
    day_month: re.Pattern[str] = field(init=False, repr=False, compare=False)
    month_day: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordinal = _optional(_alternation(self.ordinals))
        joiner = _optional(rf"(?:{_alternation(self.joiners)})\s+") if self.joiners else ""
        day_month = rf"^(\d{{1,2}}){ordinal}\s+{joiner}([a-z]+)\.?,?\s+{joiner}(\d{{4}})$"
        month_day = rf"^([a-z]+)\.?\s+(\d{{1,2}}){ordinal},?\s+(\d{{4}})$"
        object.__setattr__(self, "day_month", re.compile(day_month))
        object.__setattr__(self, "month_day", re.compile(month_day))

    def month(self, word: str) -> int | None:
        return {fold(name): number for name, number in self.months.items()}.get(word)

    def day(self, text: str, today: date) -> date | None:
        ago = {fold(word): days for word, days in self.days_ago.items()}.get(text)
        return None if ago is None else today - timedelta(days=ago)


def _alternation(words: tuple[str, ...]) -> str:
    spelled = sorted({fold(word) for word in words}, key=len, reverse=True)
    return "|".join(re.escape(word) for word in spelled)


def _optional(pattern: str) -> str:
    return f"(?:{pattern})?" if pattern else ""


NO_WORDS = DateWords()
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(year: int, today: date) -> int:
    if year >= 100:
        return year
    # A birth date is within two years of today, so "27" means this century even if that
    # puts it in the future (and she is then told so), never 1927.
    return today.year - today.year % 100 + year


def _candidates(text: str, today: date, month_first: bool, words: DateWords) -> list[date | None]:
    """The dates the text may mean, her country's reading first; a leading None says her
    country's order gave no date at all (13/08 where the month comes first)."""
    if (relative := words.day(text, today)) is not None:
        return [relative]
    if match := _ISO.match(text):
        found = _make(int(match[1]), int(match[2]), int(match[3]))
        return [found] if found else []
    if match := _NUMERIC.match(text):
        first, second, year = int(match[1]), int(match[2]), _full_year(int(match[3]), today)
        day_first = _make(year, second, first)
        month_first_date = _make(year, first, second)
        ordered = [month_first_date, day_first] if month_first else [day_first, month_first_date]
        if ordered[0] is None:
            return [None, ordered[1]] if ordered[1] else []
        return list(dict.fromkeys(found for found in ordered if found))
    for pattern, day_group, month_group in ((words.day_month, 1, 2), (words.month_day, 2, 1)):
        if match := pattern.match(text):
            month = words.month(match[month_group])
            found = _make(int(match[3]), month, int(match[day_group])) if month else None
            return [found] if found else []
    return []


def check_birth_date(value: date, today: date) -> date | DateProblem:
    if value > today:
        return DateProblem.IN_FUTURE
    if (today - value).days > MAX_AGE_DAYS:
        return DateProblem.TOO_OLD
    return value


def parse_birth_date(
    text: str, today: date, *, month_first: bool = False, words: DateWords = NO_WORDS
) -> date | AmbiguousDate | DateProblem:
    """A plausible birth date (not in the future, at most two years ago), a choice, or a problem."""
    found = _candidates(fold(text), today, month_first, words)
    dates = [candidate for candidate in found if candidate is not None]
    if not dates:
        return DateProblem.NOT_A_DATE
    checked = [check_birth_date(candidate, today) for candidate in dates]
    plausible = [result for result in checked if isinstance(result, date)]
    if len(plausible) == 2:
        return AmbiguousDate((plausible[0], plausible[1]))
    if plausible and plausible[0] != found[0]:
        # Her country's order gave no date, or an impossible one: the other reading is offered
        # for her to confirm, never taken silently.
        return AmbiguousDate((plausible[0],))
    if plausible:
        return plausible[0]
    return checked[0]
