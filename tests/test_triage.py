"""Free-text triage: the safety net that must never regress, in every language it reads.

These are safety tests. An urgent or emergency message must never come out lower; the examples
of /work/shared/clinical-facts.md ("Free-text triage: what goes wrong") appear verbatim. Each
group below pins one rule: tiers, clause-scoped negation, idioms, "lol", third parties and media,
past tense, the recent-messages rule, normalisation, lexicon validation, the CLI, the labelled
evaluation set, and that the text she wrote is never logged.

The English cases are listed here and the Spanish ones in tests/test_triage_es.py (with the tests
only Spanish needs). A test whose body is the same in both languages stands here once,
parametrised over locale ("en", "es"), and reads both lists.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from companion.cli import main
from companion.content import ContentError, load_content
from companion.core.triage import (
    CATEGORIES,
    LEVELS,
    REASONS,
    Level,
    Lexicon,
    LexiconError,
    Result,
    normalise,
    triage,
)
from companion.resources import messages_dir
from companion.triage_lexicon import (
    LexiconError as FileLexiconError,
)
from companion.triage_lexicon import (
    default_lexicon,
    lexicon_path,
    load_lexicon,
)
from tests import test_triage_es as es
from tests.triage_helpers import (
    LOCALES,
    assert_at_least,
    by_locale,
    labelled_path,
    labelled_rows,
    rank,
    serious_rows,
    triage_both,
    triage_in,
    write_lexicon,
)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon("en")


# --- the examples of clinical-facts.md, verbatim ----------------------------------------------

CLINICAL_FACTS = [
    # (text, level, reasons that must be present, ask_clarifying)
    ("I would never hurt my baby", "none", {"negated_needs_clarifying"}, True),
    ("not suicidal, just tired", "none", {"negated_needs_clarifying"}, True),
    ("I'd never hurt her but I keep picturing dropping her", "urgent", {"harm_to_baby"}, False),
    ("dying for coffee", "none", {"idiom_ignored"}, False),
    ("this baby is killing me lol", "none", {"idiom_ignored"}, False),
    ("could kill for sleep", "none", {"idiom_ignored"}, False),
    ("I was suicidal after my first baby", "concern", {"past_tense_ask_about_now"}, True),
    ("my friend said she wanted to kill herself", "none", set(), False),
    ("a documentary about suicide", "none", set(), False),
    ("better off without me", "urgent", {"burden_or_goodbye"}, False),
    ("how many pills", "concern", {"method_or_means"}, True),
    ("goodbye letters", "urgent", {"burden_or_goodbye"}, False),
    ("💊", "concern", {"method_or_means"}, True),
    ("unalive", "urgent", {"suicidal_ideation"}, False),
    ("kms", "urgent", {"suicidal_ideation"}, False),
    ("sewer slide", "urgent", {"suicidal_ideation"}, False),
    ("ibuprofen", "concern", {"method_or_means"}, True),
    ("800mg", "concern", {"method_or_means"}, True),
]


@pytest.mark.parametrize(
    ("locale", "text", "level", "reasons", "ask"), by_locale(CLINICAL_FACTS, es.CLINICAL_FACTS)
)
def test_clinical_facts_examples(
    locale: str, text: str, level: str, reasons: set[str], ask: bool
) -> None:
    result = triage_in(locale, text)
    assert result.level == level, f"{text!r}: {result}"
    assert reasons <= set(result.reasons), result
    assert result.ask_clarifying is ask


def test_curly_apostrophe_in_the_clinical_example(lexicon: Lexicon) -> None:
    result = triage("I\u2019d never hurt her but I keep picturing dropping her", lexicon)
    assert result.level == "urgent"
    assert "harm_to_baby" in result.reasons


# --- emergency ----------------------------------------------------------------------------------

EMERGENCY = [
    # intent
    ("I'm going to kill myself", {"plan_or_intent", "suicidal_ideation"}),
    ("i will end it", {"plan_or_intent"}),
    ("I've decided to end my life", {"plan_or_intent"}),
    ("i'm gonna unalive myself", {"plan_or_intent"}),
    ("I'm going to hurt myself", {"plan_or_intent", "self_harm"}),
    # plan
    ("I want to die and I have a plan", {"plan_or_intent", "suicidal_ideation"}),
    ("I wrote goodbye letters and I've made up my mind", {"plan_or_intent"}),
    # timeline
    ("I want to die tonight", {"plan_or_intent", "suicidal_ideation"}),
    ("kms tomorrow when he goes to work", {"plan_or_intent"}),
    ("I'm cutting myself tonight", {"self_harm", "plan_or_intent"}),
    # means with suicidal language
    ("I want to die 💊", {"method_or_means", "suicidal_ideation"}),
    ("how many ibuprofen would it take to kill me", {"method_or_means", "suicidal_ideation"}),
    ("what's the lethal dose of paracetamol", {"method_or_means"}),
    ("everyone would be better off without me, I've got the rope", {"method_or_means"}),
    ("I want to jump off a bridge", {"method_or_means"}),
    ("I've been stockpiling my pills", {"method_or_means"}),
    ("the pills are in my hand", {"method_or_means"}),
    # an attempt under way
    ("I took all the pills", {"attempt_in_progress"}),
    ("I've taken 20 paracetamol", {"attempt_in_progress"}),
    ("i swallowed a whole bottle of sleeping tablets", {"attempt_in_progress"}),
    ("I overdosed", {"attempt_in_progress"}),
    ("I cut my wrists and there's a lot of blood", {"attempt_in_progress"}),
    ("I'm standing on the bridge", {"attempt_in_progress"}),
    # intent to harm the baby
    ("I'm going to hurt the baby", {"harm_to_baby", "plan_or_intent"}),
    ("I want to shake him until he stops crying", {"harm_to_baby"}),
    ("I want to drown her in the bath", {"harm_to_baby"}),
    # possible psychosis
    ("I hear voices telling me to hurt the baby", {"psychosis"}),
    ("the baby is evil", {"psychosis"}),
    ("my baby is the antichrist", {"psychosis"}),
    ("he's not my baby, they swapped him", {"psychosis"}),
    ("someone is watching me through the monitor", {"psychosis"}),
    ("I haven't slept in days", {"psychosis"}),
    ("no sleep for 4 days", {"psychosis"}),
    # researching a lethal amount, even beside a plain reason (clinical facts: method, emergency)
    ("how many tylenol to overdose while breastfeeding", {"method_or_means"}),
    ("whats a deadly amount of ibuprofen", {"method_or_means"}),
    ("how much paracetamol would stop my heart, im breastfeeding", {"method_or_means"}),
    ("how much paracetamol does it take to not wake up", {"method_or_means"}),
    ("can u OD on my gp sleeping pills? need 2 kno", {"method_or_means"}),
    ("are the tablets for after pains strong enough to do it", {"method_or_means"}),
    ("sometimes i think about jumping out of the car on the motorway", {"method_or_means"}),
    ("i get urges to throw myself out of the moving car", {"method_or_means"}),
]


@pytest.mark.parametrize(("locale", "text", "reasons"), by_locale(EMERGENCY, es.EMERGENCY))
def test_emergency(locale: str, text: str, reasons: set[str]) -> None:
    result = triage_in(locale, text)
    assert result.level == "emergency", f"{text!r}: {result}"
    assert reasons <= set(result.reasons), result
    assert result.ask_clarifying is False  # resources first, never wait for a reply


# --- urgent -------------------------------------------------------------------------------------

URGENT = [
    # suicidal thoughts, any wording
    "I want to die",
    "i wanna die",
    "I wish I was dead",
    "I don't want to be here anymore",
    "I don't want to wake up",
    "I keep thinking about killing myself",
    "I feel suicidal",
    "I just want it all to be over",
    "life isn't worth living",
    "I think about not existing a lot",
    "what's the point in living",
    # self-harm
    "I've been cutting myself again",
    "i want to self harm",
    "I burnt myself on purpose",
    "I scratched my arms until they bled",
    # burden and goodbye
    "everyone would be better off without me",
    "I'm a burden to everyone",
    "nobody would miss me",
    "I won't be a problem much longer",
    "take care of my baby for me",
    # thoughts of harming the baby, even unwanted ones
    "I have thoughts of hurting my baby",
    "I keep picturing him falling down the stairs",
    "What if I drop her?",
    "I'm having intrusive thoughts",
    "I'm scared to be alone with the baby",
    "I had a thought about dropping him off the stairs and it scared me",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(URGENT, es.URGENT))
def test_urgent_is_never_lower(locale: str, text: str) -> None:
    assert_at_least(triage_in(locale, text), "urgent", text)


INTRUSIVE_THOUGHTS = [
    "I'm scared I'll shake him when he won't stop crying",
    "I'm afraid I'm going to hurt the baby",
    "I keep imagining stabbing my baby and it makes me sick",
    "I'm terrified I will drop her down the stairs",
    "What if I drown him in the bath",
]


NEGATED_INTENT = [
    "I can't promise I won't hurt myself",
    "I will not kill myself, I just need sleep",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(NEGATED_INTENT, es.NEGATED_INTENT))
def test_a_negated_intent_word_is_not_intent(locale: str, text: str) -> None:
    assert triage_in(locale, text).level != "emergency", text


@pytest.mark.parametrize(("locale", "text"), by_locale(INTRUSIVE_THOUGHTS, es.INTRUSIVE_THOUGHTS))
def test_unwanted_thoughts_of_harm_are_urgent_not_intent(locale: str, text: str) -> None:
    """A fear of acting is an intrusive thought (urgent, non-shaming), not intent (emergency)."""
    result = triage_in(locale, text)
    assert result.level == "urgent", f"{text!r}: {result}"
    assert "harm_to_baby" in result.reasons


# --- method and means ---------------------------------------------------------------------------

MEANS_ALONE = [
    "how many ibuprofen can I take",
    "can I take paracetamol and tylenol together",
    "how much paracetamol is too much",
    "💊",
    "🔪",
    "⚰️",
    "I have the pills the doctor gave me",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(MEANS_ALONE, es.MEANS_ALONE))
def test_method_or_means_alone_is_concern_and_asks(locale: str, text: str) -> None:
    result = triage_in(locale, text)
    assert result.level == "concern", f"{text!r}: {result}"
    assert "method_or_means" in result.reasons
    assert result.ask_clarifying is True


DOSES = [
    ("took paracetamol for my headache, feeling better", "none"),
    ("I took 2 paracetamol", "concern"),
    ("I took 800 mg of ibuprofen", "concern"),
    ("baby took the whole bottle tonight!", "none"),
    ("I went back on the pill", "none"),
]


@pytest.mark.parametrize(("locale", "text", "level"), by_locale(DOSES, es.DOSES))
def test_doses_and_feeds_are_not_overdoses(locale: str, text: str, level: str) -> None:
    assert triage_in(locale, text).level == level, text


PLAIN_REASON = [
    "I want to die. Took paracetamol for my headache",
    "took ibuprofen for the pain, I want to kill myself",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(PLAIN_REASON, es.PLAIN_REASON))
def test_a_plain_reason_for_a_painkiller_never_lowers_suicidal_words(
    locale: str, text: str
) -> None:
    assert triage_in(locale, text).level == "emergency", text


# A question about a medicine's safety while breastfeeding is not a method question; an amount,
# "would it take", a time or a plan keeps it one (asked about, never silence).
SAFETY_QUESTIONS = [
    "can i take ibuprofen while breastfeeding",
    "Is 800mg of ibuprofen ok while breastfeeding?",
    "how much paracetamol can i take while breastfeeding",
    "is sertraline safe to take while breastfeeding?",
    "how long does sertraline take to start working",
    "my gp offered citalopram, will it make me drowsy for night feeds",
    "is it safe to stop my antidepressants now the baby is here or should i wait",
    "can i take hayfever tablets while feeding",
    "how many weeks does sertraline take to work? i started 10 days ago and feel the same",
    "the dentist prescribed codeine, how long after taking it can i feed?",
    "my psychiatrist wants to up me to 100mg sertraline. any risk for the baby if im pumping",
]
STILL_ASKED = [
    "is it safe to take 20 paracetamol while breastfeeding",
    "how many sertraline would it take, i am breastfeeding",
    "taking all my sertraline, is it ok to take while breastfeeding",
    "taking the whole box of paracetamol tonight for my headache",
    "im saving my sertraline, is it safe to stop",
    "ive been saving my pills, how long till they start working",
    "how many hayfever tablets would it take",
    "ive been stockpiling. is sertraline safe to stop",
    "stockpiling them, is it safe to stop sertraline",
    "I have the pills the doctor gave me, is it safe to stop them",
    "ive been taking more of the tramadol than prescribed, my gp doesnt know",
    "can i take the lot of my sleeping tablets, the pharmacist said 1",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(SAFETY_QUESTIONS, es.SAFETY_QUESTIONS))
def test_a_medicine_safety_question_while_breastfeeding_is_not_flagged(
    locale: str, text: str
) -> None:
    assert triage_in(locale, text) == Result("none"), text


@pytest.mark.parametrize(("locale", "text"), by_locale(STILL_ASKED, es.STILL_ASKED))
def test_an_amount_a_lethal_question_or_a_time_keeps_a_method_word_asked_about(
    locale: str, text: str
) -> None:
    result = triage_in(locale, text)
    assert result.level != "none", f"{text!r}: {result}"
    assert result.ask_clarifying or result.level in ("urgent", "emergency"), text


# --- negation is clause-scoped ------------------------------------------------------------------

NEGATED = [
    ("I would never hurt my baby", "harm_to_baby", "none"),
    ("I would never do anything to hurt my baby", "harm_to_baby", "none"),
    ("not suicidal, just tired", "suicidal_ideation", "none"),
    ("I don't want to die, I'm just overwhelmed", "suicidal_ideation", "none"),
    ("I'm not going to kill myself", "suicidal_ideation", "none"),
    ("I'd never hurt myself, I'm just so tired", "self_harm", "none"),
    ("I'm not hearing voices, just anxious", "psychosis", "none"),
    ("I never think about hurting myself, I'm just lonely", "self_harm", "concern"),
    ("I don't have any urges to hurt myself", "self_harm", "none"),  # a cue in the same clause
]


@pytest.mark.parametrize(("locale", "text", "topic", "level"), by_locale(NEGATED, es.NEGATED))
def test_a_denial_becomes_a_clarifying_question_not_silence(
    locale: str, text: str, topic: str, level: str
) -> None:
    """A clear denial is none by the clinical facts, and asked about all the same; beside
    something else worrying ("I'm just lonely") it is a concern, asked."""
    result = triage_in(locale, text)
    assert result.level == level, f"{text!r}: {result}"
    assert {"negated_needs_clarifying", topic} <= set(result.reasons)
    assert result.ask_clarifying is True


NOT_A_DENIAL = [
    # a disclosure in another clause
    "I'd never hurt her but I keep picturing dropping her",
    "I'd never hurt him, but the thoughts won't go away",
    "I'm not suicidal but I want to die",
    "I would never hurt my baby. I keep seeing myself hurting my baby",
    # the negation does not reach the phrase
    "I can't stop thinking about killing myself",
    "I don't know why I want to die",
    "I don't think I want to live anymore",
    "I'm not sure I want to be alive anymore",
    "not gonna lie, I want to die",
    # the negation is cancelled
    "I can't promise I won't hurt myself",
    "I'm scared I won't be able to stop myself hurting the baby",
    # a negation inside the phrase itself
    "I don't want to be here anymore",
    "I don't want to live",
    "no reason to live",
    # a line break ends the sentence
    "I would never\nI want to die",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(NOT_A_DENIAL, es.NOT_A_DENIAL))
def test_negation_does_not_reach_past_its_clause(locale: str, text: str) -> None:
    assert_at_least(triage_in(locale, text), "urgent", text)


# --- jokes and idioms ---------------------------------------------------------------------------

IDIOMS = [
    "dying for coffee",
    "this baby is killing me lol",
    "could kill for sleep",
    "I'm killing it at this mum thing",
    "dead tired",
    "bored to death of daytime tv",
    "I dropped him off at my mum's",
    "drop her off at nursery tomorrow",
    "I'm going to die of embarrassment",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(IDIOMS, es.IDIOMS))
def test_idioms_alone_are_none(locale: str, text: str) -> None:
    result = triage_in(locale, text)
    assert result == Result("none", ("idiom_ignored",), False), text


NEVER_CANCELLED = [
    ("I want to die lol", "urgent"),
    ("I want to die 😂", "urgent"),
    ("i want to kms haha", "urgent"),
    ("I want to die 💀", "urgent"),
    ("lol I took all the pills", "emergency"),
    ("jk jk I want to kill myself", "urgent"),
    ("this baby is killing me, I want to kill myself", "urgent"),
    ("dying for coffee and I want to die", "urgent"),
]


@pytest.mark.parametrize(
    ("locale", "text", "level"), by_locale(NEVER_CANCELLED, es.NEVER_CANCELLED)
)
def test_a_laugh_emoji_or_an_idiom_never_cancel_a_serious_phrase(
    locale: str, text: str, level: Level
) -> None:
    assert_at_least(triage_in(locale, text), level, text)


# --- someone else, and the past -----------------------------------------------------------------

OTHERS = [
    "my friend said she wanted to kill herself",
    "watched a documentary about suicide",
    "my sister tried to take her own life last year",
    "reading a book where the main character is suicidal",
    "There was something on the news about a mum who hurt her baby",
    "a mum in my group said she has thoughts of hurting her baby",
    "just saw a tiktok about intrusive thoughts in new mums, so interesting",
    "podcast today said suicide is one of the leading causes of death in the year after birth",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(OTHERS, es.OTHERS))
def test_third_party_and_media_are_not_flagged(locale: str, text: str) -> None:
    """Someone else's crisis, a book or the news: none (clinical facts, the concern tier)."""
    result = triage_in(locale, text)
    assert result == Result("none"), f"{text!r}: {result}"


