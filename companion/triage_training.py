"""`companion triage train`: the learned stage rebuilt from the labelled lines, reproducibly.

Needs the training extra (`pip install -e '.[train]'`: scikit-learn). Reads a locale's corpus
(tests/triage/corpus/<locale>/*.tsv and tests/triage/<locale>_labelled.tsv), fits TF-IDF over
companion.core.triage_model.features and one logistic regression per head and per reason, picks
the thresholds from 5-fold cross-validated probabilities (companion.triage_thresholds), and
writes
messages/<locale>/triage/model.npz (the weights) and model.toml (thresholds, what it was trained
on, the cross-validated figures). A fixed seed and a fixed file layout: the same files give the
same weights, byte for byte. The blind sets (tests/triage/blind<n>/) are never read here.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from companion.core.triage_model import LEVEL_HEADS, Thresholds, TriageModel, features
from companion.triage_labels import Labelled, read_all_labelled
from companion.triage_thresholds import RANK, choose_thresholds, cross_validated

SEED = 20261207
FOLDS = 5
C = 8.0  # inverse regularisation of every head
MIN_DF = 2  # a feature must appear in at least this many lines


def corpus_files(root: Path, locale: str) -> list[Path]:
    """The labelled files a locale's model learns from, in a fixed order."""
    folder = root / "tests" / "triage"
    return [*sorted((folder / "corpus" / locale).glob("*.tsv")), folder / f"{locale}_labelled.tsv"]


@dataclass(frozen=True)
class Fitted:
    vocabulary: list[str]
    idf: npt.NDArray[np.float32]
    weights: npt.NDArray[np.float32]  # features x (heads + reasons)
    intercepts: npt.NDArray[np.float32]
    reasons: list[str]

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The arrays model.npz holds (companion.core.triage_model.ARRAYS)."""
        return {
            "vocabulary": np.array(self.vocabulary),
            "idf": self.idf,
            "weights": self.weights,
            "intercepts": self.intercepts,
            "heads": np.array(LEVEL_HEADS),
            "reasons": np.array(self.reasons),
        }


def _targets(rows: Sequence[Labelled], reasons: Sequence[str]) -> list[npt.NDArray[np.int8]]:
    ranks = np.array([RANK[row.level] for row in rows])
    heads = [(ranks >= RANK[head]).astype(np.int8) for head in LEVEL_HEADS]
    found = [np.array([row.reason == reason for row in rows], dtype=np.int8) for reason in reasons]
    return heads + found


def fit(rows: Sequence[Labelled], with_reasons: bool = True) -> Fitted:
    """TF-IDF and one logistic regression per column (the level heads, and with `with_reasons`
    one per reason), over every row."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    reasons = sorted({row.reason for row in rows if row.reason}) if with_reasons else []
    vectoriser = TfidfVectorizer(
        analyzer=features, sublinear_tf=True, min_df=MIN_DF, dtype=np.float32
    )
    matrix = vectoriser.fit_transform([row.text for row in rows])
    columns, intercepts = [], []
    for target in _targets(rows, reasons):
        model = LogisticRegression(
            C=C, class_weight="balanced", solver="liblinear", random_state=SEED, max_iter=1000
        )
        model.fit(matrix, target)
        columns.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    vocabulary = sorted(vectoriser.vocabulary_, key=vectoriser.vocabulary_.__getitem__)
    return Fitted(
        vocabulary,
        vectoriser.idf_.astype(np.float32),
        np.stack(columns, axis=1).astype(np.float32),
        np.array(intercepts, dtype=np.float32),
        reasons,
    )


def as_model(fitted: Fitted, locale: str, thresholds: Thresholds) -> TriageModel:
    """The fitted arrays as the model companion runs."""
    return TriageModel.from_arrays(locale, fitted.arrays(), thresholds)


def out_of_fold(rows: Sequence[Labelled]) -> tuple[npt.NDArray[np.float64], list[dict[str, float]]]:
    """Each row's level-head probabilities (nested, as the model reads them) and reason
    probabilities, from a model that did not see it (5 folds)."""
    from sklearn.model_selection import StratifiedKFold

    levels = [row.level for row in rows]
    found = np.zeros((len(rows), len(LEVEL_HEADS)))
    reasons: list[dict[str, float]] = [{} for _ in rows]
    for train, held in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(rows, levels):
        model = as_model(fit([rows[at] for at in train]), "xx", Thresholds(0.5, 0.5, 0.5, 0.5))
        for at in held:
            reading = model.read(rows[at].text)
            found[at] = list(reading.probabilities.values())
            reasons[at] = dict(reading.reasons)
    return found, reasons


