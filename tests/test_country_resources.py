"""Every country she can pick has its emergency number, its crisis lines and, kept apart, its
domestic-abuse lines (messages/resources/): what is stored, and what a mother sees."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from companion.bot.context import Services
from companion.bot.crisis import lines_for
from companion.bot.mother_view import crisis_block
from companion.content import Content, ContentError, load_content
from companion.core.zones import country_from_text
from companion.devtools.driver import ChatDriver
from companion.resource_files import RESOURCE_KINDS, abuse_lines
from companion.resources import messages_dir
from companion.store.flags import read_detail
from companion.store.safety_models import Flag
from tests.chat_helpers import load_mother, onboard

# The Spanish-speaking countries of the clinical facts sheet's table (Cuba and Nicaragua: none).
SPANISH_SPEAKING = ["MX", "ES", "CO", "AR", "CL", "PE", "EC", "UY", "PY"]
SPANISH_SPEAKING += ["DO", "SV", "HN", "CR", "GT", "BO", "VE", "PA", "PR"]
# What the sheet marks verified among them (everything else there is "confirm").
VERIFIED_LINES = {"co-bogota-106", "co-155", "cl-1455", "sv-isdemu-126", "hn-114"}
VERIFIED_EMERGENCY = {"ES", "SV", "CR"}
ENGLISH_WORDS = ("free", "see", "then", "option", "English", "Spanish", "directory", "hours")


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(messages_dir(), "en")


def every_line(content: Content) -> list[tuple[str, str]]:
    """(country, line id) of every line of every file, abuse lines included."""
    return [
        (code, line.id)
        for code, resources in content.countries.items()
        for line in (*resources.lines, *abuse_lines(resources))
    ]


# --- what is stored ---------------------------------------------------------------------------


def test_every_offered_country_in_every_language_has_an_emergency_number(
    content: Content,
) -> None:
    for locale in content.locales:
        for code in content.offered_countries(locale):
            assert code in content.countries, (locale, code)  # its own file, not a fallback
            assert content.resources_for(code).emergency.strip(), (locale, code)


def test_the_offered_countries_differ_by_language(content: Content) -> None:
    assert content.offered_countries("en") == ("US", "GB", "CA", "AU", "IE")
    spanish = content.offered_countries("es")
    assert spanish[:3] == ("MX", "US", "ES")
    assert {"CO", "AR", "CL", "PE"} <= set(spanish)
    assert len(spanish) % 2 == 1  # with "another country", every row of two is full
    assert content.offered_countries("fr") == content.offered_countries("en")  # the default's


def test_every_spanish_speaking_country_has_its_file_and_cuba_falls_back(
    content: Content,
) -> None:
    for code in SPANISH_SPEAKING:
        resources = content.resources_for(code)
        assert code in content.countries, code
        assert resources.code == code
        assert resources.timezones, code
        assert resources.month_first == (code == "PR"), code  # Puerto Rico writes dates as the US
        assert abuse_lines(resources), f"{code} has no domestic-abuse line"
        assert {line.kind for line in resources.lines} & {"crisis", "directory"}, code
    for code in ("CU", "NI"):
        assert code not in content.countries
        assert content.resources_for(code).lines == content.countries["default"].lines
        assert abuse_lines(content.resources_for(code)) == ()


def test_spanish_speaking_lines_are_unverified_unless_the_sheet_says_so(content: Content) -> None:
    verified = {
        line.id
        for code in SPANISH_SPEAKING
        for line in (*content.countries[code].lines, *abuse_lines(content.countries[code]))
        if line.verified
    }
    assert verified == VERIFIED_LINES
    emergency = {code for code in SPANISH_SPEAKING if content.countries[code].emergency_verified}
    assert emergency == VERIFIED_EMERGENCY


def test_spanish_speaking_emergency_numbers(content: Content) -> None:
    numbers = {code: content.resources_for(code).emergency for code in SPANISH_SPEAKING}
    assert numbers["MX"] == numbers["AR"] == numbers["PR"] == "911"
    assert (numbers["ES"], numbers["CO"], numbers["CL"], numbers["GT"]) == (
        "112",
        "123",
        "133",
        "110",
    )
    assert "106" in numbers["PE"]
    assert "105" in numbers["PE"]
    assert numbers["PA"] == ""  # not found: "your local emergency number", and the directory
    assert "findahelpline" in [line.id for line in content.resources_for("PA").lines]
    france = content.resources_for("FR")
    assert (france.emergency, france.lines) == ("112", content.countries["EU"].lines)
    spain = content.resources_for("ES")  # its own file wins over the EU's
    assert [line.id for line in spain.lines] == ["es-024"]
    assert [line.id for line in abuse_lines(spain)] == ["es-016"]


def test_every_line_has_verified_last_checked_and_source(content: Content) -> None:
    for code, resources in content.countries.items():
        for line in (*resources.lines, *abuse_lines(resources)):
            where = f"{code}/{line.id}"
            assert isinstance(line.verified, bool), where
            assert isinstance(line.last_checked, date), where
            assert date(2026, 11, 20) <= line.last_checked <= date(2026, 12, 7), where
            assert line.source.strip(), where
            assert line.call or line.text or line.web, where
            for locale in content.locales:
                assert line.notes[locale].strip(), where
                assert line.hours[locale].strip(), where
            for field in (line.call, line.text, line.hours):  # a translation keeps the digits
                if field:
                    assert re.findall(r"\d+", field["en"]) == re.findall(r"\d+", field["es"])
    assert len(every_line(content)) == len(set(every_line(content)))


def test_abuse_lines_are_apart_from_the_crisis_lines(content: Content) -> None:
    for code, resources in content.countries.items():
        assert {line.kind for line in resources.lines} <= RESOURCE_KINDS, code
        assert all(line.kind == "abuse" for line in abuse_lines(resources)), code
    assert [line.id for line in abuse_lines(content.resources_for("AU"))] == [
        "au-1800respect",
        "au-1800respect-text",
    ]  # file order
    for code in ("US", "GB", "CA", "AU", "IE"):
        added = abuse_lines(content.resources_for(code))
        assert added, code
        assert {line.last_checked for line in added} == {date(2026, 12, 7)}, code


def test_the_us_has_the_national_domestic_violence_hotline(content: Content) -> None:
    [hotline] = abuse_lines(content.resources_for("US"))
    assert (hotline.name, hotline.kind, hotline.verified) == (
        "National Domestic Violence Hotline",
        "abuse",
        True,
    )
    assert hotline.call["en"].startswith("800-799-7233")
    assert "88788" in hotline.text["es"]
    assert "START" in hotline.text["es"]
    assert hotline.hours["en"] == "24/7"


def test_abuse_notes_in_spanish_have_no_english(content: Content) -> None:
    for resources in content.countries.values():
        for line in abuse_lines(resources):
            fields = (line.call, line.text, line.hours, line.notes)
            spanish = " ".join(field["es"] for field in fields if field)
            for word in ENGLISH_WORDS:
                assert not re.search(rf"\b{word}\b", spanish, flags=re.I), (line.id, spanish)
            assert "emergency" not in line.notes["en"].lower().replace("not an emergency", "")


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_crisis_block_never_lists_an_abuse_line(content: Content, locale: str) -> None:
    assert abuse_lines(content.countries["GB"]), "no abuse line to look for"
    for code, resources in content.countries.items():
        block = crisis_block(content, locale, resources)
        assert len(block.splitlines()) == 2 + len(resources.lines), code
        for line in abuse_lines(resources):
            for field in (line.call, line.text):
                number = field.get(locale, "")
                if number and number not in resources.emergency:  # Costa Rica's is 911 itself
                    assert number not in block, (code, line.id)
            assert line.web is None or line.web not in block, (code, line.id)
            assert f" {line.name} (" not in block or line.name == resources.emergency, code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("méxico", "MX"),
        ("MEXICO", "MX"),
        ("España", "ES"),
        ("spain", "ES"),
        ("Perú", "PE"),
        ("República Dominicana", "DO"),
        ("dominican republic", "DO"),
        ("Panamá", "PA"),
        ("Puerto Rico", "PR"),
        ("El Salvador", "SV"),
        ("costa rica", "CR"),
    ],
)
def test_typed_country_names_in_either_language(content: Content, typed: str, code: str) -> None:
    for locale in content.locales:
        assert country_from_text(typed, content.words(locale).countries) == code, locale


def test_a_broken_copy_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "messages"
    shutil.copytree(messages_dir(), root)
    countries = root / "resources" / "_countries.toml"
    countries.write_text(countries.read_text().replace('"MX", "US"', '"MX", "XX"'))
    with pytest.raises(ContentError, match="unknown country code 'XX'"):
        load_content(root, "en")
    countries.write_text(
        re.sub(
            r"\[offered\]\nen = (.*)\n(#.*\n)?es = .*\n", r"offered = \1\n", countries.read_text()
        )
    )
    assert load_content(root, "en").offered_countries("es") == ("US", "GB", "CA", "AU", "IE")
    mexico = root / "resources" / "MX.toml"
    mexico.write_text(mexico.read_text().replace('kind = "abuse"', 'kind = "abusive"'))
    with pytest.raises(ContentError, match="mx-linea-de-las-mujeres has kind 'abusive'"):
        load_content(root, "en")


# --- what a mother sees -----------------------------------------------------------------------


async def set_up_in_spanish_in_mexico(mother: ChatDriver) -> list[list[str]]:
    """Consent in Spanish and set up with buttons in Mexico; the country question's rows."""
    await mother.say("/start")
    await mother.tap("Español")
    replies = await mother.tap("Acepto")
    rows = [[button["text"] for button in row] for row in replies[-1].buttons]
    await mother.tap("México")
    for label in ("Ciudad de México", "09:00", "Omitir", "No, gracias"):
        await mother.tap(label)
    return rows


