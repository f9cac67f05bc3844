"""The terms free-text triage works in: the levels and reason codes of a Result, and the
lexicon's categories, with the signal each one raises.

The lowest of the triage modules (see companion.core.triage): plain data, importing none of the
others, so that every one of them can import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Level = Literal["none", "concern", "urgent", "emergency"]
LEVELS: tuple[Level, ...] = ("none", "concern", "urgent", "emergency")

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


# Signals (short codes used by the decision table in triage_rules._level):
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


@dataclass(frozen=True)
class Syntax:
    """Settings for languages that write what triage reads differently from English; the
    defaults are English and switch every one of them off.

    - clause_openers: marks that open a clause ("¿", "¡"), read like a comma before it;
    - enclitics / enclitic_hosts: pronouns written onto a verb ("matarme" = "matar me",
      "lastimarlo" = "lastimar lo"), split off when what is left ends like a verb form
      ("ar", "er", "ir", "ndo");
    - proclitic_bridges: words allowed between a pronoun and the harm verb after it ("lo
      quiero lastimar"); none means the pronoun is only looked for after the verb;
    - clitic_doubling: a pronoun followed by whom it means ("hacerle daño al bebé"): the
      person named decides;
    - subject_optional: a sentence can leave out who it is about ("me imagino que se cae"):
      an image of harm needs no one named.
    """

    clause_openers: str = ""
    enclitics: tuple[str, ...] = ()
    enclitic_hosts: tuple[str, ...] = ()
    proclitic_bridges: frozenset[str] = frozenset()
    clitic_doubling: bool = False
    subject_optional: bool = False


@dataclass(frozen=True)
class Result:
    """The triage of one message: a level, short reason codes, and whether to ask her first."""

    level: Level
    reasons: tuple[str, ...] = ()
    ask_clarifying: bool = False
