"""Spanish content: the questionnaires score exactly like the English ones (only the wording of the
official Spanish translation differs), and a Spanish-speaking mother in the US is told how to reach
988 and Postpartum Support International in Spanish."""

from __future__ import annotations

import tomllib

import pytest

from companion.bot.mother_view import crisis_block
from companion.content import TELEGRAM_BUTTON_LIMIT, Content, load_content
from companion.core.instruments import Instrument, safety_hit, score
from companion.core.tiers import Tier
from companion.instrument_files import load_instruments
from companion.resources import messages_dir

NAMES = ("phq9", "gad7", "phq2", "gad2")
OFFICIAL_OPTIONS = [
    "Ningún día",
    "Varios días",
    "Más de la mitad de los días",
    "Casi todos los días",
]
STEM = "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes"


@pytest.fixture(scope="module")
def both() -> dict[str, dict[str, Instrument]]:
    return load_instruments(messages_dir(), ["en", "es"])


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(messages_dir(), "en")


def _shape(instrument: Instrument) -> tuple[object, ...]:
    return (
        [item.id for item in instrument.items],
        [[option.score for option in item.options] for item in instrument.items],
        [(item.safety, item.safety_min) for item in instrument.items],
        [(band.low, band.high, band.key) for band in instrument.bands],
        instrument.cutoffs,
        (instrument.kind, instrument.full_tool, instrument.brief_positive),
        instrument.min_interval_days,
        instrument.name,
    )


# --- questionnaires ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_spanish_scores_like_english(both: dict[str, dict[str, Instrument]], name: str) -> None:
    english, spanish = both["en"][name], both["es"][name]
    assert _shape(spanish) == _shape(english)
    assert len(spanish.items) == len(english.items)
    assert [item.text for item in spanish.items] != [item.text for item in english.items]


@pytest.mark.parametrize("name", NAMES)
def test_spanish_wording_is_the_official_form(
    both: dict[str, dict[str, Instrument]], name: str
) -> None:
    spanish = both["es"][name]
    assert spanish.stem.startswith(STEM)
    assert spanish.recall == "Durante las últimas 2 semanas"
    for item in spanish.items:
        assert [option.label for option in item.options] == OFFICIAL_OPTIONS
        assert all(len(option.label) <= TELEGRAM_BUTTON_LIMIT for option in item.options)
    assert spanish.licence.startswith("Elaborado por los doctores Robert L. Spitzer")
    assert "No se requiere permiso para reproducir, traducir, presentar o distribuir" in (
        spanish.licence
    )
    assert "Spanish (USA)" in spanish.source
    assert all(band.label and band.label.islower() for band in spanish.bands)


def test_spanish_phq9_item9_is_the_safety_item(both: dict[str, dict[str, Instrument]]) -> None:
    phq9 = both["es"]["phq9"]
    assert [n for n, item in enumerate(phq9.items, 1) if item.safety] == [9]
    harm = phq9.items[8]
    assert harm.id == "harm"
    assert harm.text == (
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera"
    )
    assert harm.options[1].label == "Varios días"
    assert safety_hit(phq9, "harm", 1)
    assert not safety_hit(phq9, "harm", 0)
    answers = {item.id: 0 for item in phq9.items} | {"harm": 1}  # item 9 alone, total 1
    assert score(phq9, answers).tier == Tier.URGENT
    assert not any(item.safety for item in both["es"]["gad7"].items)


@pytest.mark.parametrize(("brief", "full"), [("phq2", "phq9"), ("gad2", "gad7")])
def test_spanish_brief_items_are_the_full_tools_first_two(
    both: dict[str, dict[str, Instrument]], brief: str, full: str
) -> None:
    spanish = both["es"]
    assert spanish[brief].items == spanish[full].items[:2]
    assert spanish[brief].stem == spanish[full].stem


def test_content_serves_the_spanish_instruments(content: Content) -> None:
    for name in NAMES:
        assert content.instrument("es", name).stem.startswith(STEM)
        assert content.instrument("en", name).stem.startswith("Over the last 2 weeks")


# --- crisis and support lines -----------------------------------------------------------------


def _raw_lines() -> list[tuple[str, dict[str, object]]]:
    found = []
    for path in sorted((messages_dir() / "resources").glob("*.toml")):
        if not path.name.startswith("_"):
            with path.open("rb") as handle:
                found += [(path.name, line) for line in tomllib.load(handle).get("lines", [])]
    return found


def test_every_line_has_a_translated_spanish_note() -> None:
    lines = _raw_lines()
    assert lines
    for where, line in lines:
        notes = line["note"]
        assert isinstance(notes, dict)
        assert notes.get("es", "").strip(), f"{where}: {line['id']}"
        assert notes["es"] != notes["en"], f"{where}: {line['id']} is not translated"
        if line["kind"] == "support":  # labelled support, never an emergency service
            assert "No es un servicio de emergencias" in notes["es"] or (
                "No es una línea de crisis" in notes["es"]
            ), f"{where}: {line['id']}"


def test_a_spanish_speaking_mother_in_the_us_is_told_the_spanish_routes(content: Content) -> None:
    lines = {line.id: line for line in content.resources_for("US").lines}
    lifeline, psi = lines["us-988"], lines["us-psi"]
    for words in ("español", "marca 2", "AYUDA"):
        assert words in lifeline.notes["es"]
    assert "Mensajes de texto en español: 971-203-7773" in psi.notes["es"]
    assert not psi.verified  # the fact sheet says "confirm"
    assert "en español" in lines["us-tlc-mama"].notes["es"]
    block = crisis_block(content, "es", content.resources_for("US"))
    assert "llama al 988 y marca 2" in block
    assert "Mensajes de texto en español: 971-203-7773" in block
    assert "marca 2" not in crisis_block(content, "en", content.resources_for("US"))
