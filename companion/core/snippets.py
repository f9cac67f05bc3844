"""Which learning snippet to show her next: pure rules over plain data, no I/O.

A snippet fits her when her postpartum week is inside its `weeks` (any snippet fits when the week
is unknown) and it is for everyone ("any") or for something her recent answers show (low mood, a
possible or probable questionnaire result). The one she has seen fewest times wins, so nothing
repeats until every fitting snippet was seen, and then the round starts again. Within a round,
snippets aimed at what her answers show come first, then those made for a narrower stretch of
weeks (the first days' topics in the first days), then the library's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from companion.core.tiers import Tier
from companion.core.trends import LOW_MOOD, DayPoint

ANY, LOW, POSSIBLE, PROBABLE, TREND = "any", "low_mood", "possible", "probable", "trend"
TRIGGERS = (ANY, LOW, POSSIBLE, PROBABLE, TREND)
MAX_WEEK = 104  # two years: companion is made for the first year or so

Frequency = Literal["daily", "few_days", "off"]
FREQUENCIES: tuple[Frequency, ...] = ("daily", "few_days", "off")
FEW_DAYS = 3  # "every few days": a snippet at most once in this many of her days

RECENT_DAYS = 7  # her recent answers: this many days, today included
RECENT_LOW_DAYS = 2  # low mood on this many recent days (or today) reads as low mood
TREND_DAYS = 14  # the trend message looks at two weeks...
TREND_LOW_DAYS = 8  # ...and speaks when her mood was low on most of them
TREND_REPEAT_DAYS = 14  # and says it at most once in this many days


@dataclass(frozen=True)
class Snippet:
    """A short piece of reading with where its facts come from and when it was last checked."""

    id: str
    title: str
    topic: str
    weeks: tuple[int, int]  # the postpartum weeks it suits, both ends included
    triggers: frozenset[str]
    text: str
    source: str
    reviewed: date

    def suits_week(self, week: int | None) -> bool:
        return week is None or self.weeks[0] <= week <= self.weeks[1]


def postpartum_week(birth_date: date | None, today: date) -> int | None:
    """Completed weeks since the birth (0 in the first seven days); None when not known."""
    if birth_date is None or birth_date > today:
        return None
    return (today - birth_date).days // 7


def signals(recent: Sequence[DayPoint], latest_tier: Tier | None) -> frozenset[str]:
    """What her recent answers show: low mood (today, or on several of the last days) and her
    latest questionnaire result's tier (urgent and above count as probable here)."""
    found = set()
    moods = [point.mood for point in recent[-RECENT_DAYS:] if point.mood is not None]
    low_days = sum(mood <= LOW_MOOD for mood in moods)
    today = recent[-1].mood if recent else None
    if low_days >= RECENT_LOW_DAYS or (today is not None and today <= LOW_MOOD):
        found.add(LOW)
    if latest_tier is not None and latest_tier >= Tier.PROBABLE:
        found.add(PROBABLE)
    elif latest_tier == Tier.POSSIBLE:
        found.add(POSSIBLE)
    return frozenset(found)


def choose(
    library: Sequence[Snippet],
    *,
    week: int | None,
    shown: Mapping[str, int],
    signals: Iterable[str] = (),
    trigger: str | None = None,
) -> Snippet | None:
    """The next snippet for her, or None when none fits.

    `shown` counts how often she has seen each snippet id. With `trigger` (e.g. "trend") only
    snippets carrying it are candidates; otherwise those for everyone or for one of `signals`.
    """
    wanted = frozenset(signals) - {ANY, TREND}
    candidates = []
    for index, snippet in enumerate(library):
        if not snippet.suits_week(week):
            continue
        aimed = bool(snippet.triggers & wanted)
        if trigger is not None:
            if trigger not in snippet.triggers:
                continue
        elif not (aimed or ANY in snippet.triggers):
            continue
        span = snippet.weeks[1] - snippet.weeks[0]
        candidates.append(((shown.get(snippet.id, 0), not aimed, span, index), snippet))
    return min(candidates, key=lambda pair: pair[0])[1] if candidates else None


def in_topic(
    library: Sequence[Snippet], topic: str, *, week: int | None, shown: Mapping[str, int]
) -> Snippet | None:
    """For the /learn menu: the topic's snippet she has seen least, one for her week first."""
    ranked = [
        ((shown.get(s.id, 0), not s.suits_week(week), index), s)
        for index, s in enumerate(library)
        if s.topic == topic
    ]
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


def topics(library: Sequence[Snippet]) -> list[str]:
    """The library's topics in the order they first appear."""
    return list(dict.fromkeys(snippet.topic for snippet in library))


def snippet_due(frequency: str, last_sent: date | None, today: date) -> bool:
    """Whether her frequency allows a snippet after today's check-in."""
    if frequency == "daily":
        return last_sent is None or last_sent < today
    if frequency == "few_days":
        return last_sent is None or today - last_sent >= timedelta(days=FEW_DAYS)
    return False


def low_days(window: Sequence[DayPoint]) -> int:
    return sum(point.mood is not None and point.mood <= LOW_MOOD for point in window)


def trend_due(window: Sequence[DayPoint], last_told: date | None, today: date) -> bool:
    """Mood low on most of the last two weeks, and not told so in the last two weeks.
    `window` is her last TREND_DAYS days (trends.last_days)."""
    if last_told is not None and today - last_told < timedelta(days=TREND_REPEAT_DAYS):
        return False
    return low_days(window[-TREND_DAYS:]) >= TREND_LOW_DAYS