HER_OWN = [
    "my husband doesn't know I want to die",
    "my husband told me to kill myself",
    "my sister killed herself and I feel the same",
    "watched a documentary about suicide and now I want to die",
    "my friend said I'd be better off dead",
    "i scroll tiktok all night because i want to die",
    "tiktok made me realise i want to kill myself",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(HER_OWN, es.HER_OWN))
def test_someone_else_in_the_sentence_does_not_hide_her_own_words(locale: str, text: str) -> None:
    assert_at_least(triage_in(locale, text), "urgent", text)


PAST = [
    "I was suicidal after my first baby",
    "Years ago I tried to kill myself",
    "I used to self harm as a teenager",
    "I had suicidal thoughts when I was 16",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(PAST, es.PAST))
def test_past_tense_is_concern_and_asks_about_now(locale: str, text: str) -> None:
    result = triage_in(locale, text)
    assert result.level == "concern", f"{text!r}: {result}"
    assert "past_tense_ask_about_now" in result.reasons
    assert result.ask_clarifying is True


PAST_SAID_TO_BE_BACK = [
    "I was suicidal after my first baby and I'm scared it's coming back",
    "I used to self harm and I've started again",
    "I was suicidal after my first baby. Now I want to die",
]


@pytest.mark.parametrize(
    ("locale", "text"), by_locale(PAST_SAID_TO_BE_BACK, es.PAST_SAID_TO_BE_BACK)
)
def test_a_past_episode_said_to_be_back_is_current(locale: str, text: str) -> None:
    assert_at_least(triage_in(locale, text), "urgent", text)


