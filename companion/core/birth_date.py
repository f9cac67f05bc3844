"""Parsing the baby's birth date she types, with the country's day/month order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

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


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$")
_MONTH_NAME_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


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


def _candidates(text: str, today: date, month_first: bool) -> list[date]:
    if text in {"today"}:
        return [today]
    if text in {"yesterday"}:
        return [today - timedelta(days=1)]
    if match := _ISO.match(text):
        found = _make(int(match[1]), int(match[2]), int(match[3]))
        return [found] if found else []
    if match := _NUMERIC.match(text):
        first, second, year = int(match[1]), int(match[2]), _full_year(int(match[3]), today)
        day_first = _make(year, second, first)
        month_first_date = _make(year, first, second)
        ordered = [month_first_date, day_first] if month_first else [day_first, month_first_date]
        return list(dict.fromkeys(found for found in ordered if found))
    for pattern, day_group, month_group in ((_DAY_MONTH_NAME, 1, 2), (_MONTH_NAME_DAY, 2, 1)):
        if match := pattern.match(text):
            month = _MONTHS.get(match[month_group])
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
    text: str, today: date, *, month_first: bool = False
) -> date | AmbiguousDate | DateProblem:
    """A plausible birth date (not in the future, at most two years ago), a choice, or a problem."""
    cleaned = " ".join(text.strip().lower().split())
    found = _candidates(cleaned, today, month_first)
    if not found:
        return DateProblem.NOT_A_DATE
    checked = [check_birth_date(candidate, today) for candidate in found]
    plausible = [result for result in checked if isinstance(result, date)]
    if len(plausible) == 2:
        return AmbiguousDate((plausible[0], plausible[1]))
    if plausible and plausible[0] != found[0]:
        return AmbiguousDate((plausible[0],))  # her country's order gave an impossible date
    if plausible:
        return plausible[0]
    return checked[0]
