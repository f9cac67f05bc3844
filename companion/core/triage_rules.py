"""The rules: what lowers a phrase, what sharpens it, and the level the rest reach.

A serious phrase that is denied ("I would never hurt my baby") or in the past is lowered,
not dropped: it still counts for concern, with a reason code saying why, and triage asks her
first. A phrase about someone else, a film or the news, and a condition merely named, count
for nothing on their own (clinical facts: third parties and media are none); the learned stage
reads them too. What is not lowered raises its signal (the codes are listed in
companion.core.triage_terms), sharpened by intent ("I'm going to") and by what else she
said; the decision table in _level turns the signals into a tier: the highest triggered wins.

Pure: no I/O and no logging.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from companion.core.triage_grammar import _count_at, _read
from companion.core.triage_match import _Compiled, _Hit
from companion.core.triage_terms import (
    AMPLIFIER_CATEGORIES,
    LEVELS,
    REASONS,
    SIGNAL_CATEGORIES,
    Result,
)
from companion.core.triage_text import _framed_as_thought, _Message, _Text

NONE, CONCERN, URGENT, EMERGENCY = range(4)
NEGATION_REACH = 4  # words allowed between a negation and what it denies
INTENT_REACH = 3  # words allowed between "going to" and the act

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
_WHEN = frozenset({"P", "T"})  # a plan or a time: a plain reason no longer explains a means word
# A denial or a past mention drops these (concern at most anyway).
_CONCERN_ONLY = frozenset({"M", "MP", "BURW", "DIST", "PLACE"})
_ASK_SIGNALS = frozenset({"M", "MP", "DIST", "BURW", "HBU", "DX", "SHA", "PSYU", "PLACE"})


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
    """A plain reason ("took paracetamol for my headache", "is ibuprofen ok while
    breastfeeding?"): every means word sits in a sentence that gives a plain reason for it (only
    used when means words are all the message has). Never with an amount ("all", "20"), a word of
    lethality, gathering ("saving my") or "would it take": those ask how much would harm her."""
    if text.any_of(
        ("quantity_words", "lethality_cues", "gathering_cues", "means_possession")
    ) or any(_count_at(text, index) for index in range(len(text.words))):
        return False
    if "would it take" in " ".join(text.words) or "it would take" in " ".join(text.words):
        return False
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
    if signals & {"M", "MP", "DIST", "BURW", "HBU", "SHA", "PSYU", "PLACE"}:
        return CONCERN
    if "LOWERED" in signals:
        return CONCERN
    return NONE


_SIGNAL_OF_GRAMMAR = {"harm_unclear": "HBU", "belief_unclear": "PSYU"}
_SIGNALLING = frozenset({*SIGNAL_CATEGORIES, *_SIGNAL_OF_GRAMMAR})  # categories that raise one


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
    if _about_others(text, hit):
        return "third_party_or_media"  # someone else's, however long ago
    if _past(text, hit):
        return "past_tense_ask_about_now"
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
    raised = [
        (hit, signal)
        for hit in text.hits
        if hit.category in _SIGNALLING and (signal := _signal(text, hit))
    ]
    serious = [hit for hit, _ in raised]
    signals: set[str] = set()
    lowered: set[str] = set()
    for hit, signal in raised:
        why = _lowered_because(text, hit, serious)
        if why is None:
            signals |= {signal} | {intent for intent in [_intent(text, hit, signal)] if intent}
        elif signal not in _CONCERN_ONLY and why != "third_party_or_media":
            lowered |= {why, _REASON_OF_SIGNAL[signal]}
    for category, signal in AMPLIFIER_CATEGORIES.items():
        amplifiers = text.by.get(category)
        if amplifiers and any(not _negated(text, hit, serious) for hit in amplifiers):
            signals.add(signal)
    if lowered:
        signals.add("LOWERED")
    if signals <= {"M", "MP"} | (_AMPLIFIERS - _WHEN) and _only_benign_means(text):
        signals -= {"M", "MP"}  # not with a plan or a time: "the whole box tonight for my head"
    return signals, lowered


def _judge(text: _Text) -> _Verdict:
    """Level, reasons and whether to ask first, for one text."""
    found, lowered = _signals(text)
    signals = frozenset(found)
    # A clear denial and nothing else ("not suicidal, just tired"): none, by the clinical
    # facts, but she is asked directly all the same, never met with silence.
    denial = signals == {"LOWERED"} and "past_tense_ask_about_now" not in lowered
    level = NONE if denial else _level(signals)
    reasons = {_REASON_OF_SIGNAL[signal] for signal in signals if signal in _REASON_OF_SIGNAL}
    if level > _level(signals - _AMPLIFIERS):
        reasons.add("attempt_in_progress" if "INJ" in signals else "plan_or_intent")
    if level == CONCERN:
        reasons |= lowered
    if text.idiom_found:
        reasons.add("idiom_ignored")
    if level == NONE:
        reasons &= {"idiom_ignored"}
    if denial:
        reasons |= lowered
    asked = lowered & {"negated_needs_clarifying", "past_tense_ask_about_now"}
    ask = (level == CONCERN or denial) and bool(asked or signals & _ASK_SIGNALS)
    return _Verdict(level, tuple(reasons), ask)


def _verdict(messages: Sequence[_Message], compiled: _Compiled) -> _Verdict:
    """The verdict on messages read together (one, or her recent ones and this one)."""
    return _judge(_read(messages, compiled))
