"""The learned stage of the triage: a linear model over word and character n-grams.

Trained offline (companion/triage_training.py, `companion triage train`) on the labelled lines in
tests/triage/corpus/; what it learned ships as plain arrays beside the lexicon
(messages/<locale>/triage/model.npz, thresholds in model.toml) and is read here with numpy alone:
no model hub, no download, no scikit-learn at run time.

A message becomes TF-IDF weights over its features (the same `features()` the training used), and
each head is a logistic regression over them:

- "concern": the message is at least a concern;
- "urgent": at least urgent (a missed one costs most, so its threshold is set for recall, and a
  band below it asks her directly instead);
- "emergency": an emergency;
- one head per reason code, the likeliest reported as "model:<reason> <probability>".

Pure: no I/O and no logging; the text is never kept.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

LEVEL_HEADS: tuple[str, ...] = ("concern", "urgent", "emergency")
# The arrays of model.npz: what training writes and TriageModel.from_arrays reads.
ARRAYS = ("vocabulary", "idf", "weights", "intercepts", "heads", "reasons")
MODEL_PREFIX = "model:"
MOST_SURE = 0.99  # the highest probability a stored reason shows
CHAR_SIZES = (2, 3, 4, 5)  # character n-grams, inside and across word boundaries
WORD_SIZES = (1, 2)
MIN_WORDS = 3  # a shorter message is left to the lexicon (see triage_combine)
MAX_CHARS = 2000  # a longer message is read in its first and last 1,000 characters

_APOSTROPHES = str.maketrans({"\u2019": "", "'": "", "`": "", "\u00b4": ""})
_REPEATS = re.compile(r"(\w)\1{2,}")  # "soooo" reads as "soo"
_DIGITS = re.compile(r"\d+")
_TOKENS = re.compile(r"\w+|[^\w\s]")
_WORDS = re.compile(r"\w*[^\W\d_]\w*")  # with a letter in it: not a number, an emoji or a mark


def plain_text(text: str) -> str:
    """Lower case, no accents, no apostrophes ("I'm" = "im"), letters repeated three or more
    times squeezed to two, every number written as 0, single spaces."""
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS // 2] + " " + text[-MAX_CHARS // 2 :]
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_DIGITS.sub("0", _REPEATS.sub(r"\1\1", bare)).split())


def word_count(text: str) -> int:
    """How many words she wrote: numbers, emoji and punctuation are not words."""
    return len(_WORDS.findall(plain_text(text)))


def features(text: str) -> list[str]:
    """The n-grams the model reads: words and word pairs ("w:"), and character runs of two to five
    across the words as she spaced them ("c:"). Emoji and punctuation count as words."""
    return _features(plain_text(text))


def _features(plain: str) -> list[str]:
    words = _TOKENS.findall(plain)
    found = [f"w:{word}" for word in words]
    found += [f"w:{first} {second}" for first, second in pairwise(words)]
    line = f" {' '.join(words)} "
    for size in CHAR_SIZES:
        found += [f"c:{line[start : start + size]}" for start in range(len(line) - size + 1)]
    return found


def nested(probabilities: Mapping[str, float]) -> dict[str, float]:
    """The level heads made consistent: a message cannot be likelier urgent than at least a
    concern, nor an emergency than urgent, so each head is capped by the one below it (heads
    trained apart can disagree on a message unlike any they saw: "near the sea")."""
    capped = dict(probabilities)
    for lower, upper in pairwise(LEVEL_HEADS):
        capped[upper] = min(capped[upper], capped[lower])
    return capped


@dataclass(frozen=True)
class Thresholds:
    """Where each head says yes, and the band below "urgent" that asks her directly."""

    concern: float
    urgent: float
    emergency: float
    ask: float  # urgent probability at or above which (and below `urgent`) she is asked


@dataclass(frozen=True)
class Reading:
    """What the model read in one message: each head's and each reason's probability."""

    probabilities: Mapping[str, float]
    reasons: Mapping[str, float]
    words: int = MIN_WORDS  # how many words she wrote (numbers, emoji and marks are not words)

    def level(self, thresholds: Thresholds) -> str:
        """The level the heads reach, each only past the one below it: none, concern, urgent or
        emergency."""
        found = "none"
        for head in LEVEL_HEADS:
            if self.probabilities[head] < getattr(thresholds, head):
                break
            found = head
        return found

    def unsure(self, thresholds: Thresholds) -> bool:
        """A concern whose urgent probability is below the urgent threshold but close enough to
        ask her directly."""
        return (
            self.probabilities["concern"] >= thresholds.concern
            and thresholds.ask <= self.probabilities["urgent"] < thresholds.urgent
        )

    def best(self, among: Set[str]) -> str | None:
        """The likeliest reason of `among` (None if there is none)."""
        chances = [(chance, reason) for reason, chance in self.reasons.items() if reason in among]
        return max(chances)[1] if chances else None

    def reason_code(self, among: Set[str]) -> str | None:
        """The likeliest reason of `among` as stored: "model:ipv 0.81" (None if there is none).
        Shown to a clinician, so never "1.00": a model reading words is never certain."""
        reason = self.best(among)
        if reason is None:
            return None
        return f"{MODEL_PREFIX}{reason} {min(self.reasons[reason], MOST_SURE):.2f}"


class TriageModel:
    """Exported weights: a vocabulary, its inverse document frequencies, one column of weights
    per head and per reason, and the thresholds."""

    def __init__(
        self,
        *,
        locale: str,
        vocabulary: Sequence[str],
        idf: npt.ArrayLike,
        weights: npt.ArrayLike,
        intercepts: npt.ArrayLike,
        heads: Sequence[str],
        reasons: Sequence[str],
        thresholds: Thresholds,
    ) -> None:
        self.locale = locale
        self.index = {feature: row for row, feature in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.intercepts = np.asarray(intercepts, dtype=np.float32)
        self.heads = tuple(heads)
        self.reasons = tuple(reasons)
        self.thresholds = thresholds
        columns = len(self.heads) + len(self.reasons)
        if self.weights.shape != (len(self.index), columns) or self.intercepts.shape != (columns,):
            raise ValueError("triage model: weights do not match the vocabulary and heads")
        if self.idf.shape != (len(self.index),) or set(LEVEL_HEADS) - set(self.heads):
            raise ValueError("triage model: idf or level heads missing")

    @classmethod
    def from_arrays(
        cls, locale: str, arrays: Mapping[str, npt.NDArray[Any]], thresholds: Thresholds
    ) -> TriageModel:
        """A model from the arrays model.npz holds (ARRAYS), as training writes them."""
        return cls(
            locale=locale,
            vocabulary=[str(item) for item in arrays["vocabulary"]],
            idf=arrays["idf"],
            weights=arrays["weights"],
            intercepts=arrays["intercepts"],
            heads=[str(item) for item in arrays["heads"]],
            reasons=[str(item) for item in arrays["reasons"]],
            thresholds=thresholds,
        )

    def read(self, text: str) -> Reading:
        """Each head's probability for `text` (nested), each reason's, and how many words it has."""
        plain = plain_text(text)
        found = _features(plain)
        counts = Counter(self.index[name] for name in found if name in self.index)
        scores = self.intercepts.astype(np.float64)
        if counts:
            rows = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            values = tf * self.idf[rows]
            values /= math.sqrt(float(values @ values))
            scores = scores + values @ self.weights[rows]
        chances = 1.0 / (1.0 + np.exp(-scores))
        heads = len(self.heads)
        probabilities = nested({head: float(chances[at]) for at, head in enumerate(self.heads)})
        reasons = {reason: float(chances[heads + at]) for at, reason in enumerate(self.reasons)}
        return Reading(probabilities, reasons, len(_WORDS.findall(plain)))