# --- who "him" and "her" are --------------------------------------------------------------------


TARGETS = [
    ("my husband snores so loud I could kill him lol", "none"),
    ("I could strangle my husband sometimes", "none"),
    ("he won't stop crying, I could hurt him", "urgent"),
    ("I want to hurt my son", "emergency"),
    ("I could hurt him", "concern"),  # nobody named: ask
    ("I want to hurt him", "emergency"),  # intent, nobody named: the baby may be at risk
    ("she dropped her bottle on the floor", "none"),
    ("I keep picturing dropping her", "urgent"),
]


@pytest.mark.parametrize(("locale", "text", "level"), by_locale(TARGETS, es.TARGETS))
def test_harm_verbs_follow_whom_she_means(locale: str, text: str, level: Level) -> None:
    assert triage_in(locale, text).level == level, text


UNCLEAR_TARGET = "I could hurt him"


@pytest.mark.parametrize(("locale", "text"), by_locale([UNCLEAR_TARGET], [es.UNCLEAR_TARGET]))
def test_an_unclear_target_asks(locale: str, text: str) -> None:
    result = triage_in(locale, text)
    assert result.ask_clarifying is True
    assert "harm_to_baby" in result.reasons


# --- hopelessness and weak burden ---------------------------------------------------------------


HOPELESSNESS = [
    ("I can't do this anymore", "concern"),
    ("everyone would be better off", "concern"),
    ("I can't do this anymore, everyone would be better off", "urgent"),
    ("I feel hopeless", "concern"),
    ("I'm not depressed, just tired", "none"),
]


