"""Loading and checking questionnaire files: messages/<locale>/instruments/<id>.toml.

A deployer adds instruments companion may not ship (a licensed EPDS) in a folder of their own,
<dir>/<locale>/<id>.toml (COMPANION_INSTRUMENTS_DIR); a file there replaces a shipped one with the
same id. Checked once at load: known keys only (a misspelt `safety` must not pass quietly), every
item has options with whole-number scores, bands cover 0..max total without gaps or overlaps,
safety_min and cut-offs within range, Telegram's length limits, and every locale scoring each
instrument exactly as the reference locale does. The format is described in messages/en/
instruments/phq9.toml; the scoring lives in companion/core/instruments.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from companion.content import (
    TELEGRAM_BUTTON_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    ContentError,
    read_toml,
)
from companion.core.instruments import (
    CUTOFF_TIERS,
    Band,
    Instrument,
    Item,
    Kind,
    Option,
    effective_cutoffs,
)

REQUIRED = {"id", "name", "kind", "recall", "stem", "items", "bands", "min_interval_days"}
REQUIRED |= {"licence", "source"}
OPTIONAL = {"options", "cutoffs", "full_tool", "brief_positive"}
ITEM_KEYS = {"id", "text", "options", "safety", "safety_min"}
OPTION_KEYS = {"label", "score"}
BAND_KEYS = {"low", "high", "key", "label"}
KINDS = ("full", "brief")
ID_SHAPE = re.compile(r"[a-z][a-z0-9_]{0,31}")
# A question is sent as stem + item (+ a progress line): leave the same room content.py leaves.
QUESTION_LIMIT = TELEGRAM_TEXT_LIMIT - 500

Instruments = dict[str, dict[str, Instrument]]  # locale -> instrument id -> instrument


class InstrumentError(ContentError):
    """An instrument file is missing or invalid; the message names the file and the field."""


def load_instruments(
    root: Path,
    locales: Iterable[str],
    extra_dir: Path | None = None,
    reference: str | None = None,
) -> Instruments:
    """Every locale's instruments, the extra folder's replacing shipped ones with the same id.
    `reference` (default: en, else the first locale) is the locale the others must score like."""
    locales = sorted(locales)
    paths = {locale: _files(root / locale / "instruments") for locale in locales}
    if extra_dir is not None:
        for locale, extra in _extra_files(extra_dir, locales).items():
            paths[locale].update(extra)
    instruments = {
        locale: {id_: load_instrument(path) for id_, path in found.items()}
        for locale, found in paths.items()
    }
    chosen = reference or ("en" if "en" in locales else (locales or ["en"])[0])
    _check_full_tools(instruments, paths)
    _check_locales(instruments, paths, chosen)
    return instruments


def load_instrument(path: Path) -> Instrument:
    """Read and check one instrument file; its id must be the file's name."""
    instrument = build_instrument(read_toml(path, InstrumentError), str(path))
    if instrument.id != path.stem:
        raise InstrumentError(f"{path}: id: {instrument.id!r} must match the file name")
    return instrument


def build_instrument(raw: Mapping[str, Any], where: str) -> Instrument:
    """A checked Instrument from the parsed TOML tables."""
    _check_keys(raw, REQUIRED, OPTIONAL, where)
    shared = _options(raw["options"], f"{where}: options") if "options" in raw else None
    raw_items = _list(raw["items"], f"{where}: items")
    items = tuple(_item(entry, shared, f"{where}: items[{n}]") for n, entry in enumerate(raw_items))
    _check_unique([item.id for item in items], f"{where}: items: item id")
    raw_bands = _list(raw["bands"], f"{where}: bands")
    brief_positive = raw.get("brief_positive")
    if brief_positive is not None:
        brief_positive = _whole(brief_positive, f"{where}: brief_positive", low=1)
    instrument = Instrument(
        id=_id(raw["id"], f"{where}: id"),
        name=_text(raw["name"], f"{where}: name"),
        kind=_kind(raw["kind"], f"{where}: kind"),
        recall=_text(raw["recall"], f"{where}: recall"),
        stem=_text(raw["stem"], f"{where}: stem"),
        items=items,
        bands=tuple(_band(entry, f"{where}: bands[{n}]") for n, entry in enumerate(raw_bands)),
        cutoffs=_cutoffs(raw.get("cutoffs", {}), f"{where}: cutoffs"),
        full_tool=_id(raw["full_tool"], f"{where}: full_tool") if "full_tool" in raw else None,
        brief_positive=brief_positive,
        min_interval_days=_whole(raw["min_interval_days"], f"{where}: min_interval_days"),
        licence=_text(raw["licence"], f"{where}: licence"),
        source=_text(raw["source"], f"{where}: source"),
    )
    _check_safety_min(instrument, where)
    _check_lengths(instrument, where)
    _check_bands(instrument, where)
    _check_cutoffs(instrument, instrument.cutoffs, f"{where}: cutoffs")
    _check_brief(instrument, where)
    return instrument


