"""The learned triage stage: its features, its arithmetic, how it joins the lexicon (it raises,
never lowers; a denial stays a question; unsure means asking), loading the shipped files, and
training that gives the same bytes from the same lines."""

from __future__ import annotations

import math
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from companion.core.triage import Result, triage
from companion.core.triage_combine import with_model
from companion.core.triage_model import (
    LEVEL_HEADS,
    Reading,
    Thresholds,
    TriageModel,
    features,
    nested,
)
from companion.triage_lexicon import default_lexicon, lexicon_only
from companion.triage_model_files import ModelError, load_model, model_paths, read_model
from companion.triage_training import corpus_digest, corpus_files, npz_bytes

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS = Thresholds(concern=0.5, urgent=0.6, emergency=0.8, ask=0.3)


def reading(
    concern: float, urgent: float, emergency: float, words: int = 12, **reasons: float
) -> Reading:
    """A reading of a message of `words` words (by default a sentence or two)."""
    heads = dict(zip(LEVEL_HEADS, (concern, urgent, emergency), strict=True))
    return Reading(heads, reasons, words)


# --- features -------------------------------------------------------------------------------------


def test_features_ignore_case_accents_apostrophes_and_stretched_letters() -> None:
    assert features("I’m SOOOO tired") == features("im soo tired")
    assert features("Ya no quiero vivir más") == features("ya no quiero vivir mas")
    assert features("took 30 pills") == features("took 12 pills")  # every number reads as 0


def test_features_are_words_pairs_and_character_runs() -> None:
    found = features("hi you")
    assert {"w:hi", "w:you", "w:hi you", "c: h", "c:hi y", "c:you "} <= set(found)


def test_a_huge_message_is_read_in_bounded_time() -> None:
    assert len(features("a" * 100_000 + " help")) < 20_000


# --- the arithmetic -------------------------------------------------------------------------------


def tiny_model(thresholds: Thresholds = THRESHOLDS) -> TriageModel:
    """Two features; "w:alone" pushes every head up, "w:ipvword" the ipv reason."""
    vocabulary = ["w:alone", "w:ipvword"]
    weights = np.array([[4.0, 4.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 6.0, 0.0]], dtype=np.float32)
    return TriageModel(
        locale="en",
        vocabulary=vocabulary,
        idf=np.array([1.0, 2.0], dtype=np.float32),
        weights=weights,
        intercepts=np.array([-2.0, -2.0, -5.0, -3.0, -1.0], dtype=np.float32),
        heads=LEVEL_HEADS,
        reasons=["ipv", "low_mood"],
        thresholds=thresholds,
    )


def test_the_model_reads_tf_idf_through_a_logistic_head() -> None:
    found = tiny_model().read("alone alone")
    # one known feature: after l2 normalisation its weight is 1, so concern = sigmoid(4 - 2)
    assert found.probabilities["concern"] == pytest.approx(1 / (1 + math.exp(-2)), abs=1e-6)
    assert found.probabilities["emergency"] == pytest.approx(1 / (1 + math.exp(5)), abs=1e-6)
    both = tiny_model().read("alone ipvword")
    tf_idf = np.array([1.0, 2.0]) / math.sqrt(5.0)
    assert both.reasons["ipv"] == pytest.approx(1 / (1 + math.exp(3 - 6 * tf_idf[1])), abs=1e-6)


def test_nothing_known_reads_as_the_intercepts() -> None:
    found = tiny_model().read("zzz")
    assert found.probabilities["urgent"] == pytest.approx(1 / (1 + math.exp(2)), abs=1e-6)


def test_a_head_is_never_likelier_than_the_level_below_it() -> None:
    assert nested({"concern": 0.3, "urgent": 0.6, "emergency": 0.9}) == {
        "concern": 0.3,
        "urgent": 0.3,
        "emergency": 0.3,
    }
    assert nested({"concern": 0.9, "urgent": 0.6, "emergency": 0.1})["emergency"] == 0.1


def test_weights_that_do_not_fit_the_vocabulary_are_refused() -> None:
    with pytest.raises(ValueError, match="do not match"):
        TriageModel(
            locale="en",
            vocabulary=["w:a"],
            idf=[1.0],
            weights=np.zeros((2, 3)),
            intercepts=np.zeros(3),
            heads=LEVEL_HEADS,
            reasons=[],
            thresholds=THRESHOLDS,
        )


# --- joining the lexicon --------------------------------------------------------------------------


def test_the_model_raises_a_level_and_says_so() -> None:
    found = with_model(Result("none"), reading(0.9, 0.1, 0.0, ipv=0.81), THRESHOLDS)
    assert found == Result("concern", ("model:ipv 0.81",), False)