@pytest.mark.parametrize(("locale", "text", "level"), by_locale(HOPELESSNESS, es.HOPELESSNESS))
def test_hopelessness_and_weak_burden(locale: str, text: str, level: Level) -> None:
    assert triage_in(locale, text).level == level, text


# --- several short messages ---------------------------------------------------------------------

RAISED_BY_RECENT = [
    (["I have the pills"], "tonight", "emergency"),
    (["I can't do this anymore"], "everyone would be better off", "urgent"),
    (["I want to die"], "I'll do it when my husband leaves for work tomorrow", "emergency"),
    (["I have the pills"], "Already took them. It's done", "emergency"),
    (["he won't stop crying again"], "I could hurt him", "urgent"),
    (["I was suicidal after my first baby"], "and I think it's happening again", "urgent"),
    (["tonight"], "I have the pills", "emergency"),
    (["a", "b", "I have the pills"], "tonight", "emergency"),
    (["I can't do this anymore"], "I'm on the platform waiting for the fast train", "emergency"),
]


@pytest.mark.parametrize(
    ("locale", "recent", "text", "level"), by_locale(RAISED_BY_RECENT, es.RAISED_BY_RECENT)
)
def test_recent_messages_together_raise_the_level(
    locale: str, recent: list[str], text: str, level: Level
) -> None:
    alone = triage_in(locale, text)
    together = triage_in(locale, text, recent)
    assert rank(alone.level) < rank(level), "the case must need the earlier messages"
    assert together.level == level, together
    assert "combined_recent_messages" in together.reasons


