"""`companion triage`: classify messages from standard input, or score a labelled file.

    companion triage [--locale en] [--conversation] < messages.txt
        one JSON object per input line: {"level": ..., "reasons": [...], "ask_clarifying": ...}
    companion triage --eval FILE
        FILE holds level<TAB>text or level<TAB>kind<TAB>text lines (# starts a comment); prints
        one JSON object with the combined stage's figures (companion.triage_scores: recall per
        level, counting a line read at its level or higher, urgent and emergency caught or asked
        directly, the false-alarm rate, a confusion table) and under "stages" the same for the
        lexicon alone, the model alone and both together.
    companion triage train [--locale en]
        rebuilds messages/<locale>/triage/model.npz and model.toml from the labelled corpus
        (companion.triage_training).

Nothing here logs, and the eval output carries only counts and line numbers, never the text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from companion.core.triage import RECENT_LIMIT, Lexicon, Result
from companion.triage_labels import read_labelled
from companion.triage_lexicon import default_lexicon, load_lexicon
from companion.triage_model_files import load_model
from companion.triage_scores import STAGES, by_stage, misses, readers


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `companion triage`."""
    parser.add_argument(
        "action",
        nargs="?",
        choices=["train"],
        help="train: rebuild the locale's learned model from the labelled corpus (needs the"
        " train extra: pip install -e '.[train]')",
    )
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
        "--stage",
        choices=STAGES,
        default="combined",
        help="which stage reads each line (with --eval: whose figures come first and whose misses"
        " are listed): combined (the default, as the bot reads), lexicon or model (the locale's"
        " learned model alone)",
    )
    parser.add_argument(
        "--show-misses",
        action="store_true",
        help="with --eval: also list the line numbers classified below their label",
    )


def _lexicon(args: argparse.Namespace) -> Lexicon:
    if args.lexicon is not None:
        return load_lexicon(args.lexicon, args.locale, load_model(args.locale))
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
    lines: Iterable[str], lexicon: Lexicon, conversation: bool = False, stage: str = "combined"
) -> Iterable[Result]:
    """A result per line, in order; with `conversation`, earlier lines are her recent messages.
    `stage` is combined (as the bot reads), lexicon or model (the model reads one line alone)."""
    read = readers(lexicon)[stage]
    recent: list[str] = []
    for raw in lines:
        text = raw.rstrip("\r\n")
        if conversation and not text.strip():
            recent = []
        yield read(text, recent if conversation else ())
        if conversation and text.strip():
            recent = [*recent, text][-RECENT_LIMIT:]


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """The `companion triage` command."""
    source = stdin or sys.stdin
    sink = stdout or sys.stdout
    if args.action == "train":
        from companion.triage_training import train_command

        return train_command(args.locale, sink)
    lexicon = _lexicon(args)
    if args.eval_file is not None:
        rows = read_labelled(args.eval_file)
        stages = by_stage(rows, lexicon)
        report = {**stages[args.stage], "stages": stages}
        print(json.dumps(report, sort_keys=True), file=sink)
        if args.show_misses:
            for miss in misses(rows, lexicon, args.stage):
                print(json.dumps(miss), file=sys.stderr)
        return 0
    for result in classify_lines(source, lexicon, args.conversation, args.stage):
        print(as_json(result), file=sink, flush=True)
    return 0
