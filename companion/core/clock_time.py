"""Parsing the daily check-in time a mother types ("9", "9:30pm", "21.30")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class TimeProblem(Enum):
    OUT_OF_RANGE = "out_of_range"  # looks like a time, but 25:00 or 10:75
    NOT_A_TIME = "not_a_time"  # "tomorrow", "after lunch", a sticker's emoji


@dataclass(frozen=True)
class ClockTime:
    hour: int
    minute: int

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    @classmethod
    def parse_stored(cls, text: str) -> ClockTime:
        hour, minute = text.split(":")
        return cls(int(hour), int(minute))


_PATTERN = re.compile(
    r"^(?P<hour>\d{1,2})(?:\s*[:.h]\s*(?P<minute>\d{2}))?\s*(?P<meridiem>a\.?m\.?|p\.?m\.?)?$"
)
_COMPACT = re.compile(r"^(?P<hour>\d{2})(?P<minute>\d{2})$")


def parse_clock_time(text: str) -> ClockTime | TimeProblem:
    """A wall-clock time of day, or why the text is not one."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in {"noon", "midday"}:
        return ClockTime(12, 0)
    match = _PATTERN.match(cleaned) or _COMPACT.match(cleaned)
    if match is None:
        return TimeProblem.NOT_A_TIME
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or 0)
    meridiem = match.groupdict().get("meridiem")
    if meridiem:
        if not 1 <= hour <= 12:
            return TimeProblem.OUT_OF_RANGE
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return TimeProblem.OUT_OF_RANGE
    return ClockTime(hour, minute)
