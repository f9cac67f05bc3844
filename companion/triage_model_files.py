"""Loading the learned triage stage: messages/<locale>/triage/model.npz and model.toml.

model.npz holds the arrays (vocabulary, idf, weights, intercepts, heads, reasons) that
`companion triage train` wrote; model.toml holds the thresholds a clinical lead may review and
move, and what the model was trained on. Read offline with numpy (no pickles, no download). A
locale without model.npz triages with its lexicon alone; a broken file stops start-up with a
message naming it.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np

from companion.content import ContentError, read_toml
from companion.core.triage_model import ARRAYS, Thresholds, TriageModel
from companion.resources import messages_dir

THRESHOLDS = ("concern", "urgent", "emergency", "ask")


class ModelError(ContentError):
    """The model files are missing a part or do not fit together; the message names the file."""


def model_paths(locale: str, root: Path | None = None) -> tuple[Path, Path]:
    """Where a locale's weights and thresholds live."""
    folder = (root or messages_dir()) / locale / "triage"
    return folder / "model.npz", folder / "model.toml"


def read_thresholds(raw: Any, where: str) -> Thresholds:
    """The [thresholds] table: each a probability; asking starts at or below urgent."""
    table = raw.get("thresholds") if isinstance(raw, dict) else None
    if not isinstance(table, dict) or set(table) != set(THRESHOLDS):
        raise ModelError(f"{where}: [thresholds] must set exactly {', '.join(THRESHOLDS)}")
    values = {}
    for name in THRESHOLDS:
        value = table[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ModelError(f"{where}: thresholds.{name} must be a number")
        if not (math.isfinite(value) and 0 < value < 1):
            raise ModelError(f"{where}: thresholds.{name} must be between 0 and 1")
        values[name] = float(value)
    if values["ask"] > values["urgent"]:
        raise ModelError(f"{where}: thresholds.ask must not be above thresholds.urgent")
    return Thresholds(**values)


def read_model(weights: Path, settings: Path, locale: str) -> TriageModel:
    """A model from its two files."""
    thresholds = read_thresholds(
        read_toml(settings, ModelError, missing="no model.toml"), str(settings)
    )
    try:
        with np.load(weights, allow_pickle=False) as data:
            missing = [name for name in ARRAYS if name not in data.files]
            if missing:
                raise ModelError(f"{weights}: missing arrays: {', '.join(missing)}")
            arrays = {name: data[name] for name in ARRAYS}
    except (OSError, ValueError) as error:
        raise ModelError(f"{weights}: cannot read ({error})") from None
    try:
        return TriageModel.from_arrays(locale, arrays, thresholds)
    except ValueError as error:
        raise ModelError(f"{weights}: {error}") from None


@functools.cache
def load_model(locale: str, root: Path | None = None) -> TriageModel | None:
    """The shipped model of a locale, or None when it ships none (loaded once per process)."""
    weights, settings = model_paths(locale, root)
    if not weights.is_file():
        return None
    return read_model(weights, settings, locale)
