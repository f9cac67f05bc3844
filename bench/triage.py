"""Free-text triage throughput over the labelled test set: each message alone, and each with the
three before it as her recent messages (what the bot does when she wrote within the hour, which
reads three texts: hers, the earlier ones, and all together)."""

from __future__ import annotations

import time
from pathlib import Path

from companion.core.triage import triage
from companion.triage_cli import read_labelled
from companion.triage_lexicon import default_lexicon

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "triage" / "en_labelled.tsv"


def triage_per_second(passes: int = 5, *, with_recent: bool) -> float:
    """Messages triaged per second, over `passes` passes of the labelled set."""
    lexicon = default_lexicon("en")
    texts = [row.text for row in read_labelled(LABELLED)]
    started = time.perf_counter()
    for _ in range(passes):
        for index, text in enumerate(texts):
            recent = texts[max(0, index - 3) : index] if with_recent else []
            triage(text, lexicon, recent)
    return passes * len(texts) / (time.perf_counter() - started)
