"""Helpers for the check-in and tick tests: mothers written straight to the database, a tick that
also delivers, and readers for check-ins and answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from companion.bot.context import Services
from companion.core.clock_time import ClockTime
from companion.core.schedule import next_checkin_at
from companion.core.zones import tzinfo_for
from companion.delivery.tick import TickReport, run_tick
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import SentMessage
from companion.store.models import Answer, Checkin, Mother, MotherStatus, new_id
from tests.chat_helpers import load_mother, onboard, t

QUIET_OFF = {"quiet_hours": "00:00-00:00"}


async def add_mother(
    services: Services,
    user_id: int,
    *,
    zone: str = "Europe/London",
    at: str = "09:00",
    country: str = "GB",
    reminders: bool = False,
    onboarded_at: datetime | None = None,
) -> str:
    """An active mother, as onboarding would leave her, written directly (fast)."""
    now = services.clock.now()
    mother = Mother(
        id=new_id(),
        telegram_user_id=user_id,
        chat_id=user_id,
        status=MotherStatus.ACTIVE,
        locale="en",
        country=country,
        timezone=zone,
        checkin_time=at,
        next_checkin_at=next_checkin_at(now, tzinfo_for(zone), ClockTime.parse_stored(at)),
        created_at=now,
        updated_at=now,
        onboarded_at=onboarded_at or now,
        reminders=reminders,
    )
    async with services.db.session() as session:
        session.add(mother)
    return mother.id


async def update_mother(services: Services, user_id: int, **values: Any) -> None:
    async with services.db.session() as session:
        mother = await session.scalar(select(Mother).where(Mother.telegram_user_id == user_id))
        assert mother is not None
        for name, value in values.items():
            setattr(mother, name, value)


async def tick(services: Services) -> TickReport:
    """One schedule tick, then deliver whatever it queued."""
    report = await run_tick(services)
    await services.sender.drain()
    return report


async def tick_and_read(services: Services, person: ChatDriver) -> list[SentMessage]:
    await tick(services)
    return person.new_messages()


async def checkins_of(services: Services, mother_id: str) -> list[Checkin]:
    async with services.db.session() as session:
        query = select(Checkin).where(Checkin.mother_id == mother_id).order_by(Checkin.local_date)
        return list((await session.scalars(query)).all())


async def checkin_on(services: Services, mother_id: str, day: date) -> Checkin | None:
    return next((c for c in await checkins_of(services, mother_id) if c.local_date == day), None)


async def answer_rows(services: Services, checkin_id: str) -> dict[str, Answer]:
    async with services.db.session() as session:
        query = select(Answer).where(Answer.checkin_id == checkin_id)
        return {answer.question: answer for answer in await session.scalars(query)}


def opened(services: Services, answer: Answer) -> str:
    return services.vault.open(answer.value_sealed, context=answer.seal_context("value_sealed"))


async def answers_of(services: Services, checkin_id: str) -> dict[str, str]:
    rows = await answer_rows(services, checkin_id)
    return {question: opened(services, answer) for question, answer in rows.items()}


def mood_labels(services: Services) -> list[str]:
    return [t(services, f"checkin.mood.button.{value}") for value in range(1, 6)]


def snooze_labels(services: Services) -> list[str]:
    return [t(services, "checkin.button.snooze1"), t(services, "checkin.button.snooze3")]


def prompt_text(services: Services, *, late: bool = False, reminder: bool = False) -> str:
    opening = t(services, "checkin.reminder" if reminder else "checkin.greeting")
    if late:
        opening += " " + t(services, "checkin.late")
    return f"{opening}\n\n{t(services, 'checkin.mood.prompt')}"


def assert_prompt(
    services: Services,
    message: SentMessage,
    checkin_id: str,
    *,
    late: bool = False,
    reminder: bool = False,
) -> None:
    """The scheduled check-in as she sees it: greeting, mood question, 5 moods, 2 snoozes."""
    assert message.text == prompt_text(services, late=late, reminder=reminder)
    assert [[b["text"] for b in row] for row in message.buttons] == [
        mood_labels(services),
        snooze_labels(services),
    ]
    assert [b["callback_data"] for b in message.buttons[0]] == [
        f"st|ci|mood|{value}" for value in range(1, 6)
    ]
    assert [b["callback_data"] for b in message.buttons[1]] == [
        f"snz|{checkin_id}|1",
        f"snz|{checkin_id}|3",
    ]


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A UTC instant in 2026 (November unless said)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def onboarded(mother: ChatDriver, services: Services, **kwargs: str) -> str:
    """Onboard through the bot (at the clock's time) and return her id."""
    await onboard(mother, **kwargs)
    stored = await load_mother(services, mother.person.user.id)
    assert stored is not None
    return stored.id


async def skip_to_the_end(mother: ChatDriver) -> list[SentMessage]:
    """After the mood: Skip sleep, anxiety, closeness, support and the note, which ends the
    check-in with its closing (thanks, a snippet if due, a questionnaire offer if due). "Done for
    today" means nothing more today: only the thanks."""
    for _ in range(4):
        await mother.tap("Skip")
    return await mother.tap("Skip")
