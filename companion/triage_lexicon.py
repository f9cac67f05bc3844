"""Loading and checking the triage lexicon: messages/<locale>/triage/lexicon.toml.

Checked once at load: every category present and none unknown, every phrase non-empty text that
still means something after normalisation, one-word categories holding single words, no phrase
using a filler or clause word (normalisation would silently drop it), and no two phrases in a
category that normalise to the same words.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from companion.content import ContentError, read_toml
from companion.core import triage as core
from companion.core.triage import CATEGORIES, WORD_CATEGORIES, Lexicon, Syntax
from companion.core.triage_model import TriageModel
from companion.resources import messages_dir
from companion.triage_model_files import load_model

TABLES = ("settings", "contractions", "phrases")
DEFAULT_OVERDOSE_COUNT = 10
WORD_LISTS = ("enclitics", "enclitic_hosts", "proclitic_bridges")
SWITCHES = ("clitic_doubling", "subject_optional")
SETTINGS = ("overdose_count", "clause_openers", *WORD_LISTS, *SWITCHES)


class LexiconError(ContentError):
    """The lexicon file is missing or invalid; the message names the file, category and phrase."""


def lexicon_path(locale: str = "en", root: Path | None = None) -> Path:
    """Where a locale's lexicon lives."""
    return (root or messages_dir()) / locale / "triage" / "lexicon.toml"


