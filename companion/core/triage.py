"""Free-text triage: how worrying is what she wrote, and why.

A rule-based first stage, driven by a lexicon of phrases (messages/<locale>/triage/lexicon.toml).
It is tuned to miss nothing urgent: a doubtful message is raised, never dropped, and a denial
("I would never hurt my baby") becomes a gentle clarifying question, not silence. The tiers follow
the clinical facts sheet:

- emergency: intent, a plan, means or a timeline for suicide; an attempt under way; intent to
  harm the baby; possible psychosis;
- urgent: any mention of suicidal thoughts, self-harm, thoughts of harming the baby (even unwanted
  ones), burden or goodbye talk;
- concern: method or means words alone, hopelessness, talk about someone else, a past episode, or
  a denial that needs a clarifying question;
- none: everything else, idioms included ("dying for coffee").

Pure: no I/O and no logging. The text she wrote is never logged, stored or echoed from here.
"""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["none", "concern", "urgent", "emergency"]
LEVELS: tuple[Level, ...] = ("none", "concern", "urgent", "emergency")
NONE, CONCERN, URGENT, EMERGENCY = range(4)

RECENT_LIMIT = 3  # how many of her previous messages are read with the current one
NEGATION_REACH = 4  # words allowed between a negation and what it denies
INTENT_REACH = 3  # words allowed between "going to" and the act
DETERMINER_REACH = 3  # words allowed between a harm verb and the baby ("hurt my little boy")
IMAGERY_REACH = 6  # words allowed between "picturing" and the baby
STATE_REACH = 2  # words allowed between the baby and what happens ("him falling")
QUANTITY_REACH = 4  # words allowed between "took" and "all" / "20"
MEANS_REACH = 3  # words allowed between "all" / "20" and the medicine
NUMBER_SLOT = "#"  # in a phrase: any number, in digits or words

# Reason codes, in the order they are reported.
REASONS: tuple[str, ...] = (
    "attempt_in_progress",
    "psychosis",
    "plan_or_intent",
    "suicidal_ideation",
    "method_or_means",
    "harm_to_baby",
    "intrusive_thoughts",
    "self_harm",
    "burden_or_goodbye",
    "hopelessness",
    "diagnosis_mentioned",
    "third_party_or_media",
    "past_tense_ask_about_now",
    "negated_needs_clarifying",
    "combined_recent_messages",
    "idiom_ignored",
)

