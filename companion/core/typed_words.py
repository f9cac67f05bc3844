"""The words a mother may type in one language, as plain data for the parsers.

Loaded from messages/<locale>/input/ by companion.input_files; each locale's words come first,
then the other languages' where they do not clash, so "USA", "7pm" or "no" work in every
language. Names are folded (companion.core.folding) before they are stored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from companion.core.birth_date import DateWords
from companion.core.clock_time import TimeWords
from companion.core.folding import fold_answer


@dataclass(frozen=True)
class TypedWords:
    countries: Mapping[str, str] = field(default_factory=dict)  # folded name -> ISO code
    cities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # folded name -> zones
    time: TimeWords = field(default_factory=TimeWords)
    dates: DateWords = field(default_factory=DateWords)
    yes: frozenset[str] = frozenset()  # folded answers (fold_answer)
    no: frozenset[str] = frozenset()
    # Typed answers to safety questions: kind -> folded phrases (companion.core.safety_answers).
    safety: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def yes_or_no(self, text: str) -> bool | None:
        """True for a yes ("sí", "yes"), False for a no, None for anything else."""
        answer = fold_answer(text)
        if answer in self.yes:
            return True
        if answer in self.no:
            return False
        return None
