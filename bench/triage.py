"""Free-text triage throughput over the labelled corpus (tests/triage/corpus/ and the labelled
sets; never the blind sets, though speed is not tuned on anything): each message alone, one at a
time, as the bot reads it (the lexicon and the learned model together), and each stage alone; each
message with the three before it as her recent messages (what the bot does when she wrote within
the hour); and for a Spanish-speaking mother, whose every message the bot reads with the Spanish
and the English lexicons and models (companion.bot.risk_reading.read_all).

The triage keeps the readings of the last messages it read (companion.core.triage.clear_cache):
each pass starts with none, so every message is read afresh once, and the three before it were
read just before, as the bot read her earlier messages when they came. Button presses never reach
the triage, so they pay for none of this."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from companion.bot.risk_reading import read_all
from companion.core.triage import clear_cache
from companion.triage_labels import read_all_labelled
from companion.triage_lexicon import default_lexicon
from companion.triage_scores import Reader, readers
from companion.triage_training import corpus_files

ROOT = Path(__file__).resolve().parent.parent


def corpus_texts(locale: str) -> list[str]:
    return [row.text for row in read_all_labelled(corpus_files(ROOT, locale))]


def per_second(texts: Sequence[str], read: Reader, recent: bool) -> float:
    """Messages read per second, best of three passes (the machine is shared and noisy)."""
    rates = []
    for _ in range(3):
        clear_cache()
        started = time.perf_counter()
        for index, text in enumerate(texts):
            read(text, list(texts[max(0, index - 3) : index]) if recent else [])
        rates.append(len(texts) / (time.perf_counter() - started))
    return max(rates)


def readers_for(locale: str) -> dict[str, tuple[Reader, bool]]:
    """Each figure's reader of one message (with or without her recent ones), by JSON key."""
    lexicon = default_lexicon(locale)
    stage = readers(lexicon)
    found: dict[str, tuple[Reader, bool]] = {
        f"triage_{locale}_per_s": (stage["combined"], False),
        f"triage_{locale}_recent_per_s": (stage["combined"], True),
        f"triage_{locale}_lexicon_per_s": (stage["lexicon"], False),
        f"triage_{locale}_model_per_s": (stage["model"], False),
    }
    if locale != "en":
        both = [lexicon, default_lexicon("en")]  # as the bot reads a Spanish-speaking mother
        found[f"triage_{locale}_en_per_s"] = (
            lambda text, recent: read_all(both, text, list(recent)),
            False,
        )
    return found


def triage_figures() -> dict[str, int]:
    """Every triage figure the benchmark reports, by its JSON key."""
    figures: dict[str, int] = {}
    for locale in ("en", "es"):
        texts = corpus_texts(locale)
        for key, (read, recent) in readers_for(locale).items():
            figures[key] = round(per_second(texts, read, recent))
    return figures


def triage_lines(figures: dict[str, int]) -> list[str]:
    """The figures as the lines the benchmark prints."""
    lines = []
    for locale, name in (("en", "English"), ("es", "Spanish")):
        key = f"triage_{locale}"
        lines.append(
            f"triage ({name}, lexicon and model): {figures[key + '_per_s']:,} messages/s alone, "
            f"{figures[key + '_recent_per_s']:,} with 3 recent messages; lexicon alone "
            f"{figures[key + '_lexicon_per_s']:,}, model alone {figures[key + '_model_per_s']:,}"
        )
    lines.append(
        "triage (Spanish mother, read with the Spanish and English lexicons and models): "
        f"{figures['triage_es_en_per_s']:,} messages/s"
    )
    return lines
