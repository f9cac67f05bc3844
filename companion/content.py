"""Every sentence a mother reads, loaded from messages/ and validated once at start-up. Crisis
resources by country are read in companion.resource_files."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.core.instruments import Instrument
from companion.core.snippets import Snippet
from companion.core.typed_words import TypedWords

if TYPE_CHECKING:
    from companion.resource_files import CountryResources, Localised

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_BUTTON_LIMIT = 64  # keep labels short enough to show on a phone


class ContentError(Exception):
    """messages/ is incomplete or inconsistent; the message says which file and key."""


def read_toml(
    path: Path, error: type[ContentError] = ContentError, *, missing: str | None = None
) -> dict[str, Any]:
    """One file of messages/ as a table. Invalid TOML raises `error` naming the file; so does a
    missing file when `missing` says what it should hold (else FileNotFoundError rises)."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        if missing is None:
            raise
        raise error(f"{path}: {missing}") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: not valid TOML ({problem})") from None


@dataclass
class Content:
    default_locale: str
    strings: dict[str, dict[str, str]]  # locale -> dotted key -> template
    countries: dict[str, CountryResources]  # code -> resources; "EU" and "default" included
    eu_members: frozenset[str] = field(default_factory=frozenset)
    offered: dict[str, tuple[str, ...]] = field(default_factory=dict)  # locale -> codes
    instruments: dict[str, dict[str, Instrument]] = field(default_factory=dict)  # locale -> id
    snippets: dict[str, tuple[Snippet, ...]] = field(default_factory=dict)  # locale -> library
    typed: dict[str, TypedWords] = field(default_factory=dict)  # locale -> words she may type

    @property
    def locales(self) -> list[str]:
        return sorted(self.strings)

    def has(self, locale: str, key: str) -> bool:
        return key in self.strings.get(locale, {})

    def text(self, locale: str, key: str, **params: object) -> str:
        table = self.strings.get(locale) or self.strings[self.default_locale]
        return table[key].format(**params)

    def local(self, texts: Localised, locale: str) -> str:
        """A resource line's field in her language, else in the default locale's."""
        return texts.get(locale) or texts.get(self.default_locale, "")

    def words(self, locale: str) -> TypedWords:
        """The words she may type (her language's first), as plain data for the parsers."""
        return self.typed.get(locale) or self.typed.get(self.default_locale) or TypedWords()

    def instrument(self, locale: str, instrument_id: str) -> Instrument:
        """Her language's version of a questionnaire, else the default locale's (KeyError if
        neither has it, e.g. an EPDS no licensed file was added for)."""
        for chosen in (locale, self.default_locale):
            found = self.instruments.get(chosen, {}).get(instrument_id)
            if found is not None:
                return found
        raise KeyError(f"no instrument {instrument_id!r} for {locale} or {self.default_locale}")

    def library(self, locale: str) -> tuple[Snippet, ...]:
        """Her language's learning snippets, else the default locale's."""
        return self.snippets.get(locale) or self.snippets.get(self.default_locale, ())

    def offered_countries(self, locale: str) -> tuple[str, ...]:
        """The countries her country question offers as buttons: her language's list, else the
        default locale's, else the first list."""
        for chosen in (locale, self.default_locale):
            if chosen in self.offered:
                return self.offered[chosen]
        return next(iter(self.offered.values()), ())

    def resources_for(self, country: str | None) -> CountryResources:
        """Her country's own file; else the EU's (112) for a member state; else the fallback
        (the local emergency number and a helpline directory)."""
        if country and country in self.countries:
            return self.countries[country]
        shared = "EU" if country and country in self.eu_members else "default"
        return replace(self.countries[shared], code=country or "")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        elif isinstance(value, str):
            flat[dotted] = value
        else:
            raise ContentError(f"{dotted}: expected text, found {type(value).__name__}")
    return flat


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _load_locale(folder: Path) -> dict[str, str]:
    strings: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as handle:
            for key, value in _flatten(tomllib.load(handle), f"{path.stem}.").items():
                strings[key] = value
    return strings


def validate_strings(strings: dict[str, dict[str, str]], reference: str) -> None:
    """Every locale has every key of the reference locale, with the same placeholders."""
    expected = strings[reference]
    for locale, table in strings.items():
        missing = sorted(set(expected) - set(table))
        extra = sorted(set(table) - set(expected))
        if missing or extra:
            raise ContentError(f"{locale}: missing keys {missing[:5]}, unexpected keys {extra[:5]}")
        for key, template in table.items():
            if placeholders(template) != placeholders(expected[key]):
                raise ContentError(f"{locale}:{key}: placeholders differ from {reference}")
            limit = TELEGRAM_BUTTON_LIMIT if ".button." in key else TELEGRAM_TEXT_LIMIT - 500
            if len(template) > limit:
                raise ContentError(f"{locale}:{key}: {len(template)} characters, limit {limit}")


def load_content(
    root: Path,
    default_locale: str,
    instruments_dir: Path | None = None,
    thresholds: Mapping[str, int] | None = None,
) -> Content:
    """messages/ checked, with <root>/<locale>/instruments/ and a deployer's extra instruments
    (<instruments_dir>/<locale>/<id>.toml); `thresholds` are checked against what loaded."""
    # instrument_files and learn_files import ContentError from here: imported when first needed.
    from companion.input_files import load_typed_words
    from companion.instrument_files import check_thresholds, load_instruments
    from companion.learn_files import learn_strings, load_snippets
    from companion.resource_files import load_countries, offered_countries

    locales = sorted(  # a folder with no strings (only a triage lexicon, say) is not a locale
        entry.name
        for entry in root.iterdir()
        if entry.is_dir() and entry.name != "resources" and any(entry.glob("*.toml"))
    )
    if default_locale not in locales:
        raise ContentError(f"no messages for the default locale {default_locale!r} in {root}")
    strings = {locale: _load_locale(root / locale) for locale in locales}
    for locale in locales:  # the /learn menu's words live beside the snippets
        strings[locale].update(_flatten(learn_strings(root, locale), "learn."))
    reference = "en" if "en" in strings else default_locale
    validate_strings(strings, reference)
    snippets = load_snippets(root, locales, strings, reference)
    instruments = load_instruments(root, locales, instruments_dir, reference)
    check_thresholds(instruments, thresholds or {})
    with (root / "resources" / "_countries.toml").open("rb") as handle:
        meta = tomllib.load(handle)
    countries = load_countries(root / "resources", locales)
    content = Content(
        default_locale=default_locale,
        strings=strings,
        countries=countries,
        eu_members=frozenset(meta["eu_members"]),
        offered=offered_countries(meta, locales),
        instruments=instruments,
        snippets=snippets,
        typed=load_typed_words(root, strings, reference),
    )
    required = [f"names.country.{code}" for codes in content.offered.values() for code in codes]
    required += [f"names.language.{locale}" for locale in locales]
    required += [f"names.zone.{zone}" for c in countries.values() for zone in c.timezones]
    for locale in locales:
        for key in required:
            if not content.has(locale, key):
                raise ContentError(f"{locale}: {key} is missing")
    return content
