"""Learning snippets: the library's content rules (lengths, sources, forbidden claims), the pure
choice rules, and what a mother sees: the opt-in, a fitting snippet after her check-in that never
repeats until every fitting one was seen, /learn's topic menu, and the two-week low-mood message."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from companion.bot.context import Services
from companion.bot.mother_view import format_date
from companion.clock import ManualClock
from companion.content import Content, ContentError, load_content
from companion.core import snippets as core
from companion.core.snippets import Snippet
from companion.core.tiers import Tier
from companion.core.trends import DayPoint
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.learn_files import SNIPPET_LIMIT, SnippetError
from companion.resources import messages_dir
from companion.store.checkins import record_checkin, save_answer
from companion.store.learn import SnippetSeen
from companion.store.models import Checkin, CheckinStatus, Mother
from companion.store.mothers import write_birth_date
from tests.chat_helpers import assert_nothing_stored, load_mother, reach, snapshot, t, texts
from tests.checkin_helpers import add_mother, at, skip_to_the_end, tick_and_read, update_mother
from tests.clinician_helpers import add_clinician, add_share
from tests.test_content import NEW_LOCALE, SHIPPED_LOCALES, add_locale, edit, locale_folders

# --- the content ----------------------------------------------------------------------------------

REQUIRED_TOPICS = {
    "ppd", "blues", "symptoms", "anxiety", "psychosis", "treatment", "seeking_help", "therapy",
    "medicines", "new_treatments", "support", "sleep", "family", "doctor", "self_compassion",
    "bonding", "myths",
}  # fmt: skip
PROFESSIONAL = re.compile(
    r"\b(doctor|midwife|health visitor|clinician|professional|emergency number"
    r"|médic[oa]|matrona|profesional|número de emergencia)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Claim:
    """A claim no snippet may make, in any locale. With `mention`, only sentences that mention
    it are checked; a sentence matching `unless` is the balanced version and passes."""

    name: str
    pattern: str
    mention: str | None = None
    unless: str | None = None

    def breaks(self, sentence: str) -> bool:
        if self.mention and not re.search(self.mention, sentence, re.IGNORECASE):
            return False
        if self.unless and re.search(self.unless, sentence, re.IGNORECASE):
            return False
        return re.search(self.pattern, sentence, re.IGNORECASE) is not None


FORBIDDEN_CLAIMS = [
    Claim(
        "brexanolone presented as available",
        pattern=r".",
        mention=r"\b(brexanolone|brexanolona|zulresso)\b",
        unless=r"\b(withdrawn|no longer|retirad[ao]|se retiró|ya no)\b",
    ),
    Claim(
        "brexanolone called available",
        pattern=r"\bdisponibles?\b",
        mention=r"\b(brexanolone|brexanolona|zulresso)\b",
        unless=r"\bno ((está|están|es|son) )?disponibles?\b",
    ),
    Claim(
        "a 70% figure (the TMS clinics' claim)",
        r"\b70\s*(%|per ?cent|por ?ciento)|\bseventy|\bsetenta\b",
    ),
    Claim(
        "ketamine or esketamine as approved for PPD",
        pattern=r"\b(approved|aprob(ad[ao]s?|ó|aron)|autoriz(ad[ao]s?|ó|aron))\b",
        mention=r"\b(es)?ketamin[ae]\b|\bspravato\b",
        unless=r"\bnot approved\b|\bno (está|están|ha sido|han sido|fue|fueron) (aprobad|autorizad)"
        r"|\bfor (hard-to-treat|treatment-resistant) depression\b"
        r"|\bpara la depresión (difícil de tratar|resistente al tratamiento)\b",
    ),
    Claim(
        "ketamine or esketamine as approved for PPD in a sentence naming other approvals",
        pattern=r"\b(approved|aprobad[ao]s?|autorizad[ao]s?)\b[^.;:]*\b(PPD|postpartum|DPP|posparto)\b",
        mention=r"\b(es)?ketamin[ae]\b|\bspravato\b",
        unless=r"\bnot (approved )?for (PPD|postpartum)|\bno (está|están) (aprobad|autorizad)"
        r"|\bno (aprobad[ao]s? )?para la (DPP|depresión posparto)",
    ),
    Claim(
        "esketamine approved only for treatment-resistant depression (since 2020 also for "
        "depression with acute suicidal thoughts)",
        r"\b(approved|cleared) only for\b|\bonly (approved|cleared) for\b"
        r"|\b(aprobad|autorizad)[ao]s? (solo|solamente|únicamente) para\b"
        r"|\b(solo|solamente|únicamente) (está|fue) (aprobad|autorizad)[ao]s? para\b",
        mention=r"\b(es)?ketamin[ae]\b|\bspravato\b",
    ),
    Claim(
        "a cure",
        r"\bcur(e|es|ed|ing)\b"
        r"|\bcur(a|as|an|ar|arte|arse|ará|arán|ado|ada|ados|adas|ación|ativ[oa]s?)\b",
    ),
    Claim(
        "relief promised within a set time",
        r"\b(relief|alivi\w*|mejor(a|ará|arás|arán|ía))\b[^.]{0,60}"
        r"\b(within|in|en|dentro de)\s+(\d|a few|one|two|unas?|unos|pocas|pocos)"
        r"|\b\d+\s*(-|–|to|a|y)\s*\d+\s*(hours|horas|días)\b|\b(feel|get)(ing)? better (with)?in\b"
        r"|\bguarantee|\bgarant(iza|ía)"
        r"|\b(alivio|efecto|mejoría) (inmediat|rápid|garantizad|segur)[ao]s?\b"
        r"|\ben cuestión de (minutos|horas|días)\b"
        r"|\b(sentir|estar)\w* mejor (en|dentro de|antes de)\s+"
        r"(\d|unas?|unos|pocas|pocos|horas|días)"
        r"|\b(en|dentro de)\s+(\d+|unas?|unos|pocas|pocos)\s+(horas|días)\b[^.]{0,60}"
        r"\b(alivi|mejor)",
    ),
    Claim(
        "a hint that her child could be taken away",
        r"\btaken away\b|\bcustody\b|\bchild protective\b|\bsocial services\b"
        r"|\bquitar\w* (al|a tu)|\bcustodia\b|\bservicios sociales\b"
        r"|\bprotección (infantil|de menores)\b"
        r"|\bquit\w*\s+(a\s+)?(tu|el|la|al|los)\s+(bebé|hij[oa]s?|niñ[oa]s?)",
    ),
]


def broken_claims(text: str) -> list[str]:
    sentences = re.split(r"(?<=[.!?:;])\s+", text)
    return sorted({claim.name for claim in FORBIDDEN_CLAIMS for s in sentences if claim.breaks(s)})


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(messages_dir(), "en")


def every_snippet(content: Content) -> list[tuple[str, Snippet]]:
    return [(locale, s) for locale, library in content.snippets.items() for s in library]


def test_the_english_library_is_complete(content: Content) -> None:
    library = content.library("en")
    assert len(library) >= 24
    assert set(core.topics(library)) >= REQUIRED_TOPICS
    assert len({snippet.id for snippet in library}) == len(library)
    words = " ".join(snippet.text for snippet in library).lower()
    for subject in ("zuranolone", "tms", "esketamine", "ketamine", "brexanolone", "sertraline"):
        assert subject in words, subject
    assert any(core.TREND in snippet.triggers for snippet in library)


def test_every_snippet_fits_its_limits_and_names_a_source_and_review_date(
    content: Content,
) -> None:
    for locale, snippet in every_snippet(content):
        assert 0 < len(snippet.text) <= SNIPPET_LIMIT, (locale, snippet.id)
        assert 0 < len(snippet.title) <= 64, (locale, snippet.id)
        assert snippet.source.strip(), (locale, snippet.id)
        assert isinstance(snippet.reviewed, date), (locale, snippet.id)
        assert 0 <= snippet.weeks[0] <= snippet.weeks[1] <= core.MAX_WEEK
        label = f"learn.button.topic.{snippet.topic}"
        assert content.has(locale, label), (locale, label)


DATED_SOURCE = re.compile(r"\b(19|20)\d\d\b")
UNVERIFIED_YEAR = re.compile(r"year not verified|año no verificado", re.IGNORECASE)
INTERNAL_SHEET = re.compile(r"companion.s clinical fact sheet|ficha clínica de companion", re.I)


def source_problems(source: str) -> list[str]:
    """A source shown to a mother names a year, and one that was checked (issue 22)."""
    found = [] if DATED_SOURCE.search(source) else ["no year"]
    found += ["a year not verified"] if UNVERIFIED_YEAR.search(source) else []
    return found + (["cites the internal fact sheet"] if INTERNAL_SHEET.search(source) else [])


def test_every_source_has_a_checked_year_and_none_cites_the_fact_sheet(content: Content) -> None:
    snippets = every_snippet(content)
    assert {locale for locale, _ in snippets} == set(SHIPPED_LOCALES)
    found = {
        (loc, s.id): problems for loc, s in snippets if (problems := source_problems(s.source))
    }
    assert found == {}


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("ACOG; LactMed", "no year"),
        ("Cohort study of 763 new mothers", "no year"),
        ("DSM-5 (2013); ACOG patient guidance (year not verified)", "a year not verified"),
        ("NHS, página sobre la depresión posnatal (año no verificado)", "a year not verified"),
        ("companion's clinical fact sheet (2026)", "cites the internal fact sheet"),
        ("ficha clínica de companion (2026); CDC", "cites the internal fact sheet"),
    ],
)
def test_the_source_check_catches_undated_and_internal_sources(source: str, problem: str) -> None:
    assert problem in source_problems(source)


def test_every_snippet_points_to_a_professional(content: Content) -> None:
    missing = [(loc, s.id) for loc, s in every_snippet(content) if not PROFESSIONAL.search(s.text)]
    assert missing == []


def test_no_snippet_makes_a_forbidden_claim_in_any_locale(content: Content) -> None:
    found = {
        (locale, snippet.id): broken
        for locale, snippet in every_snippet(content)
        if (broken := broken_claims(f"{snippet.title}. {snippet.text}"))
    }
    assert found == {}


@pytest.mark.parametrize(
    ("seed_claim", "name"),
    [
        ("Brexanolone (Zulresso) is given as a 60-hour infusion.", "brexanolone presented"),
        ("About 70% of mothers improved with TMS.", "a 70% figure"),
        ("TMS: 70 percent improved.", "a 70% figure"),
        ("Ketamine is approved for postpartum depression.", "ketamine or esketamine"),
        (
            "Esketamine nasal spray is approved only for treatment-resistant depression.",
            "esketamine approved only for treatment-resistant",
        ),
        (
            "Esketamine is approved for treatment-resistant depression and for PPD.",
            "ketamine or esketamine as approved for PPD in a sentence",
        ),
        ("There is a cure for PPD.", "a cure"),
        ("Most feel relief in 24-48 hours.", "relief promised"),
        ("You'll feel better within 3 days.", "relief promised"),
        ("Asking for help won't get your baby taken away.", "a hint that her child"),
    ],
)
def test_the_claim_check_catches_the_seed_blogs_claims(seed_claim: str, name: str) -> None:
    assert any(found.startswith(name) for found in broken_claims(seed_claim)), seed_claim


@pytest.mark.parametrize(
    ("bad", "name"),
    [
        ("La brexanolona (Zulresso) se da en una infusión de 60 horas.", "brexanolone presented"),
        (
            "La brexanolona ya no se vende, pero está disponible en hospitales.",
            "brexanolone called",
        ),
        ("Alrededor del 70 % de las madres mejoró con la EMT.", "a 70% figure"),
        ("Con la EMT, setenta de cada cien mejoran.", "a 70% figure"),
        ("La ketamina está aprobada para la depresión posparto.", "ketamine or esketamine"),
        ("La FDA aprobó la esketamina para la DPP.", "ketamine or esketamine"),
        ("La esketamina está autorizada para la depresión posparto.", "ketamine or esketamine"),
        (
            "El aerosol nasal de esketamina está aprobado solo para la depresión resistente.",
            "esketamine approved only for treatment-resistant",
        ),
        ("Existe una cura para la depresión posparto.", "a cure"),
        ("Este tratamiento te curará.", "a cure"),
        ("La mayoría siente alivio en 24 a 48 horas.", "relief promised"),
        ("Notarás alivio en 24 horas.", "relief promised"),
        ("Ofrecemos alivio inmediato.", "relief promised"),
        ("Funciona en cuestión de horas.", "relief promised"),
        ("Te sentirás mejor en 3 días.", "relief promised"),
        ("En pocos días sentirás alivio.", "relief promised"),
        ("Mejorarás en unas semanas, te lo garantizamos.", "relief promised"),
        ("Nadie te va a quitar a tu bebé.", "a hint that her child"),
        ("No llamaremos a los servicios sociales.", "a hint that her child"),
        ("Pedir ayuda no hará que te quiten a tu bebé.", "a hint that her child"),
    ],
)
def test_the_claim_check_catches_the_same_claims_in_spanish(bad: str, name: str) -> None:
    assert any(found.startswith(name) for found in broken_claims(bad)), bad


@pytest.mark.parametrize(
    "balanced",
    [
        "La ketamina y la esketamina no están aprobadas para la depresión posparto.",
        "El aerosol nasal de esketamina está aprobado para la depresión difícil de tratar.",
        "No está aprobado para la depresión posparto como tal.",
        "Un medicamento anterior, la brexanolona, ya no es una opción: se retiró en 2025.",
        "La brexanolona ya no está disponible.",
        "Una sola dosis puede actuar en horas, pero el efecto a menudo se pierde en una semana.",
        "La tristeza posparto suele pasar en unas dos semanas.",
        "Dormir más alivia los síntomas: pide que alguien se encargue de una toma de la noche.",
    ],
)
def test_the_claim_check_lets_the_balanced_spanish_wording_pass(balanced: str) -> None:
    assert broken_claims(balanced) == []


def test_the_spanish_library_is_complete_and_translated(content: Content) -> None:
    english, spanish = content.library("en"), content.snippets["es"]
    assert [s.id for s in spanish] == [s.id for s in english]
    assert [(s.topic, s.weeks, s.triggers) for s in spanish] == [
        (s.topic, s.weeks, s.triggers) for s in english
    ]
    assert set(core.topics(spanish)) >= REQUIRED_TOPICS
    untranslated = [
        es.id
        for es, en in zip(spanish, english, strict=True)
        if {es.title, es.text} & {en.title, en.text}
    ]
    assert untranslated == []
    words = " ".join(snippet.text for snippet in spanish).lower()
    for subject in ("zuranolona", "tms", "esketamina", "ketamina", "brexanolona", "sertralina"):
        assert subject in words, subject
    for topic in core.topics(spanish):
        key = f"learn.button.topic.{topic}"
        assert content.text("es", key) != content.text("en", key), key


def test_support_lines_are_called_support_not_emergency(content: Content) -> None:
    for locale, snippet in every_snippet(content):
        if re.search(r"support lines?", snippet.text, re.IGNORECASE):
            assert re.search(r"not (an )?emergency", snippet.text), (locale, snippet.id)


# --- the loader names the file and the field ------------------------------------------------------

GOOD = """[[snippets]]
id = "extra"
title = "Extra"
topic = "ppd"
weeks = [0, 4]
triggers = ["any"]
text = "Talk with your doctor."
source = "Somewhere 2026"
reviewed = 2026-11-21
"""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('text = "Talk with your doctor."', f'text = "{"x" * 701}"', r"\.text: 701 characters"),
        ('source = "Somewhere 2026"\n', "", r"snippets\[0\]: missing source"),
        ("reviewed = 2026-11-21", 'reviewed = "2026-11-21"', r"\.reviewed: expected a date"),
        ('triggers = ["any"]', 'triggers = ["sometimes"]', r"\.triggers: unknown 'sometimes'"),
        ("weeks = [0, 4]", "weeks = [4, 0]", r"\.weeks: expected \[first, last\]"),
        ('topic = "ppd"', 'topic = "gossip"', r"\.topic: no label for 'gossip'"),
        ('id = "extra"', 'id = "baby_blues"', r"\.id: 'baby_blues' is also in"),
        ('title = "Extra"', 'title = "Extra"\ncolour = "red"', r"unknown keys colour"),
    ],
)
def test_a_broken_snippet_file_names_the_file_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    root = tmp_path / "messages"
    shutil.copytree(messages_dir(), root)
    (root / "en" / "learn" / "99_extra.toml").write_text(GOOD.replace(old, new))
    with pytest.raises(SnippetError, match=r"99_extra\.toml: snippets\[0\]") as raised:
        load_content(root, "en")
    assert re.search(message, str(raised.value)), str(raised.value)


def test_the_good_extra_file_loads(tmp_path: Path) -> None:
    root = tmp_path / "messages"
    shutil.copytree(messages_dir(), root)
    folders = locale_folders(root)
    assert [folder.name for folder in folders] == SHIPPED_LOCALES
    for folder in folders:  # every locale needs it, or the others miss a snippet
        extra = GOOD.replace('title = "Extra"', f'title = "Extra {folder.name}"')
        (folder / "learn" / "99_extra.toml").write_text(extra)
    content = load_content(root, "en")
    for locale in SHIPPED_LOCALES:
        last = content.library(locale)[-1]
        assert (last.id, last.title) == ("extra", f"Extra {locale}")


@pytest.mark.parametrize("locale", ["es", NEW_LOCALE])
def test_a_second_locale_must_keep_weeks_and_triggers(tmp_path: Path, locale: str) -> None:
    root = tmp_path / "messages"
    shutil.copytree(messages_dir(), root)
    if locale == NEW_LOCALE:
        add_locale(root, locale)
    assert [s.id for s in load_content(root, "en").library(locale)] == [
        s.id for s in load_content(root, "en").library("en")
    ]
    edit(root / locale / "learn" / "10_understanding.toml", "weeks = [0, 3]", "weeks = [0, 5]")
    with pytest.raises(
        ContentError, match=rf"{locale}/learn/10_understanding\.toml: snippets\[2\]: topic"
    ):
        load_content(root, "en")


# --- the choice, pure -----------------------------------------------------------------------------

TODAY = date(2026, 11, 21)


def snip(id_: str, weeks: tuple[int, int] = (0, 56), *triggers: str) -> Snippet:
    return Snippet(id_, id_, "t", weeks, frozenset(triggers or ("any",)), "text", "s", TODAY)


LIBRARY = [
    snip("general"),
    snip("early", (0, 3)),
    snip("blues", (0, 3), "any", "low_mood"),
    snip("treatment", (2, 56), "any", "low_mood", "probable"),
    snip("trend_only", (2, 56), "trend"),
    snip("late", (20, 56)),
]


def test_postpartum_week() -> None:
    assert core.postpartum_week(TODAY - timedelta(days=6), TODAY) == 0
    assert core.postpartum_week(TODAY - timedelta(days=7), TODAY) == 1
    assert core.postpartum_week(TODAY - timedelta(days=70), TODAY) == 10
    assert core.postpartum_week(None, TODAY) is None
    assert core.postpartum_week(TODAY + timedelta(days=1), TODAY) is None


def days(*moods: int | None) -> list[DayPoint]:
    first = TODAY - timedelta(days=len(moods) - 1)
    return [DayPoint(first + timedelta(days=n), mood=m) for n, m in enumerate(moods)]


def test_signals_read_low_mood_and_the_latest_tier() -> None:
    assert core.signals(days(4, 4, 2), None) == {"low_mood"}  # today low
    assert core.signals(days(2, 4, 2, 4), None) == {"low_mood"}  # two low days this week
    assert core.signals(days(2, 4, 4, 4), None) == set()  # one earlier low day
    assert core.signals(days(2, *[4] * 7), None) == set()  # older than a week
    assert core.signals(days(4), Tier.POSSIBLE) == {"possible"}
    assert core.signals(days(4), Tier.PROBABLE) == {"probable"}
    assert core.signals(days(4), Tier.URGENT) == {"probable"}
    assert core.signals([], Tier.ROUTINE) == set()


def test_choice_follows_her_week_and_what_her_answers_show() -> None:
    def pick(week: int | None, *signals: str) -> str | None:
        chosen = core.choose(LIBRARY, week=week, shown={}, signals=signals)
        return chosen.id if chosen else None

    assert pick(1) == "early"  # the narrowest window first
    assert pick(1, "low_mood") == "blues"
    assert pick(10) == "treatment"  # for her (narrower) stretch of weeks, before the general
    assert pick(10, "low_mood") == "treatment"
    assert pick(30, "probable") == "treatment"
    assert pick(None) == "early"
    assert core.choose(LIBRARY, week=1, shown={}, trigger="trend") is None
    trend = core.choose(LIBRARY, week=10, shown={}, trigger="trend")
    assert trend is not None
    assert trend.id == "trend_only"


def test_no_repeat_until_every_fitting_snippet_was_seen_then_start_over() -> None:
    shown: dict[str, int] = {}
    order = []
    for _ in range(8):
        chosen = core.choose(LIBRARY, week=25, shown=shown, signals={"low_mood"})
        assert chosen is not None
        order.append(chosen.id)
        shown[chosen.id] = shown.get(chosen.id, 0) + 1
    assert order == ["treatment", "late", "general"] * 2 + ["treatment", "late"]
    assert core.choose([snip("late", (20, 56))], week=1, shown={}) is None


def test_frequency_and_the_two_week_trend() -> None:
    assert core.snippet_due("daily", None, TODAY)
    assert not core.snippet_due("daily", TODAY, TODAY)
    assert core.snippet_due("daily", TODAY - timedelta(days=1), TODAY)
    assert not core.snippet_due("few_days", TODAY - timedelta(days=2), TODAY)
    assert core.snippet_due("few_days", TODAY - timedelta(days=3), TODAY)
    assert not core.snippet_due("off", None, TODAY)
    assert core.trend_due(days(*[2] * 8, *[4] * 6), None, TODAY)
    assert not core.trend_due(days(*[2] * 7, *[4] * 7), None, TODAY)
    assert not core.trend_due(days(*[2] * 14), TODAY - timedelta(days=13), TODAY)
    assert core.trend_due(days(*[2] * 14), TODAY - timedelta(days=14), TODAY)


# --- what she sees --------------------------------------------------------------------------------

LOW, GOOD_MOOD = "😕", "🙂"
DONE = "Done for today"
MORE, ANOTHER, ALL_TOPICS = "📚 More to read", "Another on this topic", "📚 All topics"


def library(services: Services) -> tuple[Snippet, ...]:
    return services.content.library("en")


def by_id(services: Services, snippet_id: str) -> Snippet:
    return next(s for s in library(services) if s.id == snippet_id)


def shown(services: Services, snippet_id: str) -> str:
    """The snippet as she reads it."""
    snippet = by_id(services, snippet_id)
    reviewed = format_date(services.content, "en", snippet.reviewed)
    return t(
        services,
        "learn.snippet",
        title=snippet.title,
        text=snippet.text,
        source=snippet.source,
        reviewed=reviewed,
    )


def snippet_ids(services: Services, messages: list[SentMessage]) -> list[str]:
    """Which snippets these messages show (the trend message ends with one)."""
    return [
        snippet.id
        for message in messages
        for snippet in library(services)
        if message.text.endswith(shown(services, snippet.id))
    ]


async def onboard_with(mother: ChatDriver, birth: str | None, frequency: str) -> None:
    await reach(mother, "birth_date")
    await (mother.say(birth) if birth else mother.tap("Skip"))
    await mother.tap(frequency)


async def check_in(
    mother: ChatDriver, services: Services, clock: ManualClock, moment: datetime, mood: str
) -> list[SentMessage]:
    """The scheduled prompt at `moment`, answered with one mood tap, the rest skipped."""
    clock.set(moment)
    await tick_and_read(services, mother)
    await mother.tap(mood)
    return await skip_to_the_end(mother)


async def test_onboarding_offers_snippets_and_settings_change_them(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "birth_date")
    replies = await mother.tap("Skip")
    assert replies[-1].text == t(services, "settings.snippets.prompt")
    assert replies[-1].button_labels == ["Daily", "Every few days", "No, thanks"]
    assert replies[-1].button_data("Daily") == "st|ob|snippets|daily"
    replies = await mother.say("daily")  # typed works too
    assert texts(replies)[0] == t(services, "settings.snippets.saved_daily")
    assert replies[-1].text.startswith("You're all set.")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.snippets == "daily"

    await mother.say("/settings")
    await mother.tap("Learning snippets")
    replies = await mother.tap("Every few days")
    assert texts(replies)[0] == t(services, "settings.snippets.saved_few_days")
    assert replies[-1].text.startswith("Saved.")
    await mother.say("/settings")
    await mother.tap("Learning snippets")
    await mother.tap("No, thanks")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.snippets == "off"


async def test_a_new_mother_starts_with_snippets_off(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboard_with(mother, None, "No, thanks")
    replies = await check_in(mother, services, clock, at(21, 9), LOW)
    assert texts(replies) == [
        t(services, "checkin.thanks"),
        t(services, "screening.offer", count=16),
    ]


async def test_one_week_and_ten_weeks_with_low_mood_get_different_fitting_snippets(
    person_factory: Callable[..., ChatDriver], services: Services, clock: ManualClock
) -> None:
    early, later = person_factory(1001), person_factory(1002)
    await onboard_with(early, "13/11/2026", "Daily")  # 8 days old on the 21st: week 1
    await onboard_with(later, "12 September 2026", "Daily")  # 70 days old: week 10
    seen: dict[str, list[str]] = {"early": [], "later": []}
    for day in (21, 22):
        clock.set(at(day, 9))
        await tick_and_read(services, early)
        later.new_messages()
        for name, mother in (("early", early), ("later", later)):
            await mother.tap(LOW)
            replies = await skip_to_the_end(mother)
            assert replies[0].text == t(services, "checkin.thanks")
            assert replies[1].button_labels == [MORE]
            assert replies[1].button_data(MORE) == "learn|menu"
            seen[name] += snippet_ids(services, replies[1:2])
    assert seen == {
        "early": ["baby_blues", "doctor_talk"],
        "later": ["treatment_when", "seeking_help"],  # when to consider it, what to expect
    }
    for snippet_id in seen["early"]:
        assert by_id(services, snippet_id).suits_week(1)
    for snippet_id in seen["later"]:
        assert by_id(services, snippet_id).suits_week(10)
        assert not by_id(services, snippet_id).suits_week(1)


async def test_no_snippet_repeats_until_every_fitting_one_was_seen(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboard_with(mother, None, "Daily")
    pool = {s.id for s in library(services) if core.ANY in s.triggers}
    order: list[str] = []
    for n in range(len(pool) + 1):
        replies = await check_in(mother, services, clock, at(21, 9) + timedelta(days=n), GOOD_MOOD)
        [snippet_id] = snippet_ids(services, replies)
        order.append(snippet_id)
    first_round = order[: len(pool)]
    assert len(first_round) == len(set(first_round))  # no repeat
    assert set(first_round) == pool
    assert order[-1] == order[0]  # the pool used up: the round starts again


async def test_every_few_days_means_every_third_day_and_none_after_a_crisis_reply(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboard_with(mother, None, "Every few days")
    got = []
    for n in range(5):
        replies = await check_in(mother, services, clock, at(21, 9) + timedelta(days=n), GOOD_MOOD)
        got.append(len(snippet_ids(services, replies)))
    assert got == [1, 0, 0, 1, 0]
    # A day her prompts rest after a crisis reply: no snippet, even daily, even if she checks in.
    await update_mother(services, 1001, snippets="daily", prompts_paused_until=at(27, 0))
    clock.set(at(26, 9))
    await mother.say("/checkin")
    await mother.tap(GOOD_MOOD)
    replies = await skip_to_the_end(mother)
    assert replies[0].text == t(services, "checkin.thanks")
    assert snippet_ids(services, replies) == []


# --- /learn ---------------------------------------------------------------------------------------


def topic_labels(services: Services) -> list[str]:
    return [t(services, f"learn.button.topic.{topic}") for topic in core.topics(library(services))]


async def test_learn_opens_the_topic_menu_and_each_topic_its_snippets(
    mother: ChatDriver, services: Services
) -> None:
    await onboard_with(mother, None, "No, thanks")
    replies = await mother.say("/learn")
    assert texts(replies) == [t(services, "learn.menu")]
    menu = replies[0]
    assert menu.button_labels == topic_labels(services)
    assert menu.button_data("Baby blues or something more?") == "learn|blues"

    replies = await mother.tap("Baby blues or something more?")
    assert texts(replies) == [shown(services, "baby_blues")]
    assert replies[0].button_labels == [ANOTHER, ALL_TOPICS]
    assert replies[0].button_data(ANOTHER) == "learn|blues|baby_blues"
    replies = await mother.tap(ANOTHER)
    assert texts(replies) == [shown(services, "more_than_blues")]
    replies = await mother.tap(ALL_TOPICS)
    assert texts(replies) == [t(services, "learn.menu")]
    replies = await mother.tap("Talking therapies")  # the only one on its topic
    assert replies[0].button_labels == [ALL_TOPICS]

    stored = await load_mother(services)
    assert stored is not None
    async with services.db.session() as session:
        rows = (await session.scalars(select(SnippetSeen))).all()
    assert [(row.mother_id, row.via) for row in rows] == [(stored.id, "menu")] * 3
    assert all(b"blues" not in row.snippet_sealed for row in rows)  # which ones: sealed


async def test_what_she_read_in_learn_is_not_sent_again_after_a_checkin(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboard_with(mother, None, "Daily")
    await mother.say("/learn")
    await mother.tap("Baby blues or something more?")  # baby_blues: first in line otherwise
    replies = await check_in(mother, services, clock, at(21, 9), GOOD_MOOD)
    assert snippet_ids(services, replies) == ["psychosis_signs"]


async def test_learn_works_before_consent_and_stores_nothing(
    mother: ChatDriver, services: Services
) -> None:
    replies = await mother.say("/learn")
    assert replies[0].button_labels == topic_labels(services)
    replies = await mother.tap("Postpartum psychosis: warning signs")
    assert texts(replies) == [shown(services, "psychosis_signs")]
    replies = await mother.tap(ANOTHER)
    assert texts(replies) == [shown(services, "psychosis_risk")]
    replies = await mother.tap(ANOTHER)
    assert texts(replies) == [shown(services, "psychosis_signs")]
    await assert_nothing_stored(services)


@pytest.mark.parametrize("data", ["learn|gossip", "learn|gossip|baby_blues"])
async def test_a_forged_topic_button_is_refused(
    mother: ChatDriver, services: Services, telegram: FakeTelegram, data: str
) -> None:
    await onboard_with(mother, None, "No, thanks")
    [menu] = await mother.say("/learn")
    before = await snapshot(services)
    assert await mother.deliver(mother.person.press_data(menu, data)) == []
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert await snapshot(services) == before


# --- the two-week trend ---------------------------------------------------------------------------


async def past_moods(services: Services, mother_id: str, moods: list[int]) -> None:
    """Check-ins with these moods on the days before 21 November, oldest first."""
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    async with services.db.session() as session:
        for back, mood in enumerate(reversed(moods), start=1):
            checkin_id = await record_checkin(
                session,
                mother_id=mother_id,
                local_date=date(2026, 11, 21) - timedelta(days=back),
                status=CheckinStatus.DONE,
                due_at=now,
                now=now,
            )
            checkin = await session.get(Checkin, checkin_id)
            assert checkin is not None
            await save_answer(
                session, services.vault, checkin=checkin, question="mood", value=str(mood), now=now
            )


@pytest.mark.parametrize(("low_before", "told"), [(7, True), (6, False)])
async def test_low_mood_on_most_of_two_weeks_says_it_may_be_more_than_the_blues(
    mother: ChatDriver, services: Services, clock: ManualClock, low_before: int, told: bool
) -> None:
    mother_id = await add_mother(services, 1001)  # snippets off: the trend message still comes
    await past_moods(services, mother_id, [2] * low_before + [4] * (13 - low_before))
    replies = await check_in(mother, services, clock, at(21, 9), LOW)
    trend = t(services, "learn.trend", days=low_before + 1)
    if not told:
        assert not any(m.text.startswith(trend[:20]) for m in replies)
        assert snippet_ids(services, replies) == []
        return
    assert replies[1].text == f"{trend}\n\n{shown(services, 'more_than_blues')}"
    assert replies[1].button_labels == ["🤝 Share with a clinician", MORE]  # none linked
    replies = await mother.tap("🤝 Share with a clinician")
    assert texts(replies) == [t(services, "learn.share_how")]  # how; nothing shared by the tap
    replies = await check_in(mother, services, clock, at(22, 9), LOW)  # not again for two weeks
    assert snippet_ids(services, replies) == []


async def test_with_a_clinician_linked_the_two_week_message_offers_a_call_back(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await add_mother(services, 1001)
    clinician_id = await add_clinician(services, "Dr Rivera", 5001)
    await add_share(services, mother_id, clinician_id)
    await past_moods(services, mother_id, [2] * 7 + [4] * 6)
    replies = await check_in(mother, services, clock, at(21, 9), LOW)
    assert replies[1].button_labels == [t(services, "help.button.callback"), MORE]
    replies = await mother.tap(t(services, "help.button.callback"))
    assert "Dr Rivera" in replies[0].text  # she is told who will be asked to contact her


async def test_in_the_first_weeks_low_days_get_the_fitting_snippet_without_the_trend_words(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    """The trend message's snippet suits week 2 on; a week-1 mother with 8 low days (some before
    the birth) gets her regular snippet, without the trend message's opening."""
    mother_id = await add_mother(services, 1001)
    async with services.db.session() as session:
        stored = await session.get(Mother, mother_id)
        assert stored is not None
        stored.snippets = "daily"
        write_birth_date(stored, date(2026, 11, 13), services.vault)
    await past_moods(services, mother_id, [2] * 7 + [4] * 6)
    replies = await check_in(mother, services, clock, at(21, 9), LOW)
    assert replies[1].text == shown(services, "baby_blues")
