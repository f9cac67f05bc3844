"""What the English and Spanish triage tests share: levels compared by rank, the labelled sets,
a lexicon written to a temporary folder, and cases of both languages' lists tagged by locale."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from companion.core.triage import LEVELS, Level, Result, triage
from companion.triage_lexicon import default_lexicon

LOCALES = ("en", "es")
TRIAGE_DIR = Path(__file__).parent / "triage"


def rank(level: str) -> int:
    return LEVELS.index(level)  # type: ignore[arg-type]


def assert_at_least(result: Result, expected: Level, text: str) -> None:
    assert rank(result.level) >= rank(expected), f"{text!r}: {result} is below {expected}"


def triage_in(locale: str, text: str, recent: Sequence[str] = ()) -> Result:
    """`text` read with the shipped lexicon of `locale`."""
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
    rows = []
    for line in labelled_path(locale).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            level, _, text = line.partition("\t")
            rows.append((level, text))
    return rows


def serious_rows() -> list[tuple[str, str, str]]:
    """(locale, label, text) for every urgent and emergency line of both labelled sets."""
    return [
        (locale, level, text)
        for locale in LOCALES
        for level, text in labelled_rows(locale)
        if level in ("urgent", "emergency")
    ]


def write_lexicon(tmp_path: Path, locale: str, text: str) -> Path:
    """`text` as a lexicon file where a locale's lexicon lives, below `tmp_path`."""
    path = tmp_path / locale / "triage" / "lexicon.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path
