"""Labelled triage lines: reading them, and what each kind of line means.

A labelled file holds one message per line, `level<TAB>text` or `level<TAB>kind<TAB>text` (# starts
a comment). The level follows shared/clinical-facts.md; the kind says which of its categories the
line belongs to, and maps to the reason code the model learns to report (a kind of the none level
has none: it names a hard negative, such as an idiom or someone else's crisis).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from companion.content import ContentError
from companion.core.triage import LEVELS, Level
from companion.core.triage_combine import CONCERN_KINDS

# Each kind: its level and the reason code it teaches (None for a hard negative).
KINDS: Mapping[str, tuple[Level, str | None]] = {
    "plan_or_intent": ("emergency", "plan_or_intent"),
    "method_or_means": ("emergency", "method_or_means"),
    "attempt_in_progress": ("emergency", "attempt_in_progress"),
    "harm_to_baby_intent": ("emergency", "harm_to_baby"),
    "psychosis": ("emergency", "psychosis"),
    "ipv_danger": ("emergency", "ipv"),
    "suicidal_ideation": ("urgent", "suicidal_ideation"),
    "passive_death_wish": ("urgent", "passive_death_wish"),
    "self_harm": ("urgent", "self_harm"),
    "intrusive_thoughts": ("urgent", "intrusive_thoughts"),
    "ambiguous": ("urgent", "ask_directly"),
    **{kind: ("concern", kind) for kind in CONCERN_KINDS},
    **{
        kind: ("none", None)
        for kind in (
            "newborn_tiredness",
            "idiom",
            "joke",
            "third_party",
            "media",
            "denial",
            "screening_question",
            "medicine_question",
            "everyday",
        )
    },
}


class LabelError(ContentError):
    """A labelled file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Labelled:
    line: int
    level: Level
    text: str
    kind: str | None = None

    @property
    def reason(self) -> str | None:
        """The reason code this line teaches, if its kind has one."""
        return KINDS[self.kind][1] if self.kind else None


def _row(path: Path, number: int, line: str) -> Labelled:
    fields = line.split("\t")
    level = fields[0].strip()
    kind = fields[1].strip() if len(fields) == 3 else None
    text = fields[-1]
    if len(fields) not in (2, 3) or level not in LEVELS or not text.strip():
        raise LabelError(
            f"{path}:{number}: expected level<TAB>text or level<TAB>kind<TAB>text"
            f" with a level in {LEVELS}"
        )
    if kind is not None and kind not in KINDS:
        raise LabelError(f"{path}:{number}: unknown kind {kind!r}")
    if kind is not None and KINDS[kind][0] != level:
        raise LabelError(f"{path}:{number}: kind {kind!r} does not belong to level {level!r}")
    return Labelled(number, level, text, kind)


def read_labelled(path: Path) -> list[Labelled]:
    """The labelled lines of a file; blank lines and lines starting with # are skipped."""
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LabelError(f"{path}: cannot read ({error.strerror})") from None
    rows = [
        _row(path, number, line)
        for number, line in enumerate(content.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not rows:
        raise LabelError(f"{path}: no labelled lines")
    return rows


def read_all_labelled(paths: Iterable[Path]) -> list[Labelled]:
    """Every labelled line of several files, in order."""
    return [row for path in paths for row in read_labelled(path)]
