"""Queries for check-ins and their answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from companion.store.models import Answer, Checkin, CheckinStatus, new_id
from companion.store.sealed import open_sealed
from companion.vault import Vault

DAILY = "daily"


async def record_checkin(
    session: AsyncSession,
    *,
    mother_id: str,
    local_date: date,
    status: str,
    due_at: datetime,
    now: datetime,
    backfill: bool = False,
    remind_at: datetime | None = None,
) -> str | None:
    """Record the day's check-in under its unique (mother, local date, kind) key.

    Returns the new check-in's id, or None when that day is already recorded (another tick,
    a restart, or she started it herself): the caller then sends nothing.
    """
    checkin_id = new_id()
    values = {
        "id": checkin_id,
        "mother_id": mother_id,
        "local_date": local_date,
        "kind": DAILY,
        "status": status,
        "due_at": due_at,
        "created_at": now,
        "backfill": backfill,
        "remind_at": remind_at,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Checkin)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["mother_id", "local_date", "kind"])
        .returning(Checkin.id)
    )
    # RETURNING, not rowcount: with psycopg (async) the rowcount of this insert is -1, which
    # counted every new check-in as a duplicate on PostgreSQL, so no prompt was ever sent.
    inserted: str | None = await session.scalar(statement)
    return inserted


async def record_checkins(session: AsyncSession, rows: list[dict[str, object]]) -> set[str]:
    """Record many days' check-ins in one statement; returns the ids actually recorded (a day
    already recorded, by another tick or by her, is skipped by its unique key)."""
    if not rows:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Checkin)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["mother_id", "local_date", "kind"])
        .returning(Checkin.id)
    )
    return set((await session.scalars(statement)).all())


async def checkin_for_day(session: AsyncSession, mother_id: str, day: date) -> Checkin | None:
    return await session.scalar(
        select(Checkin).where(
            Checkin.mother_id == mother_id, Checkin.local_date == day, Checkin.kind == DAILY
        )
    )


async def save_answer(
    session: AsyncSession,
    vault: Vault,
    *,
    checkin: Checkin,
    question: str,
    value: str,
    now: datetime,
) -> None:
    """Store (or replace) her answer to one question, sealed, with the time she gave it."""
    answer = await session.scalar(
        select(Answer).where(Answer.checkin_id == checkin.id, Answer.question == question)
    )
    if answer is None:
        answer = Answer(
            id=new_id(), checkin_id=checkin.id, mother_id=checkin.mother_id, question=question
        )
        session.add(answer)
    answer.value_sealed = vault.seal(value, context=answer.seal_context("value_sealed"))
    answer.answered_at = now
    if checkin.status in (CheckinStatus.SENT, CheckinStatus.NUDGE):
        checkin.status = CheckinStatus.STARTED
    checkin.remind_at = None


async def answers_since(
    session: AsyncSession, vault: Vault, mother_id: str, first_day: date
) -> dict[date, dict[str, str]]:
    """Her answers per local day from `first_day` on, opened."""
    query = (
        select(Checkin.local_date, Answer)
        .join(Answer, Answer.checkin_id == Checkin.id)
        .where(Checkin.mother_id == mother_id, Checkin.local_date >= first_day)
    )
    by_day: dict[date, dict[str, str]] = {}
    for day, answer in (await session.execute(query)).all():
        value = open_sealed(answer, "value_sealed", vault)
        if value is not None:  # None: it does not open here (companion.store.sealed)
            by_day.setdefault(day, {})[answer.question] = value
    return by_day


async def first_answered_day(session: AsyncSession, mother_id: str) -> date | None:
    """The first local day she answered a check-in question (None if she never has)."""
    query = (
        select(func.min(Checkin.local_date))
        .join(Answer, Answer.checkin_id == Checkin.id)
        .where(Checkin.mother_id == mother_id)
    )
    return (await session.execute(query)).scalar_one_or_none()
