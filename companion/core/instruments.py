"""Screening questionnaires as data and one scoring engine for all of them; pure, no I/O.

An instrument (PHQ-9, GAD-7, PHQ-2, GAD-2, a licensed EPDS...) is read from messages/ by
companion/instrument_files.py. Answers are the index of the option she tapped (0-based, in display
order); the item maps it to a score, so a reverse-scored item is just options scored 3, 2, 1, 0.
Tiers follow shared/clinical-facts.md: the total gives routine, possible or probable from the
cut-offs (each one a setting, "<instrument>.<possible|probable>"); a safety item answered at or
above its safety_min gives urgent whatever the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from companion.core.tiers import Tier

Kind = Literal["full", "brief"]
CUTOFF_TIERS = {"possible": Tier.POSSIBLE, "probable": Tier.PROBABLE}


@dataclass(frozen=True)
class Option:
    label: str
    score: int


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    options: tuple[Option, ...]
    safety: bool = False
    safety_min: int = 1  # a safety item scored at or above this is a hit

    @property
    def max_score(self) -> int:
        return max(option.score for option in self.options)


@dataclass(frozen=True)
class Band:
    """Totals low..high (inclusive) read as `key`; `label` is the plain words a mother sees."""

    low: int
    high: int
    key: str
    label: str = ""


@dataclass(frozen=True)
class Instrument:
    id: str
    name: str
    kind: Kind
    recall: str
    stem: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    cutoffs: Mapping[str, int] = field(default_factory=dict, hash=False)
    full_tool: str | None = None  # a brief tool: the full one a positive result calls for
    brief_positive: int | None = None  # a brief tool: the total that calls for full_tool
    min_interval_days: int = 0
    licence: str = ""
    source: str = ""

    @cached_property
    def max_total(self) -> int:
        return sum(item.max_score for item in self.items)

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @cached_property
    def _by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @cached_property
    def scores(self) -> dict[str, tuple[int, ...]]:
        """Item id -> the score of each option, in display order."""
        return {item.id: tuple(option.score for option in item.options) for item in self.items}

    @cached_property
    def safety_mins(self) -> dict[str, int]:
        """Safety item id -> the lowest score that is a hit."""
        return {item.id: item.safety_min for item in self.items if item.safety}

    def item(self, item_id: str) -> Item:
        try:
            return self._by_id[item_id]
        except KeyError:
            raise ValueError(f"{self.id} has no item {item_id!r}") from None

    def band_for(self, total: int) -> Band | None:
        return next((band for band in self.bands if band.low <= total <= band.high), None)


@dataclass(frozen=True)
class Score:
    instrument_id: str
    total: int
    max_total: int
    band: str | None  # the band key of the total
    tier: Tier
    safety_hits: tuple[str, ...]  # ids of safety items answered at or above their safety_min
    complete: bool  # every item answered
    answered: int
    follow_up: str | None = None  # a brief tool at or above its cut-off: the full tool to give


def item_score(instrument: Instrument, item_id: str, option_index: int) -> int:
    """The score of the option she tapped; ValueError for an unknown item or option."""
    scores = instrument.scores.get(item_id)
    if scores is None:
        raise ValueError(f"{instrument.id} has no item {item_id!r}")
    if isinstance(option_index, bool) or not 0 <= option_index < len(scores):
        raise ValueError(f"{instrument.id}.{item_id} has no option {option_index!r}")
    return scores[option_index]


def safety_hit(instrument: Instrument, item_id: str, option_index: int) -> bool:
    """Whether this answer is a safety item scored at or above its safety_min."""
    points = item_score(instrument, item_id, option_index)
    return item_id in instrument.safety_mins and points >= instrument.safety_mins[item_id]


def effective_cutoffs(
    instrument: Instrument, thresholds: Mapping[str, int] | None = None
) -> dict[str, int]:
    """The file's cut-offs with any "<id>.possible" / "<id>.probable" setting applied."""
    cutoffs = dict(instrument.cutoffs)
    for name in CUTOFF_TIERS:
        override = (thresholds or {}).get(f"{instrument.id}.{name}")
        if override is not None:
            cutoffs[name] = override
    return cutoffs


def tier_for_total(cutoffs: Mapping[str, int], total: int) -> Tier:
    """The highest cut-off tier the total reaches (routine when none)."""
    reached = [tier for name, tier in CUTOFF_TIERS.items() if total >= cutoffs.get(name, total + 1)]
    return max(reached, default=Tier.ROUTINE)


def follow_up_for(
    instrument: Instrument, total: int, thresholds: Mapping[str, int] | None = None
) -> str | None:
    """For a brief tool, the full tool its total calls for. A "<id>.possible" setting moves the
    brief cut-off too: for PHQ-2 and GAD-2 "possible" and "give the full tool" are one line."""
    if instrument.kind != "brief" or instrument.full_tool is None:
        return None
    cutoff = (thresholds or {}).get(f"{instrument.id}.possible", instrument.brief_positive)
    return instrument.full_tool if cutoff is not None and total >= cutoff else None


def score(
    instrument: Instrument,
    answers: Mapping[str, int],
    thresholds: Mapping[str, int] | None = None,
) -> Score:
    """Score the answers given (item id -> option index); an incomplete set scores what is there."""
    total = 0
    hit: set[str] = set()
    for item_id, option_index in answers.items():
        points = item_score(instrument, item_id, option_index)
        total += points
        if points >= instrument.safety_mins.get(item_id, points + 1):
            hit.add(item_id)
    hits = tuple(item_id for item_id in instrument.item_ids if item_id in hit)
    tier = Tier.URGENT if hits else tier_for_total(effective_cutoffs(instrument, thresholds), total)
    band = instrument.band_for(total)
    return Score(
        instrument_id=instrument.id,
        total=total,
        max_total=instrument.max_total,
        band=band.key if band else None,
        tier=tier,
        safety_hits=hits,
        complete=len(answers) == len(instrument.items),
        answered=len(answers),
        follow_up=follow_up_for(instrument, total, thresholds),
    )
