"""Questionnaires as data: the scoring engine against an independent reference, the files' checks,
and the two settings (COMPANION_INSTRUMENTS_DIR, COMPANION_THRESHOLDS)."""

from __future__ import annotations

import shutil
from itertools import product
from pathlib import Path

import pytest

from companion.config import ENV_NAMES, ConfigError, load_settings
from companion.content import ContentError, load_content
from companion.core.instruments import (
    Instrument,
    effective_cutoffs,
    item_score,
    safety_hit,
    score,
)
from companion.core.tiers import Tier
from companion.instrument_files import load_instrument, load_instruments
from companion.resources import messages_dir

FIXTURES = Path(__file__).parent / "fixtures" / "instruments"
SHIPPED = messages_dir() / "en" / "instruments"

# --- an independent reference, written from the published rules (shared/clinical-facts.md) ------
# PHQ and GAD options, top to bottom: Not at all 0, Several days 1, More than half the days 2,
# Nearly every day 3; so an answer's score is its index.
PHQ9_IDS = ("interest", "down", "sleep", "tired", "appetite", "failure", "concentration")
PHQ9_IDS += ("moving", "harm")
GAD7_IDS = ("nervous", "control", "worry", "relax", "restless", "irritable", "afraid")
PHQ9_BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate")]
PHQ9_BANDS += [(15, 19, "moderately_severe"), (20, 27, "severe")]
GAD7_BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]
BRIEF_BANDS = [(0, 2, "below"), (3, 6, "at_or_above")]
EPDS_REVERSED = {3, 5, 6, 7, 8, 9, 10}  # items scored 3, 2, 1, 0 top to bottom


def ref_full_tier(total: int) -> Tier:
    """PHQ-9 and GAD-7: 10-14 possible, 15 and above probable."""
    if total >= 15:
        return Tier.PROBABLE
    return Tier.POSSIBLE if total >= 10 else Tier.ROUTINE


def ref_brief_tier(total: int) -> Tier:
    """PHQ-2 and GAD-2: 3 and above is possible (and calls for the full tool)."""
    return Tier.POSSIBLE if total >= 3 else Tier.ROUTINE


def ref_band(bands: list[tuple[int, int, str]], total: int) -> str:
    return next(key for low, high, key in bands if low <= total <= high)


def ref_epds_item(number: int, index: int) -> int:
    return 3 - index if number in EPDS_REVERSED else index


def epds_answers(scores: dict[int, int]) -> dict[str, int]:
    """EPDS answers (item id -> option index) giving these item scores; unlisted items score 0."""
    indexes = {}
    for number in range(1, 11):
        wanted = scores.get(number, 0)
        indexes[f"item{number}"] = 3 - wanted if number in EPDS_REVERSED else wanted
    return indexes


def ref_epds_tier(total: int, item10: int) -> Tier:
    """Item 10 above 0 is urgent whatever the total; 13+ probable; 10-12 possible."""
    if item10 > 0:
        return Tier.URGENT
    if total >= 13:
        return Tier.PROBABLE
    return Tier.POSSIBLE if total >= 10 else Tier.ROUTINE


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> dict[str, Instrument]:
    return load_instruments(messages_dir(), ["en"])["en"]


@pytest.fixture(scope="module")
def phq9(shipped: dict[str, Instrument]) -> Instrument:
    return shipped["phq9"]


@pytest.fixture(scope="module")
def gad7(shipped: dict[str, Instrument]) -> Instrument:
    return shipped["gad7"]


@pytest.fixture(scope="module")
def epds() -> Instrument:
    return load_instrument(FIXTURES / "en" / "epds.toml")


def fill(total: int, count: int) -> list[int]:
    """`count` item scores of 0-3 adding up to `total`, filled from the first."""
    return [min(3, max(0, total - 3 * n)) for n in range(count)]


def with_total(ids: tuple[str, ...], total: int) -> dict[str, int]:
    """PHQ/GAD answers adding up to `total` (an answer's index is its score)."""
    return dict(zip(ids, fill(total, len(ids)), strict=True))


