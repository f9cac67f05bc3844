"""Every sentence a mother reads, loaded from messages/ and validated once at start-up."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from companion.core.instruments import Instrument
from companion.core.snippets import Snippet
from companion.core.typed_words import TypedWords
from companion.core.zones import country_names, is_valid_zone

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_BUTTON_LIMIT = 64  # keep labels short enough to show on a phone
RESOURCE_KINDS = {"crisis", "support", "directory"}  # the lines of the crisis reply
ABUSE_KIND = "abuse"  # domestic-abuse lines: kept apart, shown only in their own reply


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


# locale -> text. In a resource file a field is one string, the same in every language (a phone
# number), or a table with a text for every language ({ en = "24/7, free", es = "24/7, gratis" }).
Localised = dict[str, str]


@dataclass(frozen=True)
class Line:
    """A crisis or support line. `kind` says which: support lines are never called emergency.
    call, text and hours are Localised (call and text empty when the line has none)."""

    id: str
    name: str
    kind: str
    call: Localised
    text: Localised
    web: str | None
    hours: Localised
    verified: bool
    last_checked: date
    source: str
    notes: Localised


@dataclass(frozen=True)
class CountryResources:
    code: str
    emergency: str
    emergency_verified: bool
    month_first: bool
    timezones: tuple[str, ...]
    lines: tuple[Line, ...]  # crisis, support and directory lines: what the crisis reply lists
    abuse: tuple[Line, ...] = ()  # kind "abuse", in file order: read them with abuse_lines()


def abuse_lines(resources: CountryResources) -> tuple[Line, ...]:
    """Her country's domestic-abuse lines in file order; never part of the crisis reply's lines
    (none for the EU and default files, nor for a country whose file has none)."""
    return resources.abuse


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


def _localised(raw: dict[str, Any], key: str, where: str, locales: list[str]) -> Localised:
    """A field as locale -> text: a string for every locale, or a table naming every locale."""
    value = raw.get(key)
    if value is None:
        return {}
    if isinstance(value, str) and value.strip():
        return dict.fromkeys(locales, value)
    if not isinstance(value, dict) or not all(isinstance(text, str) for text in value.values()):
        raise ContentError(f"{where}: line {raw.get('id')} {key} must be text or a table of texts")
    for locale in locales:
        if not value.get(locale, "").strip():
            raise ContentError(f"{where}: line {raw.get('id')} has no {key} in {locale}")
    return dict(value)


def _load_line(raw: dict[str, Any], where: str, locales: list[str]) -> Line:
    for required in ("id", "name", "kind", "hours", "verified", "last_checked", "source", "note"):
        if required not in raw:
            raise ContentError(f"{where}: a line is missing {required!r}")
    if not isinstance(raw["note"], dict):  # a sentence, so one per language
        raise ContentError(f"{where}: line {raw['id']} note must be a table of languages")
    line = Line(
        id=raw["id"],
        name=raw["name"],
        kind=raw["kind"],
        call=_localised(raw, "call", where, locales),
        text=_localised(raw, "text", where, locales),
        web=raw.get("web"),
        hours=_localised(raw, "hours", where, locales),
        verified=bool(raw["verified"]),
        last_checked=raw["last_checked"],
        source=raw["source"],
        notes=_localised(raw, "note", where, locales),
    )
    if line.kind not in RESOURCE_KINDS and line.kind != ABUSE_KIND:
        raise ContentError(f"{where}: line {line.id} has kind {line.kind!r}")
    if not (line.call or line.text or line.web):
        raise ContentError(f"{where}: line {line.id} has no way to reach it")
    if not isinstance(line.last_checked, date):
        raise ContentError(f"{where}: line {line.id} last_checked is not a date")
    return line


def _load_countries(folder: Path, locales: list[str]) -> dict[str, CountryResources]:
    countries: dict[str, CountryResources] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.stem.startswith("_"):
            continue
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
        where = f"resources/{path.name}"
        zones = tuple(raw.get("timezones", ()))
        for zone in zones:
            if not is_valid_zone(zone):
                raise ContentError(f"{where}: unknown time zone {zone}")
        lines = [_load_line(line, where, locales) for line in raw.get("lines", [])]
        try:
            countries[path.stem] = CountryResources(
                code=path.stem,
                emergency=raw["emergency"]["number"],
                emergency_verified=bool(raw["emergency"]["verified"]),
                month_first=raw.get("date_order", "DMY") == "MDY",
                timezones=zones,
                lines=tuple(line for line in lines if line.kind != ABUSE_KIND),
                abuse=tuple(line for line in lines if line.kind == ABUSE_KIND),
            )
        except KeyError as missing:
            raise ContentError(f"{where}: missing {missing}") from None
    for required in ("default", "EU"):
        if required not in countries:
            raise ContentError(f"resources/{required}.toml is missing")
    return countries


def _offered(meta: dict[str, Any], locales: list[str]) -> dict[str, tuple[str, ...]]:
    """`offered` in _countries.toml: one list for every language, or a list per language."""
    where = "resources/_countries.toml: offered"
    raw = meta.get("offered")
    lists = dict.fromkeys(locales, raw) if isinstance(raw, list) else raw
    if not isinstance(lists, dict) or not all(isinstance(v, list) for v in lists.values()):
        raise ContentError(f"{where} must be a list of country codes or a table of lists")
    for codes in lists.values():
        if unknown := [code for code in codes if code not in country_names()]:
            raise ContentError(f"{where}: unknown country code {unknown[0]!r}")
    return {locale: tuple(codes) for locale, codes in lists.items()}


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
    countries = _load_countries(root / "resources", locales)
    content = Content(
        default_locale=default_locale,
        strings=strings,
        countries=countries,
        eu_members=frozenset(meta["eu_members"]),
        offered=_offered(meta, locales),
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
