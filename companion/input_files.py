"""Loading the words a mother may type: messages/<locale>/input/words.toml and places.toml.

Checked once at load: every table and list present with the right kind of value, country codes
known to tzdata, zones valid, months 1-12, meridiem kinds known, no name read two ways within a
language and no answer that means both yes and no. Each locale's words come first, then the other
languages' where they do not clash; the names.country names of every language count as places.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from companion.content import ContentError, read_toml
from companion.core.birth_date import DateWords
from companion.core.clock_time import MERIDIEM_KINDS, TimeWords
from companion.core.folding import fold, fold_answer
from companion.core.safety_answers import ANSWERS, KINDS, fold_safety
from companion.core.typed_words import TypedWords
from companion.core.zones import country_names, fold_place, is_valid_zone

Value = TypeVar("Value")
MAX_DAYS_AGO = 7
COUNTRY_NAMES = "names.country."


@dataclass
class _Raw:
    """One locale's words as read, before the other languages' are added."""

    countries: dict[str, str] = field(default_factory=dict)
    cities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    yes: list[str] = field(default_factory=list)
    no: list[str] = field(default_factory=list)
    safety: dict[str, list[str]] = field(default_factory=dict)  # kind -> phrases
    lists: dict[str, list[str]] = field(default_factory=dict)  # noon, before, ordinals...
    meridiem: dict[str, str] = field(default_factory=dict)
    days_ago: dict[str, int] = field(default_factory=dict)
    months: dict[str, int] = field(default_factory=dict)


def _table(raw: Mapping[str, Any], dotted: str, where: str) -> dict[str, Any]:
    found: Any = raw
    for key in dotted.split("."):
        found = found.get(key) if isinstance(found, dict) else None
    if not isinstance(found, dict):
        raise ContentError(f"{where}: [{dotted}] is missing")
    return found


def _texts(table: Mapping[str, Any], key: str, where: str) -> list[str]:
    found = table.get(key)
    if not isinstance(found, list) or not all(isinstance(w, str) and w.strip() for w in found):
        raise ContentError(f"{where}: {key} must be a list of words")
    return found


def _keyed(
    table: Mapping[str, Any],
    where: str,
    folder: Callable[[str], str],
    check: Callable[[Any], Any],
) -> dict[str, Any]:
    """Folded name -> value, each value checked; a name read two ways is an error."""
    keyed: dict[str, Any] = {}
    for name, value in table.items():
        checked = check(value)
        if checked is None:
            raise ContentError(f"{where}: {name!r} = {value!r} is not allowed")
        folded = folder(name)
        if not folded or keyed.get(folded, checked) != checked:
            raise ContentError(f"{where}: {name!r} is read two ways")
        keyed[folded] = checked
    return keyed


def _country(value: Any) -> str | None:
    return value if isinstance(value, str) and value in country_names() else None


def _zones(value: Any) -> tuple[str, ...] | None:
    zones = [value] if isinstance(value, str) else value
    if not isinstance(zones, list) or not zones:
        return None
    valid = all(isinstance(zone, str) and is_valid_zone(zone) for zone in zones)
    return tuple(zones) if valid else None


def _number_in(low: int, high: int) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        return value if type(value) is int and low <= value <= high else None

    return check


def _kind(value: Any) -> str | None:
    return value if value in MERIDIEM_KINDS else None


def _read_places(raw: _Raw, path: Path) -> None:
    places, where = read_toml(path, missing="missing (the words a mother may type)"), str(path)
    raw.countries = _keyed(_table(places, "countries", where), where, _country_key, _country)
    raw.cities = _keyed(_table(places, "cities", where), where, fold_place, _zones)


def _country_key(name: str) -> str:
    return fold_place(name).strip(".")


def _read_words(raw: _Raw, path: Path) -> None:
    words, where = read_toml(path, missing="missing (the words a mother may type)"), str(path)
    answers = _table(words, "answers", where)
    raw.yes, raw.no = _texts(answers, "yes", where), _texts(answers, "no", where)
    safety = _table(words, "safety", where)
    raw.safety = {kind: _texts(safety, kind, where) for kind in KINDS}
    time, date = _table(words, "time", where), _table(words, "date", where)
    for key in ("noon", "midnight", "before", "after"):
        raw.lists[key] = _texts(time, key, where)
    for key in ("joiners", "ordinals"):
        raw.lists[key] = _texts(date, key, where)
    raw.meridiem = _keyed(_table(words, "time.meridiem", where), where, fold, _kind)
    raw.days_ago = _keyed(
        _table(words, "date.days_ago", where), where, fold, _number_in(0, MAX_DAYS_AGO)
    )
    raw.months = _keyed(_table(words, "date.months", where), where, fold, _number_in(1, 12))


def _read_locale(root: Path, locale: str, strings: Mapping[str, str]) -> _Raw:
    """Her language's files, and the names its buttons give the offered countries."""
    raw = _Raw()
    folder = root / locale / "input"
    _read_places(raw, folder / "places.toml")
    _read_words(raw, folder / "words.toml")
    for key, name in strings.items():
        code = key.removeprefix(COUNTRY_NAMES)
        if key.startswith(COUNTRY_NAMES) and _country(code):
            raw.countries.setdefault(_country_key(name), code)
    return raw


