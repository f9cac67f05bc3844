"""Claims on stored updates, so several workers share one inbox: each update is handled by one
worker at a time, and one person's updates in update_id order.

A claim is a lease (claimed_by, claimed_until) rather than a row lock held while handling: a
handler's reply marks its update handled in the reply's own transaction, which a lock held by
another transaction would block. A worker that dies lets its claims go when the lease runs out
(a stalled one too, which a lock held on a still-open connection would not); a reply commits
only while its worker still holds the claim, so a takeover never sends her a second answer.

A live worker renews its claims from a task of its own, so a slow handler keeps them. One that
hangs for good keeps them too: that update, and her later ones (her order), wait until the
process is stopped or restarted, when they go to the next worker; everyone else's go on, on the
other workers and on this one (see webhook.InboxHandler).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.store.db import Database
from companion.store.models import InboxUpdate

# The bound on a dead worker (a crisis must not wait on one). Its last renewal was at or before
# its death, so its claims run out at most LEASE later; every other worker looks for such rows at
# least every SWEEP_SECONDS (webhook.InboxHandler, also while a batch of its own runs long). So
# another worker claims the update within LEASE + SWEEP_SECONDS = 7 s of the death and queues
# the reply at once, and the leader sends it within its half-second look (a leader that died
# too is replaced meanwhile, in about 2 s): under 10 s in all, 6.2-6.8 s measured when it dies
# just after renewing (tests/test_inbox_takeover.py). A live worker renews every RENEW_SECONDS
# from a task of its own, however long a handler takes, so a renewal may come up to
# LEASE - RENEW_SECONDS = 4 s late (a slow database, a busy event loop) before anyone else may
# take over. Leases are compared on each worker's clock: the workers' clocks must agree to well
# under a second (NTP does).
LEASE = timedelta(seconds=6)
RENEW_SECONDS = 2.0
SWEEP_SECONDS = 1.0
_INBOX = cast(Table, InboxUpdate.__table__)  # the table itself, for plain (non-ORM) statements


def new_worker_id() -> str:
    """Names one handling pass of one worker; a claim is valid only for the pass that made it."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Claimed:
    update_id: int
    person: int | None  # the Telegram user who sent it (None: an update from nobody in particular)
    sealed: bytes | None

    @property
    def context(self) -> str:
        return InboxUpdate(update_id=self.update_id).seal_context("payload_sealed")


async def claim(db: Database, worker: str, now: datetime, limit: int) -> list[Claimed]:
    """Claim up to `limit` unhandled updates, oldest first, for `worker`.

    Takes every free row it can (FOR UPDATE SKIP LOCKED: rows another worker is claiming at this
    moment are passed over, not waited for), then gives back each person's rows that come after
    an earlier unhandled row of hers it could not take: that one is with another worker, or
    still free but beyond this batch, and hers must go in order. In one transaction, which
    begins with a write so SQLite takes its write lock first.
    """
    async with db.session() as session:
        taken = await _take_free(session, worker, now, limit)
        blocked = await _first_not_mine(session, worker, {row.person for row in taken})
        kept = [row for row in taken if _in_turn(row, blocked)]
        released = [row.update_id for row in taken if not _in_turn(row, blocked)]
        if released:
            await session.execute(
                update(_INBOX)
                .where(_INBOX.c.update_id.in_(released))
                .values(claimed_by=None, claimed_until=None)
            )
    return kept


def _in_turn(row: Claimed, blocked: dict[int | None, int]) -> bool:
    first_elsewhere = blocked.get(row.person)
    return first_elsewhere is None or row.update_id < first_elsewhere


async def _take_free(
    session: AsyncSession, worker: str, now: datetime, limit: int
) -> list[Claimed]:
    free = (
        select(_INBOX.c.update_id)
        .where(
            _INBOX.c.handled_at.is_(None),
            or_(_INBOX.c.claimed_until.is_(None), _INBOX.c.claimed_until <= now),
        )
        .order_by(_INBOX.c.update_id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer at a time
    )
    statement = (
        update(_INBOX)
        .where(_INBOX.c.update_id.in_(free.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=now + LEASE)
        .returning(_INBOX.c.update_id, _INBOX.c.telegram_user_id, _INBOX.c.payload_sealed)
    )
    rows = (await session.execute(statement)).all()
    return sorted((Claimed(*row) for row in rows), key=lambda row: row.update_id)


async def _first_not_mine(
    session: AsyncSession, worker: str, people: set[int | None]
) -> dict[int | None, int]:
    """For each person, her earliest unhandled update this worker does not hold."""
    people.discard(None)  # updates from nobody in particular are independent of each other
    if not people:
        return {}
    query = (
        select(_INBOX.c.telegram_user_id, func.min(_INBOX.c.update_id))
        .where(
            _INBOX.c.handled_at.is_(None),
            _INBOX.c.telegram_user_id.in_(people),
            _INBOX.c.claimed_by.is_distinct_from(worker),
        )
        .group_by(_INBOX.c.telegram_user_id)
    )
    return {person: int(first) for person, first in (await session.execute(query)).all()}


async def renew(db: Database, worker: str, now: datetime) -> None:
    """Extend this pass's claims. A row locked at this moment is passed over rather than waited
    for: it is being marked handled by its reply (or taken by another worker, its lease having
    run out), and waiting would hold up the renewal of the rest and, through their locks, the
    replies of other lanes."""
    mine = (
        select(_INBOX.c.update_id)
        .where(_INBOX.c.claimed_by == worker, _INBOX.c.handled_at.is_(None))
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer at a time
    )
    async with db.session() as session:
        await session.execute(
            update(_INBOX)
            .where(
                _INBOX.c.update_id.in_(mine.scalar_subquery()),
                _INBOX.c.claimed_by == worker,
            )
            .values(claimed_until=now + LEASE)
        )


async def release(db: Database, worker: str) -> None:
    """Give back what this pass claimed and did not handle (it was cancelled, say)."""
    async with db.session() as session:
        await session.execute(
            update(_INBOX)
            .where(_INBOX.c.claimed_by == worker, _INBOX.c.handled_at.is_(None))
            .values(claimed_by=None, claimed_until=None)
        )


async def release_all(db: Database) -> None:
    """Give back every claim: only for a process that knows it is the only one (polling: one
    getUpdates consumer per bot), starting after a crash, so it need not wait out the lease."""
    async with db.session() as session:
        await session.execute(
            update(_INBOX)
            .where(_INBOX.c.claimed_by.is_not(None), _INBOX.c.handled_at.is_(None))
            .values(claimed_by=None, claimed_until=None)
        )


# Built once: a statement built per update costs more than SQLite takes to run it. Only the
# worker holding the claim may mark it; the payload and the sender go (once handled, the row
# keeps only the update_id, to recognise a redelivery: nothing of hers).
_MARK_HANDLED = (
    update(_INBOX)
    .where(
        _INBOX.c.update_id == bindparam("handled_id"),
        _INBOX.c.claimed_by == bindparam("worker"),
        _INBOX.c.handled_at.is_(None),
    )
    .values(handled_at=bindparam("handled_at"), payload_sealed=None, telegram_user_id=None)
    .returning(_INBOX.c.update_id)
)


async def mark_handled(session: AsyncSession, update_id: int, worker: str, now: datetime) -> bool:
    """Mark it handled if `worker` still holds it; False if the claim was lost meanwhile."""
    values = {"handled_id": update_id, "worker": worker, "handled_at": now}
    # RETURNING, not rowcount, as elsewhere in the inbox.
    return (await session.execute(_MARK_HANDLED, values)).first() is not None
