"""`companion triage`: classify messages from standard input, or score a labelled file.

    companion triage [--locale en] [--conversation] < messages.txt
        one JSON object per input line: {"level": ..., "reasons": [...], "ask_clarifying": ...}
    companion triage --eval FILE
        FILE holds level<TAB>text lines (# starts a comment); prints one JSON object with recall
        per level (for urgent and emergency: classified at that level or higher), the
        false-alarm rate (share of "none" lines classified above none) and a confusion table.

Nothing here logs, and the eval output carries only counts and line numbers, never the text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from companion.core.triage import LEVELS, RECENT_LIMIT, Level, Lexicon, Result, triage
from companion.triage_lexicon import LexiconError, default_lexicon, load_lexicon

AT_OR_ABOVE: tuple[Level, ...] = ("urgent", "emergency")  # recall counts any level at or above
_LEVEL_NAMED: dict[str, Level] = {level: level for level in LEVELS}


class LabelError(LexiconError):
    """A labelled file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Labelled:
    line: int
    level: Level
    text: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `companion triage`."""
    parser.add_argument("--locale", default="en", help="lexicon locale (default %(default)s)")
    parser.add_argument(
        "--lexicon", type=Path, default=None, help="a lexicon file instead of the shipped one"
    )
    parser.add_argument(
        "--eval",
        dest="eval_file",
        type=Path,
        default=None,
        metavar="FILE",
        help="score a labelled file (level<TAB>text per line) and print recall and false alarms",
    )
    parser.add_argument(
        "--conversation",
        action="store_true",
        help=f"read each line together with up to {RECENT_LIMIT} lines before it (a blank line"
        " starts a new conversation); by default every line stands alone",
    )
    parser.add_argument(
        "--show-misses",
        action="store_true",
        help="with --eval: also list the line numbers classified below their label",
    )


def _lexicon(args: argparse.Namespace) -> Lexicon:
    if args.lexicon is not None:
        return load_lexicon(args.lexicon, args.locale)
    return default_lexicon(args.locale)


def as_json(result: Result) -> str:
    """One output line for a classified message."""
    return json.dumps(
        {
            "level": result.level,
            "reasons": list(result.reasons),
            "ask_clarifying": result.ask_clarifying,
        },
        ensure_ascii=False,
    )


def classify_lines(
    lines: Iterable[str], lexicon: Lexicon, conversation: bool = False
) -> Iterable[Result]:
    """A result per line, in order; with `conversation`, earlier lines are her recent messages."""
    recent: list[str] = []
    for raw in lines:
        text = raw.rstrip("\r\n")
        if conversation and not text.strip():
            recent = []
        yield triage(text, lexicon, recent if conversation else ())
        if conversation and text.strip():
            recent = [*recent, text][-RECENT_LIMIT:]


def read_labelled(path: Path) -> list[Labelled]:
    """level<TAB>text lines; blank lines and lines starting with # are skipped."""
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LabelError(f"{path}: cannot read ({error.strerror})") from None
    rows: list[Labelled] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, tab, text = line.partition("\t")
        level = _LEVEL_NAMED.get(name.strip())
        if not tab or level is None or not text.strip():
            raise LabelError(f"{path}:{number}: expected level<TAB>text with a level in {LEVELS}")
        rows.append(Labelled(number, level, text))
    if not rows:
        raise LabelError(f"{path}: no labelled lines")
    return rows


def _rank(level: Level) -> int:
    return LEVELS.index(level)


def _caught(label: Level, got: Level) -> bool:
    if label in AT_OR_ABOVE:
        return _rank(got) >= _rank(label)
    return got == label


def score(rows: Sequence[Labelled], lexicon: Lexicon) -> dict[str, object]:
    """Recall per level, false-alarm rate and the confusion table for labelled rows."""
    got = [triage(row.text, lexicon).level for row in rows]
    confusion = {label: dict.fromkeys(LEVELS, 0) for label in LEVELS}
    for row, level in zip(rows, got, strict=True):
        confusion[row.level][level] += 1
    counts = {label: sum(confusion[label].values()) for label in LEVELS}
    recall: dict[str, float | None] = {}
    for label in LEVELS:
        caught = sum(
            1
            for row, level in zip(rows, got, strict=True)
            if row.level == label
            if _caught(label, level)
        )
        recall[label] = round(caught / counts[label], 4) if counts[label] else None
    serious = [
        (row, level) for row, level in zip(rows, got, strict=True) if row.level in AT_OR_ABOVE
    ]
    serious_caught = sum(1 for row, level in serious if _caught(row.level, level))
    alarms = counts["none"] - confusion["none"]["none"]
    return {
        "lines": len(rows),
        "counts": counts,
        "recall": recall,
        "urgent_or_emergency_recall": round(serious_caught / len(serious), 4) if serious else None,
        "false_alarm_rate": round(alarms / counts["none"], 4) if counts["none"] else None,
        "exact_agreement": round(
            sum(1 for row, level in zip(rows, got, strict=True) if row.level == level) / len(rows),
            4,
        ),
        "confusion": confusion,
    }


def misses(rows: Sequence[Labelled], lexicon: Lexicon) -> list[dict[str, object]]:
    """Line numbers classified below their label (or, for none, above it): no text."""
    out: list[dict[str, object]] = []
    for row in rows:
        level = triage(row.text, lexicon).level
        if (row.level == "none" and level != "none") or _rank(level) < _rank(row.level):
            out.append({"line": row.line, "label": row.level, "got": level})
    return out


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """The `companion triage` command."""
    source = stdin or sys.stdin
    sink = stdout or sys.stdout
    lexicon = _lexicon(args)
    if args.eval_file is not None:
        rows = read_labelled(args.eval_file)
        print(json.dumps(score(rows, lexicon), sort_keys=True), file=sink)
        if args.show_misses:
            for miss in misses(rows, lexicon):
                print(json.dumps(miss), file=sys.stderr)
        return 0
    for result in classify_lines(source, lexicon, args.conversation):
        print(as_json(result), file=sink, flush=True)
    return 0
