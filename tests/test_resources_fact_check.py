"""The lines the clinical fact-check of 2026-12-07 confirmed or corrected (issue 22): what is stored
as verified, and what a mother reads in /help and the crisis reply, in English and Spanish."""

from __future__ import annotations

from datetime import date

import pytest

from companion.bot.mother_view import crisis_block
from companion.content import Content, load_content
from companion.resource_files import Line
from companion.resources import messages_dir

FACT_CHECK = date(2026, 12, 7)


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(messages_dir(), "en")


def lines(content: Content, country: str) -> dict[str, Line]:
    return {line.id: line for line in content.resources_for(country).lines}


def test_the_confirmed_lines_are_verified_and_dated(content: Content) -> None:
    gb, ie = lines(content, "GB"), lines(content, "IE")
    checked = {
        "gb-shout": (gb["gb-shout"].verified, gb["gb-shout"].last_checked),
        "ie-samaritans": (ie["ie-samaritans"].verified, ie["ie-samaritans"].last_checked),
    }
    assert checked == {"gb-shout": (True, FACT_CHECK), "ie-samaritans": (True, FACT_CHECK)}
    assert "fact-check of 2026-12-07" in gb["gb-shout"].source
    assert content.resources_for("IE").emergency == "112 / 999"
    assert content.resources_for("IE").emergency_verified


def test_what_stays_to_confirm_is_not_verified(content: Content) -> None:
    gb, us = lines(content, "GB"), lines(content, "US")
    unconfirmed = [gb["gb-nhs-111"], gb["gb-pandas"], gb["gb-pandas-text"], us["us-psi"]]
    assert [line.verified for line in unconfirmed] == [False, False, False, False]


def test_nhs_111_names_the_mental_health_option_not_a_number(content: Content) -> None:
    nhs = lines(content, "GB")["gb-nhs-111"]
    assert nhs.call == {
        "en": "111, then choose the mental health option",
        "es": "111 y elige la opción de salud mental",
    }


def test_pandas_text_service_is_a_support_line_open_24_7(content: Content) -> None:
    english = crisis_block(content, "en", content.resources_for("GB"))
    spanish = crisis_block(content, "es", content.resources_for("GB"))
    assert (
        "🤝 PANDAS Foundation text service (support line, not an emergency service): "
        "text PANDAS to 85258 (24/7). "
        "Support by text for parents with perinatal mental illness. Not an emergency service."
    ) in english
    assert "mensaje de texto: envía PANDAS al 85258 (24/7)" in spanish
    assert "No es un servicio de emergencias" in lines(content, "GB")["gb-pandas-text"].notes["es"]


def test_psi_says_its_call_menu_has_a_spanish_option(content: Content) -> None:
    assert "Calls have a Spanish option in the menu." in crisis_block(
        content, "en", content.resources_for("US")
    )
    assert "Al llamar, el menú tiene una opción en español." in crisis_block(
        content, "es", content.resources_for("US")
    )
