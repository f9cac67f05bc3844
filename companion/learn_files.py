"""Loading and checking the learning snippets: messages/<locale>/learn/*.toml.

Each file other than _strings.toml holds [[snippets]] tables (id, title, topic, weeks, triggers,
text, source, reviewed); the library's order is the files' name order, then their order in a
file. _strings.toml holds the /learn menu's own words (keys "learn.<key>", checked with every
other string). Checked once at load: known keys only, ids unique, texts within SNIPPET_LIMIT,
weeks a [min, max] pair within 0..MAX_WEEK, known triggers, a source and a reviewed date, a
topic label for every topic, and every locale holding the same snippets with the same topic,
weeks and triggers as the reference locale (only the words may differ).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from companion.content import TELEGRAM_BUTTON_LIMIT, ContentError, read_toml
from companion.core.snippets import MAX_WEEK, TRIGGERS, Snippet

SNIPPET_LIMIT = 700
TITLE_LIMIT = TELEGRAM_BUTTON_LIMIT
FIELDS = ("id", "title", "topic", "weeks", "triggers", "text", "source", "reviewed")
STRINGS_FILE = "_strings.toml"
PREFIX = "learn."
TOPIC_LABEL = "learn.button.topic.{topic}"

Library = dict[str, tuple[Snippet, ...]]  # locale -> snippets in order


class SnippetError(ContentError):
    """A snippet file is missing or invalid; the message names the file and the field."""


def learn_strings(root: Path, locale: str) -> dict[str, Any]:
    """The locale's learn/_strings.toml as a table, to be flattened under "learn."."""
    path = root / locale / "learn" / STRINGS_FILE
    if not path.is_file():
        raise SnippetError(f"{path}: missing (the /learn menu's words)")
    return read_toml(path, SnippetError)


def load_snippets(
    root: Path,
    locales: Iterable[str],
    strings: Mapping[str, Mapping[str, str]],
    reference: str,
) -> Library:
    """Every locale's snippets, checked, and checked against the reference locale's."""
    library: Library = {}
    where: dict[tuple[str, str], str] = {}
    for locale in sorted(locales):
        folder = root / locale / "learn"
        snippets: list[Snippet] = []
        for path in sorted(folder.glob("*.toml")):
            if path.name == STRINGS_FILE:
                continue
            raw = read_toml(path, SnippetError).get("snippets")
            if not isinstance(raw, list) or not raw:
                raise SnippetError(f"{path}: snippets: expected [[snippets]] tables")
            for n, entry in enumerate(raw):
                snippet = build_snippet(entry, f"{path}: snippets[{n}]")
                if (locale, snippet.id) in where:
                    raise SnippetError(
                        f"{path}: snippets[{n}].id: {snippet.id!r} is also in "
                        f"{where[locale, snippet.id]}"
                    )
                where[locale, snippet.id] = f"{path}: snippets[{n}]"
                _check_topic(snippet, strings.get(locale, {}), f"{path}: snippets[{n}].topic")
                snippets.append(snippet)
        if not snippets:
            raise SnippetError(f"{folder}: no snippets")
        library[locale] = tuple(snippets)
    _check_locales(library, where, reference)
    return library


def build_snippet(raw: Any, where: str) -> Snippet:
    """A checked Snippet from one [[snippets]] table."""
    if not isinstance(raw, Mapping):
        raise SnippetError(f"{where}: expected a table")
    missing = [name for name in FIELDS if name not in raw]
    unknown = sorted(set(raw) - set(FIELDS))
    if missing:
        raise SnippetError(f"{where}: missing {', '.join(missing)}")
    if unknown:
        raise SnippetError(f"{where}: unknown keys {', '.join(unknown)}")
    return Snippet(
        id=_id(raw["id"], f"{where}.id"),
        title=_text(raw["title"], f"{where}.title", TITLE_LIMIT),
        topic=_id(raw["topic"], f"{where}.topic"),
        weeks=_weeks(raw["weeks"], f"{where}.weeks"),
        triggers=_triggers(raw["triggers"], f"{where}.triggers"),
        text=_text(raw["text"], f"{where}.text", SNIPPET_LIMIT),
        source=_text(raw["source"], f"{where}.source", SNIPPET_LIMIT),
        reviewed=_date(raw["reviewed"], f"{where}.reviewed"),
    )


def _id(value: Any, where: str) -> str:
    shape_ok = isinstance(value, str) and 0 < len(value) <= 32 and value[:1].isalpha()
    if not shape_ok or not all(c.islower() or c.isdigit() or c == "_" for c in value):
        raise SnippetError(f"{where}: expected a short lower-case word such as 'baby_blues'")
    return str(value)


def _text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SnippetError(f"{where}: expected non-empty text")
    if len(value) > limit:
        raise SnippetError(f"{where}: {len(value)} characters, limit {limit}")
    return value


def _weeks(value: Any, where: str) -> tuple[int, int]:
    whole = isinstance(value, list) and all(
        isinstance(week, int) and not isinstance(week, bool) for week in value
    )
    if not whole or len(value) != 2 or not 0 <= value[0] <= value[1] <= MAX_WEEK:
        raise SnippetError(f"{where}: expected [first, last] weeks within 0..{MAX_WEEK}")
    return (value[0], value[1])


def _triggers(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        raise SnippetError(f"{where}: expected a non-empty list of {', '.join(TRIGGERS)}")
    unknown = [trigger for trigger in value if trigger not in TRIGGERS]
    if unknown:
        raise SnippetError(f"{where}: unknown {unknown[0]!r}, expected {', '.join(TRIGGERS)}")
    if len(set(value)) != len(value):
        raise SnippetError(f"{where}: repeated trigger")
    return frozenset(value)


def _date(value: Any, where: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise SnippetError(f"{where}: expected a date such as 2026-11-21 (no quotes)")
    return value


def _check_topic(snippet: Snippet, strings: Mapping[str, str], where: str) -> None:
    key = TOPIC_LABEL.format(topic=snippet.topic)
    if key not in strings:
        raise SnippetError(f"{where}: no label for {snippet.topic!r} ({key} in {STRINGS_FILE})")


def _shape(snippet: Snippet) -> tuple[str, tuple[int, int], frozenset[str]]:
    """What must not change with the language."""
    return (snippet.topic, snippet.weeks, snippet.triggers)


def _check_locales(library: Library, where: Mapping[tuple[str, str], str], reference: str) -> None:
    expected = {snippet.id: snippet for snippet in library.get(reference, ())}
    for locale, snippets in library.items():
        ids = {snippet.id for snippet in snippets}
        missing = sorted(set(expected) - ids)
        if missing:
            raise SnippetError(f"{locale}/learn: missing snippets {', '.join(missing[:5])}")
        for snippet in snippets:
            if snippet.id not in expected:
                raise SnippetError(f"{where[locale, snippet.id]}: no {reference} version")
            if _shape(snippet) != _shape(expected[snippet.id]):
                raise SnippetError(
                    f"{where[locale, snippet.id]}: topic, weeks or triggers differ from "
                    f"{where[reference, snippet.id]}"
                )
