"""messages/resources/: crisis, support and domestic-abuse lines by country, with each line's
`verified` and `last_checked`, the emergency number, date order and time zones; checked as they
load (companion.content.load_content reads them)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from companion.content import ContentError
from companion.core.zones import country_names, is_valid_zone

RESOURCE_KINDS = {"crisis", "support", "directory"}  # the lines of the crisis reply
ABUSE_KIND = "abuse"  # domestic-abuse lines: kept apart, shown only in their own reply


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


def load_countries(folder: Path, locales: list[str]) -> dict[str, CountryResources]:
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


def offered_countries(meta: dict[str, Any], locales: list[str]) -> dict[str, tuple[str, ...]]:
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