def test_the_model_never_lowers_the_lexicon() -> None:
    lexicon = Result("urgent", ("suicidal_ideation",), False)
    assert with_model(lexicon, reading(0.0, 0.0, 0.0), THRESHOLDS) == lexicon
    concern = Result("concern", ("hopelessness",), True)
    assert with_model(concern, reading(0.0, 0.0, 0.0), THRESHOLDS) == concern


def test_an_urgent_reading_gives_an_urgent_reason_not_a_concern_one() -> None:
    found = with_model(
        Result("none"), reading(0.9, 0.7, 0.1, low_mood=0.9, suicidal_ideation=0.4), THRESHOLDS
    )
    assert found == Result("urgent", ("model:suicidal_ideation 0.40",), False)


def test_emergency_from_the_model_keeps_the_lexicon_reasons() -> None:
    lexicon = Result("urgent", ("suicidal_ideation",), False)
    found = with_model(lexicon, reading(0.9, 0.9, 0.95, plan_or_intent=0.7), THRESHOLDS)
    assert found == Result("emergency", ("suicidal_ideation", "model:plan_or_intent 0.70"), False)


@pytest.mark.parametrize("why", ["negated_needs_clarifying", "past_tense_ask_about_now"])
def test_a_denial_or_a_past_episode_stays_a_clarifying_question(why: str) -> None:
    lexicon = Result("concern", ("harm_to_baby", why), True)
    assert with_model(lexicon, reading(0.99, 0.99, 0.99), THRESHOLDS) == lexicon


def test_an_unsure_model_asks_her_directly() -> None:
    found = with_model(Result("none"), reading(0.6, 0.4, 0.0, ask_directly=0.5), THRESHOLDS)
    assert found == Result("concern", ("model:ask_directly 0.50",), True)


def test_below_the_asking_band_or_the_concern_threshold_nothing_is_asked() -> None:
    below = with_model(Result("none"), reading(0.6, 0.29, 0.0, low_mood=0.7), THRESHOLDS)
    assert below == Result("concern", ("model:low_mood 0.70",), False)
    assert with_model(Result("none"), reading(0.45, 0.4, 0.0), THRESHOLDS) == Result("none")


def test_an_idiom_the_lexicon_set_aside_is_not_reported_when_the_model_raises() -> None:
    lexicon = Result("none", ("idiom_ignored",), False)
    found = with_model(lexicon, reading(0.9, 0.0, 0.0, low_mood=0.6), THRESHOLDS)
    assert found == Result("concern", ("model:low_mood 0.60",), False)


# --- the shipped files ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "es"])
def test_each_locale_ships_a_model_built_from_the_corpus_in_the_repository(locale: str) -> None:
    weights, settings = model_paths(locale)
    assert weights.is_file()
    assert weights.stat().st_size < 20 * 1024 * 1024
    shipped = tomllib.loads(settings.read_text(encoding="utf-8"))
    assert shipped["training"]["sha256"] == corpus_digest(corpus_files(ROOT, locale))
    assert not any("blind" in name for name in shipped["training"]["files"])
    model = load_model(locale)
    assert model is not None
    assert default_lexicon(locale).model is model
    assert lexicon_only(locale).model is None


def copy_model(tmp_path: Path, locale: str = "en") -> tuple[Path, Path]:
    weights, settings = model_paths(locale)
    target = tmp_path / locale / "triage"
    target.mkdir(parents=True)
    shutil.copy(weights, target / weights.name)
    shutil.copy(settings, target / settings.name)
    return target / weights.name, target / settings.name


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ask = 0.99", "ask must not be above"),
        ("urgent = 1.5", "between 0 and 1"),
        ('urgent = "high"', "must be a number"),
    ],
)
def test_bad_thresholds_stop_loading_with_the_file_named(
    tmp_path: Path, line: str, message: str
) -> None:
    weights, settings = copy_model(tmp_path)
    text = settings.read_text(encoding="utf-8")
    name = line.split(" = ")[0]
    lines = [line if row.startswith(f"{name} = ") else row for row in text.splitlines()]
    settings.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ModelError, match=message) as raised:
        read_model(weights, settings, "en")
    assert str(settings) in str(raised.value)


def test_a_broken_weights_file_stops_loading(tmp_path: Path) -> None:
    weights, settings = copy_model(tmp_path)
    weights.write_bytes(npz_bytes({"idf": np.zeros(2, dtype=np.float32)}))
    with pytest.raises(ModelError, match="missing arrays"):
        read_model(weights, settings, "en")
    weights.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="cannot read"):
        read_model(weights, settings, "en")


def test_a_locale_without_a_model_reads_with_its_lexicon_alone(tmp_path: Path) -> None:
    assert load_model("xx", tmp_path) is None


# --- no text kept ---------------------------------------------------------------------------------


