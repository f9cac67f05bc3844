"""Inbox before acknowledgement: each update is stored (keyed by update_id) before the next
getUpdates call confirms it to Telegram, then handled from the table, in order, once.

A crash after storing and before handling loses nothing: the row is handled on restart (or by
another worker once the claim runs out: see inbox_claims). An update Telegram sends again (it
was not yet confirmed) hits the same key and is ignored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut

from companion.bot.context import CompanionApp, Services
from companion.delivery.inbox_claims import (
    RENEW_SECONDS,
    Claimed,
    claim,
    mark_handled,
    new_worker_id,
    release,
    release_all,
    renew,
)
from companion.delivery.pacer import retry_after_seconds
from companion.store.db import after_commit, retry_locked
from companion.store.models import InboxUpdate

log = logging.getLogger(__name__)
KEEP_HANDLED = timedelta(days=2)  # long enough to recognise a redelivery
LOCK_RETRIES = 3  # times an update is handled again after its handler lost a database lock
_INBOX = cast(Table, InboxUpdate.__table__)  # the table itself, for plain (non-ORM) statements


def _user_id(raw: dict[str, Any]) -> int | None:
    for value in raw.values():
        if isinstance(value, dict):
            sender = value.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return int(sender["id"])
    return None


# Insert an update unless its update_id is already there (a redelivery), returning update_id
# only when it was new. Built once; a batch is one executemany of it, which SQLAlchemy sends as
# one multi-row INSERT.
_STORE = {
    name: dialect.insert(_INBOX)
    .on_conflict_do_nothing(index_elements=["update_id"])
    .returning(_INBOX.c.update_id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


async def store_updates(services: Services, updates: list[dict[str, Any]]) -> int:
    """Store raw updates (sealed); returns how many were new."""
    if not updates:
        return 0
    now = services.clock.now()
    rows = []
    for raw in updates:
        update_id = int(raw["update_id"])
        context = InboxUpdate(update_id=update_id).seal_context("payload_sealed")
        rows.append(
            {
                "update_id": update_id,
                "telegram_user_id": _user_id(raw),
                "payload_sealed": services.vault.seal(json.dumps(raw), context=context),
                "received_at": now,
            }
        )

    async def store() -> int:
        async with services.db.durable_session() as session:
            statement = _STORE[session.get_bind().dialect.name]
            # RETURNING, not rowcount: psycopg's async rowcount is -1 for this statement.
            return len((await session.execute(statement, rows)).scalars().all())

    # Storing is idempotent (a row already there is skipped), so a lock lost to a busy
    # moment (the tick, the sender, other replies) is simply tried again.
    return await retry_locked(store)


async def handle_stored(application: CompanionApp, limit: int = 100, lanes: int = 4) -> int:
    """Claim stored updates and handle them; returns how many were handled.

    One person's updates are handled one after another in update_id order; different people's
    run side by side (up to `lanes` at once), as nothing one mother does waits on another.
    Several workers may call this at once on one database: each update goes to one of them.
    """
    services = application.bot_data.services
    worker = new_worker_id()
    work = await retry_locked(lambda: claim(services.db, worker, services.clock.now(), limit))
    if not work:
        return 0
    by_person: dict[int | None, list[Claimed]] = {}
    for row in work:
        by_person.setdefault(row.person, []).append(row)
    gate = asyncio.Semaphore(lanes)

    async def handle_person(queue: list[Claimed]) -> None:
        async with gate:
            for row in queue:
                await _handle_one(application, worker, row)

    renewing = asyncio.create_task(_keep_claims(services, worker))
    try:
        await asyncio.gather(*(handle_person(queue) for queue in by_person.values()))
    except BaseException:
        await release(services.db, worker)  # what is left goes to the next pass, not the lease
        raise
    finally:
        renewing.cancel()
        await asyncio.gather(renewing, return_exceptions=True)
    return len(work)


async def _keep_claims(services: Services, worker: str) -> None:
    while True:
        await asyncio.sleep(RENEW_SECONDS)
        try:
            await renew(services.db, worker, services.clock.now())
        except Exception as error:  # the lease still runs; a later renewal may get through
            log.warning("event=inbox_renew_failed error=%s", type(error).__name__)


class ClaimLost(Exception):
    """This worker's claim on the update ran out and another worker took it over: whatever
    this one was about to commit as the answer is rolled back, as the other answers instead."""


@dataclass
class Handling:
    """The stored update being handled in this task, by which worker, and whether a reply's
    transaction has already marked it handled (see mark_with_reply)."""

    update_id: int
    worker: str
    marked: bool = False
    claimed: bool = False
    lost: bool = False
    # A handler's transaction that lost a lock rolled back whole (the reply and the mark go
    # together): the error handler sets `locked` instead of apologising, and it is handled again.
    locked: bool = False
    retries_left: int = LOCK_RETRIES


handling: ContextVar[Handling | None] = ContextVar("handling", default=None)


async def mark_with_reply(session: AsyncSession, now: datetime) -> None:
    """Called where a handler queues its reply: mark the update handled in that same
    transaction, so the reply and the mark commit together. Counted only once committed.
    Raises ClaimLost (rolling the reply back) if another worker has taken the update over."""
    state = handling.get()
    if state is None:
        return
    if state.lost:
        raise ClaimLost
    if state.claimed:
        return
    state.claimed = True
    if not await mark_handled(session, state.update_id, state.worker, now):
        state.lost = True
        log.warning("event=inbox_claim_lost update_id=%s", state.update_id)
        raise ClaimLost

    def committed() -> None:
        state.marked = True

    after_commit(session, committed)


async def _handle_one(application: CompanionApp, worker: str, row: Claimed) -> None:
    services = application.bot_data.services
    state = Handling(row.update_id, worker)
    token = handling.set(state)
    try:
        update_object = _open(application, row.update_id, row.context, row.sealed)
        while update_object is not None:
            state.locked = state.claimed = False
            await application.process_update(update_object)  # handler errors: error handler
            if not state.locked or state.marked or state.lost:
                break
            state.retries_left -= 1
            await asyncio.sleep(0.05 * 2 ** (LOCK_RETRIES - state.retries_left))
    finally:
        handling.reset(token)
    if state.marked or state.lost:
        return

    # No reply committed the mark (or its transaction rolled back): mark it on its own.
    async def mark() -> bool:
        async with services.db.session() as session:
            return await mark_handled(session, row.update_id, worker, services.clock.now())

    if not await retry_locked(mark):
        log.warning("event=inbox_claim_lost update_id=%s", row.update_id)


def _open(
    application: CompanionApp, update_id: int, context: str, sealed: bytes | None
) -> Update | None:
    """The stored update, or None if it can't be read (its key was removed, or it is not an
    update): logged by id and set aside, so one bad row can't stop the inbox."""
    if sealed is None:
        return None
    try:
        raw = json.loads(application.bot_data.services.vault.open(sealed, context=context))
        return Update.de_json(raw, application.bot)
    except Exception as error:  # anything at all: the inbox must keep going
        log.error("event=inbox_unreadable update_id=%s error=%s", update_id, type(error).__name__)
        return None