# Signals (short codes used by the decision table in _level):
#   S suicidal thoughts, SH self-harm, SHA an often-accidental injury, ATT an attempt under way,
#   M a method or means word, MA means gathered or held, MP medicine or a weapon she has,
#   HB thoughts of harming the baby, HBU the same with "him"/"her" unclear, HBI intent to harm
#   the baby, TH unnamed frightening thoughts, PSY possible psychosis, PSYU the same, subject
#   unclear, BUR burden or goodbye, BURW weaker burden talk, DIST hopelessness, DX a condition
#   named, PLACE a dangerous place, OTHERS about someone else; amplifiers: P a plan, T a
#   timeline, AM an act done ("already took"), INJ an injury, PI intent to die or self-harm;
#   LOWERED a phrase denied, past or about others.
# Lexicon categories that are signals, with the signal each one raises.
SIGNAL_CATEGORIES: Mapping[str, str] = {
    "suicidal": "S",
    "suicidal_slang": "S",
    "attempt": "ATT",
    "self_harm": "SH",
    "self_harm_ambiguous": "SHA",
    "method_means": "M",
    "means_emoji": "M",
    "means_access": "MA",
    "means_possession": "MP",
    "harm_to_baby": "HB",
    "dark_thoughts": "TH",
    "psychosis": "PSY",
    "burden_goodbye": "BUR",
    "burden_weak": "BURW",
    "distress": "DIST",
    "diagnoses": "DX",
    "dangerous_places": "PLACE",
    "about_others": "OTHERS",
}
AMPLIFIER_CATEGORIES: Mapping[str, str] = {
    "plan_intent": "P",
    "timeline": "T",
    "attempt_markers": "AM",
    "injury_signs": "INJ",
}
GRAMMAR_CATEGORIES: tuple[str, ...] = (
    "self_harm_markers",
    "baby_beliefs",
    "belief_links",
    "pronouns_subject_male",
    "pronouns_subject_female",
    "intent_cues",
    "baby_intent_cues",
    "harm_verbs",
    "harm_verbs_baby",
    "baby_refs",
    "baby_context",
    "male_refs",
    "female_refs",
    "pronouns_male",
    "pronouns_female",
    "determiners",
    "object_followers",
    "imagery_cues",
    "fear_cues",
    "harm_states",
    "attempt_verbs",
    "quantity_words",
    "dose_units",
    "attempt_anaphora",
    "lethality_cues",
    "possession_words",
    "drop_off",
    "gathering_cues",
    "benign_purpose",
)
MODIFIER_CATEGORIES: tuple[str, ...] = (
    "idioms",
    "negation",
    "negation_breakers",
    "negation_cancellers",
    "disclosure_cues",
    "third_party",
    "media",
    "first_person",
    "self_inclusion",
    "past",
    "present",
)
NORMALISATION_CATEGORIES: tuple[str, ...] = ("fillers", "clause_breaks", "number_words")
CATEGORIES: tuple[str, ...] = (
    *SIGNAL_CATEGORIES,
    *AMPLIFIER_CATEGORIES,
    *GRAMMAR_CATEGORIES,
    *MODIFIER_CATEGORIES,
    *NORMALISATION_CATEGORIES,
)
# Categories whose entries must each be one word.
WORD_CATEGORIES: frozenset[str] = frozenset(
    {
        "pronouns_male",
        "pronouns_female",
        "pronouns_subject_male",
        "pronouns_subject_female",
        "determiners",
        "object_followers",
        "dose_units",
        "drop_off",
        "first_person",
        "fillers",
        "clause_breaks",
        "number_words",
    }
)
# Categories an idiom never hides: who she is talking about stays known.
_REFERENCE_CATEGORIES = frozenset({"baby_refs", "baby_context", "male_refs", "female_refs"})

_REASON_OF_SIGNAL: Mapping[str, str] = {
    "S": "suicidal_ideation",
    "SH": "self_harm",
    "SHA": "self_harm",
    "HB": "harm_to_baby",
    "HBI": "harm_to_baby",
    "HBU": "harm_to_baby",
    "PSY": "psychosis",
    "PSYU": "psychosis",
    "BUR": "burden_or_goodbye",
    "BURW": "burden_or_goodbye",
    "M": "method_or_means",
    "MA": "method_or_means",
    "MP": "method_or_means",
    "PLACE": "method_or_means",
    "ATT": "attempt_in_progress",
    "TH": "intrusive_thoughts",
    "DIST": "hopelessness",
    "DX": "diagnosis_mentioned",
    "OTHERS": "third_party_or_media",
    "PI": "plan_or_intent",
}
_AMPLIFIERS = frozenset({"P", "T", "AM", "INJ", "PI", "HBI"})
# A denial or a past mention drops these (concern at most anyway).
_CONCERN_ONLY = frozenset({"M", "MP", "BURW", "DIST", "PLACE"})
_ASK_SIGNALS = frozenset({"M", "MP", "DIST", "BURW", "HBU", "DX", "SHA", "PSYU", "PLACE"})

_SENTENCE = "\x00sentence"
_CLAUSE = "\x00clause"


class LexiconError(ValueError):
    """The lexicon is incomplete or malformed; the message says which category and phrase."""


@dataclass(frozen=True)
class Result:
    """The triage of one message: a level, short reason codes, and whether to ask her first."""

    level: Level
    reasons: tuple[str, ...] = ()
    ask_clarifying: bool = False