def check_thresholds(instruments: Instruments, thresholds: Mapping[str, int]) -> None:
    """Each COMPANION_THRESHOLDS entry names a loaded instrument and leaves its cut-offs sane."""
    loaded = {id_: found for table in instruments.values() for id_, found in table.items()}
    for key in sorted(thresholds):
        instrument_id = key.partition(".")[0]
        if instrument_id not in loaded:
            raise InstrumentError(
                f"COMPANION_THRESHOLDS: {key}: no instrument {instrument_id!r} is loaded "
                "(add its file with COMPANION_INSTRUMENTS_DIR)"
            )
    for instrument in loaded.values():
        cutoffs = effective_cutoffs(instrument, thresholds)
        _check_cutoffs(instrument, cutoffs, f"COMPANION_THRESHOLDS: {instrument.id}")


# --- finding files ----------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, Path]:
    return {path.stem: path for path in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}


def _extra_files(extra_dir: Path, locales: list[str]) -> dict[str, dict[str, Path]]:
    if not extra_dir.is_dir():
        raise InstrumentError(f"{extra_dir}: the instruments folder does not exist")
    found = {locale: _files(extra_dir / locale) for locale in locales}
    if not any(found.values()):
        raise InstrumentError(
            f"{extra_dir}: no instrument files for {', '.join(locales)}; "
            f"expected <dir>/<locale>/<id>.toml, e.g. {extra_dir / 'en' / 'epds.toml'}"
        )
    return found


# --- fields -----------------------------------------------------------------------------------