HARMLESS_AFTER = [
    (["I want to die"], "thanks for listening"),
    (["I want to kill myself tonight"], "ok"),
    (["I have the pills", "tonight"], "ok"),
    (["I took all the pills"], "dying for coffee"),
    (["I have the pills", "a", "b", "c"], "tonight"),  # only the last three are read
]


@pytest.mark.parametrize(("locale", "recent", "text"), by_locale(HARMLESS_AFTER, es.HARMLESS_AFTER))
def test_an_earlier_message_alone_never_raises_a_harmless_one(
    locale: str, recent: list[str], text: str
) -> None:
    assert triage_in(locale, text, recent) == triage_in(locale, text)


def test_recent_messages_never_lower_the_current_one(lexicon: Lexicon) -> None:
    result = triage("I want to die", lexicon, ["not suicidal, just tired", "I'm fine"])
    assert result.level == "urgent"
    assert "combined_recent_messages" not in result.reasons


def test_blank_recent_messages_are_ignored(lexicon: Lexicon) -> None:
    assert triage("tonight", lexicon, ["I have the pills", "", "  "]).level == "emergency"


# --- normalisation ------------------------------------------------------------------------------


NORMALISED = [
    ("I don\u2019t want to be here anymore", "i do not want to be here anymore"),
    ("I dont want to be here anymore", "i do not want to be here anymore"),
    ("I DON'T WANT TO BE HERE ANYMORE!!!", "i do not want to be here anymore"),
    ("I    want\tto  \u00a0die", "i want to die"),
    ("I want to diiiiie", "i want to die"),
    ("killllll myselffff", "kill myself"),
    ("nooooo", "no"),
    ("coooool", "cool"),  # an unknown word keeps at most a double letter
    ("sleeeeeping", "sleeping"),
    ("k i l l myself", "kill myself"),
    ("k.i.l.l myself", "kill myself"),
    ("killmyself", "kill myself"),
    ("ki\u200bll myself", "kill myself"),
    ("\uff4b\uff49\uff4c\uff4c myself", "kill myself"),
    ("su1c1de", "suicide"),
    ("s*icide", "suicide"),
    ("k!ll myself", "kill myself"),
    ("killing myslef", "killing myself"),
    ("self-harm", "self harm"),
    ("I just really want to die", "i want to die"),
    ("wanna die", "want to die"),
    ("💊⚰️🔪", "💊 ⚰ 🔪"),
    ("pills💊", "pills 💊"),
    ("There are people", "there are people"),
    ("a day at the beach", "a day at the beach"),  # a real word is never "corrected"
    ("800mg", "800 mg"),
]


