"""What the English and Spanish triage tests share: levels compared by rank, the labelled sets,
a lexicon written to a temporary folder, and cases of both languages' lists tagged by locale."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from companion.core.triage import LEVELS, Level, Result, triage
from companion.triage_labels import read_labelled
from companion.triage_lexicon import default_lexicon, lexicon_only

LOCALES = ("en", "es")
TRIAGE_DIR = Path(__file__).parent / "triage"


def rank(level: str) -> int:
    return LEVELS.index(level)  # type: ignore[arg-type]


def assert_at_least(result: Result, expected: Level, text: str) -> None:
    assert rank(result.level) >= rank(expected), f"{text!r}: {result} is below {expected}"


def triage_in(locale: str, text: str, recent: Sequence[str] = ()) -> Result:
    """`text` read with the shipped lexicon of `locale` alone (the first stage)."""
    return triage(text, lexicon_only(locale), recent)


def triage_both(locale: str, text: str, recent: Sequence[str] = ()) -> Result:
    """`text` read as the bot reads it: the lexicon and the locale's learned model."""
    return triage(text, default_lexicon(locale), recent)


def by_locale(en: Sequence[object], es: Sequence[object]) -> list[tuple[object, ...]]:
    """Every case of both languages' lists with its locale first: a case ("text", "none") of the
    Spanish list becomes ("es", "text", "none"), a bare "text" becomes ("es", "text")."""
    return [
        (locale, *(case if isinstance(case, tuple) else (case,)))
        for locale, cases in (("en", en), ("es", es))
        for case in cases
    ]


def labelled_path(locale: str) -> Path:
    return TRIAGE_DIR / f"{locale}_labelled.tsv"


def labelled_rows(locale: str) -> list[tuple[str, str]]:
    """The (label, text) lines of a locale's labelled set, comments and blank lines left out."""
    return [(row.level, row.text) for row in read_labelled(labelled_path(locale))]


def serious_rows() -> list[tuple[str, str, str, str | None]]:
    """(locale, label, text, kind) for every urgent and emergency line of both labelled sets."""
    return [
        (locale, row.level, row.text, row.kind)
        for locale in LOCALES
        for row in read_labelled(labelled_path(locale))
        if row.level in ("urgent", "emergency")
    ]


def write_lexicon(tmp_path: Path, locale: str, text: str) -> Path:
    """`text` as a lexicon file where a locale's lexicon lives, below `tmp_path`."""
    path = tmp_path / locale / "triage" / "lexicon.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path
