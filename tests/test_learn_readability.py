"""Every learning snippet reads easily for a tired mother at 3 am, in English and in Spanish: a
readability score over a threshold, and no long sentences (docs/content.md says how and why).

English: Flesch reading ease; Spanish: its Fernández-Huerta counterpart; both from textstat 0.7.3,
whose syllables come from pyphen's hyphenation dictionaries (offline)."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest
from textstat.textstat import textstatistics  # type: ignore[import-untyped]

from companion.content import Content, load_content
from companion.resources import messages_dir

# The lowest score a snippet may have: 60-70 is "plain English" on Flesch's scale and "normal"
# on Fernández-Huerta's; 65 is the middle of that band. Before issue 22 the lowest English score
# was 48 (university level) and the lowest Spanish one 57.
MIN_SCORE = {"en": 65.0, "es": 65.0}
MAX_SENTENCE_WORDS = 22  # "about 20 words at most"
PYPHEN_LANGUAGE = {"en": "en_US", "es": "es"}

# Before issue 22: the hardest English snippet and the hardest Spanish one, word for word.
OLD_KETAMINE_CLINICS = (
    "Some clinics advertise ketamine for postpartum depression with promises of fast results. In "
    "depression generally, a single dose can act within hours, but the effect often fades within "
    "a week. Esketamine nasal spray is approved only for treatment-resistant depression, given in "
    "certified clinics with at least 2 hours of monitoring. No controlled trials of "
    "ketamine-assisted therapy for PPD outside hospital were found. Treatments with stronger "
    "evidence exist: ask your doctor about them first."
)
OLD_TALKING_THERAPIES_ES = (
    "Las terapias psicológicas, como la TCC (terapia cognitivo-conductual) y la TIP (terapia "
    "interpersonal), son una primera opción de tratamiento para la depresión posparto y ayudan a "
    "muchas madres. Son seguras durante la lactancia. Para mujeres con mayor riesgo, el US "
    "Preventive Services Task Force recomienda este tipo de apoyo psicológico para ayudar a "
    "prevenir la depresión. Tu profesional de salud puede decirte cómo conseguir una derivación "
    "donde vives."
)


def plain(text: str) -> str:
    """A decimal point ("0.5 %") is not the end of a sentence."""
    return re.sub(r"(?<=\d)\.(?=\d)", ",", text)


def readability(text: str, locale: str) -> float:
    """Flesch reading ease for English, Fernández-Huerta for Spanish (higher reads easier), from
    textstat's counts of words, sentences and syllables. The formulas are textstat's own, but
    unrounded: textstat 0.7.3 rounds syllables per word to one decimal, which moves a score in
    steps of 8.5 (English) or 6 (Spanish)."""
    stats = textstatistics()
    stats.set_lang(PYPHEN_LANGUAGE[locale])
    text = plain(text)
    words = stats.lexicon_count(text)
    per_sentence = words / stats.sentence_count(text)
    per_word = stats.syllable_count(text) / words
    if locale == "es":
        return 206.84 - 60 * per_word - 1.02 * per_sentence
    return 206.835 - 1.015 * per_sentence - 84.6 * per_word


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", plain(text)) if s]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(messages_dir(), "en")


def test_the_scores_come_from_the_pinned_offline_textstat() -> None:
    assert version("textstat") == "0.7.3"


def test_every_snippet_reads_easily_in_both_languages(content: Content) -> None:
    assert set(content.snippets) == set(MIN_SCORE)
    too_hard = {
        (locale, snippet.id): score
        for locale, library in content.snippets.items()
        for snippet in library
        if (score := readability(snippet.text, locale)) < MIN_SCORE[locale]
    }
    assert too_hard == {}


def test_no_sentence_in_a_snippet_is_long(content: Content) -> None:
    long = {
        (locale, snippet.id): sentence
        for locale, library in content.snippets.items()
        for snippet in library
        for sentence in sentences(snippet.text)
        if len(sentence.split()) > MAX_SENTENCE_WORDS
    }
    assert long == {}


@pytest.mark.parametrize(
    ("text", "locale"), [(OLD_KETAMINE_CLINICS, "en"), (OLD_TALKING_THERAPIES_ES, "es")]
)
def test_the_score_fails_the_old_hardest_snippets(text: str, locale: str) -> None:
    assert readability(text, locale) < MIN_SCORE[locale]


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("The baby blues usually pass within about two weeks. Talk with your midwife.", "en"),
        ("La tristeza posparto suele pasar en unas dos semanas. Habla con tu matrona.", "es"),
    ],
)
def test_the_score_passes_plain_words(text: str, locale: str) -> None:
    assert readability(text, locale) >= MIN_SCORE[locale]


def test_a_decimal_point_does_not_end_a_sentence() -> None:
    assert sentences("About 0.5% of the dose. Talk with your doctor.") == [
        "About 0,5% of the dose.",
        "Talk with your doctor.",
    ]
    assert len(sentences(OLD_KETAMINE_CLINICS)) == 5