async def prune_handled(services: Services, now: datetime) -> None:
    async with services.db.session() as session:
        await session.execute(
            delete(InboxUpdate).where(InboxUpdate.handled_at < now - KEEP_HANDLED)
        )


async def poll_once(application: CompanionApp, offset: int | None, wait_seconds: int) -> int | None:
    """One getUpdates: store what came, and return the offset that will confirm it."""
    updates = await application.bot.get_updates(
        offset=offset, timeout=wait_seconds, allowed_updates=Update.ALL_TYPES
    )
    private = [u for u in updates if u.effective_chat is None or u.effective_chat.type == "private"]
    await store_updates(application.bot_data.services, [u.to_dict() for u in private])
    for received in updates:
        if received not in private:
            # Groups and channels are refused and left: nothing from them is ever stored.
            await application.process_update(received)
    if updates:
        return max(update.update_id for update in updates) + 1
    return offset


async def poll_forever(application: CompanionApp, wait_seconds: int = 30) -> None:
    """Long polling: store, then (on the next call) confirm, while handling from the table."""
    offset: int | None = None
    # Polling has one consumer per bot, so this is the only worker: every claim still held is a
    # crashed run's. Then whatever that run left behind is handled first.
    await release_all(application.bot_data.services.db)
    await handle_stored(application)
    while True:
        try:
            offset = await poll_once(application, offset, wait_seconds)
        except RetryAfter as error:
            await asyncio.sleep(retry_after_seconds(error))
            continue
        except (TimedOut, NetworkError) as error:
            log.warning("event=poll_failed error=%s", type(error).__name__)
            await asyncio.sleep(2)
            continue
        while await handle_stored(application):
            pass
