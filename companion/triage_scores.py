"""How well the triage reads labelled lines: recall per level, the clarifying question, false
alarms; for the lexicon alone, the model alone and both together.

- recall per level: a line read at its level or higher;
- urgent and emergency lines together are caught when read as either (both get the crisis reply
  at once and alert her clinicians), and "caught or asked" also counts those answered with the
  clarifying question;
- a false alarm is a none line read as anything but none.

Only counts and line numbers come out of here, never the text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from companion.core.triage import LEVELS, Level, Lexicon, Result, lexicon_triage, triage
from companion.core.triage_combine import with_model
from companion.triage_labels import Labelled

STAGES = ("lexicon", "model", "combined")
SERIOUS: tuple[Level, ...] = ("urgent", "emergency")


def _rank(level: str) -> int:
    return LEVELS.index(level)


def caught(label: Level, got: Level) -> bool:
    """Read at the label's level or higher (none: read as none)."""
    return got == "none" if label == "none" else _rank(got) >= _rank(label)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(rows: Sequence[Labelled], results: Sequence[Result]) -> dict[str, object]:
    """Recall per level, the serious lines caught (and caught or asked), false alarms, and the
    confusion table, for rows and the results read for them."""
    pairs = list(zip(rows, results, strict=True))
    confusion = {label: dict.fromkeys(LEVELS, 0) for label in LEVELS}
    for row, result in pairs:
        confusion[row.level][result.level] += 1
    counts = {label: sum(confusion[label].values()) for label in LEVELS}
    recall = {
        label: _share(
            sum(1 for r, got in pairs if r.level == label and caught(label, got.level)),
            counts[label],
        )
        for label in LEVELS
    }
    serious = [(row, got) for row, got in pairs if row.level in SERIOUS]
    strictly = sum(1 for _, got in serious if got.level in SERIOUS)
    asked = sum(1 for _, got in serious if got.level in SERIOUS or got.ask_clarifying)
    alarms = counts["none"] - confusion["none"]["none"]
    return {
        "lines": len(pairs),
        "counts": counts,
        "recall": recall,
        "urgent_or_emergency_recall": _share(strictly, len(serious)),
        "urgent_or_emergency_caught_or_asked": _share(asked, len(serious)),
        "false_alarm_rate": _share(alarms, counts["none"]),
        "exact_agreement": _share(
            sum(1 for row, got in pairs if row.level == got.level), len(pairs)
        ),
        "confusion": confusion,
    }


def model_alone(text: str, lexicon: Lexicon) -> Result:
    """What the learned model reads on its own (none when the locale ships no model)."""
    if lexicon.model is None:
        return Result("none")
    return with_model(Result("none"), lexicon.model.read(text), lexicon.model.thresholds)


Reader = Callable[[str, Sequence[str]], Result]


def readers(lexicon: Lexicon) -> dict[str, Reader]:
    """Each stage as a function of the text and her recent messages (the model reads the text
    alone)."""
    return {
        "lexicon": lambda text, recent: lexicon_triage(text, lexicon, recent),
        "model": lambda text, _recent: model_alone(text, lexicon),
        "combined": lambda text, recent: triage(text, lexicon, recent),
    }


def by_stage(rows: Sequence[Labelled], lexicon: Lexicon) -> dict[str, dict[str, object]]:
    """The figures of every stage over the rows."""
    return {
        stage: figures(rows, [read(row.text, ()) for row in rows])
        for stage, read in readers(lexicon).items()
    }


def misses(
    rows: Sequence[Labelled], lexicon: Lexicon, stage: str = "combined"
) -> list[dict[str, object]]:
    """Line numbers a stage read below their label (or, for none, above it)."""
    read = readers(lexicon)[stage]
    out: list[dict[str, object]] = []
    for row in rows:
        result = read(row.text, ())
        if not caught(row.level, result.level):
            miss: dict[str, object] = {"line": row.line, "label": row.level, "got": result.level}
            if row.kind:
                miss["kind"] = row.kind
            out.append(miss)
    return out
