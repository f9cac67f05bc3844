"""messages/: the shipped texts and resource lines load, and validation catches broken copies."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from companion.bot.mother_view import crisis_block
from companion.content import (
    TELEGRAM_BUTTON_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    Content,
    ContentError,
    load_content,
    placeholders,
)
from companion.core.zones import country_names, is_valid_zone
from companion.resource_files import RESOURCE_KINDS
from companion.resources import messages_dir


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(messages_dir(), "en")


# --- the shipped messages ---------------------------------------------------------------------


def test_shipped_messages_load_and_validate(content: Content) -> None:
    assert content.default_locale == "en"
    assert "en" in content.locales
    assert {"default", "EU", "US", "GB"} <= set(content.countries)
    for locale in content.locales:
        assert content.offered_countries(locale), locale
        assert set(content.offered_countries(locale)) <= set(content.countries), locale
    assert content.eu_members
    assert content.eu_members <= set(country_names())
    # a sample of keys the bot relies on
    for key in [
        "help.crisis.header",
        "help.crisis.kind_support",
        "data.delete.button.yes",
        "data.mydata.nothing",
        "names.months",
        "names.date",
    ]:
        assert content.has("en", key), key


def test_shipped_strings_fit_telegram(content: Content) -> None:
    for locale, table in content.strings.items():
        assert table, locale
        for key, template in table.items():
            assert template.strip(), key
            limit = TELEGRAM_BUTTON_LIMIT if ".button." in key else TELEGRAM_TEXT_LIMIT
            assert len(template) <= limit, key


def test_months_are_twelve(content: Content) -> None:
    for locale in content.locales:
        months = [m.strip() for m in content.text(locale, "names.months").split(",")]
        assert len(months) == 12
        assert all(months)


def today_anywhere() -> date:
    """Today's date where it is latest (UTC+14): whoever checked a line cannot be past it."""
    return datetime.now(timezone(timedelta(hours=14))).date()


def test_every_resource_line_is_complete(content: Content) -> None:
    seen = 0
    for code, resources in content.countries.items():
        assert resources.code == code
        assert all(is_valid_zone(zone) for zone in resources.timezones)
        for line in resources.lines:
            seen += 1
            where = f"{code}/{line.id}"
            assert line.kind in RESOURCE_KINDS, where
            assert line.kind in {"crisis", "support", "directory"}, where
            assert line.source.strip(), where
            assert isinstance(line.last_checked, date), where
            assert line.last_checked <= today_anywhere(), f"{where} checked in the future"
            assert line.call or line.text or line.web, where
            assert line.name.strip(), where
            for locale in content.locales:
                assert line.notes.get(locale, "").strip(), f"{where} has no {locale} note"
                assert line.hours.get(locale, "").strip(), f"{where} has no {locale} hours"
                for field in (line.call, line.text):
                    assert not field or field.get(locale, "").strip(), where
            if line.web:
                assert line.web.startswith("https://"), where
    assert seen >= 10


def test_every_country_zone_has_a_name(content: Content) -> None:
    for resources in content.countries.values():
        for zone in resources.timezones:
            for locale in content.locales:
                assert content.has(locale, f"names.zone.{zone}"), zone


def test_resources_for_unknown_eu_and_known_countries(content: Content) -> None:
    assert content.resources_for("US").emergency == "911"
    assert content.resources_for("US").month_first
    assert content.resources_for("GB").emergency == "999"
    assert not content.resources_for("GB").month_first
    france = content.resources_for("FR")
    assert (france.code, france.emergency) == ("FR", "112")
    assert france.lines == content.countries["EU"].lines
    unknown = content.resources_for("ZZ")
    assert (unknown.code, unknown.emergency) == ("ZZ", "")
    assert unknown.lines == content.countries["default"].lines
    assert content.resources_for(None).code == ""


def test_text_formats_and_falls_back_to_the_default_locale(content: Content) -> None:
    assert content.text("en", "help.crisis.emergency", number="911") == "🚨 Emergency: call 911"
    assert content.text("xx", "help.crisis.emergency", number="112") == "🚨 Emergency: call 112"
    assert placeholders("{a} and {b} but not {{c}}") == {"a", "b"}


# --- the crisis block -------------------------------------------------------------------------


