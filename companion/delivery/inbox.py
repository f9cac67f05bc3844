"""Inbox before acknowledgement: each update is stored (keyed by update_id) before the next
getUpdates call confirms it to Telegram, then handled from the table, in order, once.

A crash after storing and before handling loses nothing: the row is handled on restart. An update
Telegram sends again (it was not yet confirmed) hits the same key and is ignored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut

from companion.bot.context import CompanionApp, Services
from companion.delivery.sender import retry_after_seconds
from companion.store.db import after_commit
from companion.store.models import InboxUpdate

log = logging.getLogger(__name__)
KEEP_HANDLED = timedelta(days=2)  # long enough to recognise a redelivery
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
    async with services.db.durable_session() as session:
        statement = _STORE[session.get_bind().dialect.name]
        # RETURNING, not rowcount: psycopg's async rowcount is -1 for this statement.
        stored = (await session.execute(statement, rows)).scalars().all()
    return len(stored)


async def handle_stored(application: CompanionApp, limit: int = 100, lanes: int = 4) -> int:
    """Handle stored updates; returns how many were handled.

    One person's updates are handled one after another in update_id order; different people's
    run side by side (up to `lanes` at once), as nothing one mother does waits on another.
    """
    services = application.bot_data.services
    async with services.db.session() as session:
        rows = await _unhandled(session, limit)
        work = [
            (
                row.telegram_user_id,
                row.update_id,
                row.seal_context("payload_sealed"),
                row.payload_sealed,
            )
            for row in rows
        ]
    by_person: dict[int | None, list[tuple[int, str, bytes | None]]] = {}
    for person, update_id, context, sealed in work:
        by_person.setdefault(person, []).append((update_id, context, sealed))
    gate = asyncio.Semaphore(lanes)

    async def handle_person(queue: list[tuple[int, str, bytes | None]]) -> None:
        async with gate:
            for update_id, context, sealed in queue:
                await _handle_one(application, update_id, context, sealed)

    await asyncio.gather(*(handle_person(queue) for queue in by_person.values()))
    return len(work)


@dataclass
class Handling:
    """The stored update being handled in this task, and whether a reply's transaction has
    already marked it handled (see mark_with_reply)."""

    update_id: int
    marked: bool = False
    claimed: bool = False


handling: ContextVar[Handling | None] = ContextVar("handling", default=None)


# Built once: a statement built per update costs more than SQLite takes to run it.
_MARK_HANDLED = (
    update(_INBOX)
    .where(_INBOX.c.update_id == bindparam("handled_id"))
    .values(handled_at=bindparam("handled_at"), payload_sealed=None)
)


async def mark_handled(session: AsyncSession, update_id: int, now: datetime) -> None:
    # A plain table UPDATE: no InboxUpdate object is loaded in a handler's session to keep in step.
    await session.execute(_MARK_HANDLED, {"handled_id": update_id, "handled_at": now})


async def mark_with_reply(session: AsyncSession, now: datetime) -> None:
    """Called where a handler queues its reply: mark the update handled in that same
    transaction, so the reply and the mark commit together. Counted only once committed."""
    state = handling.get()
    if state is None or state.claimed:
        return
    state.claimed = True
    await mark_handled(session, state.update_id, now)

    def committed() -> None:
        state.marked = True

    after_commit(session, committed)


async def _handle_one(
    application: CompanionApp, update_id: int, context: str, sealed: bytes | None
) -> None:
    services = application.bot_data.services
    state = Handling(update_id)
    token = handling.set(state)
    try:
        update_object = _open(application, update_id, context, sealed)
        if update_object is not None:
            await application.process_update(update_object)  # handler errors: error handler
    finally:
        handling.reset(token)
    if not state.marked:  # no reply committed it (or its transaction rolled back)
        async with services.db.session() as session:
            await mark_handled(session, update_id, services.clock.now())


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


async def _unhandled(session: AsyncSession, limit: int) -> list[InboxUpdate]:
    query = (
        select(InboxUpdate)
        .where(InboxUpdate.handled_at.is_(None))
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


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
    await handle_stored(application)  # whatever a crash left behind
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