def test_the_model_is_pure_and_keeps_no_text() -> None:
    model = load_model("en")
    assert model is not None
    secret = "my name is Alexandra Quill and I feel so alone"
    found = model.read(secret)
    assert "Alexandra" not in repr(found)
    assert "Alexandra" not in repr(triage(secret, default_lexicon("en")))


# --- training -------------------------------------------------------------------------------------


def small_corpus(root: Path, locale: str = "en") -> None:
    """Every tenth line of the real corpus, laid out as `companion triage train` expects."""
    for source in corpus_files(ROOT, locale):
        lines = source.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line and not line.startswith("#")][::10]
        target = root / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(kept) + "\n", encoding="utf-8")
    (root / "messages" / locale / "triage").mkdir(parents=True)


def test_training_twice_on_the_same_lines_gives_the_same_bytes(tmp_path: Path) -> None:
    from io import StringIO

    from companion.triage_training import train_command

    small_corpus(tmp_path)
    written = []
    for _ in range(2):
        assert train_command("en", StringIO(), root=tmp_path) == 0
        weights, settings = model_paths("en", tmp_path / "messages")
        written.append((weights.read_bytes(), settings.read_bytes()))
    assert written[0] == written[1]
    model = read_model(weights, settings, "en")
    assert model.reasons  # one head per reason the lines teach
    assert tomllib.loads(settings.read_text(encoding="utf-8"))["training"]["lines"] > 100


def test_numpy_inference_matches_scikit_learn(tmp_path: Path) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from companion.triage_labels import read_all_labelled
    from companion.triage_training import MIN_DF, SEED, C, fit

    small_corpus(tmp_path)
    rows = read_all_labelled(corpus_files(tmp_path, "en"))
    fitted = fit(rows, with_reasons=False)
    texts = [row.text for row in rows]
    vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=MIN_DF)
    matrix = vectoriser.fit_transform(texts)
    expected = np.ones(40)
    for lowest in ("concern", "urgent"):  # the urgent head, capped by the concern head
        wanted = np.array([row.level in ("urgent", "emergency", lowest) for row in rows])
        head = LogisticRegression(
            C=C, class_weight="balanced", solver="liblinear", random_state=SEED, max_iter=1000
        ).fit(matrix, wanted)
        expected = np.minimum(expected, head.predict_proba(matrix[:40])[:, 1])
    model = TriageModel(
        locale="en",
        vocabulary=fitted.vocabulary,
        idf=fitted.idf,
        weights=fitted.weights,
        intercepts=fitted.intercepts,
        heads=LEVEL_HEADS,
        reasons=[],
        thresholds=THRESHOLDS,
    )
    found = [model.read(text).probabilities["urgent"] for text in texts[:40]]
    assert found == pytest.approx(expected, abs=1e-4)


def test_one_or_two_words_are_left_to_the_lexicon() -> None:
    short = Reading(reading(0.9, 0.9, 0.9).probabilities, {"plan_or_intent": 0.9}, words=2)
    assert with_model(Result("none"), short, THRESHOLDS) == Result("none")
    lexicon = Result("urgent", ("suicidal_ideation",), False)  # "kms"
    assert with_model(lexicon, short, THRESHOLDS) == lexicon


def test_exhaustion_the_model_reads_as_ask_directly_is_asked_about_not_alarmed() -> None:
    vague = reading(0.9, 0.9, 0.1, ask_directly=0.8, suicidal_ideation=0.3)
    assert with_model(Result("none"), vague, THRESHOLDS) == Result(
        "concern", ("model:ask_directly 0.80",), True
    )
    clear = reading(0.9, 0.9, 0.1, ask_directly=0.2, suicidal_ideation=0.7)
    assert with_model(Result("none"), clear, THRESHOLDS).level == "urgent"


def test_a_short_message_with_no_likely_reason_is_asked_about_not_alarmed() -> None:
    """ "somewhere near the sea", answering where she lives: the level heads pass, no reason is
    likely. She is asked directly; with a likely reason, or in a longer message, it alarms."""
    place = reading(0.61, 0.61, 0.61, words=4, psychosis=0.43, plan_or_intent=0.05)
    assert with_model(Result("none"), place, THRESHOLDS) == Result(
        "concern", ("model:psychosis 0.43",), True
    )
    plan = reading(0.61, 0.61, 0.9, words=4, plan_or_intent=0.7)
    assert with_model(Result("none"), plan, THRESHOLDS).level == "emergency"
    longer = reading(0.61, 0.61, 0.61, words=7, psychosis=0.43)
    assert with_model(Result("none"), longer, THRESHOLDS).level == "urgent"
    lexicon = Result("urgent", ("suicidal_ideation",), False)  # the model never lowers
    assert with_model(lexicon, place, THRESHOLDS) == lexicon