def test_us_crisis_block_emergency_first_support_labelled(content: Content) -> None:
    block = crisis_block(content, "en", content.resources_for("US"))
    lines = block.splitlines()
    assert lines[0] == content.text("en", "help.crisis.header")
    assert lines[1] == "🚨 Emergency: call 911"
    assert sum("911" in line for line in lines) == 1
    hotline = next(line for line in lines if "National Maternal Mental Health Hotline" in line)
    assert "support line, not an emergency service" in hotline
    assert "(crisis line)" not in hotline
    assert not hotline.startswith("🚨")
    assert lines.index(hotline) > 1
    # crisis lines come before support lines
    kinds = ["crisis" if "(crisis line)" in line else "support" for line in lines[2:]]
    assert kinds == sorted(kinds)
    assert "988 Suicide & Crisis Lifeline (crisis line)" in block


@pytest.mark.parametrize("country", ["US", "GB", "CA", "AU", "IE", "FR", "ZZ", None])
def test_support_lines_are_never_called_emergency(content: Content, country: str | None) -> None:
    resources = content.resources_for(country)
    block = crisis_block(content, "en", resources)
    lines = block.splitlines()
    assert len(lines) == 2 + len(resources.lines)
    if resources.emergency:
        assert lines[1] == f"🚨 Emergency: call {resources.emergency}"
    else:
        assert lines[1] == content.text("en", "help.crisis.emergency_unknown")
    kind_label = {kind: content.text("en", f"help.crisis.kind_{kind}") for kind in RESOURCE_KINDS}
    order = {"crisis": 0, "support": 1, "directory": 2}
    positions: list[int] = []
    for line in resources.lines:
        rendered = next(text for text in lines[2:] if text.split(" ", 1)[1].startswith(line.name))
        assert f"({kind_label[line.kind]})" in rendered, rendered
        positions.append(lines.index(rendered))
        if line.kind != "crisis":
            assert "🚨" not in rendered
            without_disclaimer = re.sub("not an emergency service", "", rendered, flags=re.I)
            assert "emergency" not in without_disclaimer.lower(), rendered
        if line.kind == "support":
            assert "support line, not an emergency service" in rendered
    ranked = sorted(zip(positions, resources.lines, strict=True), key=lambda pair: pair[0])
    assert [order[line.kind] for _, line in ranked] == sorted(
        order[line.kind] for line in resources.lines
    )


ENGLISH_WORDS = ("free", "see", "then", "option", "English", "Spanish", "directory", "hours")


@pytest.mark.parametrize("country", ["US", "GB", "CA", "AU", "IE", "FR", "ZZ", None])
def test_the_spanish_crisis_block_has_no_english_words(
    content: Content, country: str | None
) -> None:
    """Only proper names ("Samaritans"), addresses and keywords to send ("HOME") stay as is."""
    block = crisis_block(content, "es", content.resources_for(country))
    for word in ENGLISH_WORDS:
        assert not re.search(rf"\b{word}\b", block, flags=re.I), (word, block)


def test_crisis_line_fields_are_in_her_language(content: Content) -> None:
    english_us = crisis_block(content, "en", content.resources_for("US"))
    spanish_us = crisis_block(content, "es", content.resources_for("US"))
    assert "text HOME to 741741 (24/7)" in english_us
    assert "mensaje de texto: envía HOME al 741741 (24/7)" in spanish_us
    assert "text 800-944-4773 (English), 971-203-7773 (Spanish) (see postpartum.net)" in english_us
    assert "800-944-4773 (inglés), 971-203-7773 (español) (horario en postpartum.net)" in spanish_us
    assert "llama al 988; mensaje de texto: 988 (24/7)" in spanish_us  # numbers: one string
    english_gb = crisis_block(content, "en", content.resources_for("GB"))
    spanish_gb = crisis_block(content, "es", content.resources_for("GB"))
    assert "call 111, then choose the mental health option (24/7)" in english_gb
    assert "llama al 111 y elige la opción de salud mental (24/7)" in spanish_gb
    assert "option 2" not in english_gb  # option 2 only in many areas (issue 22)
    assert "mensaje de texto: envía PANDAS al 85258 (24/7)" in spanish_gb
    assert "call 116 123 (24/7, free)" in english_gb
    assert "llama al 116 123 (24/7, gratis)" in spanish_gb
    assert "envía SHOUT al 85258" in spanish_gb
    assert "🚨 Emergencias: llama al 112 / 999" in crisis_block(
        content, "es", content.resources_for("IE")
    )


def test_the_spanish_fields_keep_the_facts(content: Content) -> None:
    """A translated field keeps every digit of the English one."""
    for code, resources in content.countries.items():
        for line in resources.lines:
            for field in (line.call, line.text, line.hours):
                if field:
                    digits = [re.findall(r"\d+", field[locale]) for locale in ("en", "es")]
                    assert digits[0] == digits[1], (code, line.id, field)


# --- validation of broken copies --------------------------------------------------------------