@pytest.mark.parametrize(("locale", "text", "normalised"), by_locale(NORMALISED, es.NORMALISED))
def test_normalisation(locale: str, text: str, normalised: str) -> None:
    assert normalise(text, default_lexicon(locale)) == normalised


ODD_SPELLING = [
    "I don\u2019t want to live anymore",
    "I don\u02bct want to live anymore",
    "i  dont   want  to  live  anymore",
    "I DONT WANT TO LIVE ANYMORE",
    "i dont want to liiiive anymore",
    "I want to d i e",
    "unal!ve myself",
    "s3wer sl1de",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(ODD_SPELLING, es.ODD_SPELLING))
def test_odd_spelling_does_not_break_matching(locale: str, text: str) -> None:
    assert_at_least(triage_in(locale, text), "urgent", text)


@pytest.mark.parametrize("locale", LOCALES)
def test_an_empty_message_is_none(locale: str) -> None:
    assert triage_in(locale, "") == Result("none", (), False)
    assert triage_in(locale, "   \n ") == Result("none", (), False)


# --- the result itself --------------------------------------------------------------------------


REASON_SAMPLES = [
    "I want to die tonight",
    "I would never hurt my baby",
    "dying for coffee",
    "hello",
]


@pytest.mark.parametrize(("locale", "text"), by_locale(REASON_SAMPLES, es.REASON_SAMPLES))
def test_reasons_are_known_codes_in_order(locale: str, text: str) -> None:
    result = triage_in(locale, text)
    assert result.level in LEVELS
    assert set(result.reasons) <= set(REASONS)
    assert list(result.reasons) == sorted(result.reasons, key=REASONS.index)


@pytest.mark.parametrize("locale", LOCALES)
def test_only_concern_or_a_clear_denial_ever_asks_first(locale: str) -> None:
    for row in labelled_rows(locale):
        result = triage_in(locale, row[1])
        if result.ask_clarifying:
            denial = result.level == "none" and "negated_needs_clarifying" in result.reasons
            assert result.level == "concern" or denial, row


# --- privacy ------------------------------------------------------------------------------------


PRIVATE = ("I want to die tonight, my name is Alexandra Quill", ["I have the pills"])


@pytest.mark.parametrize(("locale", "secret", "recent"), by_locale([PRIVATE], [es.PRIVATE]))
def test_triage_never_logs(
    locale: str, secret: str, recent: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        triage_in(locale, secret, recent)
        load_lexicon(lexicon_path(locale))
    assert caplog.records == []
    assert "Alexandra" not in repr(triage_in(locale, secret))


TRIAGE_CORE = sorted((Path(__file__).parent.parent / "companion" / "core").glob("triage*.py"))


def test_the_triage_modules_cannot_log() -> None:
    root = Path(__file__).parent.parent
    for path in [*TRIAGE_CORE, root / "companion" / "triage_lexicon.py"]:
        module = path.name
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import logging|from logging)", source, re.MULTILINE), module
        assert "print(" not in source, module


@pytest.mark.parametrize("path", TRIAGE_CORE, ids=lambda path: path.name)
def test_core_triage_is_pure(path: Path) -> None:
    """Plain functions over plain data: no Telegram, no database, nothing of companion's but
    its own triage modules."""
    source = path.read_text(encoding="utf-8")
    imports = re.findall(r"^(?:from|import) ([\w.]+)", source, re.MULTILINE)
    assert not [name for name in imports if name.split(".")[0] in {"telegram", "sqlalchemy"}]
    own = [name for name in imports if name.startswith("companion")]
    assert all(name.startswith("companion.core.triage_") for name in own), own


# --- the lexicon --------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_the_shipped_lexicon_loads_from_messages(locale: str) -> None:
    lexicon = default_lexicon(locale)
    assert lexicon_path(locale) == messages_dir() / locale / "triage" / "lexicon.toml"
    assert lexicon.locale == locale
    assert set(lexicon.phrases) == set(CATEGORIES)
    assert all(lexicon.phrases[category] for category in CATEGORIES)
    assert lexicon.overdose_count == 10


@pytest.mark.parametrize("locale", LOCALES)
def test_the_content_loader_ignores_the_triage_folder(locale: str) -> None:
    content = load_content(messages_dir(), locale)
    strings = content.strings[locale]
    assert not [key for key in strings if key.startswith(("lexicon.", "triage."))]
    assert "triage" not in content.locales