@dataclass(frozen=True)
class _Norm:
    """What normalisation needs: expansions, dropped words, clause words, known words."""

    contractions: Mapping[str, tuple[str, ...]]
    fillers: frozenset[str]
    clause_breaks: frozenset[str]
    known: frozenset[str] = frozenset()
    compact: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    spellable: frozenset[str] = frozenset()  # known words long enough to fix a typo towards


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


@dataclass(frozen=True)
class Lexicon:
    """Phrase lists per category, contraction expansions and settings for one locale."""

    locale: str
    phrases: Mapping[str, tuple[str, ...]]
    contractions: Mapping[str, str]
    overdose_count: int = 10
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
class _Tokens:
    words: tuple[str, ...]
    clauses: tuple[int, ...]
    sentences: tuple[int, ...]


@dataclass(frozen=True)
class _Hit:
    category: str
    start: int
    end: int


# --- normalisation ----------------------------------------------------------------------------

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
_MIN_COMPACT = 7  # "killmyself" is split back into words; short joins are left alone
_MIN_TYPO = 6  # shorter unknown words are never corrected ("beach" is not "bleach")
_MIN_TYPO_TARGET = 6  # and only towards known words at least this long


def _clean(text: str) -> str:
    """Compatibility forms, straight quotes, no accents or zero-width marks, lower case."""
    decomposed = unicodedata.normalize("NFKD", text).translate(_TRANSLATE)
    kept = "".join(
        ch
        for ch in decomposed
        if unicodedata.category(ch) not in _DROPPED_CATEGORIES
        and not 0x1F3FB <= ord(ch) <= 0x1F3FF  # skin tones
    )
    lowered = _LINE_BREAK.sub(" . ", kept.casefold())
    return _SPACED_LETTER.sub(r"\1 ", lowered)


def _is_symbol(ch: str) -> bool:
    """Emoji and other pictographs: each is a token of its own."""
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF


def _squeeze(word: str, known: frozenset[str]) -> str:
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


def _repair(piece: str, known: frozenset[str]) -> str | None:
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


def _core_items(core: str, known: frozenset[str]) -> Iterator[str]:
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


def _text_items(part: str, known: frozenset[str]) -> list[str]:
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


def _chunk_items(chunk: str, known: frozenset[str]) -> list[str]:
    items: list[str] = []
    for symbol, group in itertools.groupby(chunk, _is_symbol):
        text = "".join(group)
        items.extend(text if symbol else _text_items(text, known))
    return items


def _join_letters(items: list[str], norm: _Norm) -> list[str]:
    """Spaced-out letters joined ("k i l l m y s e l f" -> "killmyself") when that is known."""
    out: list[str] = []
    index = 0
    while index < len(items):
        end = index
        while end < len(items) and len(items[end]) == 1 and items[end].isalpha():
            end += 1
        joined = None
        for start in range(index, end - 2):
            candidate = "".join(items[start:end])
            if candidate in norm.known or candidate in norm.compact:
                joined = (start, candidate)
                break
        if joined is None:
            out.extend(items[index : max(end, index + 1)])
        else:
            out.extend(items[index : joined[0]])
            out.append(joined[1])
        index = max(end, index + 1)
    return out


def _fix_word(word: str, norm: _Norm) -> tuple[str, ...]:
    """Contractions expanded, repeated letters squeezed, run-together phrases split."""
    if word in norm.contractions:
        return norm.contractions[word]
    if word in norm.known or word.isdigit():
        return (word,)
    if _LONG_RUN.search(word):
        word = _squeeze(word, norm.known)
        if word in norm.contractions:
            return norm.contractions[word]
    if word in norm.compact:
        return norm.compact[word]
    return (_respell(word, norm.spellable),)


def _respell(word: str, spellable: frozenset[str]) -> str:
    """Typos towards a known word ("myslef" -> "myself", "killin" -> "killing"): one swap of
    neighbouring letters, or one missing letter; anything else is left as typed."""
    if len(word) < _MIN_TYPO or not word.isalpha() or not spellable:
        return word
    for index in range(len(word) - 1):
        swapped = word[:index] + word[index + 1] + word[index] + word[index + 2 :]
        if swapped in spellable:
            return swapped
    for index in range(len(word) + 1):
        for letter in string.ascii_lowercase:
            candidate = word[:index] + letter + word[index:]
            if candidate in spellable:
                return candidate
    return word


