"""A mother's first weeks played through the bot, for the pictures and the report: a first
check-in with PHQ-9 and GAD-7, then daily check-ins with mood, sleep and anxiety."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from matplotlib.figure import Figure
from matplotlib.text import Text

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from tests.checkin_helpers import at, onboarded, tick_and_read

OPTIONS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
PHQ9_MILD = [1, 2, 1, 0, 1, 2, 1, 0, 0]  # 8: mild
GAD7_MODERATE = [2, 2, 2, 1, 1, 2, 2]  # 12: moderate
MOODS = ["😞", "😕", "😐", "🙂", "😄"]
SLEEPS = ["Very badly", "Badly", "Okay", "Well", "Very well"]
ANXIETIES = ["Not at all", "A little", "Quite a bit", "Very"]


async def check_in(mother: ChatDriver, mood: int, sleep: int, anxiety: int) -> None:
    """Mood 1-5, sleep 1-5, anxiety 0-3, then Skip to the end (closeness, support, note)."""
    await mother.tap(MOODS[mood - 1])
    await mother.tap(SLEEPS[sleep - 1])
    await mother.tap(ANXIETIES[anxiety])
    for _ in range(3):
        await mother.tap("Skip")


async def first_weeks(
    mother: ChatDriver,
    services: Services,
    clock: ManualClock,
    days: Sequence[tuple[int, int, int]] = ((4, 2, 1), (3, 3, 2), (2, 2, 3)),
) -> str:
    """Onboarded on 20 November 2026; her first check-in on the 21st (the first of `days`),
    with PHQ-9 8 (mild) and GAD-7 12 (moderate) after it; one check-in a day after that."""
    mother_id = await onboarded(mother, services)
    for offset, (mood, sleep, anxiety) in enumerate(days):
        clock.set(at(21, 9) + timedelta(days=offset))
        await tick_and_read(services, mother)
        await check_in(mother, mood, sleep, anxiety)
        if offset == 0:
            await mother.tap("Start")
            for score in [*PHQ9_MILD, *GAD7_MODERATE]:
                await mother.tap(OPTIONS[score])
    return mother_id


def shown_texts(figure: Figure) -> list[str]:
    figure.canvas.draw()  # tick labels are only final after a draw
    return [text.get_text() for text in figure.findobj(match=Text) if isinstance(text, Text)]
