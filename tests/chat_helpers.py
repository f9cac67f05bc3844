"""Shared helpers for the chat tests: reading the database, walking onboarding, reading replies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, func, or_, select, true

from companion.bot.context import Services
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import SentMessage
from companion.store.models import Base, Consent, Conversation, Mother, as_plain


def texts(messages: Sequence[SentMessage]) -> list[str]:
    return [message.text for message in messages]


def t(services: Services, key: str, **params: object) -> str:
    return services.content.text("en", key, **params)


def holding_something(table: Table) -> ColumnElement[bool]:
    """Rows that hold something. Every update is stored before it is handled, and the inbox then
    keeps its update_id for two days (to recognise a redelivery) with nothing else: no sender, no
    payload. Such a row says nothing about anyone, so "nothing stored" looks past it; a row that
    still has a sender or a payload, or is not handled yet, counts."""
    if table.name != "inbox":
        return true()
    c = table.c
    return or_(
        c.handled_at.is_(None), c.telegram_user_id.is_not(None), c.payload_sealed.is_not(None)
    )


async def row_counts(services: Services) -> dict[str, int]:
    """How many rows every table holds (tables added later need no change to callers)."""
    counts: dict[str, int] = {}
    async with services.db.session() as session:
        for table in Base.metadata.sorted_tables:
            query = select(func.count()).select_from(table).where(holding_something(table))
            counts[table.name] = int(await session.scalar(query) or 0)
    return counts


async def stored_counts(services: Services) -> dict[str, int]:
    """Only the tables that hold rows."""
    return {name: count for name, count in (await row_counts(services)).items() if count}


async def assert_nothing_stored(services: Services) -> None:
    counts = await row_counts(services)
    assert counts, "no tables found"
    assert all(count == 0 for count in counts.values()), counts


# What she types in her private chat is kept, sealed, for an hour so the triage can read her next
# message with it (tests/test_groups_and_input.py covers that).
TRIAGE_MEMORY = {"recent_sealed", "recent_until"}


async def snapshot(
    services: Services, *, her_text_remembered: bool = False
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove an action changed nothing (beyond the emptied inbox
    rows of handled updates). A test in which she types in her private chat says so with
    `her_text_remembered`: the triage's one-hour memory of her words may change then, and only
    then; text from a group or a channel must never land there."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    skipped = TRIAGE_MEMORY if her_text_remembered else set()
    async with services.db.session() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in skipped]
            result = await session.execute(select(*columns).where(holding_something(table)))
            rows[table.name] = sorted(tuple(row) for row in result.all())
    return rows


async def load_mother(services: Services, user_id: int = 1001) -> Mother | None:
    async with services.db.session() as session:
        return await session.scalar(select(Mother).where(Mother.telegram_user_id == user_id))


async def load_consents(services: Services, mother_id: str) -> list[dict[str, Any]]:
    async with services.db.session() as session:
        found = await session.scalars(select(Consent).where(Consent.mother_id == mother_id))
        return [as_plain(row) for row in found]


async def load_conversation(services: Services, mother_id: str) -> Conversation | None:
    async with services.db.session() as session:
        return await session.get(Conversation, mother_id)


async def position(services: Services, user_id: int = 1001) -> tuple[str, str] | None:
    """(flow, step) of her open question, or None."""
    mother = await load_mother(services, user_id)
    assert mother is not None
    conversation = await load_conversation(services, mother.id)
    return None if conversation is None else (conversation.flow, conversation.step)


async def consent(mother: ChatDriver) -> list[SentMessage]:
    await mother.say("/start")
    return await mother.tap("I agree")


ONBOARDING_STEPS = ("country", "timezone", "checkin_time", "birth_date", "snippets")


async def reach(
    mother: ChatDriver,
    step: str,
    country: str = "United Kingdom",
    zone: str = "UK time (London)",
    time: str = "09:00",
) -> list[SentMessage]:
    """Consent and answer the questions before `step` with buttons; returns the last replies."""
    replies = await consent(mother)
    for label in (country, zone, time)[: ONBOARDING_STEPS.index(step)]:
        replies = await mother.tap(label)
    return replies


async def onboard(
    mother: ChatDriver,
    country: str = "United Kingdom",
    zone: str = "UK time (London)",
    time: str = "09:00",
) -> list[SentMessage]:
    """The whole onboarding with buttons, skipping the birth date and the learning snippets."""
    await reach(mother, "birth_date", country, zone, time)
    return [*await mother.tap("Skip"), *await mother.tap("No, thanks")]


def summary_text(
    services: Services,
    *,
    country: str = "United Kingdom",
    zone: str = "UK time (London)",
    time: str = "09:00",
    birth_date: str | None = None,
    snippets: str = "off",
) -> str:
    return t(
        services,
        "common.summary",
        language="English",
        country=country,
        zone=zone,
        time=time,
        birth_date=birth_date or t(services, "common.not_given"),
        reminders=t(services, "common.off"),
        snippets=snippets,
    )
