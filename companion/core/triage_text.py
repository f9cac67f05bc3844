"""One text read for triage: its words, the phrases found in it with idioms applied, and the
questions the grammar and the rules ask of it (who "him" / "her" is, whether a fear or an image
frames what follows).

A text is one message or several read together. Each message is read on its own (its words and
phrases), and a text of several is those readings put end to end: a line break between messages
ends a sentence, so no phrase, clause or sentence reaches across, and reading them joined would
find the same words and phrases, and the same words sharing a clause or a sentence (only the
numbers those are given can differ, and nothing reads them but to compare). The readings of the
last MESSAGE_CACHE messages read (of at most CACHED_LENGTH characters) are kept in memory, never
stored, so her recent messages, read when they came, are not read again with her next one (about
16 MB at most).

Pure: no I/O and no logging.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from companion.core.triage_match import _Compiled, _find, _hidden_by_idiom, _Hit
from companion.core.triage_normalise import _tokenise, _Tokens

MESSAGE_CACHE = 1024  # (message, lexicon) readings kept, for all mothers together
CACHED_LENGTH = 512  # longer messages are read every time (a reading is about 30 bytes a letter)


@dataclass(frozen=True)
class _Message:
    """One message read: its words, its phrases with idioms applied, and whether any idiom was."""

    tokens: _Tokens
    hits: tuple[_Hit, ...]
    idiom_found: bool


def _message(text: str, compiled: _Compiled) -> _Message:
    """One message read, or its reading kept from when it was last read with this lexicon."""
    if len(text) > CACHED_LENGTH:
        return _read_message(text, compiled)
    return _cached_message(text, compiled)


def _read_message(text: str, compiled: _Compiled) -> _Message:
    tokens = _tokenise(text, compiled.norm)
    found = _find(tokens, compiled)
    idioms = [hit for hit in found if hit.category == "idioms"]
    if not idioms:
        return _Message(tokens, tuple(found), False)
    hits = tuple(
        hit for hit in found if hit.category != "idioms" and not _hidden_by_idiom(hit, idioms)
    )
    return _Message(tokens, hits, True)


_cached_message = functools.lru_cache(maxsize=MESSAGE_CACHE)(_read_message)


def _end_to_end(messages: Sequence[_Message]) -> tuple[_Tokens, list[_Hit]]:
    """Messages put end to end: positions moved along, and each message's clauses and sentences
    numbered after the last one's, so none is shared across messages."""
    if len(messages) == 1:
        return messages[0].tokens, list(messages[0].hits)
    words: list[str] = []
    clauses: list[int] = []
    sentences: list[int] = []
    hits: list[_Hit] = []
    for message in messages:
        start = len(words)
        clause, sentence = (clauses[-1] + 1, sentences[-1] + 1) if words else (0, 0)
        words.extend(message.tokens.words)
        clauses.extend(clause + number for number in message.tokens.clauses)
        sentences.extend(sentence + number for number in message.tokens.sentences)
        hits.extend(_Hit(hit.category, hit.start + start, hit.end + start) for hit in message.hits)
    return _Tokens(tuple(words), tuple(clauses), tuple(sentences)), hits


class _Text:
    """One text (a message, or several read together) with its phrases found and idioms
    applied."""

    def __init__(self, messages: Sequence[_Message], compiled: _Compiled) -> None:
        self.compiled = compiled
        self.tokens, self.hits = _end_to_end(messages)
        self.idiom_found = any(message.idiom_found for message in messages)
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
        found: list[_Hit] = []
        for category in categories:
            found += self.by.get(category, ())
        return found

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
