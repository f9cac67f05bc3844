"""The two stages together: the lexicon's verdict, raised (never lowered) by the learned model.

- The higher level wins. When the model raises it, its reason is added as "model:<reason> 0.81",
  so a clinician sees the flag was found by the language model, not a keyword.
- A denial or a past episode the lexicon recognised ("I would never hurt my baby", "I was
  suicidal after my first") stays a clarifying question: the model may make it a concern, not
  more (its words look like what they deny). A clear denial with nothing else is none (and
  asked, clinical-facts.md); the model makes it a concern only when its likeliest reason is a
  concern category, not the risk denied.
- A message of one or two words ("no", "tonight", "Germany") is too little for the model: the
  lexicon alone reads it (it knows "kms" and a lone 💊).
- The model calls an emergency only when its likeliest serious reason is one (a plan, a method,
  an attempt, harm to the baby, psychosis, danger at home): "I want to end my life" stays urgent.
- Exhaustion worded as not being able to go on (the model's likeliest serious reason
  "ask_directly") is ambiguous by the clinical facts: where the model alone would read urgent,
  she is asked directly instead.
- A short message (at most six words) that the level heads call urgent while no serious reason
  is at least even odds ("somewhere near the sea", answering where she lives) is asked about
  directly, not alarmed on. A reason the model is nearly sure of (0.9) is a concern even when
  the concern head falls just short ("my partner hit me last night"); asked about when serious.
- When the model is unsure whether a message is urgent (its urgent probability in the band just
  below the threshold) and nothing reached urgent, she is asked directly: the clarifying question.

Pure: no I/O and no logging.
"""

from __future__ import annotations

from companion.core.triage_model import MIN_WORDS, Reading, Thresholds
from companion.core.triage_terms import LEVELS, Level, Result

# The concern categories of the clinical facts sheet, each a reason the model reports (and a
# kind of labelled line, companion/triage_labels.py). A model flag at concern gives one of these;
# an urgent or emergency one (or a clarifying question) gives one of the others, or "ipv" (in
# danger now).
CONCERN_KINDS: tuple[str, ...] = (
    "low_mood",
    "not_coping",
    "bonding",
    "guilt",
    "anxiety",
    "appetite",
    "sleep",
    "anger",
    "isolation",
    "substance",
    "past_suicidal",
    "ipv",
)
CONCERN_REASONS = frozenset(CONCERN_KINDS)
URGENT = LEVELS.index("urgent")
EMERGENCY_REASONS = frozenset(
    {"plan_or_intent", "method_or_means", "attempt_in_progress", "harm_to_baby", "psychosis", "ipv"}
)
ASK_DIRECTLY = "ask_directly"  # exhaustion worded as not being able to go on: ask, not alarm
# The level heads and the reason heads are separate regressions. On a short message with little in
# it ("somewhere near the sea", answering where she lives) the level heads can pass their
# thresholds while no reason is likely: then she is asked directly, not alarmed on. And a reason
# the model is nearly sure of ("my partner hit me last night": ipv 0.98) is a concern even when
# the concern head falls just short.
SHORT_WORDS = 6  # ... a message of at most this many words
REASON_FLOOR = 0.5  # a model urgent or emergency needs its likeliest serious reason this likely
REASON_SURE = 0.9  # a reason this likely makes a concern (or the question) on its own
# The lexicon lowered a serious phrase to a clarifying question: denied, or in the past.
LOWERED = frozenset({"negated_needs_clarifying", "past_tense_ask_about_now"})


def with_model(found: Result, reading: Reading, thresholds: Thresholds) -> Result:
    """The lexicon's result `found`, raised by what the model read."""
    if reading.words < MIN_WORDS:
        return found  # "no", "tonight", "Germany": too little for the model to read
    wanted = LEVELS.index(reading.level(thresholds))
    had = LEVELS.index(found.level)
    serious = set(reading.reasons) - (CONCERN_REASONS - {"ipv"})
    likeliest = reading.best(serious)
    if wanted > URGENT and likeliest not in EMERGENCY_REASONS:
        wanted = URGENT  # the emergency head alone, with no emergency reason to give
    weak = (
        wanted >= URGENT
        and reading.words <= SHORT_WORDS
        and (likeliest is None or reading.reasons[likeliest] < REASON_FLOOR)
    )
    hold = (wanted == URGENT and likeliest == ASK_DIRECTLY) or weak  # ask, not alarm
    sure = reading.best(set(reading.reasons))
    if wanted == 0 and sure is not None and reading.reasons[sure] >= REASON_SURE:
        wanted = 1  # the concern head fell short of a reason it is sure of
        hold = hold or sure in serious - {"ipv"}  # a serious one: ask her directly
    if hold or (found.ask_clarifying and LOWERED & set(found.reasons)):
        wanted = min(wanted, URGENT - 1)
    # A clear denial the lexicon found (none, asked): the model reads the words it denies, so it
    # may make it a concern only for something else it is likeliest about (low mood, abuse).
    denied = found.level == "none" and "negated_needs_clarifying" in found.reasons
    if denied and sure not in CONCERN_REASONS:
        wanted = 0
    ask = (hold or reading.unsure(thresholds)) and max(had, wanted) < URGENT
    if ask and not denied:
        wanted = max(wanted, 1)
    if wanted <= had and (found.ask_clarifying or not ask):
        return found
    level: Level = LEVELS[max(had, wanted)]
    among = serious if ask or max(had, wanted) >= URGENT else CONCERN_REASONS
    reason = reading.reason_code(among)
    reasons = tuple(code for code in found.reasons if code != "idiom_ignored")
    asking = max(had, wanted) < URGENT and (found.ask_clarifying or ask)
    return Result(level, (*reasons, reason) if reason else reasons, asking)