def _tokenise(text: str, norm: _Norm) -> _Tokens:
    items: list[str] = []
    for chunk in _clean(text).split():
        items.extend(_chunk_items(chunk, norm.known))
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


def normalise(text: str, lexicon: Lexicon) -> str:
    """The words triage reads, space-separated: lower case, straight apostrophes, contractions
    expanded, repeated letters squeezed, filler and clause words dropped, emoji kept."""
    return " ".join(_tokenise(text, lexicon._compiled.norm).words)


# --- compiling the lexicon --------------------------------------------------------------------


def _plain(entry: str) -> str:
    return _clean(entry).strip()


def _compile(lexicon: Lexicon) -> _Compiled:
    contractions = {
        _plain(source): tuple(_plain(target).split())
        for source, target in lexicon.contractions.items()
    }
    base = _Norm(
        contractions=contractions,
        fillers=frozenset(_plain(word) for word in lexicon.phrases["fillers"]),
        clause_breaks=frozenset(_plain(word) for word in lexicon.phrases["clause_breaks"]),
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
            contractions, base.fillers, base.clause_breaks, frozenset(known), compact, spellable
        ),
        index={first: tuple(phrases) for first, phrases in index.items()},
        words=one_word,
        overdose_count=lexicon.overdose_count,
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
        grammar = [
            *_harm_grammar(self),
            *_imagery_grammar(self),
            *_attempt_grammar(self),
            *_belief_grammar(self),
            *_lethality_grammar(self),
            *_possession_grammar(self),
        ]
        for hit in grammar:
            self.by[hit.category].append(hit)
        self.hits.extend(grammar)

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


# --- the grammar of harm to the baby and of an overdose ---------------------------------------


def _is_object(text: _Text, index: int) -> bool:
    """Whether "her" is the one harmed ("dropping her down the stairs"), not "her bottle"."""
    after = index + 1
    return (
        after >= len(text.words)
        or text.clause(after) != text.clause(index)
        or text.words[after] in text.word_set("object_followers")
    )


def _harm_target(text: _Text, start: int, clause: int) -> tuple[int, str] | None:
    """Who follows a harm verb: ("baby" | "male" | "female", where it ends), or nobody."""
    index = start
    for _ in range(DETERMINER_REACH + 1):
        if index >= len(text.words) or text.clause(index) != clause:
            return None
        ref = text.starting_at("baby_refs", index)
        if ref is not None:
            return ref.end, "baby"
        word = text.words[index]
        if word in text.word_set("pronouns_male"):
            return index + 1, "male"
        if word in text.word_set("pronouns_female") and _is_object(text, index):
            return index + 1, "female"
        if word not in text.word_set("determiners"):
            return None
        index += 1
    return None


