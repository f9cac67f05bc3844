"""One text read for triage: its words, the phrases found in it with idioms applied, and the
questions the grammar and the rules ask of it (who "him" / "her" is, whether a fear or an image
frames what follows).

Pure: no I/O and no logging.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from companion.core.triage_match import _Compiled, _find, _hidden_by_idiom, _Hit
from companion.core.triage_normalise import _tokenise


class _Text:
    """One text (a message, or several joined) with its phrases found and idioms applied."""

    def __init__(self, text: str, compiled: _Compiled) -> None:
        self.compiled = compiled
        self.tokens = _tokenise(text, compiled.norm)
        found = _find(self.tokens, compiled)
        idioms = [hit for hit in found if hit.category == "idioms"]
        self.idiom_found = bool(idioms)
        self.hits = [
            hit for hit in found if hit.category != "idioms" and not _hidden_by_idiom(hit, idioms)
        ]
        self.by: dict[str, list[_Hit]] = defaultdict(list)
        for hit in self.hits:
            self.by[hit.category].append(hit)

    def add(self, hits: list[_Hit]) -> None:
        """Hits found by the grammar (companion.core.triage_grammar), after the phrases."""
        for hit in hits:
            self.by[hit.category].append(hit)
        self.hits.extend(hits)

    @property
    def words(self) -> tuple[str, ...]:
        return self.tokens.words

    def clause(self, index: int) -> int:
        return self.tokens.clauses[index]

    def sentence(self, index: int) -> int:
        return self.tokens.sentences[index]

    def word_set(self, category: str) -> frozenset[str]:
        return self.compiled.words[category]

    def any_of(self, categories: Iterable[str]) -> list[_Hit]:
        return [hit for category in categories for hit in self.by.get(category, ())]

    def starting_at(self, category: str, index: int) -> _Hit | None:
        return next((hit for hit in self.by.get(category, ()) if hit.start == index), None)


def _is_object(text: _Text, index: int) -> bool:
    """Whether "her" is the one harmed ("dropping her down the stairs"), not "her bottle"."""
    after = index + 1
    return (
        after >= len(text.words)
        or text.clause(after) != text.clause(index)
        or text.words[after] in text.word_set("object_followers")
    )


def _resolve(text: _Text, gender: str, before: int) -> str:
    """Whom "him" / "her" means: "baby", "adult" or "unknown", from the nearest person named
    before it (her husband, the baby) or else from talk of feeds, nappies and crying."""
    adults = "male_refs" if gender == "male" else "female_refs"
    named = [hit for hit in text.any_of(("baby_refs", adults)) if hit.end <= before]
    if named:
        nearest = max(named, key=lambda hit: hit.end)
        return "baby" if nearest.category == "baby_refs" else "adult"
    if text.any_of(("baby_refs", "baby_context")):
        return "baby"
    return "unknown"


def _framed_as_thought(text: _Text, index: int) -> bool:
    """A fear or an image before this point in the clause: "scared I'll", "picturing"."""
    return any(
        hit.start < index and text.clause(hit.start) == text.clause(index)
        for hit in text.any_of(("fear_cues", "imagery_cues"))
    )


def _adult_at(text: _Text, index: int) -> bool:
    return any(hit.start == index for hit in text.any_of(("male_refs", "female_refs")))