def _check_keys(raw: Any, required: set[str], optional: set[str], where: str) -> None:
    if not isinstance(raw, Mapping):
        raise InstrumentError(f"{where}: expected a table")
    missing = sorted(required - set(raw))
    unknown = sorted(set(raw) - required - optional)
    if missing:
        raise InstrumentError(f"{where}: missing {', '.join(missing)}")
    if unknown:
        raise InstrumentError(f"{where}: unknown keys {', '.join(unknown)}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InstrumentError(f"{where}: expected non-empty text")
    return value


def _id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not ID_SHAPE.fullmatch(value):
        raise InstrumentError(f"{where}: expected a short lower-case word such as 'interest'")
    return value


def _kind(value: Any, where: str) -> Kind:
    if value not in KINDS:
        raise InstrumentError(f"{where}: expected one of {', '.join(KINDS)}")
    return cast(Kind, value)


def _whole(value: Any, where: str, low: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise InstrumentError(f"{where}: expected a whole number, at least {low}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise InstrumentError(f"{where}: expected a non-empty list")
    return value


def _check_unique(values: list[Any], where: str) -> None:
    repeated = sorted({str(value) for value in values if values.count(value) > 1})
    if repeated:
        raise InstrumentError(f"{where} repeated: {', '.join(repeated)}")


def _options(raw: Any, where: str) -> tuple[Option, ...]:
    options = []
    for n, entry in enumerate(_list(raw, where)):
        _check_keys(entry, OPTION_KEYS, set(), f"{where}[{n}]")
        label = _text(entry["label"], f"{where}[{n}].label")
        if len(label) > TELEGRAM_BUTTON_LIMIT:
            raise InstrumentError(
                f"{where}[{n}].label: {len(label)} characters, limit {TELEGRAM_BUTTON_LIMIT}"
            )
        options.append(Option(label, _whole(entry["score"], f"{where}[{n}].score")))
    if len(options) < 2:
        raise InstrumentError(f"{where}: expected at least two options")
    _check_unique([option.label for option in options], f"{where}: label")
    return tuple(options)


def _item(raw: Any, shared: tuple[Option, ...] | None, where: str) -> Item:
    _check_keys(raw, {"id", "text"}, ITEM_KEYS - {"id", "text"}, where)
    if "options" in raw:
        options = _options(raw["options"], f"{where}.options")
    elif shared is not None:
        options = shared
    else:
        raise InstrumentError(f"{where}.options: missing (and the file has no shared options)")
    safety = raw.get("safety", False)
    if not isinstance(safety, bool):
        raise InstrumentError(f"{where}.safety: expected true or false")
    return Item(
        id=_id(raw["id"], f"{where}.id"),
        text=_text(raw["text"], f"{where}.text"),
        options=options,
        safety=safety,
        safety_min=_whole(raw.get("safety_min", 1), f"{where}.safety_min", low=1),
    )


def _band(raw: Any, where: str) -> Band:
    _check_keys(raw, BAND_KEYS, set(), where)
    return Band(
        low=_whole(raw["low"], f"{where}.low"),
        high=_whole(raw["high"], f"{where}.high"),
        key=_id(raw["key"], f"{where}.key"),
        label=_text(raw["label"], f"{where}.label"),
    )


def _cutoffs(raw: Any, where: str) -> dict[str, int]:
    _check_keys(raw, set(), set(CUTOFF_TIERS), where)
    return {name: _whole(value, f"{where}.{name}") for name, value in raw.items()}


# --- the whole instrument ---------------------------------------------------------------------


def _check_safety_min(instrument: Instrument, where: str) -> None:
    for n, item in enumerate(instrument.items):
        if item.safety_min > item.max_score:
            raise InstrumentError(
                f"{where}: items[{n}].safety_min: {item.safety_min} is above the item's "
                f"highest score {item.max_score}"
            )


def _check_lengths(instrument: Instrument, where: str) -> None:
    for n, item in enumerate(instrument.items):
        length = len(instrument.stem) + 2 + len(item.text)
        if length > QUESTION_LIMIT:
            raise InstrumentError(
                f"{where}: items[{n}].text: stem and item are {length} characters, "
                f"limit {QUESTION_LIMIT}"
            )
    if len(instrument.licence) > QUESTION_LIMIT:
        raise InstrumentError(f"{where}: licence: longer than {QUESTION_LIMIT} characters")


def _check_bands(instrument: Instrument, where: str) -> None:
    _check_unique([band.key for band in instrument.bands], f"{where}: bands: key")
    expected = 0
    for band in sorted(instrument.bands, key=lambda band: (band.low, band.high)):
        if band.high < band.low:
            raise InstrumentError(f"{where}: bands: {band.key} runs {band.low}..{band.high}")
        if band.low > expected:
            raise InstrumentError(f"{where}: bands: gap, no band covers {expected}..{band.low - 1}")
        if band.low < expected:
            raise InstrumentError(f"{where}: bands: {band.key} overlaps at {band.low}")
        expected = band.high + 1
    if expected - 1 != instrument.max_total:
        raise InstrumentError(
            f"{where}: bands: cover 0..{expected - 1}, the totals run 0..{instrument.max_total}"
        )


def _check_cutoffs(instrument: Instrument, cutoffs: Mapping[str, int], where: str) -> None:
    for name, value in cutoffs.items():
        if not 0 <= value <= instrument.max_total:
            raise InstrumentError(f"{where}.{name}: {value} is outside 0..{instrument.max_total}")
    if cutoffs.get("possible", 0) > cutoffs.get("probable", instrument.max_total):
        raise InstrumentError(f"{where}: possible is above probable")


def _check_brief(instrument: Instrument, where: str) -> None:
    if instrument.kind == "full":
        if instrument.full_tool or instrument.brief_positive:
            raise InstrumentError(f"{where}: full_tool and brief_positive are for a brief tool")
        return
    if not instrument.full_tool or instrument.brief_positive is None:
        raise InstrumentError(f"{where}: a brief tool needs full_tool and brief_positive")
    if instrument.brief_positive > instrument.max_total:
        raise InstrumentError(f"{where}: brief_positive is above the maximum total")
    possible = instrument.cutoffs.get("possible")
    if possible is not None and possible != instrument.brief_positive:
        raise InstrumentError(f"{where}: cutoffs.possible must equal brief_positive")


# --- across files -----------------------------------------------------------------------------


def _check_full_tools(instruments: Instruments, paths: Mapping[str, Mapping[str, Path]]) -> None:
    for locale, table in instruments.items():
        for id_, instrument in table.items():
            if instrument.full_tool and instrument.full_tool not in table:
                raise InstrumentError(
                    f"{paths[locale][id_]}: full_tool: no {instrument.full_tool!r} in {locale}"
                )


def _scoring(instrument: Instrument) -> dict[str, Any]:
    """Everything about an instrument that must not change with the language."""
    return {
        "item ids": [item.id for item in instrument.items],
        "scores": [[option.score for option in item.options] for item in instrument.items],
        "safety": [(item.safety, item.safety_min) for item in instrument.items],
        "bands": [(band.low, band.high, band.key) for band in instrument.bands],
        "cutoffs": dict(sorted(instrument.cutoffs.items())),
        "kind": (instrument.kind, instrument.full_tool, instrument.brief_positive),
        "min_interval_days": instrument.min_interval_days,
    }


def _check_locales(
    instruments: Instruments, paths: Mapping[str, Mapping[str, Path]], reference: str
) -> None:
    expected = instruments.get(reference, {})
    for locale, table in instruments.items():
        for id_, instrument in table.items():
            where = paths[locale][id_]
            if id_ not in expected:
                raise InstrumentError(f"{where}: no {reference} version to check it against")
            ours, theirs = _scoring(instrument), _scoring(expected[id_])
            for field, value in ours.items():
                if value != theirs[field]:
                    raise InstrumentError(f"{where}: {field} differ from {paths[reference][id_]}")