def npz_bytes(arrays: dict[str, npt.NDArray[Any]]) -> bytes:
    """An .npz numpy can load, with fixed timestamps so the same arrays give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.save(member, arrays[name], allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def corpus_digest(paths: Sequence[Path]) -> str:
    """A SHA-256 over the training files' names and contents."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def train(
    root: Path, locale: str
) -> tuple[Fitted, Thresholds, dict[str, dict[str, object]], list[Labelled]]:
    """Fit a locale's model on its whole corpus; thresholds and figures from cross-validation."""
    from companion.core.triage import lexicon_triage
    from companion.triage_lexicon import lexicon_only

    rows = read_all_labelled(corpus_files(root, locale))
    oof, reasons = out_of_fold(rows)
    lexicon = [lexicon_triage(row.text, lexicon_only(locale)) for row in rows]
    thresholds = choose_thresholds(rows, oof, lexicon)
    cv = cross_validated(rows, oof, reasons, thresholds, locale)
    return fit(rows), thresholds, cv, rows


def _toml_figures(name: str, found: dict[str, object]) -> list[str]:
    recall = found["recall"]
    assert isinstance(recall, dict)
    return [
        f"[cross_validation.{name}]",
        f"urgent_or_emergency_recall = {found['urgent_or_emergency_recall']}",
        f"urgent_or_emergency_caught_or_asked = {found['urgent_or_emergency_caught_or_asked']}",
        f"concern_recall = {recall['concern']}",
        f"false_alarm_rate = {found['false_alarm_rate']}",
        "",
    ]


def model_toml(
    thresholds: Thresholds, paths: Sequence[Path], rows: Sequence[Labelled], cv: dict[str, Any]
) -> str:
    """model.toml: the thresholds, what the model was trained on, its cross-validated figures."""
    counts = {level: sum(1 for row in rows if row.level == level) for level in RANK}
    lines = [
        "# The learned triage stage of this locale, written by `companion triage train`",
        "# (companion/triage_training.py). A clinical lead may move the thresholds: each is a",
        "# probability; `ask` starts the band below `urgent` where she is asked directly.",
        "",
        "[thresholds]",
        *(
            f"{name} = {getattr(thresholds, name)}"
            for name in ("concern", "urgent", "emergency", "ask")
        ),
        "",
        "[training]",
        f"files = [{', '.join(repr(path.name) for path in paths)}]",
        f"lines = {len(rows)}",
        *(f"{level} = {count}" for level, count in counts.items()),
        f"sha256 = {corpus_digest(paths)!r}",
        f"seed = {SEED}",
        f"folds = {FOLDS}",
        f"c = {C}",
        f"min_df = {MIN_DF}",
        "",
        "# Out-of-fold figures on the training corpus (never the blind sets).",
        *_toml_figures("model", cv["model"]),
        *_toml_figures("combined", cv["combined"]),
    ]
    return "\n".join(lines).replace("'", '"')


def train_command(locale: str, sink: Any, root: Path | None = None) -> int:
    """`companion triage train`: fit, write the two files, print the cross-validated figures."""
    import json

    from companion.triage_model_files import model_paths

    checkout = root or Path(__file__).resolve().parent.parent
    paths = corpus_files(checkout, locale)
    fitted, thresholds, cv, rows = train(checkout, locale)
    weights, settings = model_paths(locale, checkout / "messages")
    weights.write_bytes(npz_bytes(fitted.arrays()))
    settings.write_text(model_toml(thresholds, paths, rows, cv) + "\n", encoding="utf-8")
    summary = {
        "locale": locale,
        "lines": len(rows),
        "features": len(fitted.vocabulary),
        "thresholds": thresholds.__dict__,
        "cross_validation": cv,
    }
    print(json.dumps(summary, sort_keys=True), file=sink)
    return 0