def _phrases(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: [phrases] is missing")
    missing = [category for category in CATEGORIES if category not in raw]
    unknown = sorted(set(raw) - set(CATEGORIES))
    if missing:
        raise LexiconError(f"{where}: missing categories: {', '.join(missing)}")
    if unknown:
        raise LexiconError(f"{where}: unknown categories: {', '.join(unknown)}")
    phrases: dict[str, tuple[str, ...]] = {}
    for category in CATEGORIES:
        entries = raw[category]
        if not isinstance(entries, list) or not entries:
            raise LexiconError(f"{where}: {category} must be a non-empty list of phrases")
        for entry in entries:
            if not isinstance(entry, str) or not entry.strip():
                raise LexiconError(f"{where}: {category} has an empty or non-text phrase")
        phrases[category] = tuple(entries)
    return phrases


def _contractions(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: [contractions] must be a table")
    for source, target in raw.items():
        if not isinstance(target, str) or not target.strip() or not source.strip():
            raise LexiconError(f"{where}: contraction {source!r} needs a non-empty expansion")
    return dict(raw)


def _settings(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: [settings] must be a table")
    unknown = sorted(set(raw) - set(SETTINGS))
    if unknown:
        raise LexiconError(f"{where}: unknown settings: {', '.join(unknown)}")
    return raw


def _syntax(settings: dict[str, Any], where: str) -> Syntax:
    """The settings for languages unlike English (see companion.core.triage_terms.Syntax)."""
    openers = settings.get("clause_openers", "")
    if not isinstance(openers, str) or any(ch.isalnum() or ch.isspace() for ch in openers):
        raise LexiconError(f"{where}: settings.clause_openers must be punctuation marks")
    lists: dict[str, tuple[str, ...]] = {}
    for name in WORD_LISTS:
        words = settings.get(name, [])
        if not isinstance(words, list) or not all(
            isinstance(word, str) and word.strip().isalpha() for word in words
        ):
            raise LexiconError(f"{where}: settings.{name} must be a list of single words")
        lists[name] = tuple(words)
    if bool(lists["enclitics"]) != bool(lists["enclitic_hosts"]):
        raise LexiconError(f"{where}: settings.enclitics and enclitic_hosts go together")
    for name in SWITCHES:
        if not isinstance(settings.get(name, False), bool):
            raise LexiconError(f"{where}: settings.{name} must be true or false")
    return Syntax(
        clause_openers=openers,
        enclitics=lists["enclitics"],
        enclitic_hosts=lists["enclitic_hosts"],
        proclitic_bridges=frozenset(lists["proclitic_bridges"]),
        clitic_doubling=settings.get("clitic_doubling", False),
        subject_optional=settings.get("subject_optional", False),
    )


def _overdose_count(settings: dict[str, Any], where: str) -> int:
    count = settings.get("overdose_count", DEFAULT_OVERDOSE_COUNT)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise LexiconError(f"{where}: settings.overdose_count must be a whole number above 0")
    return count


def _check_phrases(lexicon: Lexicon, where: str) -> None:
    dropped = {
        word.casefold()
        for category in ("fillers", "clause_breaks")
        for word in lexicon.phrases[category]
    }
    for category in CATEGORIES:
        seen: dict[tuple[str, ...], str] = {}
        for phrase in lexicon.phrases[category]:
            if category not in {"fillers", "clause_breaks"}:
                spelt = set(phrase.casefold().replace("\u2019", "'").split())
                if spelt & dropped:
                    raise LexiconError(
                        f"{where}: {category}: {phrase!r} uses {sorted(spelt & dropped)[0]!r},"
                        " a filler or clause word that normalisation removes"
                    )
                words = lexicon.phrase_tokens(phrase)
            else:
                words = tuple(phrase.casefold().split())
            if not words:
                raise LexiconError(f"{where}: {category}: {phrase!r} normalises to nothing")
            if category in WORD_CATEGORIES and len(words) != 1:
                raise LexiconError(f"{where}: {category}: {phrase!r} must be a single word")
            if words in seen:
                raise LexiconError(
                    f"{where}: {category}: {phrase!r} duplicates {seen[words]!r}"
                    f" (both read as {' '.join(words)!r})"
                )
            seen[words] = phrase


def build_lexicon(
    raw: Mapping[str, Any], locale: str, where: str = "lexicon", model: TriageModel | None = None
) -> Lexicon:
    """A checked Lexicon from the parsed TOML tables, with the learned model beside it."""
    unknown = sorted(set(raw) - set(TABLES))
    if unknown:
        raise LexiconError(f"{where}: unknown tables: {', '.join(unknown)}")
    settings = _settings(raw.get("settings"), where)
    try:
        lexicon = Lexicon(
            locale=locale,
            phrases=_phrases(raw.get("phrases"), where),
            contractions=_contractions(raw.get("contractions", {}), where),
            overdose_count=_overdose_count(settings, where),
            syntax=_syntax(settings, where),
            model=model,
        )
    except core.LexiconError as error:
        raise LexiconError(f"{where}: {error}") from None
    _check_phrases(lexicon, where)
    return lexicon


def load_lexicon(
    path: Path, locale: str | None = None, model: TriageModel | None = None
) -> Lexicon:
    """Read and check a lexicon file; the locale defaults to the folder it sits in."""
    chosen = locale or path.resolve().parent.parent.name
    raw = read_toml(path, LexiconError, missing="no triage lexicon here")
    return build_lexicon(raw, chosen, str(path), model)


@functools.cache
def default_lexicon(locale: str = "en") -> Lexicon:
    """The shipped lexicon for a locale with its learned model when one ships (loaded and
    checked once per process)."""
    return load_lexicon(lexicon_path(locale), locale, load_model(locale))


@functools.cache
def lexicon_only(locale: str = "en") -> Lexicon:
    """The shipped lexicon for a locale without the learned model (to measure each stage)."""
    return load_lexicon(lexicon_path(locale), locale)


def shipped_locales(root: Path | None = None) -> tuple[str, ...]:
    """The locales that ship a triage lexicon (messages/<locale>/triage/lexicon.toml)."""
    folder = root or messages_dir()
    return tuple(
        sorted(
            entry.name for entry in folder.iterdir() if lexicon_path(entry.name, folder).is_file()
        )
    )


def shipped_lexicons() -> dict[str, Lexicon]:
    """Every shipped lexicon by locale, each loaded and checked once per process."""
    return {locale: default_lexicon(locale) for locale in shipped_locales()}