async def flag_sent(services: Services) -> tuple[str, ...]:
    async with services.db.session() as session:
        [flag] = (await session.scalars(select(Flag))).all()
    return read_detail(flag, services.vault).sent


async def test_a_spanish_speaking_mother_sees_mexico_among_the_country_buttons(
    mother: ChatDriver, services: Services
) -> None:
    rows = await set_up_in_spanish_in_mexico(mother)
    assert rows[0] == ["México", "Estados Unidos"]
    assert all(len(row) == 2 for row in rows)
    assert rows[-1][-1] == "Otro país"
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.locale, stored.country, stored.timezone) == ("es", "MX", "America/Mexico_City")


@pytest.mark.parametrize("said", ["quiero suicidarme", "I want to kill myself"])
async def test_a_mother_in_mexico_gets_911_and_linea_de_la_vida(
    mother: ChatDriver, services: Services, said: str
) -> None:
    await set_up_in_spanish_in_mexico(mother)
    [reply] = await mother.say(said)
    assert "🚨 Emergencias: llama al 911" in reply.text
    assert "Línea de la Vida (línea de crisis): llama al 800 911 2000 (24/7, gratis)" in reply.text
    assert "Línea de las Mujeres" not in reply.text
    assert "079" not in reply.text
    sent = await flag_sent(services)
    assert "mx-linea-de-la-vida" in sent
    assert "mx-linea-de-las-mujeres" not in sent


async def test_an_english_speaking_mother_in_mexico_types_it_and_gets_its_lines(
    mother: ChatDriver, services: Services
) -> None:
    await mother.say("/start")
    await mother.tap("I agree")
    await mother.tap("Another country")
    replies = await mother.say("Mexico")
    assert "Mexico City" in replies[1].button_labels  # MX.toml's zones are buttons
    for label in ("Mexico City", "09:00", "Skip", "No, thanks"):
        await mother.tap(label)
    [reply] = await mother.say("I want to kill myself")
    assert "🚨 Emergency: call 911" in reply.text
    assert "Línea de la Vida (crisis line): call 800 911 2000 (24/7, free)" in reply.text


async def test_the_us_crisis_reply_has_no_abuse_line(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother, "United States", "Eastern (New York)")
    [reply] = await mother.say("I want to kill myself")
    assert "988 Suicide & Crisis Lifeline" in reply.text
    assert "National Domestic Violence Hotline" not in reply.text
    assert "800-799-7233" not in reply.text
    sent = await flag_sent(services)
    assert "us-988" in sent
    assert "us-ndvh" not in sent
    _, listed = lines_for(services, "en", "US")
    assert listed == [line for line in sent if line.startswith("us-")]
