"""The lexicon compiled, and the phrases of every category found in a text.

A Lexicon is checked for its categories and compiled once: each phrase normalised like a message
(companion.core.triage_normalise), the words normalisation must know gathered, and the phrases
stored as a tree of words, so finding every phrase that starts at a word is one look-up per
word that still matches, however many phrases share their first words.

Pure: no I/O and no logging.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from companion.core.triage_model import TriageModel
from companion.core.triage_normalise import NUMBER_SLOT, _clean, _Norm, _phrase_words, _Tokens
from companion.core.triage_terms import CATEGORIES, SIGNAL_CATEGORIES, WORD_CATEGORIES, Syntax

# Categories an idiom never hides: who she is talking about stays known.
_REFERENCE_CATEGORIES = frozenset({"baby_refs", "baby_context", "male_refs", "female_refs"})
_MIN_COMPACT = 7  # "killmyself" is split back into words; short joins are left alone
_MIN_TYPO_TARGET = 6  # typos are only fixed towards known words at least this long


class LexiconError(ValueError):
    """The lexicon is incomplete or malformed; the message says which category and phrase."""


@dataclass
class _Node:
    """The phrases that end here, each as (its place in the order hits are reported, its
    category), and the words that continue a phrase from here."""

    ends: list[tuple[tuple[bool, int], str]] = field(default_factory=list)
    next: dict[str, _Node] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)  # hashed by identity: a key of the message cache
class _Compiled:
    norm: _Norm
    tree: _Node
    words: Mapping[str, frozenset[str]]  # the one-word categories
    overdose_count: int
    syntax: Syntax = field(default_factory=Syntax)


@dataclass(frozen=True)
class Lexicon:
    """Phrase lists per category, contraction expansions and settings for one locale, and the
    learned second stage that reads beside them when the locale ships one (triage_model)."""

    locale: str
    phrases: Mapping[str, tuple[str, ...]]
    contractions: Mapping[str, str]
    overdose_count: int = 10
    syntax: Syntax = field(default_factory=Syntax)
    model: TriageModel | None = field(default=None, repr=False, compare=False)
    _compiled: _Compiled = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = [category for category in CATEGORIES if category not in self.phrases]
        if missing:
            raise LexiconError(f"missing categories: {', '.join(missing)}")
        object.__setattr__(self, "_compiled", _compile(self))

    def phrase_tokens(self, phrase: str) -> tuple[str, ...]:
        """The words a phrase matches, after the same normalisation as a message."""
        return _phrase_words(phrase, self._compiled.norm)


class _Hit(NamedTuple):  # a tuple: made for every phrase found, so quick to make
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


def _tree(compiled: Mapping[str, list[tuple[str, ...]]]) -> _Node:
    """The phrases as a tree of words. Hits starting at one word are reported in lexicon order
    (categories, then phrases), those opening with a number slot after the others."""
    root = _Node()
    order = 0
    for category, phrases in compiled.items():
        for words in phrases:
            if not words:
                continue
            node = root
            for word in words:
                node = node.next.setdefault(word, _Node())
            node.ends.append(((words[0] == NUMBER_SLOT, order), category))
            order += 1
    return root


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
    tree = _tree(compiled)
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
        tree=tree,
        words=one_word,
        overdose_count=lexicon.overdose_count,
        syntax=syntax,
    )


# --- finding phrases --------------------------------------------------------------------------


def _find(tokens: _Tokens, compiled: _Compiled) -> list[_Hit]:
    """Every phrase of every category found, overlaps included, each inside one sentence."""
    number_words = compiled.words["number_words"]
    numbers = [word.isdigit() or word in number_words for word in tokens.words]
    first, slot = compiled.tree.next, NUMBER_SLOT in compiled.tree.next
    hits: list[_Hit] = []
    for start, word in enumerate(tokens.words):
        if word in first or (slot and numbers[start]):
            found = _ends_from(tokens, numbers, start, compiled.tree)
            if len(found) > 1:
                found.sort()
            for _, category, end in found:
                hits.append(_Hit(category, start, end))
    return hits


def _ends_from(
    tokens: _Tokens, numbers: Sequence[bool], start: int, root: _Node
) -> list[tuple[tuple[bool, int], str, int]]:
    """The phrases starting at `start`: (their order, category, where they end)."""
    found: list[tuple[tuple[bool, int], str, int]] = []
    nodes = [root]
    words, sentences = tokens.words, tokens.sentences
    for index in range(start, len(words)):
        if sentences[index] != sentences[start]:
            break
        following: list[_Node] = []
        for node in nodes:
            if (child := node.next.get(words[index])) is not None:
                following.append(child)
                for order, category in child.ends:
                    found.append((order, category, index + 1))
            if numbers[index] and (child := node.next.get(NUMBER_SLOT)) is not None:
                following.append(child)
                for order, category in child.ends:
                    found.append((order, category, index + 1))
        if not following:
            break
        nodes = following
    return found


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