# --- every answer combination -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("brief", "full", "ids"), [("phq2", "phq9", PHQ9_IDS), ("gad2", "gad7", GAD7_IDS)]
)
def test_brief_tools_every_combination(
    shipped: dict[str, Instrument], brief: str, full: str, ids: tuple[str, ...]
) -> None:
    instrument = shipped[brief]
    assert instrument.item_ids == ids[:2]
    for first, second in product(range(4), repeat=2):
        result = score(instrument, {ids[0]: first, ids[1]: second})
        total = first + second
        assert (result.total, result.max_total) == (total, 6)
        assert result.tier == ref_brief_tier(total)
        assert result.band == ref_band(BRIEF_BANDS, total)
        assert result.follow_up == (full if total >= 3 else None)
        assert result.complete
        assert result.safety_hits == ()


def test_gad7_every_combination(gad7: Instrument) -> None:
    assert gad7.item_ids == GAD7_IDS
    count = 0
    for combo in product(range(4), repeat=7):
        result = score(gad7, dict(zip(GAD7_IDS, combo, strict=True)))
        total = sum(combo)
        assert (result.total, result.max_total) == (total, 21)
        assert result.tier == ref_full_tier(total), combo
        assert result.band == ref_band(GAD7_BANDS, total), combo
        assert result.complete
        assert result.answered == 7
        assert result.safety_hits == ()
        assert result.follow_up is None
        count += 1
    assert count == 16_384


def test_epds_every_combination(epds: Instrument) -> None:
    """All 4^10 answer sets: the engine's totals match the published scoring for each one, and its
    tier is checked by a full score() for every (total, item 10) the combinations reach and for
    one combination in 97."""
    ids = tuple(f"item{n}" for n in range(1, 11))
    assert epds.item_ids == ids
    engine_table = [[item_score(epds, item_id, index) for index in range(4)] for item_id in ids]
    reference_table = [
        [ref_epds_item(number, index) for index in range(4)] for number in range(1, 11)
    ]
    checked: set[tuple[int, int]] = set()
    combos = zip(
        product(range(4), repeat=10), product(*engine_table), product(*reference_table), strict=True
    )
    for count, (combo, engine_scores, reference_scores) in enumerate(combos, start=1):
        total = sum(reference_scores)
        assert sum(engine_scores) == total, combo
        key = (total, reference_scores[9])
        if key not in checked or count % 97 == 0:
            checked.add(key)
            result = score(epds, dict(zip(ids, combo, strict=True)))
            assert (result.total, result.tier) == (total, ref_epds_tier(*key)), combo
            assert result.safety_hits == (("item10",) if key[1] > 0 else ())
    assert count == 4**10
    assert {total for total, _ in checked} == set(range(31))
    assert epds.max_total == 30


