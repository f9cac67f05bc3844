"""The corrections of the clinical fact-check (issue 22) are in what a mother reads, in English and
in Spanish, with their sources; the wrong or overstated wording is gone from every snippet."""

from __future__ import annotations

import re

import pytest

from companion.content import Content, load_content
from companion.core.snippets import Snippet
from companion.resources import messages_dir

# (locale, snippet id) -> words its text must hold, word for word.
IN_TEXT = {
    ("en", "ketamine_clinics"): [
        "In the US, esketamine nasal spray is approved for hard-to-treat depression.",
        "Since 2020 it is also approved for adults with depression and acute suicidal thoughts or "
        "behaviour. It is not approved for postpartum depression as such.",
    ],
    ("es", "ketamine_clinics"): [
        "En EE. UU., el aerosol nasal de esketamina está aprobado para la depresión difícil de "
        "tratar.",
        "Desde 2020 también lo está para adultos con depresión y pensamientos o conductas suicidas "
        "agudos. No está aprobado para la depresión posparto como tal.",
    ],
    ("en", "zuranolone"): [
        "It is approved in the US (since 2023), and in the UK and the EU (since 2025).",
        "In the EU it is not to be used in pregnancy, and it is not recommended while "
        "breastfeeding. In the US, there is little data on breastfeeding.",
    ],
    ("es", "zuranolone"): [
        "Está aprobada en EE. UU. (desde 2023) y en el Reino Unido y la Unión Europea "
        "(desde 2025).",
        "En la UE no debe usarse en el embarazo y no se recomienda durante la "
        "lactancia. En EE. UU. hay pocos datos sobre la lactancia.",
    ],
    ("en", "ketamine_research"): [
        "364 mothers who already had depressive symptoms in pregnancy. They got one dose of "
        "esketamine through a drip (IV).",
        "Other trials found no benefit, one of them after 6 months of follow-up.",
    ],
    ("es", "ketamine_research"): [
        "364 madres que ya tenían síntomas de depresión en el embarazo. Recibieron una dosis de "
        "esketamina por la vena.",
        "Otros ensayos no encontraron beneficio, uno de ellos con 6 meses de seguimiento.",
    ],
    ("en", "ppd_what"): [
        "As many as 1 in 7 women have depression in pregnancy or after the birth.",
        "In one large US survey, the share ranged from 8% to 20% between states.",
    ],
    ("es", "ppd_what"): [
        "Hasta 1 de cada 7 mujeres tiene depresión en el embarazo o después del parto.",
        "En una gran encuesta de EE. UU., la cifra iba del 8 % al 20 % según el estado.",
    ],
    ("en", "myth_happy"): [
        "as many as 1 in 7 women have depression in pregnancy or after the birth"
    ],
    ("es", "myth_happy"): ["hasta 1 de cada 7 mujeres tiene depresión en el embarazo o después"],
    ("en", "intrusive_thoughts"): [
        "The thoughts were most intense in the first 6 to 8 weeks, and most faded by 6 months."
    ],
    ("es", "intrusive_thoughts"): [
        "Estos pensamientos fueron más intensos en las primeras 6 a 8 semanas, y la mayoría "
        "desapareció hacia los 6 meses."
    ],
    ("en", "sleep_help"): [
        "More sleep and practical help may ease things, but they do not replace treatment.",
        'protecting one stretch of 4 or 5 hours of sleep: it "may be necessary and effective".',
    ],
    ("es", "sleep_help"): [
        "Dormir más y recibir ayuda práctica puede aliviar, pero no sustituye al tratamiento.",
        "proteger un tramo de sueño de 4 o 5 horas seguidas: “puede ser necesario y eficaz”.",
    ],
    ("en", "practical_help"): ["Help like this may ease the load."],
    ("es", "practical_help"): ["Una ayuda así puede aliviar la carga."],
    ("en", "partners_help"): ["help like this may ease the load"],
    ("es", "partners_help"): ["una ayuda así puede aliviar la carga"],
}

# (snippet id) -> words its source must hold, in every locale (names, journals and years).
IN_SOURCE = {
    "ketamine_clinics": ["Spravato", "2020"],
    "zuranolone": [
        "SKYLARK",
        "50 mg",
        "Am J Psychiatry 2023",
        "ROBIN",
        "30 mg",
        "JAMA Psychiatry 2021",
        "MHRA",
        "(2025)",
    ],
    "ketamine_research": ["BMJ 2024;385:e078218", "364"],
    "ppd_what": ["USPSTF (JAMA 2019)", "PRAMS", "2012", "11.5", "8.0", "20.1"],
    "sleep_help": ["Leistikow", "Seminars in Perinatology 2024"],
}

# Wording the fact-check found wrong or overstated: in no snippet, title or text, any locale.
WRONG = [
    r"approved only for treatment-resistant",
    r"aprobado solo para la depresión resistente",
    r"\babout 1 in 7\b",
    r"alrededor de 1 de cada 7",
    r"most common in the first 6",
    r"más comunes en las primeras 6",
    r"really do ease",
    r"\beases symptoms\b",
    r"alivian? los síntomas",
    r"made for PPD",
    r"follow-up lasted 6 weeks or less",
    r"seguimiento duró 6 semanas o menos",
]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(messages_dir(), "en")


def snippet(content: Content, locale: str, id_: str) -> Snippet:
    [found] = [s for s in content.snippets[locale] if s.id == id_]
    return found


@pytest.mark.parametrize(("locale", "id_"), sorted(IN_TEXT))
def test_each_correction_is_in_the_text_she_reads(content: Content, locale: str, id_: str) -> None:
    text = snippet(content, locale, id_).text
    missing = [words for words in IN_TEXT[locale, id_] if words not in text]
    assert missing == []


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("id_", sorted(IN_SOURCE))
def test_each_correction_has_its_source_line(content: Content, locale: str, id_: str) -> None:
    source = snippet(content, locale, id_).source
    missing = [words for words in IN_SOURCE[id_] if words not in source]
    assert missing == []


def test_the_wrong_wording_is_gone_from_every_snippet(content: Content) -> None:
    found = {
        (locale, s.id): pattern
        for locale, library in content.snippets.items()
        for s in library
        for pattern in WRONG
        if re.search(pattern, f"{s.title}. {s.text}", re.IGNORECASE)
    }
    assert found == {}
