"""Typed answers to a safety question: "yes", "nope", "sí", "im safe", "no im not safe".

The clarifying question ("are you having any thoughts of harming yourself or your baby?") and a
questionnaire's safety item take yes or no; "are you safe now?" takes safe, unsafe or misread,
where a plain yes means safe and a plain no means not safe. A whole answer counts, and so does
an answer at the start of a longer message ("no, just tired"), unless the rest says the opposite
("no im fine" to "are you safe?"): then it is unclear, and she is asked again. The caller reads
the whole message with the triage as well, and the worse of the two readings wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from companion.core.folding import fold_answer

CLARIFY, FOLLOWUP = "clar", "safe"
# For each question: the answer each kind of phrase gives.
ANSWERS: Mapping[str, Mapping[str, str]] = {
    CLARIFY: {"yes": "yes", "unsure": "yes", "no": "no"},
    FOLLOWUP: {
        "safe": "safe",
        "yes": "safe",
        "unsafe": "unsafe",
        "unsure": "unsafe",
        "no": "unsafe",
        "misread": "misread",
    },
}
KINDS = ("yes", "no", "unsure", "safe", "unsafe", "misread")
_BREAK = re.compile(r"[,.;:!?\n]")


def fold_safety(text: str) -> str:
    """Folded as a short answer, with apostrophes and emphasis dropped ("I’m" = "im")."""
    return fold_answer(text.replace("'", "").replace("’", "").replace("*", ""))


def read_safety_answer(
    phrases: Mapping[str, frozenset[str]], question: str, text: str
) -> str | None:
    """The answer she typed to `question` (CLARIFY or FOLLOWUP), or None when it is not one.

    `phrases`: kind (KINDS) -> folded phrases."""
    kinds = ANSWERS[question]
    parts = _BREAK.split(text.strip(), maxsplit=1)
    if len(parts) == 2 and fold_safety(parts[1]):
        # An answer ended by punctuation: "no, estoy a salvo" is not "no estoy a salvo".
        answer = _whole(phrases, kinds, fold_safety(parts[0]))
        if answer is not None:
            rest = fold_safety(parts[1])
            return None if _says_otherwise(phrases, kinds, answer, rest) else answer
    whole = _whole(phrases, kinds, fold_safety(text))
    if whole is not None:
        return whole
    words = fold_safety(text).split()
    found: tuple[int, str] | None = None  # (length of the phrase, answer)
    for kind, answer in kinds.items():
        for phrase in phrases.get(kind, ()):
            size = len(phrase.split())
            if words[:size] == phrase.split() and (found is None or size > found[0]):
                found = (size, answer)
    if found is None:
        return None
    size, answer = found
    rest = " ".join(words[size:])
    return None if _says_otherwise(phrases, kinds, answer, rest) else answer


def _whole(
    phrases: Mapping[str, frozenset[str]], kinds: Mapping[str, str], typed: str
) -> str | None:
    """The answer a whole phrase gives, if `typed` is one."""
    for kind, answer in kinds.items():
        if typed in phrases.get(kind, ()):
            return answer
    return None


def _says_otherwise(
    phrases: Mapping[str, frozenset[str]], kinds: Mapping[str, str], answer: str, rest: str
) -> bool:
    """Whether the words after her answer give another answer ("no, im fine" to "are you
    safe?"). Phrases giving her answer are taken out first, so "safe now" is not found inside
    "not safe now"; a lone yes or no in the rest is not counted ("no, no, no")."""
    padded = f" {rest} "
    same = sorted(
        (p for kind, a in kinds.items() if a == answer for p in phrases.get(kind, ())),
        key=len,
        reverse=True,
    )
    for phrase in same:
        padded = padded.replace(f" {phrase} ", "  ")
    for kind, other in kinds.items():
        if other == answer:
            continue
        for phrase in phrases.get(kind, ()):
            lone = kind in ("yes", "no") and " " not in phrase
            if not lone and f" {phrase} " in padded:
                return True
    return False