def _layouts(total: int) -> set[tuple[int, ...]]:
    """Several ways for items 1-8 to add up to `total`: front-loaded, back-loaded, spread."""
    front = tuple(fill(total, 8))
    even = tuple(total // 8 + (1 if n < total % 8 else 0) for n in range(8))
    return {front, front[::-1], even}


def test_phq9_item9_is_urgent_whatever_the_total(phq9: Instrument) -> None:
    assert phq9.item_ids == PHQ9_IDS
    for total in range(25):
        for layout in _layouts(total):
            assert sum(layout) == total
            for item9 in range(4):
                answers = dict(zip(PHQ9_IDS[:8], layout, strict=True)) | {"harm": item9}
                result = score(phq9, answers)
                assert result.total == total + item9
                assert result.band == ref_band(PHQ9_BANDS, total + item9)
                if item9 >= 1:
                    assert result.tier == Tier.URGENT, answers
                    assert result.safety_hits == ("harm",)
                else:
                    assert result.tier == ref_full_tier(total), answers
                    assert result.safety_hits == ()
                assert safety_hit(phq9, "harm", item9) == (item9 >= 1)


@pytest.mark.parametrize("index", range(4))
def test_epds_item10_every_value(epds: Instrument, index: int) -> None:
    item10 = ref_epds_item(10, index)
    for others_total in (0, 9, 12, 27):
        others = epds_answers(dict(enumerate(fill(others_total, 9), start=1)))
        result = score(epds, others | {"item10": index})
        assert result.total == others_total + item10
        assert result.tier == ref_epds_tier(others_total + item10, item10)
        assert (result.tier == Tier.URGENT) == (item10 > 0)
    assert safety_hit(epds, "item10", index) == (item10 > 0)


# --- bands, thresholds, partial answers, bad answers ------------------------------------------


@pytest.mark.parametrize(
    ("name", "total", "band"),
    [("phq9", t, b) for t, b in [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild")]]
    + [("phq9", t, b) for t, b in [(10, "moderate"), (14, "moderate")]]
    + [("phq9", t, b) for t, b in [(15, "moderately_severe"), (19, "moderately_severe")]]
    + [("phq9", t, b) for t, b in [(20, "severe"), (24, "severe")]]
    + [("gad7", t, b) for t, b in [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild")]]
    + [("gad7", t, b) for t, b in [(10, "moderate"), (14, "moderate"), (15, "severe")]]
    + [("gad7", 21, "severe")],
)
def test_band_edges(shipped: dict[str, Instrument], name: str, total: int, band: str) -> None:
    instrument = shipped[name]
    ids = instrument.item_ids[:8]  # PHQ-9 item 9 stays at 0: these are totals, not safety
    result = score(instrument, with_total(ids, total))
    assert (result.total, result.band) == (total, band)
    assert result.tier == ref_full_tier(total)


def test_band_labels_are_plain_words(phq9: Instrument) -> None:
    assert [band.label for band in phq9.bands] == [
        "minimal", "mild", "moderate", "moderately severe", "severe"
    ]  # fmt: skip


def test_threshold_overrides(shipped: dict[str, Instrument], epds: Instrument) -> None:
    phq9, phq2 = shipped["phq9"], shipped["phq2"]
    eight = with_total(PHQ9_IDS[:8], 8)
    assert score(phq9, eight).tier == Tier.ROUTINE
    assert score(phq9, eight, {"phq9.possible": 8}).tier == Tier.POSSIBLE
    assert score(phq9, eight, {"gad7.possible": 5}).tier == Tier.ROUTINE  # another instrument's
    assert score(phq9, eight, {"phq9.probable": 8}).tier == Tier.PROBABLE
    ten = epds_answers({1: 3, 2: 3, 3: 1, 4: 3})
    assert score(epds, ten).total == 10
    assert score(epds, ten).tier == Tier.POSSIBLE
    assert score(epds, ten, {"epds.probable": 10}).tier == Tier.PROBABLE
    assert score(epds, ten, {"epds.possible": 11}).tier == Tier.ROUTINE
    two = {"interest": 1, "down": 1}
    assert (score(phq2, two).tier, score(phq2, two).follow_up) == (Tier.ROUTINE, None)
    lowered = score(phq2, two, {"phq2.possible": 2})
    assert (lowered.tier, lowered.follow_up) == (Tier.POSSIBLE, "phq9")
    # a safety item stays urgent however high the cut-offs are set
    harm = {"harm": 1}
    assert score(phq9, harm, {"phq9.possible": 27, "phq9.probable": 27}).tier == Tier.URGENT
    assert dict(phq9.cutoffs) == {"possible": 10, "probable": 15}  # the file's are untouched


def test_incomplete_answers_score_what_is_there(phq9: Instrument) -> None:
    empty = score(phq9, {})
    assert (empty.total, empty.answered, empty.complete, empty.tier) == (0, 0, False, Tier.ROUTINE)
    assert empty.band == "minimal"
    partial = score(phq9, {"interest": 3, "down": 2, "sleep": 1})
    assert (partial.total, partial.answered, partial.complete) == (6, 3, False)
    assert partial.max_total == 27
    assert score(phq9, {"harm": 2}).tier == Tier.URGENT  # an early safety answer counts at once
    five = dict.fromkeys(PHQ9_IDS[:5], 3)
    assert score(phq9, five).tier == Tier.PROBABLE  # 15 already: more answers only add
    assert score(phq9, dict.fromkeys(PHQ9_IDS, 0)).complete


@pytest.mark.parametrize(
    ("item_id", "index"), [("nope", 0), ("interest", 4), ("interest", -1), ("interest", True)]
)
def test_unknown_item_or_option_raises(phq9: Instrument, item_id: str, index: int) -> None:
    with pytest.raises(ValueError, match="phq9"):
        item_score(phq9, item_id, index)
    with pytest.raises(ValueError, match="phq9"):
        safety_hit(phq9, item_id, index)
    with pytest.raises(ValueError, match="phq9"):
        score(phq9, {"down": 1, item_id: index})


def test_reverse_scored_items(epds: Instrument) -> None:
    assert [item_score(epds, "item1", i) for i in range(4)] == [0, 1, 2, 3]
    assert [item_score(epds, "item3", i) for i in range(4)] == [3, 2, 1, 0]
    assert safety_hit(epds, "item10", 0)
    assert not safety_hit(epds, "item10", 3)
    assert not safety_hit(epds, "item1", 3)


# --- the shipped files ------------------------------------------------------------------------


def test_shipped_instruments_load(shipped: dict[str, Instrument]) -> None:
    assert set(shipped) == {"phq9", "gad7", "phq2", "gad2"}
    expected = {"phq9": (9, 27, 14), "gad7": (7, 21, 14), "phq2": (2, 6, 7), "gad2": (2, 6, 7)}
    for name, (items, max_total, interval) in expected.items():
        instrument = shipped[name]
        assert (len(instrument.items), instrument.max_total) == (items, max_total)
        assert instrument.min_interval_days == interval
        assert "No permission required" in instrument.licence
        assert instrument.source
        for item in instrument.items:
            assert [(o.label, o.score) for o in item.options] == [
                ("Not at all", 0), ("Several days", 1),
                ("More than half the days", 2), ("Nearly every day", 3),
            ]  # fmt: skip
    assert [item.id for item in shipped["phq9"].items if item.safety] == ["harm"]
    assert not any(item.safety for item in shipped["gad7"].items)
    assert shipped["phq9"].stem.startswith("Over the last 2 weeks, how often")
    assert (shipped["phq2"].full_tool, shipped["gad2"].full_tool) == ("phq9", "gad7")


@pytest.mark.parametrize(("brief", "full"), [("phq2", "phq9"), ("gad2", "gad7")])
def test_brief_items_are_the_full_tools_first_two(
    shipped: dict[str, Instrument], brief: str, full: str
) -> None:
    assert shipped[brief].items == shipped[full].items[:2]
    assert shipped[brief].stem == shipped[full].stem
    assert shipped[brief].recall == shipped[full].recall


PHQ_STEM = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
GAD_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"


@pytest.mark.parametrize(
    ("name", "stem"),
    [("phq9", PHQ_STEM), ("phq2", PHQ_STEM), ("gad7", GAD_STEM), ("gad2", GAD_STEM)],
)
def test_each_stem_is_its_official_wording(
    shipped: dict[str, Instrument], name: str, stem: str
) -> None:
    """The GAD-7's official stem has no "any of", unlike the PHQ-9's (issue 22)."""
    assert shipped[name].stem == stem


def test_no_epds_text_is_shipped() -> None:
    assert not list(messages_dir().rglob("epds*"))


# --- the files' checks ------------------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A messages/ root holding copies of the shipped PHQ-2 and PHQ-9 in en."""
    folder = tmp_path / "messages" / "en" / "instruments"
    folder.mkdir(parents=True)
    for name in ("phq2.toml", "phq9.toml"):
        shutil.copy(SHIPPED / name, folder / name)
    return tmp_path / "messages"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("low = 3\n", "low = 4\n", r"bands: gap, no band covers 3\.\.3"),
        ("low = 3\n", "low = 2\n", r"bands: at_or_above overlaps at 2"),
        ("high = 6\n", "high = 5\n", r"bands: cover 0\.\.5, the totals run 0\.\.6"),
        ("[[options]]\nlabel", "[[nothing]]\nlabel", r"unknown keys nothing"),
        ('label = "Several days"\nscore = 1', 'label = "Several days"\nscore = 1.5', "score"),
        ('label = "Several days"\nscore = 1', 'label = "Several days"\nscore = "1"', "score"),
        ('label = "Several days"\nscore = 1', 'label = "Several days"\nscore = -1', "score"),
        ('label = "Several days"', 'label = "' + "x" * 65 + '"', r"label: 65 characters"),
        ('id = "down"\n', 'id = "down"\nsaftey = true\n', r"items\[1\]: unknown keys saftey"),
        ('id = "down"\n', 'id = "down"\nsafety = true\nsafety_min = 4\n', r"safety_min: 4"),
        ('id = "down"\n', 'id = "down"\nsafety = true\nsafety_min = 0\n', r"safety_min"),
        ('id = "down"\n', 'id = "interest"\n', r"item id repeated: interest"),
        ("possible = 3", "possible = 7", r"cutoffs\.possible: 7 is outside 0\.\.6"),
        ("possible = 3", "possible = 2", r"cutoffs\.possible must equal brief_positive"),
        ('full_tool = "phq9"\n', "", r"needs full_tool and brief_positive"),
        ('full_tool = "phq9"', 'full_tool = "phq8"', r"full_tool: no 'phq8' in en"),
        ('id = "phq2"', 'id = "phq3"', r"id: 'phq3' must match the file name"),
        ('kind = "brief"', 'kind = "short"', r"kind: expected one of full, brief"),
        ("min_interval_days = 7\n", "", r"missing min_interval_days"),
        ('text = "Feeling down', 'text = "' + "x" * 4000 + " down", r"items\[1\]\.text: stem and"),
        ('name = "PHQ-2"', 'name = "PHQ-2', r"not valid TOML"),
    ],
)
def test_malformed_files_name_the_file_and_field(
    root: Path, old: str, new: str, error: str
) -> None:
    edit(root / "en" / "instruments" / "phq2.toml", old, new)
    with pytest.raises(ContentError, match=r"phq2\.toml: .*" + error):
        load_instruments(root, ["en"])


def test_an_item_without_options(root: Path) -> None:
    path = root / "en" / "instruments" / "phq9.toml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("\n[[options]]"), text.index("\n[[items]]")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ContentError, match=r"phq9\.toml: items\[0\]\.options: missing"):
        load_instruments(root, ["en"])


def add_es(root: Path) -> Path:
    shutil.copytree(root / "en", root / "es")
    return root / "es" / "instruments" / "phq2.toml"


def test_a_second_locale_must_score_like_english(root: Path) -> None:
    spanish = add_es(root)
    edit(spanish, 'label = "Several days"', 'label = "Varios días"')
    loaded = load_instruments(root, ["en", "es"])
    assert loaded["es"]["phq2"].items[0].options[1].label == "Varios días"
    edit(spanish, "score = 2", "score = 3")
    with pytest.raises(ContentError, match=r"es/instruments/phq2\.toml: scores differ from .*en/"):
        load_instruments(root, ["en", "es"])


def test_a_second_locale_must_have_the_same_items(root: Path) -> None:
    edit(add_es(root), 'id = "down"', 'id = "abajo"')
    with pytest.raises(ContentError, match=r"es/instruments/phq2\.toml: item ids differ"):
        load_instruments(root, ["en", "es"])


def test_a_second_locale_needs_an_english_version(root: Path) -> None:
    add_es(root)
    shutil.copy(FIXTURES / "en" / "epds.toml", root / "es" / "instruments" / "epds.toml")
    with pytest.raises(ContentError, match=r"es/instruments/epds\.toml: no en version"):
        load_instruments(root, ["en", "es"])


def test_the_extra_folder_adds_and_replaces(root: Path, tmp_path: Path) -> None:
    assert "epds" not in load_instruments(root, ["en"])["en"]
    loaded = load_instruments(root, ["en"], FIXTURES)["en"]
    assert loaded["epds"].recall == "the past 7 days"
    extra = tmp_path / "extra"
    (extra / "en").mkdir(parents=True)
    shutil.copy(SHIPPED / "phq2.toml", extra / "en" / "phq2.toml")
    edit(extra / "en" / "phq2.toml", 'name = "PHQ-2"', 'name = "PHQ-2 (clinic copy)"')
    assert load_instruments(root, ["en"], extra)["en"]["phq2"].name == "PHQ-2 (clinic copy)"


def test_a_wrong_extra_folder_is_a_clear_error(root: Path, tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="does not exist"):
        load_instruments(root, ["en"], tmp_path / "missing")
    (tmp_path / "flat").mkdir()
    shutil.copy(FIXTURES / "en" / "epds.toml", tmp_path / "flat" / "epds.toml")
    with pytest.raises(ContentError, match=r"expected <dir>/<locale>/<id>\.toml"):
        load_instruments(root, ["en"], tmp_path / "flat")


# --- wired into content and settings ----------------------------------------------------------


def test_content_has_instruments_with_a_fallback() -> None:
    content = load_content(messages_dir(), "en")
    assert content.instrument("en", "phq9").name == "PHQ-9"
    assert content.instrument("es", "gad7") is content.instruments["es"]["gad7"]
    assert content.instrument("es", "gad7") is not content.instrument("en", "gad7")
    assert content.instrument("xx", "gad7") is content.instrument("en", "gad7")  # no such locale
    with pytest.raises(KeyError, match="epds"):
        content.instrument("en", "epds")
    licensed = load_content(messages_dir(), "en", instruments_dir=FIXTURES)
    assert licensed.instrument("en", "epds").max_total == 30
    assert "epds" not in licensed.instruments["es"]  # the fixture has no Spanish EPDS
    assert licensed.instrument("es", "epds") is licensed.instrument("en", "epds")


@pytest.mark.parametrize(
    ("thresholds", "error"),
    [
        ({"epds.probable": 10}, r"epds\.probable: no instrument 'epds' is loaded"),
        ({"phq9.possible": 28}, r"phq9\.possible: 28 is outside 0\.\.27"),
        ({"phq9.possible": 16}, r"phq9: possible is above probable"),
    ],
)
def test_thresholds_are_checked_against_the_instruments(
    thresholds: dict[str, int], error: str
) -> None:
    with pytest.raises(ContentError, match=r"^COMPANION_THRESHOLDS: " + error):
        load_content(messages_dir(), "en", thresholds=thresholds)


def test_thresholds_for_a_licensed_instrument_load() -> None:
    thresholds = {"epds.probable": 10, "phq9.possible": 8}
    content = load_content(messages_dir(), "en", FIXTURES, thresholds)
    epds, phq9 = content.instrument("en", "epds"), content.instrument("en", "phq9")
    assert dict(epds.cutoffs) == {"possible": 10, "probable": 13}  # the file's, untouched
    assert effective_cutoffs(epds, thresholds) == {"possible": 10, "probable": 10}
    assert effective_cutoffs(phq9, thresholds) == {"possible": 8, "probable": 15}
    # EPDS 3 + 3 + 1 + 3 = 10 (item 3 reverse scored): probable with the setting, possible without.
    ten = {"item1": 3, "item2": 3, "item3": 2, "item4": 3}
    assert (score(epds, ten, thresholds).tier, score(epds, ten).tier) == (
        Tier.PROBABLE,
        Tier.POSSIBLE,
    )
    eight = {"interest": 3, "down": 3, "sleep": 2}  # PHQ-9 answers score their index
    assert (score(phq9, eight, thresholds).tier, score(phq9, eight).tier) == (
        Tier.POSSIBLE,
        Tier.ROUTINE,
    )


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ENV_NAMES.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_settings_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings(env_file=None)
    assert (settings.instruments_dir, settings.thresholds) == (None, {})
    assert load_settings({"thresholds": "", "instruments_dir": " "}).instruments_dir is None


def test_settings_from_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("COMPANION_INSTRUMENTS_DIR", "/srv/instruments")
    clean_env.setenv("COMPANION_THRESHOLDS", '{"epds.probable": 10, "phq9.possible": 8}')
    settings = load_settings(env_file=None)
    assert settings.instruments_dir == Path("/srv/instruments")
    assert settings.thresholds == {"epds.probable": 10, "phq9.possible": 8}
    Path(".env").write_text('COMPANION_THRESHOLDS={"gad7.probable": 14}\n')
    clean_env.delenv("COMPANION_THRESHOLDS")
    assert load_settings().thresholds == {"gad7.probable": 14}
    assert load_settings({"thresholds": {"phq2.possible": 0}}).thresholds == {"phq2.possible": 0}


@pytest.mark.parametrize("source", ["dict", "env"])
@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("hunter2secret", None),
        ('["hunter2secret"]', None),
        ('{"hunter2secret": 10}', None),
        ('{"phq9.hunter2secret": 10}', None),
        ('{"PHQ9.possible": 10}', None),
        ('{"phq9.possible": -1}', "phq9.possible"),
        ('{"phq9.possible": 10.5}', "phq9.possible"),
        ('{"phq9.possible": "10"}', "phq9.possible"),
        ('{"phq9.possible": true}', "phq9.possible"),
    ],
)
def test_bad_thresholds_name_the_variable(
    clean_env: pytest.MonkeyPatch, source: str, value: str, named: str | None
) -> None:
    clean_env.setenv("COMPANION_THRESHOLDS", value)
    with pytest.raises(ConfigError) as raised:
        load_settings({"thresholds": value} if source == "dict" else None, env_file=None)
    message = str(raised.value)
    assert message.startswith("COMPANION_THRESHOLDS: "), message
    assert "hunter2secret" not in message
    assert "10.5" not in message
    if named:
        assert named in message