def _drop_category(text: str, category: str) -> str:
    return re.sub(rf"^{category} = \[.*?^\]\n", "", text, flags=re.MULTILINE | re.DOTALL)


def _add_to(text: str, category: str, entry: str) -> str:
    return text.replace(f"\n{category} = [\n", f"\n{category} = [\n    {entry},\n", 1)


BROKEN = [
    ("missing category", lambda t: _drop_category(t, "means_emoji"), "missing categories: means"),
    (
        "unknown category",
        lambda t: t.replace("[phrases]\n", '[phrases]\nsuicidl = ["x"]\n', 1),
        "unknown categories: suicidl",
    ),
    (
        "empty list",
        lambda t: _drop_category(t, "means_emoji").replace(
            "[phrases]\n", "[phrases]\nmeans_emoji = []\n", 1
        ),
        "means_emoji must be a non-empty list",
    ),
    ("blank phrase", lambda t: _add_to(t, "suicidal", '"   "'), "suicidal has an empty"),
    ("not text", lambda t: _add_to(t, "suicidal", "5"), "suicidal has an empty or non-text"),
    (
        "duplicate after normalisation",
        lambda t: _add_to(t, "suicidal", '"don\'t want to live"'),
        "(both read as 'do not want to live')",
    ),
    ("duplicate verbatim", lambda t: _add_to(t, "psychosis", '"hearing voices"'), "duplicates"),
    ("two words in a word list", lambda t: _add_to(t, "determiners", '"that boy"'), "single"),
    ("a filler word", lambda t: _add_to(t, "suicidal", '"just want to go"'), "uses 'just'"),
    ("a clause word", lambda t: _add_to(t, "burden_goodbye", '"sorry and bye"'), "uses 'and'"),
    (
        "bad count",
        lambda t: t.replace("overdose_count = 10", "overdose_count = 0"),
        "overdose_count",
    ),
    ("unknown table", lambda t: t + "\n[extras]\nx = 1\n", "unknown tables: extras"),
    (
        "bad contraction",
        lambda t: t.replace('"can\'t" = "can not"', '"can\'t" = ""'),
        "contraction",
    ),
    ("not toml", lambda t: "this = = not toml", "not valid TOML"),
]


BROKEN_CASES = by_locale(BROKEN, es.BROKEN)


@pytest.mark.parametrize(
    ("locale", "name", "edit", "message"),
    BROKEN_CASES,
    ids=[f"{case[0]}-{case[1]}" for case in BROKEN_CASES],
)
def test_a_broken_lexicon_is_refused_with_a_clear_message(
    tmp_path: Path, locale: str, name: str, edit: Callable[[str], str], message: str
) -> None:
    shipped = lexicon_path(locale).read_text(encoding="utf-8")
    edited = edit(shipped)
    assert edited != shipped, "the edit must change the file"
    path = write_lexicon(tmp_path, locale, edited)
    with pytest.raises(FileLexiconError, match=re.escape(message)):
        load_lexicon(path)


@pytest.mark.parametrize("locale", LOCALES)
def test_an_unchanged_copy_loads(tmp_path: Path, locale: str) -> None:
    """The editing helpers of both lists only break what they mean to: a plain copy loads."""
    path = write_lexicon(tmp_path, locale, lexicon_path(locale).read_text(encoding="utf-8"))
    copy = load_lexicon(path)
    assert copy.locale == locale
    assert copy.phrases == default_lexicon(locale).phrases
    assert copy.syntax == default_lexicon(locale).syntax


def test_a_missing_lexicon_file(tmp_path: Path) -> None:
    with pytest.raises(FileLexiconError, match="no triage lexicon"):
        load_lexicon(tmp_path / "xx" / "triage" / "lexicon.toml")


def test_lexicon_errors_are_content_errors() -> None:
    assert issubclass(FileLexiconError, ContentError)


def test_the_core_refuses_a_lexicon_missing_categories() -> None:
    phrases = {category: ("x",) for category in CATEGORIES if category != "idioms"}
    with pytest.raises(LexiconError, match="idioms"):
        Lexicon("en", phrases, {})


# --- the command --------------------------------------------------------------------------------


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


CLI = (
    ["triage"],  # English by default
    "I want to die\ndying for coffee\n\nI would never hurt my little one\n",
    [
        {"level": "urgent", "reasons": ["suicidal_ideation"], "ask_clarifying": False},
        {"level": "none", "reasons": ["idiom_ignored"], "ask_clarifying": False},
        {"level": "none", "reasons": [], "ask_clarifying": False},
        {
            "level": "none",  # a clear denial: none, and asked about (clinical-facts.md)
            "reasons": ["harm_to_baby", "negated_needs_clarifying"],
            "ask_clarifying": True,
        },
    ],
    ["coffee", "little one"],
)


@pytest.mark.parametrize(
    ("locale", "args", "stdin", "printed", "unsaid"), by_locale([CLI], [es.CLI])
)
def test_cli_prints_one_json_object_per_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    locale: str,
    args: list[str],
    stdin: str,
    printed: list[dict[str, object]],
    unsaid: list[str],
) -> None:
    _stdin(monkeypatch, stdin)
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == printed
    for words in unsaid:
        assert words not in "".join(lines)  # never the text


