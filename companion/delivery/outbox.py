"""The outbox: every outgoing message is a row first, sent by the sender in priority order.

A row lives only until its message is sent (or dropped as undeliverable): the outbox holds what
is still owed, never a history of what was said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.delivery.outgoing import Reply, encode
from companion.store.models import (
    Lane,
    Mother,
    MotherStatus,
    OutboxMessage,
    new_id,
    seal_context_for,
)
from companion.vault import Vault

# The outbox table, for enqueue's plain INSERT: every reply passes here, and building an ORM
# object and flushing it costs several times what the insert itself does.
_OUTBOX = cast(Table, OutboxMessage.__table__)
_INSERT = insert(_OUTBOX)


async def enqueue(
    session: AsyncSession,
    vault: Vault,
    *,
    chat_id: int,
    replies: Sequence[Reply],
    lane: int,
    now: datetime,
    mother_id: str | None = None,
    not_before: datetime | None = None,
) -> list[str]:
    """Queue replies to one chat, in order, in the caller's transaction; returns their keys.
    The rows go in with one INSERT, in order (the integer id orders one chat's messages)."""
    if not replies:
        return []
    if session.new or session.dirty or session.deleted:
        await session.flush()  # the ORM's pending rows first: hers may be new in this session
    rows, keys = [], []
    for reply in replies:
        key = new_id()
        keys.append(key)
        row = {
            "key": key,
            "lane": lane,
            "chat_id": chat_id,
            "mother_id": mother_id,
            "created_at": now,
            "not_before": not_before or now,
            "attempts": 0,
        }
        context = seal_context_for(OutboxMessage, "payload_sealed", row)
        rows.append({**row, "payload_sealed": vault.seal(encode(reply), context=context)})
    await session.execute(_INSERT, rows[0] if len(rows) == 1 else rows)  # one: no executemany
    return keys


@dataclass(frozen=True)
class Queued:
    """What the sender needs of one outbox row (plain columns, no ORM object: it is cheaper)."""

    id: int
    key: str
    lane: int
    chat_id: int
    attempts: int
    mother_id: str | None
    payload_sealed: bytes

    def seal_context(self, column: str) -> str:
        values = {"key": self.key, "mother_id": self.mother_id}
        return seal_context_for(OutboxMessage, column, values)


async def ready_heads(
    session: AsyncSession, now: datetime, limit: int, *, above: int | None = None
) -> list[Queued]:
    """Messages that may go now, highest lane first; only the head of each chat's queue, so
    one chat's messages never overtake each other (except a higher lane, which should).
    `above`: only lanes that go before that one.

    One index scan in (lane, id) order: the first row seen for a chat is its head, because any
    earlier message to that chat sorts before it. A chat with a message waiting out a retry is
    left alone entirely, so nothing overtakes the message being retried.
    """
    deferred = set(
        (
            await session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.not_before > now).distinct()
            )
        ).all()
    )
    columns = (
        OutboxMessage.id,
        OutboxMessage.key,
        OutboxMessage.lane,
        OutboxMessage.chat_id,
        OutboxMessage.attempts,
        OutboxMessage.mother_id,
        OutboxMessage.payload_sealed,
    )
    query = (
        select(*columns)
        .where(OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.lane, OutboxMessage.id)
        .limit(limit)
    )
    if above is not None:
        query = query.where(OutboxMessage.lane < above)
    heads: dict[int, Queued] = {}
    for row in (await session.execute(query)).all():
        if row.chat_id not in deferred and row.chat_id not in heads:
            heads[row.chat_id] = Queued(*row)
    return list(heads.values())


async def claim(session: AsyncSession, ids: list[int], now: datetime, until: datetime) -> set[int]:
    """Take rows a sender chose: they are put off (not_before) for every other sender until
    `until`, and their chats with them (see ready_heads). Returns the ids this call got; a row
    another sender took first, or that went meanwhile, is not among them."""
    taken = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.not_before <= now)
        .values(not_before=until)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(taken.all())


async def pending_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def mark_done(session: AsyncSession, *message_ids: int) -> None:
    """Sent, or dropped as undeliverable: either way nothing more is owed."""
    for start in range(0, len(message_ids), 500):  # within SQLite's variables a statement
        chunk = message_ids[start : start + 500]
        await session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )


async def mark_retry(session: AsyncSession, message_id: int, not_before: datetime) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(not_before=not_before, attempts=OutboxMessage.attempts + 1)
    )


async def mark_blocked(session: AsyncSession, chat_id: int) -> None:
    """She blocked the bot: pause her (her data stays) and drop what was waiting for her."""
    await session.execute(
        update(Mother)
        .where(Mother.chat_id == chat_id, Mother.status != MotherStatus.ONBOARDING)
        .values(status=MotherStatus.BLOCKED, next_checkin_at=None)
    )
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == chat_id))


async def drop_scheduled(session: AsyncSession, mother_id: str) -> None:
    """Take back her scheduled messages still waiting (a check-in prompt queued behind a busy
    morning): after a crisis reply, her prompts rest for the rest of the day."""
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.mother_id == mother_id, OutboxMessage.lane == Lane.SCHEDULED
        )
    )
