"""The lexicon compiled, and the phrases of every category found in a text.

A Lexicon is checked for its categories and compiled once: each phrase normalised like a message
(companion.core.triage_normalise), the words normalisation must know gathered, and the phrases
indexed by their first word, so finding them is one look-up per word of the message.

Pure: no I/O and no logging.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from companion.core.triage_normalise import NUMBER_SLOT, _clean, _Norm, _phrase_words, _Tokens
from companion.core.triage_terms import CATEGORIES, SIGNAL_CATEGORIES, WORD_CATEGORIES, Syntax

# Categories an idiom never hides: who she is talking about stays known.
_REFERENCE_CATEGORIES = frozenset({"baby_refs", "baby_context", "male_refs", "female_refs"})
_MIN_COMPACT = 7  # "killmyself" is split back into words; short joins are left alone
_MIN_TYPO_TARGET = 6  # typos are only fixed towards known words at least this long


class LexiconError(ValueError):
    """The lexicon is incomplete or malformed; the message says which category and phrase."""


@dataclass(frozen=True)
class _Phrase:
    category: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Compiled:
    norm: _Norm
    index: Mapping[str, tuple[_Phrase, ...]]
    words: Mapping[str, frozenset[str]]  # the one-word categories
    overdose_count: int
    syntax: Syntax = field(default_factory=Syntax)


@dataclass(frozen=True)
class Lexicon:
    """Phrase lists per category, contraction expansions and settings for one locale."""

    locale: str
    phrases: Mapping[str, tuple[str, ...]]
    contractions: Mapping[str, str]
    overdose_count: int = 10
    syntax: Syntax = field(default_factory=Syntax)
    _compiled: _Compiled = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = [category for category in CATEGORIES if category not in self.phrases]
        if missing:
            raise LexiconError(f"missing categories: {', '.join(missing)}")
        object.__setattr__(self, "_compiled", _compile(self))

    def phrase_tokens(self, phrase: str) -> tuple[str, ...]:
        """The words a phrase matches, after the same normalisation as a message."""
        return _phrase_words(phrase, self._compiled.norm)


@dataclass(frozen=True)
class _Hit:
    category: str
    start: int
    end: int


# --- compiling the lexicon --------------------------------------------------------------------


def _plain(entry: str) -> str:
    return _clean(entry).strip()


def _longest_first(word: str) -> tuple[int, str]:
    return -len(word), word


def _plain_syntax(syntax: Syntax) -> Syntax:
    """The syntax settings in the form words take after normalisation, longest pronoun first."""
    return replace(
        syntax,
        enclitics=tuple(sorted({_plain(word) for word in syntax.enclitics}, key=_longest_first)),
        enclitic_hosts=tuple(_plain(ending) for ending in syntax.enclitic_hosts),
        proclitic_bridges=frozenset(_plain(word) for word in syntax.proclitic_bridges),
    )


def _compile(lexicon: Lexicon) -> _Compiled:
    syntax = _plain_syntax(lexicon.syntax)
    contractions = {
        _plain(source): tuple(_plain(target).split())
        for source, target in lexicon.contractions.items()
    }
    base = _Norm(
        contractions=contractions,
        fillers=frozenset(_plain(word) for word in lexicon.phrases["fillers"]),
        clause_breaks=frozenset(_plain(word) for word in lexicon.phrases["clause_breaks"]),
        syntax=syntax,
    )
    skip = {"fillers", "clause_breaks"}
    compiled: dict[str, list[tuple[str, ...]]] = {
        category: [_phrase_words(phrase, base) for phrase in lexicon.phrases[category]]
        for category in CATEGORIES
        if category not in skip
    }
    known = {word for phrases in compiled.values() for words in phrases for word in words}
    known |= set(contractions) | base.fillers | base.clause_breaks
    compact: dict[str, tuple[str, ...]] = {}
    for category in SIGNAL_CATEGORIES:
        for words in sorted(compiled[category], key=len):
            if len(words) > 1 and len("".join(words)) >= _MIN_COMPACT:
                compact.setdefault("".join(words), words)
    index: dict[str, list[_Phrase]] = defaultdict(list)
    for category, phrases in compiled.items():
        for words in phrases:
            if words:
                index[words[0]].append(_Phrase(category, words))
    one_word = {
        category: frozenset(words[0] for words in compiled[category] if len(words) == 1)
        for category in WORD_CATEGORIES - skip
    }
    one_word["fillers"] = base.fillers
    one_word["clause_breaks"] = base.clause_breaks
    spellable = frozenset(
        word
        for category in (*SIGNAL_CATEGORIES, "harm_verbs", "harm_verbs_baby")
        for words in compiled[category]
        for word in words
        if len(word) >= _MIN_TYPO_TARGET and word.isalpha() and word not in contractions
    )
    return _Compiled(
        norm=_Norm(
            contractions,
            base.fillers,
            base.clause_breaks,
            frozenset(known),
            compact,
            spellable,
            syntax,
        ),
        index={first: tuple(phrases) for first, phrases in index.items()},
        words=one_word,
        overdose_count=lexicon.overdose_count,
        syntax=syntax,
    )


# --- finding phrases --------------------------------------------------------------------------


def _is_number(word: str, compiled: _Compiled) -> bool:
    return word.isdigit() or word in compiled.words["number_words"]


def _find(tokens: _Tokens, compiled: _Compiled) -> list[_Hit]:
    """Every phrase of every category found, overlaps included, each inside one sentence."""
    words = tokens.words
    hits: list[_Hit] = []
    for start, word in enumerate(words):
        candidates = compiled.index.get(word, ())
        if _is_number(word, compiled):
            candidates = (*candidates, *compiled.index.get(NUMBER_SLOT, ()))
        for phrase in candidates:
            end = start + len(phrase.words)
            if end > len(words) or tokens.sentences[end - 1] != tokens.sentences[start]:
                continue
            if all(
                expected == actual or (expected == NUMBER_SLOT and _is_number(actual, compiled))
                for expected, actual in zip(phrase.words, words[start:end], strict=True)
            ):
                hits.append(_Hit(phrase.category, start, end))
    return hits


def _hidden_by_idiom(hit: _Hit, idioms: Sequence[_Hit]) -> bool:
    """A phrase strictly inside an idiom ("kill" in "could kill for sleep") does not count."""
    if hit.category in _REFERENCE_CATEGORIES:
        return False
    return any(
        idiom.start <= hit.start
        and hit.end <= idiom.end
        and hit.end - hit.start < idiom.end - idiom.start
        for idiom in idioms
    )