def test_cli_treats_lines_independently_by_default(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "I have the pills\ntonight\n")
    assert main(["triage", "--locale", "en", "--stage", "lexicon"]) == 0
    levels = [json.loads(line)["level"] for line in capsys.readouterr().out.splitlines()]
    assert levels == ["concern", "none"]


def test_cli_conversation_reads_recent_lines_together(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "I have the pills\ntonight\n\ntonight\n")
    assert main(["triage", "--conversation", "--stage", "lexicon"]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [result["level"] for result in results] == ["concern", "emergency", "none", "none"]
    assert "combined_recent_messages" in results[1]["reasons"]


def test_cli_eval_prints_recall_and_false_alarms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "set.tsv"
    labelled.write_text(
        "# a comment\n"
        "emergency\tI took all the pills\n"
        "urgent\tI took all the pills\n"  # caught above its label: still recalled
        "urgent\thello\n"  # missed
        "concern\thow many pills\n"
        "none\tdying for coffee\n"
        "none\tI want to die\n"  # a false alarm
        "\n",
        encoding="utf-8",
    )
    assert main(["triage", "--eval", str(labelled), "--stage", "lexicon"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stages"]["lexicon"] == {key: report[key] for key in report if key != "stages"}
    assert report["lines"] == 6
    assert report["counts"] == {"none": 2, "concern": 1, "urgent": 2, "emergency": 1}
    assert report["recall"] == {"none": 0.5, "concern": 1.0, "urgent": 0.5, "emergency": 1.0}
    assert report["urgent_or_emergency_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["false_alarm_rate"] == 0.5
    assert report["confusion"]["urgent"]["none"] == 1


def test_cli_eval_show_misses_gives_line_numbers_not_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "set.tsv"
    labelled.write_text("urgent\thello there\nnone\tfine\n", encoding="utf-8")
    assert main(["triage", "--eval", str(labelled), "--show-misses", "--stage", "lexicon"]) == 0
    err = capsys.readouterr().err
    assert json.loads(err) == {"line": 1, "label": "urgent", "got": "none"}
    assert "hello" not in err


@pytest.mark.parametrize(
    "content", ["urgent I want to die\n", "severe\tI want to die\n", "urgent\t\n", "# only\n"]
)
def test_cli_eval_refuses_a_bad_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    labelled = tmp_path / "set.tsv"
    labelled.write_text(content, encoding="utf-8")
    assert main(["triage", "--eval", str(labelled)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"companion: {labelled}")


def test_cli_refuses_a_broken_lexicon_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = lexicon_path("en").read_text(encoding="utf-8")
    path = write_lexicon(tmp_path, "en", _drop_category(shipped, "idioms"))
    assert main(["triage", "--lexicon", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "missing categories: idioms" in err[0]


# --- the labelled set ---------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "minimum"), [("en", 150), ("es", 300)])
def test_the_labelled_set_is_large_and_covers_every_level(locale: str, minimum: int) -> None:
    rows = labelled_rows(locale)
    assert len(rows) >= minimum
    for level in LEVELS:
        assert sum(1 for row in rows if row[0] == level) >= 30, level
    texts = [text for _, text in rows]
    assert len(texts) == len(set(texts)), "a line appears twice"
    assert any("\u2019" in text for text in texts)  # curly apostrophes
    assert any(re.search(r"\S {2,}\S", text) for text in texts)  # odd spacing
    assert any(ord(ch) > 0x2600 for text in texts for ch in text)  # emoji


@pytest.mark.parametrize(("locale", "level", "text", "kind"), serious_rows())
def test_every_labelled_urgent_and_emergency_line_is_caught(
    locale: str, level: Level, text: str, kind: str | None
) -> None:
    """As the bot reads her words (both stages): at the label's level or higher; an ambiguous
    line (exhaustion, a denial that still carries distress, a lone method word) is caught when
    she is asked directly."""
    result = triage_both(locale, text)
    if kind == "ambiguous" and result.ask_clarifying:
        return
    assert_at_least(result, level, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_eval_over_the_labelled_set(locale: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "--locale", locale, "--eval", str(labelled_path(locale))]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["lines"] == len(labelled_rows(locale))
    # the labelled set is part of the model's training corpus: every serious line is caught
    # or (the ambiguous ones) asked about, as test_every_labelled_urgent_and_emergency_line...
    assert report["urgent_or_emergency_caught_or_asked"] == 1.0
    assert report["urgent_or_emergency_recall"] >= 0.94
    assert report["recall"]["concern"] >= 0.9
    # Its none lines are hard on purpose (denials the lexicon asks about, dose questions): the
    # model adds few false alarms to the lexicon's on lines it learned from.
    lexicon = report["stages"]["lexicon"]
    assert report["false_alarm_rate"] <= lexicon["false_alarm_rate"] + 0.04
    assert set(report["stages"]) == {"lexicon", "model", "combined"}
