"""Spelling mended for triage: filter-dodging spellings ("k1ll", "su!c!de", "s*icide"), repeated
letters ("killll") and near-miss typos ("myslef"), each only into a word the lexicon knows.

Used by companion.core.triage_normalise, word by word. Pure: no I/O and no logging.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Container, Mapping

_RUN = re.compile(r"([a-z])\1+")
_LONG_RUN = re.compile(r"([a-z])\1{2,}")
_LEET: Mapping[str, str] = {
    "0": "o",
    "1": "il",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "@": "a",
    "$": "s",
    "!": "il",
    "|": "il",
    "*": string.ascii_lowercase,
}
_MAX_LEET_SLOTS = 4
_MAX_STARS = 2
_MAX_SQUEEZE_RUNS = 6
_INSERTABLE = frozenset(string.ascii_lowercase)  # the letters a missing one can be
_MIN_TYPO = 6  # shorter unknown words are never corrected ("beach" is not "bleach")


def _squeeze(word: str, known: Container[str]) -> str:
    """Repeated letters squeezed: "soooo" -> "so", "killll" -> "kill". The known word if any
    choice of one or two letters makes one, else every run of three or more cut to two."""
    runs = list(_RUN.finditer(word))
    if len(runs) <= _MAX_SQUEEZE_RUNS:
        for lengths in itertools.product((2, 1), repeat=len(runs)):
            parts: list[str] = []
            position = 0
            for run, length in zip(runs, lengths, strict=True):
                parts.append(word[position : run.start()] + run.group(1) * length)
                position = run.end()
            candidate = "".join(parts) + word[position:]
            if candidate in known:
                return candidate
    return _LONG_RUN.sub(r"\1\1", word)


def _repair(piece: str, known: Container[str]) -> str | None:
    """Filter-dodging spellings ("k1ll", "su!c!de", "s*icide") -> the known word, if one."""
    if not known or not any(ch.isalpha() for ch in piece):
        return None
    if any(not (ch.isalpha() or ch in _LEET or ch == "'") for ch in piece):
        return None
    slots = [index for index, ch in enumerate(piece) if ch in _LEET]
    if not slots or len(slots) > _MAX_LEET_SLOTS or piece.count("*") > _MAX_STARS:
        return None
    for choice in itertools.product(*(_LEET[piece[index]] for index in slots)):
        letters = list(piece)
        for index, letter in zip(slots, choice, strict=True):
            letters[index] = letter
        candidate = "".join(letters)
        if candidate in known:
            return candidate
        squeezed = _squeeze(candidate, known)
        if squeezed in known:
            return squeezed
    return None


def _one_letter_short(spellable: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Each known word with one of its letters left out, and the known words it can come from."""
    short: dict[str, list[str]] = {}
    for word in sorted(spellable):
        for index in range(len(word)):
            short.setdefault(word[:index] + word[index + 1 :], []).append(word)
    return {typo: tuple(words) for typo, words in short.items()}


def _respell(
    word: str, spellable: frozenset[str], one_letter_short: Mapping[str, tuple[str, ...]]
) -> str:
    """Typos towards a known word ("myslef" -> "myself", "killin" -> "killing"): one swap of
    neighbouring letters, or one missing letter; anything else is left as typed. Of several
    known words, the one with the earliest swap wins, else the earliest missing letter (a-z)."""
    if len(word) < _MIN_TYPO or not word.isalpha() or not spellable:
        return word
    for index in range(len(word) - 1):
        swapped = word[:index] + word[index + 1] + word[index] + word[index + 2 :]
        if swapped in spellable:
            return swapped
    missing = [
        (index, known[index], known)
        for known in one_letter_short.get(word, ())
        for index in range(len(known))
        if known[index] in _INSERTABLE and known[:index] + known[index + 1 :] == word
    ]
    return min(missing)[2] if missing else word
