"""Parsing the daily check-in time a mother types ("9", "9:30pm", "21.30", "7 de la tarde").

The words (noon, "p. m.", "de la tarde") come from her language's data as a TimeWords; the core
knows only digits and what each kind of word does to the hour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from companion.core.folding import fold


class TimeProblem(Enum):
    OUT_OF_RANGE = "out_of_range"  # looks like a time, but 25:00 or 10:75
    NOT_A_TIME = "not_a_time"  # "tomorrow", "after lunch", a sticker's emoji


# What a word after the hour means: "am" and "pm" as in English; "night" ("de la noche") is the
# evening up to 11, midnight at 12, and the small hours from 1 to 5.
MERIDIEM_KINDS = ("am", "pm", "night")
_NIGHT_ENDS = 6


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


def _alternation(words: Iterable[str]) -> str:
    """Folded words as a regex: each dot optional, each space any spacing ("p. m." = "pm")."""
    spelled = sorted({fold(word) for word in words}, key=len, reverse=True)
    return "|".join(
        re.escape(word).replace(r"\.", r"\.?").replace(r"\ ", r"\s*") for word in spelled
    )


@dataclass(frozen=True)
class TimeWords:
    """One language's time words, folded when used: whole answers meaning 12:00 or 00:00, words
    after the hour and their kind (see MERIDIEM_KINDS), words before it ("a las") and 24-hour
    words after it ("h", "horas")."""

    noon: frozenset[str] = frozenset()
    midnight: frozenset[str] = frozenset()
    meridiem: Mapping[str, str] = field(default_factory=dict)
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups = []
        for kind in MERIDIEM_KINDS:
            spelled = _alternation(word for word, said in self.meridiem.items() if said == kind)
            if spelled:
                groups.append(f"(?P<{kind}>{spelled})")
        if after := _alternation(self.after):
            groups.append(f"(?:{after})")
        tail = rf"(?:\s*(?:{'|'.join(groups)}))?" if groups else ""
        lead = _alternation(self.before)
        head = rf"(?:(?:{lead})\s+)?" if lead else ""
        clock = r"(?P<hour>\d{1,2})(?:\s*[:.h]\s*(?P<minute>\d{2}))?"
        object.__setattr__(self, "pattern", re.compile(f"^{head}{clock}{tail}$"))


_COMPACT = re.compile(r"^(?P<hour>\d{2})(?P<minute>\d{2})$")
NO_WORDS = TimeWords()


def _hour_of_day(hour: int, kind: str) -> int | None:
    if not 1 <= hour <= 12:
        return None
    if kind == "am":
        return hour % 12
    if kind == "pm":
        return hour % 12 + 12
    return 0 if hour == 12 else hour if hour < _NIGHT_ENDS else hour + 12


def parse_clock_time(text: str, words: TimeWords = NO_WORDS) -> ClockTime | TimeProblem:
    """A wall-clock time of day, or why the text is not one."""
    cleaned = fold(text)
    if cleaned in {fold(word) for word in words.noon}:
        return ClockTime(12, 0)
    if cleaned in {fold(word) for word in words.midnight}:
        return ClockTime(0, 0)
    match = words.pattern.match(cleaned) or _COMPACT.match(cleaned)
    if match is None:
        return TimeProblem.NOT_A_TIME
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or 0)
    said = [kind for kind in MERIDIEM_KINDS if match.groupdict().get(kind)]
    if said:
        in_day = _hour_of_day(hour, said[0])
        if in_day is None:
            return TimeProblem.OUT_OF_RANGE
        hour = in_day
    if hour > 23 or minute > 59:
        return TimeProblem.OUT_OF_RANGE
    return ClockTime(hour, minute)
