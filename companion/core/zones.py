"""Time zones and countries from the IANA database (tzdata's zone.tab and iso3166.tab)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from companion.core.folding import fold

_OFFSET = re.compile(
    r"^(?:utc|gmt)?\s*(?P<sign>[+\-−])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$"
)
# Not words of any language: the names of UTC itself.
_UTC_NAMES = {"utc": "UTC", "gmt": "UTC"}
_NOTHING: Mapping[str, str] = MappingProxyType({})
_NO_CITIES: Mapping[str, tuple[str, ...]] = MappingProxyType({})


def _tzdata_lines(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def country_names() -> dict[str, str]:
    """ISO 3166 code -> English name, from tzdata."""
    return {fields[0]: fields[1] for fields in _tzdata_lines("iso3166.tab")}


@cache
def _zones_by_country() -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    for fields in _tzdata_lines("zone.tab"):
        zones.setdefault(fields[0], []).append(fields[2])
    return zones


def zones_for_country(code: str) -> list[str]:
    return list(_zones_by_country().get(code.upper(), []))


def distinct_zones_for_country(code: str) -> list[str]:
    """Her country's zones that keep different clocks, in tzdata's order: a zone with the same
    UTC offsets all year as one before it is left out (Germany's Busingen keeps Berlin's), and so
    is a research station's (Antarctica/...) outside Antarctica itself."""
    kept: dict[tuple[timedelta | None, ...], str] = {}
    for name in _zones_by_country().get(code.upper(), []):
        if name.startswith("Antarctica/") and code.upper() != "AQ":
            continue
        kept.setdefault(_offsets(name), name)
    return list(kept.values())


def _offsets(name: str) -> tuple[timedelta | None, ...]:
    zone = ZoneInfo(name)
    return tuple(datetime(2026, month, 15, 12, tzinfo=zone).utcoffset() for month in (1, 4, 7, 10))


@cache
def _zones_by_city() -> dict[str, str]:
    by_city: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            by_city.setdefault(fold_place(name.rsplit("/", 1)[1]), name)
    return by_city


def fold_place(text: str) -> str:
    """A country, city or zone name folded for comparison ("Bogotá", "bogota", "BOGOTA")."""
    return fold(text.replace("_", " "))


@cache
def _countries_by_folded_name() -> dict[str, str]:
    return {fold_place(name): code for code, name in country_names().items()}


def country_from_text(text: str, names: Mapping[str, str] = _NOTHING) -> str | None:
    """An ISO code from a code, a name in `names` (folded name -> code, from her language's data)
    or tzdata's English name ("uk", "México", "United States", "de")."""
    folded = fold_place(text).strip(".")
    if folded in names:
        return names[folded]
    if len(folded) == 2 and folded.upper() in country_names():
        return folded.upper()
    return _countries_by_folded_name().get(folded)


def fixed_offset_name(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_zone(
    text: str, cities: Mapping[str, tuple[str, ...]] = _NO_CITIES, near: Collection[str] = ()
) -> str | None:
    """An IANA zone or fixed offset from what she typed: a zone name, a city or an offset.

    `cities` (folded name -> zones, from her language's data) name a city's likelier zone first;
    a zone in `near` (her country's) wins: "San José" is in Costa Rica, unless she is in the US.
    """
    folded = fold_place(text)
    if not folded or len(folded) > 64:
        return None
    if match := _OFFSET.match(folded.replace(" ", "")):
        hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
        total = (hours * 60 + minutes) * (-1 if match["sign"] in "-−" else 1)
        if minutes not in (0, 15, 30, 45) or not -12 * 60 <= total <= 14 * 60:
            return None
        return "UTC" if total == 0 else fixed_offset_name(total)
    if folded in _UTC_NAMES:
        return _UTC_NAMES[folded]
    if zones := cities.get(folded):
        return next((zone for zone in zones if zone in near), zones[0])
    by_name = _zones_by_lower_name().get(folded.replace(" ", "_"))
    return by_name if by_name and is_valid_zone(by_name) else _zones_by_city().get(folded)


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


_STORED_OFFSET = re.compile(r"^UTC(?P<sign>[+-])(?P<hours>\d{2}):(?P<minutes>00|15|30|45)$")


def tzinfo_for(name: str) -> tzinfo:
    """A stored zone name back to a tzinfo; fixed offsets are stored as "UTC+05:30"."""
    if name.startswith("UTC") and name != "UTC":
        match = _STORED_OFFSET.match(name)
        if match is None:
            raise ValueError("not a fixed offset of the form UTC+05:30")
        minutes = int(match["hours"]) * 60 + int(match["minutes"])
        minutes *= -1 if match["sign"] == "-" else 1
        if not -12 * 60 <= minutes <= 14 * 60:
            raise ValueError("offset out of range")
        return timezone(timedelta(minutes=minutes))
    if name.startswith("Etc/") or name.startswith(("posix/", "right/")):
        # Etc/GMT+2 means UTC-2: too confusing to accept; offsets are typed as UTC-2 instead.
        raise ValueError("Etc zones are not accepted")
    return ZoneInfo(name)


def is_valid_zone(name: str) -> bool:
    try:
        tzinfo_for(name)
    except (ZoneInfoNotFoundError, ValueError, IndexError):
        return False
    return True


def zone_for_location(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a shared location, from timezonefinder's bundled map (no network).

    At sea timezonefinder answers with a nautical "Etc/GMT+2" zone, whose sign is the reverse of
    what it reads as (it is UTC-2): treat that as no zone, so she is asked for a city instead.
    """
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    zone: str | None = _finder().timezone_at(lng=longitude, lat=latitude)
    if zone is None or zone.startswith("Etc/"):
        return None
    return zone


@cache
def _finder() -> Any:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder(in_memory=False)
