"""Normalisation: what she typed, reduced to the words triage reads.

Compatibility forms, straight quotes, no accents or zero-width marks, lower case; repeated letters
squeezed; filter-dodging spellings ("k1ll", "su!c!de", "k i l l m y s e l f"), run-together
phrases ("killmyself") and near-miss typos ("myslef") mended, but only into words the lexicon
knows (companion.core.triage_spelling); contractions expanded, filler words dropped; emoji kept as
words of their own. Sentence and clause boundaries are kept alongside the words: a phrase matches
inside one sentence, and negation, past tense and talk about others are read within a clause.
Lexicon phrases are normalised the same way, so a phrase and a message meet in the same form.

Pure: no I/O and no logging.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field

from companion.core.triage_spelling import (
    _LONG_RUN,
    _one_letter_short,
    _repair,
    _respell,
    _squeeze,
)
from companion.core.triage_terms import Syntax

NUMBER_SLOT = "#"  # in a phrase: any number, in digits or words
CLEANED_CACHE = 16  # texts whose cleaned form is kept, for reading one with several lexicons

_SENTENCE = "\x00sentence"
_CLAUSE = "\x00clause"


@dataclass(frozen=True)
class _Norm:
    """What normalisation needs: expansions, dropped words, clause words, known words."""

    contractions: Mapping[str, tuple[str, ...]]
    fillers: frozenset[str]
    clause_breaks: frozenset[str]
    known: frozenset[str] = frozenset()
    compact: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    spellable: frozenset[str] = frozenset()  # known words long enough to fix a typo towards
    syntax: Syntax = field(default_factory=Syntax)
    one_letter_short: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    openers: Mapping[int, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "one_letter_short", _one_letter_short(self.spellable))
        object.__setattr__(
            self, "openers", {ord(mark): " , " for mark in self.syntax.clause_openers}
        )

    @property
    def vocabulary(self) -> Container[str]:
        """What counts as a known word when mending a spelling: a known word, or with
        enclitics, a known verb form with known pronouns on it ("matarme")."""
        if not self.syntax.enclitics or not self.known:
            return self.known
        return _WithEnclitics(self)


class _WithEnclitics:
    def __init__(self, norm: _Norm) -> None:
        self.norm = norm

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        return all(part in self.norm.known for part in _split_enclitics(word, self.norm.syntax))


@dataclass(frozen=True)
class _Tokens:
    words: tuple[str, ...]
    clauses: tuple[int, ...]
    sentences: tuple[int, ...]


_TRANSLATE = {
    **{ord(ch): "'" for ch in "\u2018\u2019\u201a\u201b\u02bc\u2032\u0060\u00b4"},
    **{ord(ch): '"' for ch in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"},
    **{ord(ch): "-" for ch in "\u2010\u2011\u2012\u2212"},
    **{ord(ch): " - " for ch in "\u2013\u2014\u2015"},
}
_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})  # accents, U+FE0F, zero-width characters
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85\v\f]+")
_SPACED_LETTER = re.compile(r"(?<![a-z])([a-z])[.\-_*](?=[a-z](?![a-z]))")
_EDGE = ".,;:!?\"'()[]{}<>-~*_/\\|"
_SENTENCE_MARKS = frozenset(".!?;")
_CLAUSE_MARKS = frozenset(',:()[]{}"-~/\\|<>')
_JOINERS = re.compile(r"[-_/+&]+")
_PIECE = re.compile(
    r"(?P<word>[a-z]+(?:'[a-z]+)*|\d+)|(?P<sentence>[.!?;]+)|(?P<clause>[,:()\[\]{}\"<>~|])"
)
_MAX_CHARACTERS = 4096  # characters whose translation is remembered
_MIN_HOST = 5  # a verb form left by splitting off pronouns ("matar"; "muerte" is not "muer te")


class _Characters(dict[int, "str | None"]):
    """The translation of each character seen: a straight quote or dash, nothing for accents,
    zero-width marks and skin tones, else itself; worked out the first time it is met."""

    def __missing__(self, code: int) -> str | None:
        dropped = unicodedata.category(chr(code)) in _DROPPED_CATEGORIES
        kept = None if dropped or 0x1F3FB <= code <= 0x1F3FF else chr(code)  # skin tones
        if len(self) < _MAX_CHARACTERS:
            self[code] = kept
        return kept


_CHARACTERS = _Characters(_TRANSLATE)


def _clean(text: str) -> str:
    """Compatibility forms, straight quotes, no accents or zero-width marks, lower case."""
    if text.isascii():  # nothing to decompose or drop; of _TRANSLATE, only "`" is ASCII
        kept = text.replace("`", "'")
    else:
        kept = unicodedata.normalize("NFKD", text).translate(_CHARACTERS)
    lowered = _LINE_BREAK.sub(" . ", kept.casefold())
    return _SPACED_LETTER.sub(r"\1 ", lowered)


def _is_symbol(ch: str) -> bool:
    """Emoji and other pictographs: each is a token of its own."""
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF


def _core_items(core: str, known: Container[str]) -> Iterator[str]:
    for piece in _JOINERS.split(core):
        if not piece:
            continue
        repaired = _repair(piece, known)
        if repaired is not None:
            yield repaired
            continue
        for match in _PIECE.finditer(piece):
            if match.group("word"):
                yield match.group("word")
            elif match.group("sentence"):
                yield _SENTENCE
            else:
                yield _CLAUSE


def _text_items(part: str, known: Container[str]) -> list[str]:
    """One run of text without spaces or emoji: words and the boundaries around them."""
    core = part.strip(_EDGE)
    lead = part[: len(part) - len(part.lstrip(_EDGE))]
    trail = part[len(part.rstrip(_EDGE)) :] if core else part[len(lead) :]
    items: list[str] = []
    if any(ch in _SENTENCE_MARKS for ch in lead):
        items.append(_SENTENCE)
    elif any(ch in _CLAUSE_MARKS for ch in lead):
        items.append(_CLAUSE)
    if core:
        items.extend(_core_items(core, known))
    if any(ch in _SENTENCE_MARKS for ch in trail):
        items.append(_SENTENCE)
    elif any(ch in _CLAUSE_MARKS for ch in trail):
        items.append(_CLAUSE)
    return items


def _chunk_items(chunk: str, known: Container[str]) -> list[str]:
    if chunk.isascii():  # no emoji
        return [chunk] if chunk.isalpha() else _text_items(chunk, known)
    items: list[str] = []
    for symbol, group in itertools.groupby(chunk, _is_symbol):
        text = "".join(group)
        items.extend(text if symbol else _text_items(text, known))
    return items


def _join_letters(items: list[str], norm: _Norm) -> list[str]:
    """Spaced-out letters joined ("k i l l m y s e l f" -> "killmyself") when that is known."""
    letters = [index for index, item in enumerate(items) if len(item) == 1 and item.isalpha()]
    if not any(letters[at + 2] == letters[at] + 2 for at in range(len(letters) - 2)):
        return items  # no three letters in a row
    out: list[str] = []
    index = 0
    while index < len(items):
        end = index
        while end < len(items) and len(items[end]) == 1 and items[end].isalpha():
            end += 1
        joined = None
        for start in range(index, end - 2):
            candidate = "".join(items[start:end])
            if candidate in norm.vocabulary or candidate in norm.compact:
                joined = (start, candidate)
                break
        if joined is None:
            out.extend(items[index : max(end, index + 1)])
        else:
            out.extend(items[index : joined[0]])
            out.append(joined[1])
        index = max(end, index + 1)
    return out


def _split_enclitics(word: str, syntax: Syntax) -> tuple[str, ...]:
    """Pronouns written onto a verb split off: "matarme" -> "matar me", "hacerselo" ->
    "hacer se lo"; a word is left whole unless what remains ends like a verb form."""
    enclitics, hosts = syntax.enclitics, syntax.enclitic_hosts
    if not word.endswith(enclitics):
        return (word,)
    for first in enclitics:
        if not word.endswith(first):
            continue
        stem = word[: -len(first)]
        if len(stem) >= _MIN_HOST and stem.endswith(hosts):
            return stem, first
        for second in enclitics if stem.endswith(enclitics) else ():
            inner = stem[: -len(second)]
            if stem.endswith(second) and len(inner) >= _MIN_HOST and inner.endswith(hosts):
                return inner, second, first
    return (word,)


def _fix_word(word: str, norm: _Norm) -> tuple[str, ...]:
    """Contractions expanded, repeated letters squeezed, run-together phrases split."""
    if word in norm.contractions:
        return norm.contractions[word]
    enclitics = norm.syntax.enclitics
    if (
        enclitics
        and word.endswith(enclitics)
        and len(split := _split_enclitics(word, norm.syntax)) > 1
    ):
        return split
    if word in norm.known or word.isdigit():
        return (word,)
    if _LONG_RUN.search(word):
        word = _squeeze(word, norm.vocabulary)
        if word in norm.contractions:
            return norm.contractions[word]
        if norm.syntax.enclitics and len(split := _split_enclitics(word, norm.syntax)) > 1:
            return split
    if word in norm.compact:
        return norm.compact[word]
    return (_respell(word, norm.spellable, norm.one_letter_short),)


@functools.lru_cache(maxsize=CLEANED_CACHE)
def _cleaned(text: str) -> str:
    """The text cleaned, remembered for the last few: a message read with several lexicons (her
    language's and English) is cleaned once."""
    return _clean(text)


def _tokenise(text: str, norm: _Norm) -> _Tokens:
    items: list[str] = []
    cleaned = _cleaned(text)
    if norm.openers:
        cleaned = cleaned.translate(norm.openers)
    vocabulary = norm.vocabulary
    for chunk in cleaned.split():
        items.extend(_chunk_items(chunk, vocabulary))
    words: list[str] = []
    clauses: list[int] = []
    sentences: list[int] = []
    clause = sentence = 0
    for item in _join_letters(items, norm):
        if item == _SENTENCE:
            sentence += 1
            clause += 1
            continue
        if item == _CLAUSE:
            clause += 1
            continue
        for word in _fix_word(item, norm):
            if word in norm.fillers:
                continue
            if word in norm.clause_breaks:
                clause += 1
                continue
            words.append(word)
            clauses.append(clause)
            sentences.append(sentence)
    return _Tokens(tuple(words), tuple(clauses), tuple(sentences))


def _phrase_words(phrase: str, norm: _Norm) -> tuple[str, ...]:
    slot = "numberslot"
    tokens = _tokenise(phrase.replace(NUMBER_SLOT, f" {slot} "), norm)
    return tuple(NUMBER_SLOT if word == slot else word for word in tokens.words)