@pytest.fixture
def messages(tmp_path: Path) -> Path:
    """A copy of the shipped messages/ (English and Spanish), to break one piece at a time."""
    root = tmp_path / "messages"
    shutil.copytree(messages_dir(), root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


SHIPPED_LOCALES = ["en", "es"]
NEW_LOCALE = "xx"  # no language has this code: nothing will ever ship under it


def locale_folders(root: Path) -> list[Path]:
    return sorted(entry for entry in root.iterdir() if entry.is_dir() and entry.name != "resources")


def sub_once(path: Path, pattern: str, new: str) -> None:
    """Replace the one line-anchored match of `pattern` (re.M) in a file."""
    text, count = re.subn(pattern, new, path.read_text(encoding="utf-8"), count=1, flags=re.M)
    assert count == 1, f"{pattern!r} not in {path}"
    path.write_text(text, encoding="utf-8")


def add_locale(root: Path, locale: str) -> None:
    """A complete extra locale: a copy of en, its language name in every locale's names.toml,
    and a note (the English one) on every resource line."""
    assert not (root / locale).exists(), f"{locale} already exists: pick an unused code"
    shutil.copytree(root / "en", root / locale)
    for folder in locale_folders(root):
        edit(folder / "names.toml", "[language]\n", f'[language]\n{locale} = "X"\n')
    for path in (root / "resources").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        text, noted = re.subn(
            r'^(note = \{ en = ("[^"\\]*")[^\n]*) \}$', rf"\1, {locale} = \2 }}", text, flags=re.M
        )
        assert noted == len(re.findall(r"^\[\[lines\]\]$", text, flags=re.M)), path
        text = re.sub(  # the fields worded per language (hours, call, text): the English words
            r'^((?:hours|call|text) = \{ en = ("[^"\\]*")[^\n]*) \}$',
            rf"\1, {locale} = \2 }}",
            text,
            flags=re.M,
        )
        path.write_text(text, encoding="utf-8")


@pytest.fixture(params=["es", NEW_LOCALE])
def second(messages: Path, request: pytest.FixtureRequest) -> str:
    """A locale besides en to break: the shipped Spanish, and a complete copy of en."""
    locale: str = request.param
    if locale == NEW_LOCALE:
        add_locale(messages, locale)
    return locale


def test_copy_of_messages_loads(messages: Path, content: Content) -> None:
    copied = load_content(messages, "en")
    assert copied.locales == content.locales == SHIPPED_LOCALES
    assert copied.strings == content.strings


def test_a_complete_second_locale_loads(messages: Path) -> None:
    add_locale(messages, NEW_LOCALE)
    content = load_content(messages, NEW_LOCALE)
    assert content.locales == sorted([*SHIPPED_LOCALES, NEW_LOCALE])
    assert content.default_locale == NEW_LOCALE
    assert all(line.notes[NEW_LOCALE] for line in content.countries["US"].lines)
    assert content.text("es", f"names.language.{NEW_LOCALE}") == "X"


def test_missing_key_in_a_second_locale(messages: Path, second: str) -> None:
    sub_once(messages / second / "data.toml", r"^cancelled = .*\n", "")
    with pytest.raises(
        ContentError,
        match=rf"^{second}: missing keys \['data\.delete\.cancelled'\], unexpected keys \[\]",
    ):
        load_content(messages, "en")


def test_extra_key_in_a_second_locale(messages: Path, second: str) -> None:
    edit(messages / second / "data.toml", "[mydata]\n", '[mydata]\nsurprise = "!"\n')
    with pytest.raises(
        ContentError,
        match=rf"^{second}: missing keys \[\], unexpected keys \['data\.mydata\.surprise'\]",
    ):
        load_content(messages, "en")


def test_placeholder_mismatch(messages: Path, second: str) -> None:
    edit(messages / second / "help.toml", "{number}", "{numero}")
    with pytest.raises(
        ContentError, match=rf"^{second}:help\.crisis\.emergency: placeholders differ"
    ):
        load_content(messages, "en")


def test_placeholder_missing_in_a_second_locale(messages: Path, second: str) -> None:
    edit(messages / second / "settings.toml", "{summary}", "")
    with pytest.raises(ContentError, match=rf"^{second}:settings\.menu: placeholders differ"):
        load_content(messages, "en")


def test_too_long_button(messages: Path) -> None:
    label = "y" * (TELEGRAM_BUTTON_LIMIT + 1)
    edit(messages / "en" / "data.toml", 'yes = "Yes, erase everything"', f'yes = "{label}"')
    with pytest.raises(ContentError, match=r"^en:data\.delete\.button\.yes: 65 characters"):
        load_content(messages, "en")


def test_longest_allowed_button(messages: Path) -> None:
    label = "y" * TELEGRAM_BUTTON_LIMIT
    edit(messages / "en" / "data.toml", 'yes = "Yes, erase everything"', f'yes = "{label}"')
    assert load_content(messages, "en").text("en", "data.delete.button.yes") == label


def test_too_long_text(messages: Path) -> None:
    edit(messages / "en" / "data.toml", '"Nothing was erased."', f'"{"x" * TELEGRAM_TEXT_LIMIT}"')
    with pytest.raises(ContentError, match=r"^en:data\.delete\.cancelled: \d+ characters"):
        load_content(messages, "en")


def test_too_long_text_in_a_second_locale_only(messages: Path, second: str) -> None:
    long_text = "x" * TELEGRAM_TEXT_LIMIT
    sub_once(messages / second / "data.toml", r'^cancelled = ".*"$', f'cancelled = "{long_text}"')
    with pytest.raises(ContentError, match=rf"^{second}:data\.delete\.cancelled: \d+ characters"):
        load_content(messages, "en")


def test_non_text_value(messages: Path) -> None:
    edit(messages / "en" / "data.toml", "[mydata]\n", "[mydata]\ncount = 3\n")
    with pytest.raises(ContentError, match=r"data\.mydata\.count: expected text, found int"):
        load_content(messages, "en")


def test_line_with_no_way_to_reach_it(messages: Path) -> None:
    edit(messages / "resources" / "GB.toml", 'call = "116 123"\n', "")
    with pytest.raises(ContentError, match=r"GB\.toml: line gb-samaritans has no way to reach it"):
        load_content(messages, "en")


def test_line_with_unknown_kind(messages: Path) -> None:
    edit(messages / "resources" / "US.toml", 'kind = "support"', 'kind = "emergency"')
    with pytest.raises(ContentError, match=r"US\.toml: line us-tlc-mama has kind 'emergency'"):
        load_content(messages, "en")


@pytest.mark.parametrize("field", ["source", "last_checked", "kind", "hours"])
def test_line_missing_a_field(messages: Path, field: str) -> None:
    path = messages / "resources" / "GB.toml"
    text = path.read_text(encoding="utf-8")
    first = re.search(rf"^{field} = .*\n", text, flags=re.M)
    assert first is not None
    path.write_text(text.replace(first.group(0), "", 1), encoding="utf-8")
    with pytest.raises(ContentError, match=rf"GB\.toml: a line is missing '{field}'"):
        load_content(messages, "en")


def test_line_last_checked_not_a_date(messages: Path) -> None:
    edit(
        messages / "resources" / "GB.toml", "last_checked = 2026-11-20", 'last_checked = "recently"'
    )
    with pytest.raises(ContentError, match=r"GB\.toml: line gb-samaritans last_checked"):
        load_content(messages, "en")


def test_line_missing_a_note_in_a_second_locale(messages: Path, second: str) -> None:
    sub_once(
        messages / "resources" / "US.toml",
        rf'^(note = \{{ en = "Text with a trained crisis counsellor\."[^\n]*), {second} = "[^"]*"',
        r"\1",
    )
    with pytest.raises(
        ContentError, match=rf"US\.toml: line us-crisis-text has no note in {second}$"
    ):
        load_content(messages, "en")


def test_unknown_time_zone(messages: Path) -> None:
    edit(messages / "resources" / "GB.toml", '["Europe/London"]', '["Europe/Londres"]')
    with pytest.raises(ContentError, match=r"GB\.toml: unknown time zone Europe/Londres"):
        load_content(messages, "en")


def test_zone_without_a_name(messages: Path) -> None:
    for folder in locale_folders(messages):  # from every locale, or it is an unexpected key
        sub_once(folder / "names.toml", r'^"Europe/London" = .*\n', "")
    with pytest.raises(ContentError, match=r"^en: names\.zone\.Europe/London is missing"):
        load_content(messages, "en")


def test_offered_country_without_a_name(messages: Path) -> None:
    for folder in locale_folders(messages):  # from every locale, or it is an unexpected key
        sub_once(folder / "names.toml", r"^IE = .*\n", "")
    with pytest.raises(ContentError, match=r"^en: names\.country\.IE is missing"):
        load_content(messages, "en")


def test_missing_emergency_number(messages: Path) -> None:
    edit(messages / "resources" / "GB.toml", 'number = "999"\n', "")
    with pytest.raises(ContentError, match=r"GB\.toml: missing 'number'"):
        load_content(messages, "en")


@pytest.mark.parametrize("required", ["default", "EU"])
def test_required_resource_files(messages: Path, required: str) -> None:
    (messages / "resources" / f"{required}.toml").unlink()
    with pytest.raises(ContentError, match=rf"resources/{required}\.toml is missing"):
        load_content(messages, "en")


def test_default_locale_must_exist(messages: Path) -> None:
    with pytest.raises(ContentError, match="default locale 'fr'"):
        load_content(messages, "fr")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'hours = { en = "24/7, free", es = "24/7, gratis" }',
            'hours = { en = "24/7, free" }',
            r"GB\.toml: line gb-samaritans has no hours in es",
        ),
        (
            'text = { en = "SHOUT to 85258", es = "envía SHOUT al 85258" }',
            'text = { en = "SHOUT to 85258", es = 85258 }',
            r"GB\.toml: line gb-shout text must be text or a table of texts",
        ),
        (
            'call = "116 123"',
            'call = ""',
            r"GB\.toml: line gb-samaritans call must be text or a table",
        ),
        (
            'note = { en = "Talk by text with a trained volunteer.", es = "Habla por mensaje de '
            'texto con una persona voluntaria capacitada." }',
            'note = "Talk by text with a trained volunteer."',
            r"GB\.toml: line gb-shout note must be a table of languages",
        ),
    ],
)
def test_a_broken_line_field_in_a_second_locale(
    messages: Path, old: str, new: str, message: str
) -> None:
    edit(messages / "resources" / "GB.toml", old, new)
    with pytest.raises(ContentError, match=message):
        load_content(messages, "en")