def test_a_reason_the_model_is_sure_of_is_a_concern_even_below_the_concern_head() -> None:
    """ "my partner hit me last night": the concern head 0.47, the ipv reason 0.98."""
    hit = reading(0.47, 0.04, 0.01, ipv=0.98, self_harm=0.12)
    assert with_model(Result("none"), hit, THRESHOLDS) == Result(
        "concern", ("model:ipv 0.98",), False
    )
    cut = reading(0.47, 0.1, 0.0, self_harm=0.95)  # a serious reason: asked directly
    assert with_model(Result("none"), cut, THRESHOLDS) == Result(
        "concern", ("model:self_harm 0.95",), True
    )
    unsure = reading(0.47, 0.04, 0.01, ipv=0.85)
    assert with_model(Result("none"), unsure, THRESHOLDS) == Result("none")


def test_a_stored_reason_never_shows_a_certain_model() -> None:
    """A clinician reads "probability 0.99" at most: 0.996 would round to 1.00."""
    sure = reading(0.99, 0.98, 0.01, passive_death_wish=0.996)
    assert with_model(Result("none"), sure, THRESHOLDS) == Result(
        "urgent", ("model:passive_death_wish 0.99",), False
    )


def test_numbers_emoji_and_marks_are_not_words() -> None:
    model = load_model("en")
    assert model is not None
    assert model.read("25/12/2026 💊 !!").words == 0
    assert model.read("EE. UU.").words == 2
    assert model.read("took 30 of them").words == 3


def test_the_model_calls_an_emergency_only_with_an_emergency_reason() -> None:
    thoughts = reading(0.99, 0.99, 0.9, suicidal_ideation=0.99, plan_or_intent=0.5)
    assert with_model(Result("none"), thoughts, THRESHOLDS).level == "urgent"
    plan = reading(0.99, 0.99, 0.9, suicidal_ideation=0.6, plan_or_intent=0.8)
    assert with_model(Result("none"), plan, THRESHOLDS) == Result(
        "emergency", ("model:plan_or_intent 0.80",), False
    )


# --- the blind sets -------------------------------------------------------------------------------


BLIND_SETS = sorted(
    path.name for path in (ROOT / "tests" / "triage").glob("blind*") if path.is_dir()
)


def test_no_blind_set_is_in_the_training_folders() -> None:
    """A spent blind set becomes training lines only as corpus/<locale>/independent_<n>.tsv; the
    live one stays in tests/triage/blind<n>/, which the training never reads."""
    for locale in ("en", "es"):
        files = corpus_files(ROOT, locale)
        assert [path for path in files if any(p.startswith("blind") for p in path.parts)] == []
        spent = sorted(path.name for path in files if path.name.startswith("independent_"))
        assert spent == [f"independent_{n}.tsv" for n in range(1, 5)]


@pytest.mark.parametrize("folder", BLIND_SETS)
@pytest.mark.parametrize(("locale", "minimum"), [("en", 300), ("es", 200)])
def test_the_blind_sets_cover_every_kind_and_no_training_line_repeats_one(
    folder: str, locale: str, minimum: int
) -> None:
    """Written from the facts sheet alone by writers who never saw the training lines, each pair
    evaluated once (docs/triage.md). The training never reads them, and none of their messages
    is in the training corpus."""
    from companion.core.triage_model import plain_text
    from companion.triage_labels import KINDS, read_all_labelled, read_labelled

    blind = read_labelled(ROOT / "tests" / "triage" / folder / f"{locale}.tsv")
    assert len(blind) >= minimum
    assert {row.kind for row in blind} == set(KINDS)
    training = {plain_text(row.text) for row in read_all_labelled(corpus_files(ROOT, locale))}
    assert [row.line for row in blind if plain_text(row.text) in training] == []
    assert all(folder not in path.parts for path in corpus_files(ROOT, locale))


@pytest.mark.parametrize("locale", ["en", "es"])
def test_no_training_message_carries_two_levels_and_the_fifth_batch_repeats_none(
    locale: str,
) -> None:
    """The same message (as the model reads it) never has two levels in the corpus, and the fifth
    batch (corpus/<locale>/fifth.tsv) adds no message the corpus already held."""
    from companion.core.triage_model import plain_text
    from companion.triage_labels import read_all_labelled, read_labelled

    files = corpus_files(ROOT, locale)
    levels: dict[str, set[str]] = {}
    for row in read_all_labelled(files):
        levels.setdefault(plain_text(row.text), set()).add(row.level)
    assert {text: found for text, found in levels.items() if len(found) > 1} == {}
    fifth = ROOT / "tests" / "triage" / "corpus" / locale / "fifth.tsv"
    earlier = {plain_text(row.text) for row in read_all_labelled(p for p in files if p != fifth)}
    added = [plain_text(row.text) for row in read_labelled(fifth)]
    assert len(added) >= 400
    assert [text for text in added if text in earlier] == []
    assert len(set(added)) == len(added)