def _dropped_off(text: _Text, index: int) -> bool:
    """Dropping off somewhere ("drop him off at nursery"), not "dropping him off the stairs"."""
    if index >= len(text.words) or text.words[index] not in text.word_set("drop_off"):
        return False
    after = index + 1
    return (
        after >= len(text.words)
        or text.clause(after) != text.clause(index)
        or text.words[after] not in text.word_set("determiners")
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


def _harm_grammar(text: _Text) -> list[_Hit]:
    """A harm verb and the baby: "hurt my baby", "shake him", "picturing dropping her"."""
    found: list[_Hit] = []
    for verb in text.any_of(("harm_verbs", "harm_verbs_baby")):
        target = _harm_target(text, verb.end, text.clause(verb.start))
        if target is None:
            continue
        end, who = target
        if _dropped_off(text, end):
            text.idiom_found = True  # "drop her off at nursery" is an idiom
            continue
        if who != "baby":
            if verb.category == "harm_verbs_baby" or _framed_as_thought(text, verb.start):
                who = "baby"
            else:
                who = _resolve(text, who, verb.start)
        if who == "baby":
            found.append(_Hit("harm_to_baby", verb.start, end))
        elif who == "unknown":
            found.append(_Hit("harm_unclear", verb.start, end))
    return found


def _imagery_grammar(text: _Text) -> list[_Hit]:
    """An image of the baby harmed: "I keep picturing him falling down the stairs"."""
    found: list[_Hit] = []
    for cue in text.by.get("imagery_cues", ()):
        clause = text.clause(cue.start)
        for index in range(cue.end, min(cue.end + IMAGERY_REACH, len(text.words))):
            if text.clause(index) != clause:
                break
            ref = text.starting_at("baby_refs", index)
            word = text.words[index]
            if ref is not None:
                subject_end = ref.end
            elif word in text.word_set("pronouns_male") | text.word_set("pronouns_female"):
                gender = "male" if word in text.word_set("pronouns_male") else "female"
                if _resolve(text, gender, index) == "adult":
                    continue
                subject_end = index + 1
            else:
                continue
            state = next(
                (
                    hit
                    for hit in text.by.get("harm_states", ())
                    if subject_end <= hit.start <= subject_end + STATE_REACH
                    and text.clause(hit.start) == clause
                ),
                None,
            )
            if state is not None:
                found.append(_Hit("harm_to_baby", cue.start, state.end))
                break
    return found


def _belief_subject(text: _Text, link: _Hit) -> str | None:
    """Who a belief is about: "baby", "unknown", or None (an adult, or nobody)."""
    before = link.start - 1
    if before < 0 or text.sentence(before) != text.sentence(link.start):
        return None
    if any(ref.end == link.start for ref in text.by.get("baby_refs", ())):
        return "baby"
    word = text.words[before]
    for gender in ("male", "female"):
        if word in text.word_set(f"pronouns_subject_{gender}"):
            who = _resolve(text, gender, before)
            return None if who == "adult" else who
    return None


def _belief_grammar(text: _Text) -> list[_Hit]:
    """A strange belief about the baby: "my baby is the antichrist", "he's been swapped"."""
    found: list[_Hit] = []
    for link in text.by.get("belief_links", ()):
        belief = text.starting_at("baby_beliefs", link.end)
        if belief is None or text.sentence(belief.start) != text.sentence(link.start):
            continue
        who = _belief_subject(text, link)
        if who is not None:
            category = "psychosis" if who == "baby" else "belief_unclear"
            found.append(_Hit(category, link.start - 1, belief.end))
    return found


def _lethality_grammar(text: _Text) -> list[_Hit]:
    """A lethality question about a medicine: "how many sertraline would kill me"."""
    means = text.any_of(("method_means", "means_emoji"))
    return [
        _Hit("suicidal", cue.start, cue.end)
        for cue in text.by.get("lethality_cues", ())
        if any(text.sentence(hit.start) == text.sentence(cue.start) for hit in means)
    ]


def _possession_grammar(text: _Text) -> list[_Hit]:
    """Medicine or a weapon gathered or held: "I have 30 of my antidepressants", "I've
    stockpiled my painkillers", "the pills are in my hand"."""
    found: list[_Hit] = []
    means = text.any_of(("method_means", "means_emoji"))
    for index in range(len(text.words)):
        if not _count_at(text, index):
            continue
        medicine = next(
            (
                hit
                for hit in means
                if index < hit.start <= index + 1 + MEANS_REACH
                and text.sentence(hit.start) == text.sentence(index)
            ),
            None,
        )
        held = any(
            hit.start < index and text.clause(hit.start) == text.clause(index)
            for hit in text.by.get("possession_words", ())
        )
        if medicine is not None and held:
            found.append(_Hit("means_access", index, medicine.end))
    for cue in text.by.get("gathering_cues", ()):
        for hit in means:
            if text.clause(hit.start) == text.clause(cue.start):
                found.append(_Hit("means_access", min(cue.start, hit.start), max(cue.end, hit.end)))
                break
    return found


def _count_at(text: _Text, index: int) -> bool:
    """A number of tablets large enough to be an overdose, not a dose ("800 mg")."""
    word = text.words[index]
    if not word.isdigit() or int(word) < text.compiled.overdose_count:
        return False
    after = index + 1
    return after >= len(text.words) or text.words[after] not in text.word_set("dose_units")


def _attempt_grammar(text: _Text) -> list[_Hit]:
    """An overdose taken: "took all the pills", "took 20 tylenol", "swallowed them all"."""
    found: list[_Hit] = []
    means = text.any_of(("method_means", "means_emoji"))
    for verb in text.by.get("attempt_verbs", ()):
        if text.starting_at("attempt_anaphora", verb.end) is not None and means:
            found.append(_Hit("attempt", verb.start, verb.end + 1))
            continue
        clause = text.clause(verb.start)
        for index in range(verb.end, min(verb.end + QUANTITY_REACH, len(text.words))):
            if text.clause(index) != clause:
                break
            quantity = text.starting_at("quantity_words", index)
            quantity_end = quantity.end if quantity else index + 1
            if quantity is None and not _count_at(text, index):
                continue
            medicine = next(
                (
                    hit
                    for hit in means
                    if quantity_end <= hit.start <= quantity_end + MEANS_REACH
                    and text.sentence(hit.start) == text.sentence(index)
                ),
                None,
            )
            if medicine is not None:
                found.append(_Hit("attempt", verb.start, medicine.end))
                break
    return found


# --- what lowers a phrase ---------------------------------------------------------------------


def _same_clause_before(text: _Text, cue: _Hit, hit: _Hit) -> bool:
    return cue.start < hit.start and text.clause(cue.start) == text.clause(hit.start)


def _negated(text: _Text, hit: _Hit, serious: Sequence[_Hit]) -> bool:
    """A denial ("I would never hurt my baby"): the nearest negation in the same clause (not one
    inside another serious phrase: "I don't want to live anymore"), close enough, not ended by
    "know", "stop"... in between, and not cancelled by "scared", "promise"... before it."""
    cues = [
        cue
        for cue in text.by.get("negation", ())
        if _same_clause_before(text, cue, hit)
        and not any(
            other is not hit and other.start <= cue.start and cue.end <= other.end
            for other in serious
        )
    ]
    if not cues:
        return False
    cue = max(cues, key=lambda found: (found.start, found.end))  # the nearest one decides
    if hit.start - cue.end > NEGATION_REACH:
        return False
    if any(
        cue.end <= breaker.start < hit.start for breaker in text.by.get("negation_breakers", ())
    ):
        return False
    return not any(
        _same_clause_before(text, canceller, cue)
        for canceller in text.by.get("negation_cancellers", ())
    )


def _disclosed_elsewhere(text: _Text, hit: _Hit) -> bool:
    """A disclosure in another clause: "I'd never hurt her but I keep picturing dropping her"."""
    return any(
        text.clause(cue.start) != text.clause(hit.start)
        for cue in text.by.get("disclosure_cues", ())
    )


def _told_as_thought(text: _Text) -> bool:
    """Told as a thought ("I'd never hurt him, but the thoughts won't go away"): an unnamed
    "him" in a disclosure of intrusive thoughts is taken to be the baby."""
    return bool(text.any_of(("disclosure_cues", "dark_thoughts", "imagery_cues", "fear_cues")))


def _with_intent_marker(text: _Text, hit: _Hit) -> bool:
    """An often-accidental injury said to be deliberate: "I burnt myself on purpose"."""
    return any(
        text.sentence(marker.start) == text.sentence(hit.start)
        for marker in text.by.get("self_harm_markers", ())
    )


def _only_benign_means(text: _Text) -> bool:
    """A plain reason ("took paracetamol for my headache"): every means word sits in a sentence
    that gives a plain reason for it (only used when means words are all the message has)."""
    means = text.any_of(("method_means", "means_emoji", "means_possession"))
    purposes = {text.sentence(hit.start) for hit in text.by.get("benign_purpose", ())}
    return bool(means) and all(text.sentence(hit.start) in purposes for hit in means)


def _past(text: _Text, hit: _Hit) -> bool:
    """A past episode ("I was suicidal after my first baby"), unless it is back ("again")."""
    if text.by.get("present"):
        return False
    return any(text.clause(cue.start) == text.clause(hit.start) for cue in text.by.get("past", ()))


def _about_others(text: _Text, hit: _Hit) -> bool:
    """About someone else ("my friend said she wanted to die", "a documentary about suicide"),
    unless she includes herself ("me too") or the phrase or the words before it are hers."""
    if text.by.get("self_inclusion"):
        return False
    if hit.category == "about_others":
        return True
    first_person = text.word_set("first_person")
    if any(word in first_person for word in text.words[hit.start : hit.end]):
        return False
    return any(
        _same_clause_before(text, cue, hit)
        and cue.end <= hit.start
        and not any(word in first_person for word in text.words[cue.end : hit.start])
        for cue in text.any_of(("third_party", "media"))
    )


def _intended(text: _Text, hit: _Hit, categories: Sequence[str], unless_feared: bool) -> bool:
    """An intent word just before the act: "I'm going to kill myself", "I want to shake him".
    For the baby, a fear or an image before it ("scared I'm going to") makes it a thought."""
    for cue in text.any_of(categories):
        opens_phrase = cue.start == hit.start and cue.end < hit.end
        if not opens_phrase and (not _same_clause_before(text, cue, hit) or cue.end > hit.start):
            continue
        if hit.start - cue.end > INTENT_REACH:
            continue
        if any(cue.start < negation.start < hit.start for negation in text.by.get("negation", ())):
            continue  # "I won't hurt myself" is not intent
        if unless_feared and _framed_as_thought(text, cue.start):
            continue
        return True
    return False


# --- deciding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    level: int
    reasons: tuple[str, ...]
    ask_clarifying: bool

    def result(self, *extra: str) -> Result:
        reasons = sorted({*self.reasons, *extra}, key=REASONS.index)
        return Result(LEVELS[self.level], tuple(reasons), self.ask_clarifying)


def _level(signals: frozenset[str]) -> int:
    """The tier the signals reach (clinical facts: the highest triggered wins)."""
    if signals & {"ATT", "PSY", "HBI", "PI", "MA"}:
        return EMERGENCY
    if "INJ" in signals and signals & {"S", "SH", "M", "MP", "AM"}:
        return EMERGENCY  # hurt already: an attempt under way
    if "PLACE" in signals and signals & {"S", "SH", "BUR", "BURW", "DIST"}:
        return EMERGENCY
    if signals & {"M", "MP"} and {"P", "T"} <= signals:
        return EMERGENCY  # "I have a box of pills and I'm taking them tonight"
    if signals & {"S", "BUR"} and signals & {"M", "MP", "P", "T", "AM"}:
        return EMERGENCY
    if "SH" in signals and signals & {"P", "T"}:
        return EMERGENCY
    if "MP" in signals and signals & {"P", "T", "AM"}:
        return EMERGENCY
    if "HB" in signals and "P" in signals:
        return EMERGENCY
    if signals & {"S", "SH", "HB", "BUR", "TH"}:
        return URGENT
    if "BURW" in signals and "DIST" in signals:
        return URGENT
    if signals & {"M", "MP"} and signals & {"DIST", "P", "BURW"}:
        return URGENT
    if signals & {"M", "MP", "DIST", "BURW", "HBU", "DX", "SHA", "PSYU", "PLACE", "OTHERS"}:
        return CONCERN
    if "LOWERED" in signals:
        return CONCERN
    return NONE


_SIGNAL_OF_GRAMMAR = {"harm_unclear": "HBU", "belief_unclear": "PSYU"}


def _signal(text: _Text, hit: _Hit) -> str | None:
    """The signal a phrase raises, sharpened by what else she said."""
    signal = SIGNAL_CATEGORIES.get(hit.category) or _SIGNAL_OF_GRAMMAR.get(hit.category)
    if signal == "OTHERS" and text.by.get("self_inclusion"):
        return "S"  # "my sister killed herself and I feel the same"
    if signal == "HBU" and _told_as_thought(text):
        return "HB"
    if signal == "SHA" and _with_intent_marker(text, hit):
        return "SH"
    return signal


def _lowered_because(text: _Text, hit: _Hit, serious: Sequence[_Hit]) -> str | None:
    """Why a phrase counts only as a clarifying question, if it does."""
    if _negated(text, hit, serious) and not _disclosed_elsewhere(text, hit):
        return "negated_needs_clarifying"
    if _past(text, hit):
        return "past_tense_ask_about_now"
    if _about_others(text, hit):
        return "third_party_or_media"
    return None


def _intent(text: _Text, hit: _Hit, signal: str) -> str | None:
    """PI for intent to die or self-harm, HBI for intent to harm the baby, else None."""
    if signal in {"S", "SH"} and _intended(text, hit, ("intent_cues",), unless_feared=False):
        return "PI"
    baby_cues = ("intent_cues", "baby_intent_cues")
    if signal in {"HB", "HBU"} and _intended(text, hit, baby_cues, unless_feared=True):
        return "HBI"
    return None


def _signals(text: _Text) -> tuple[set[str], set[str]]:
    """The signals raised, and the reason codes of phrases lowered to a clarifying question."""
    serious = [hit for hit in text.hits if _signal(text, hit)]
    signals: set[str] = set()
    lowered: set[str] = set()
    for hit in serious:
        signal = _signal(text, hit)
        assert signal is not None
        why = _lowered_because(text, hit, serious)
        if why is None:
            signals |= {signal} | {intent for intent in [_intent(text, hit, signal)] if intent}
        elif signal not in _CONCERN_ONLY:
            lowered |= {why, _REASON_OF_SIGNAL[signal]}
    for category, signal in AMPLIFIER_CATEGORIES.items():
        if any(not _negated(text, hit, serious) for hit in text.by.get(category, ())):
            signals.add(signal)
    if lowered:
        signals.add("LOWERED")
    if signals <= {"M", "MP"} | _AMPLIFIERS and _only_benign_means(text):
        signals -= {"M", "MP"}
    return signals, lowered


def _judge(text: _Text) -> _Verdict:
    """Level, reasons and whether to ask first, for one text."""
    found, lowered = _signals(text)
    signals = frozenset(found)
    level = _level(signals)
    reasons = {_REASON_OF_SIGNAL[signal] for signal in signals if signal in _REASON_OF_SIGNAL}
    if level > _level(signals - _AMPLIFIERS):
        reasons.add("attempt_in_progress" if "INJ" in signals else "plan_or_intent")
    if level == CONCERN:
        reasons |= lowered
    if text.idiom_found:
        reasons.add("idiom_ignored")
    if level == NONE:
        reasons &= {"idiom_ignored"}
    asked = lowered & {"negated_needs_clarifying", "past_tense_ask_about_now"}
    ask = level == CONCERN and bool(asked or signals & _ASK_SIGNALS)
    return _Verdict(level, tuple(reasons), ask)


def _verdict(text: str, compiled: _Compiled) -> _Verdict:
    return _judge(_Text(text, compiled))


def triage(text: str, lexicon: Lexicon, recent: Sequence[str] = ()) -> Result:
    """How worrying `text` is. `recent` is her previous messages, oldest first; the last
    RECENT_LIMIT of them are read together with this one, and the combination can raise the
    level (reason "combined_recent_messages") but only above what those earlier messages
    already reached on their own, so an old message never re-raises a harmless new one."""
    compiled = lexicon._compiled
    own = _verdict(text, compiled)
    window = [message for message in recent if message.strip()][-RECENT_LIMIT:]
    if not window:
        return own.result()
    before = _verdict("\n".join(window), compiled)
    together = _verdict("\n".join([*window, text]), compiled)
    if together.level > max(own.level, before.level):
        return together.result("combined_recent_messages")
    return own.result()
