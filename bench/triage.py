"""Free-text triage throughput over the labelled test sets: each message alone, and each with the
three before it as her recent messages (what the bot does when she wrote within the hour, which
reads three texts: hers, the earlier ones, and all together); in English, in Spanish, and for a
Spanish-speaking mother, whose every message the bot reads with the Spanish and the English
lexicon (companion.bot.crisis.read_all).

The triage keeps the readings of the last messages it read (companion.core.triage.clear_cache):
each pass starts with none, so every message is read afresh once, and the three before it were
read just before, as the bot read her earlier messages when they came."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from companion.bot.crisis import read_all
from companion.core.triage import clear_cache
from companion.triage_cli import read_labelled
from companion.triage_lexicon import default_lexicon

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "triage"


def triage_per_second(
    passes: int = 5, *, with_recent: bool, locale: str = "en", lexicons: Sequence[str] = ()
) -> float:
    """Messages triaged per second, over `passes` passes of a locale's labelled set, read with
    `lexicons` (default: the locale's own) as the bot reads them."""
    read_with = [default_lexicon(name) for name in lexicons or (locale,)]
    texts = [row.text for row in read_labelled(LABELLED / f"{locale}_labelled.tsv")]
    elapsed = 0.0
    for _ in range(passes):
        clear_cache()
        started = time.perf_counter()
        for index, text in enumerate(texts):
            recent = texts[max(0, index - 3) : index] if with_recent else []
            read_all(read_with, text, recent)
        elapsed += time.perf_counter() - started
    return passes * len(texts) / elapsed


def triage_figures() -> dict[str, int]:
    """Every triage figure the benchmark reports, by its JSON key."""
    figures: dict[str, int] = {}
    for key, locale, lexicons in (
        ("triage", "en", ()),
        ("triage_es", "es", ()),
        ("triage_es_en", "es", ("es", "en")),
    ):
        for suffix, with_recent in (("_per_s", False), ("_recent_per_s", True)):
            rate = triage_per_second(with_recent=with_recent, locale=locale, lexicons=lexicons)
            figures[key + suffix] = round(rate)
    return figures


def triage_lines(figures: dict[str, int]) -> list[str]:
    """The figures as the lines the benchmark prints."""
    return [
        f"triage ({name}): {figures[key + '_per_s']:,} messages/s alone, "
        f"{figures[key + '_recent_per_s']:,} with 3 recent messages"
        for key, name in (
            ("triage", "English"),
            ("triage_es", "Spanish"),
            ("triage_es_en", "Spanish mother, read with the Spanish and English lexicons"),
        )
    ]