def _first_wins(tables: Iterable[Mapping[str, Value]]) -> dict[str, Value]:
    merged: dict[str, Value] = {}
    for table in tables:
        for key, value in table.items():
            merged.setdefault(key, value)
    return merged


def _union(lists: Iterable[Iterable[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(word for words in lists for word in words))


def _merge(locale: str, ordered: list[_Raw], where: str) -> TypedWords:
    yes = frozenset(fold_answer(word) for raw in ordered for word in raw.yes)
    no = frozenset(fold_answer(word) for raw in ordered for word in raw.no)
    if both := sorted(yes & no):
        raise ContentError(f"{where}: {both[0]!r} means both yes and no in {locale}")

    safety = {
        kind: frozenset(fold_safety(word) for raw in ordered for word in raw.safety[kind])
        for kind in KINDS
    }
    _check_safety(safety, locale, where)

    def lists(key: str) -> tuple[str, ...]:
        return _union(raw.lists[key] for raw in ordered)

    time = TimeWords(
        noon=frozenset(lists("noon")),
        midnight=frozenset(lists("midnight")),
        meridiem=_first_wins(raw.meridiem for raw in ordered),
        before=lists("before"),
        after=lists("after"),
    )
    dates = DateWords(
        months=_first_wins(raw.months for raw in ordered),
        days_ago=_first_wins(raw.days_ago for raw in ordered),
        joiners=lists("joiners"),
        ordinals=lists("ordinals"),
    )
    return TypedWords(
        countries=_first_wins(raw.countries for raw in ordered),
        cities=_first_wins(raw.cities for raw in ordered),
        time=time,
        dates=dates,
        yes=yes,
        no=no,
        safety=safety,
    )


def _check_safety(safety: Mapping[str, frozenset[str]], locale: str, where: str) -> None:
    """No typed phrase may give two answers to one safety question."""
    for question, kinds in ANSWERS.items():
        seen: dict[str, str] = {}
        for kind, answer in kinds.items():
            for phrase in safety[kind]:
                if seen.setdefault(phrase, answer) != answer:
                    raise ContentError(
                        f"{where}: [safety] {phrase!r} answers {question!r} two ways in {locale}"
                    )


def load_typed_words(
    root: Path, strings: Mapping[str, Mapping[str, str]], reference: str
) -> dict[str, TypedWords]:
    """Each locale's words, then the reference locale's, then the others'."""
    raw = {locale: _read_locale(root, locale, table) for locale, table in strings.items()}
    order = sorted(raw, key=lambda locale: (locale != reference, locale))
    return {
        locale: _merge(
            locale,
            [raw[locale], *(raw[other] for other in order if other != locale)],
            str(root / locale / "input"),
        )
        for locale in raw
    }
