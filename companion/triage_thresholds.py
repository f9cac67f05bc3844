"""The learned stage's thresholds, picked from cross-validated probabilities, and the
cross-validated figures `companion triage train` writes into model.toml.

The false-alarm budgets are shares of the corpus' none lines (hard negatives on purpose: idioms,
someone else's crisis, films, denials, dose questions) raised by both stages together. The
heads are nested, so the concern threshold gates the others and asking directly costs no false
alarm beyond a concern's. A clinical lead can move the thresholds in model.toml; these budgets
only pick the defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from companion.core.triage_model import LEVEL_HEADS, Thresholds
from companion.triage_labels import Labelled

URGENT_BUDGET = 0.12  # none lines read as urgent or emergency
CONCERN_BUDGET = 0.20  # ... or as anything (concern, or the clarifying question)
OVERREACH_BUDGET = 0.15  # concern lines read as urgent or emergency
ASK_RECALL = 0.98  # serious lines caught or asked directly, where the concern gate allows
EMERGENCY_FALSE = 0.02  # share of lines below emergency that the emergency head calls one
RANK = {level: rank for rank, level in enumerate(("none", *LEVEL_HEADS))}


def _lowest_within(
    chances: npt.NDArray[np.float64], flagged: Any, budget: float, floor: float = 0.05
) -> float:
    """The lowest threshold (never below `floor`) at which `flagged(threshold)`, the share of
    none lines raised, stays within `budget`."""
    candidates = np.unique(np.round(chances, 4))[::-1]
    chosen = 1.0 - 1e-4
    for threshold in candidates:
        if threshold < floor or flagged(float(threshold)) > budget:
            break
        chosen = float(threshold)
    return chosen


def choose_thresholds(
    rows: Sequence[Labelled], oof: npt.NDArray[np.float64], lexicon: Sequence[Any]
) -> Thresholds:
    """Thresholds from cross-validated probabilities (`lexicon`: the lexicon's results for the
    rows). The heads are nested (urgent only past concern, emergency only past urgent), so:
    concern as low as the false-alarm budget for anything raised allows; urgent as low as the
    smaller budget for urgent allows; the asking band low enough that ASK_RECALL of the
    serious lines are caught or asked, where that is within reach; emergency at
    EMERGENCY_FALSE."""
    ranks = np.array([RANK[row.level] for row in rows])
    none = ranks == 0
    lex_level = np.array([RANK[result.level] for result in lexicon])
    lex_ask = np.array([result.ask_clarifying for result in lexicon])
    lex, p = lex_level[none], oof[none]
    concern = _lowest_within(
        p[:, 0],
        lambda t: float(np.mean((lex >= 1) | lex_ask[none] | (p[:, 0] >= t))),
        CONCERN_BUDGET,
    )
    gate = p[:, 0] >= concern
    urgent = _lowest_within(
        p[:, 1], lambda t: float(np.mean((lex >= 2) | (gate & (p[:, 1] >= t)))), URGENT_BUDGET
    )
    mild = ranks == 1  # and few concerns made urgent (a crisis reply and an alert for them)
    lex_mild, p_mild = lex_level[mild], oof[mild]
    urgent = max(
        urgent,
        _lowest_within(
            p_mild[:, 1],
            lambda t: float(
                np.mean((lex_mild >= 2) | ((p_mild[:, 0] >= concern) & (p_mild[:, 1] >= t)))
            ),
            OVERREACH_BUDGET,
        ),
    )
    serious = ranks >= 2
    past_gate = oof[:, 0] >= concern
    caught = (lex_level >= 2) | lex_ask | (past_gate & (oof[:, 1] >= urgent))
    missed = serious & ~caught
    to_ask = int(missed.sum()) - int((1 - ASK_RECALL) * serious.sum())  # beyond the misses allowed
    chances = np.sort(oof[missed & past_gate, 1])[::-1]  # only those past the gate can be asked
    ask = (
        urgent
        if to_ask <= 0 or len(chances) == 0
        else float(chances[min(to_ask, len(chances)) - 1])
    )
    below = np.sort(oof[ranks < 3, 2])[::-1]
    emergency = max(float(below[int(EMERGENCY_FALSE * len(below))]) + 1e-4, 0.5)
    return Thresholds(
        concern=round(concern, 4),
        urgent=round(urgent, 4),
        emergency=round(emergency, 4),
        ask=round(max(min(ask, urgent), urgent / 2), 4),
    )


def cross_validated(
    rows: Sequence[Labelled],
    oof: npt.NDArray[np.float64],
    reasons: Sequence[dict[str, float]],
    thresholds: Thresholds,
    locale: str,
) -> dict[str, dict[str, object]]:
    """The 5-fold figures of the model alone and of both stages, on the training corpus."""
    from companion.core.triage import Result, lexicon_triage
    from companion.core.triage_combine import with_model
    from companion.core.triage_model import Reading, word_count
    from companion.triage_lexicon import lexicon_only
    from companion.triage_scores import figures

    lexicon = lexicon_only(locale)
    readings = [
        Reading(dict(zip(LEVEL_HEADS, chances, strict=True)), found, word_count(row.text))
        for row, chances, found in zip(rows, oof, reasons, strict=True)
    ]
    alone = [with_model(Result("none"), reading, thresholds) for reading in readings]
    both = [
        with_model(lexicon_triage(row.text, lexicon), reading, thresholds)
        for row, reading in zip(rows, readings, strict=True)
    ]
    return {"model": figures(rows, alone), "combined": figures(rows, both)}
