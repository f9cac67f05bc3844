"""Free-text triage: how worrying is what she wrote, and why.

A rule-based first stage, driven by a lexicon of phrases (messages/<locale>/triage/lexicon.toml).
It is tuned to miss nothing urgent: a doubtful message is raised, never dropped, and a denial
("I would never hurt my baby") becomes a gentle clarifying question, not silence. The tiers follow
the clinical facts sheet:

- emergency: intent, a plan, means or a timeline for suicide; an attempt under way; intent to
  harm the baby; possible psychosis;
- urgent: any mention of suicidal thoughts, self-harm, thoughts of harming the baby (even unwanted
  ones), burden or goodbye talk;
- concern: method or means words alone, hopelessness, a past episode (asked about now), or a
  denial beside something else worrying (the learned stage adds the other concern categories of
  the facts sheet: low mood, not coping, bonding, guilt, panic, appetite, sleep, anger, isolation,
  substances, abuse at home);
- none: everything else: idioms ("dying for coffee"), someone else's crisis, films and news; and
  a clear denial with nothing else ("not suicidal, just tired"), which is still answered with the
  clarifying question (ask_clarifying), never with silence.

A learned second stage (triage_model, shipped per locale as exported weights) reads beside the
lexicon and can raise its verdict, never lower it (triage_combine).

This module is the public face; the work is done by its siblings, each importing only those
listed before it:

- triage_terms: levels, reason codes, the lexicon's categories and the signals they raise;
- triage_spelling: filter-dodging spellings, repeated letters and typos mended into known words;
- triage_normalise: what she typed, reduced to the words triage reads;
- triage_match: the lexicon compiled, and its phrases found in a text;
- triage_text: one text read: its words, its phrases, who "him" / "her" is;
- triage_grammar: what the grammar adds to a text read (harm to the baby, an overdose);
- triage_rules: what lowers a phrase (denied, past, about others) and the level the rest reach.

Pure: no I/O and no logging. The text she wrote is never logged, stored or echoed from here; the
readings of the last MESSAGE_CACHE messages stay in memory (see clear_cache).
"""

from __future__ import annotations

from collections.abc import Sequence

from companion.core.triage_combine import with_model
from companion.core.triage_grammar import (
    DETERMINER_REACH,
    IMAGERY_REACH,
    MEANS_REACH,
    QUANTITY_REACH,
    STATE_REACH,
)
from companion.core.triage_match import Lexicon, LexiconError
from companion.core.triage_normalise import NUMBER_SLOT, _cleaned, _tokenise
from companion.core.triage_rules import (
    CONCERN,
    EMERGENCY,
    INTENT_REACH,
    NEGATION_REACH,
    NONE,
    URGENT,
    _verdict,
)
from companion.core.triage_terms import (
    AMPLIFIER_CATEGORIES,
    CATEGORIES,
    GRAMMAR_CATEGORIES,
    LEVELS,
    MODIFIER_CATEGORIES,
    NORMALISATION_CATEGORIES,
    REASONS,
    SIGNAL_CATEGORIES,
    WORD_CATEGORIES,
    Level,
    Result,
    Syntax,
)
from companion.core.triage_text import CACHED_LENGTH, MESSAGE_CACHE, _cached_message, _message

__all__ = [
    "AMPLIFIER_CATEGORIES",
    "CACHED_LENGTH",
    "CATEGORIES",
    "CONCERN",
    "DETERMINER_REACH",
    "EMERGENCY",
    "GRAMMAR_CATEGORIES",
    "IMAGERY_REACH",
    "INTENT_REACH",
    "LEVELS",
    "MEANS_REACH",
    "MESSAGE_CACHE",
    "MODIFIER_CATEGORIES",
    "NEGATION_REACH",
    "NONE",
    "NORMALISATION_CATEGORIES",
    "NUMBER_SLOT",
    "QUANTITY_REACH",
    "REASONS",
    "RECENT_LIMIT",
    "SIGNAL_CATEGORIES",
    "STATE_REACH",
    "URGENT",
    "WORD_CATEGORIES",
    "Level",
    "Lexicon",
    "LexiconError",
    "Result",
    "Syntax",
    "clear_cache",
    "lexicon_triage",
    "normalise",
    "triage",
]

RECENT_LIMIT = 3  # how many of her previous messages are read with the current one


def clear_cache() -> None:
    """Forget every message read so far. The last MESSAGE_CACHE messages read (with each
    lexicon, up to CACHED_LENGTH characters long) are kept in memory so that her recent ones are
    not read again with her next one."""
    _cached_message.cache_clear()
    _cleaned.cache_clear()


def normalise(text: str, lexicon: Lexicon) -> str:
    """The words triage reads, space-separated: lower case, straight apostrophes, contractions
    expanded, repeated letters squeezed, filler and clause words dropped, emoji kept."""
    return " ".join(_tokenise(text, lexicon._compiled.norm).words)


def triage(text: str, lexicon: Lexicon, recent: Sequence[str] = ()) -> Result:
    """How worrying `text` is: the lexicon's verdict (see lexicon_triage), raised by the
    locale's learned model when it ships one (companion.core.triage_combine)."""
    found = lexicon_triage(text, lexicon, recent)
    model = lexicon.model
    if model is None or found.level == "emergency":
        return found
    return with_model(found, model.read(text), model.thresholds)


def lexicon_triage(text: str, lexicon: Lexicon, recent: Sequence[str] = ()) -> Result:
    """How worrying `text` is to the lexicon alone. `recent` is her previous messages, oldest
    first; the last RECENT_LIMIT of them are read together with this one, and the combination can
    raise the level (reason "combined_recent_messages") but only above what those earlier
    messages already reached on their own, so an old message never re-raises a harmless new
    one."""
    compiled = lexicon._compiled
    this = _message(text, compiled)
    own = _verdict([this], compiled)
    window = [message for message in recent if message.strip()][-RECENT_LIMIT:]
    if not window or own.level == EMERGENCY:  # nothing reads higher
        return own.result()
    earlier = [_message(message, compiled) for message in window]
    before = _verdict(earlier, compiled)
    if before.level == EMERGENCY:
        return own.result()
    together = _verdict([*earlier, this], compiled)
    if together.level > max(own.level, before.level):
        return together.result("combined_recent_messages")
    return own.result()