# --- the words a mother types (messages/<locale>/input/) --------------------------------------


def test_the_spanish_words_load_with_the_english_ones(content: Content) -> None:
    spanish, english = content.words("es"), content.words("en")
    assert spanish.countries["reino unido"] == "GB"  # from names.country, not places.toml
    assert spanish.countries["espana"] == "ES"  # folded: no accents, lower case
    assert spanish.countries["usa"] == "US"  # English names work in Spanish
    assert english.countries["alemania"] == "DE"  # and Spanish ones in English
    assert spanish.cities["san jose"] == ("America/Costa_Rica", "America/Los_Angeles")
    assert spanish.time.meridiem["de la manana"] == "am"
    assert spanish.dates.months["abr"] == 4
    assert {"si", "yes"} <= spanish.yes
    assert content.words("xx") == content.words("en")  # an unknown locale: the default's


@pytest.mark.parametrize(
    ("path", "old", "new", "message"),
    [
        ("es/input/places.toml", '"Alemania" = "DE"', '"Alemania" = "XX"', r"'Alemania' = 'XX'"),
        (
            "es/input/places.toml",
            '"Londres" = "Europe/London"',
            '"Londres" = "Europe/Londres"',
            r"'Londres' = 'Europe/Londres' is not allowed",
        ),
        ("es/input/places.toml", '"Holanda" = "NL"', '"Holanda" = []', r"'Holanda' = \[\]"),
        (
            "es/input/places.toml",
            '"Chequia" = "CZ"',
            '"Chequia" = "CZ"\n"CHEQUIA" = "SK"',
            r"'CHEQUIA' is read two",
        ),
        ("es/input/words.toml", "abril = 4", "abril = 13", r"'abril' = 13 is not allowed"),
        ("es/input/words.toml", "ayer = 1", 'ayer = "1"', r"'ayer' = '1' is not allowed"),
        ("es/input/words.toml", '"p. m." = "pm"', '"p. m." = "tarde"', r"'p\. m\.' = 'tarde'"),
        ("es/input/words.toml", 'no = ["no", "no gracias"]', 'no = ["no", "Sí"]', r"'si' means"),
        ("es/input/words.toml", 'noon = ["mediodía", "medio día"]', "noon = 12", "noon must be"),
        ("es/input/words.toml", "[date.months]", "[date.meses]", r"\[date\.months\] is missing"),
        ("es/input/words.toml", "[answers]", "[answers", "not valid TOML"),
    ],
)
def test_broken_input_words(messages: Path, path: str, old: str, new: str, message: str) -> None:
    assert load_content(messages, "en").words("es").countries["alemania"] == "DE"
    edit(messages / path, old, new)
    with pytest.raises(ContentError, match=message):
        load_content(messages, "en")


def test_a_locale_without_input_words(messages: Path) -> None:
    shutil.rmtree(messages / "en" / "input")
    with pytest.raises(ContentError, match=r"en/input/places\.toml: missing"):
        load_content(messages, "en")
