"""Leadership: on PostgreSQL, one worker at a time runs the schedule tick and the sender.

The leader holds a session-level advisory lock on a connection of its own, for as long as it
leads. Session-level rather than one lock per tick because the sender runs all the time, not
once a tick: one steady leader keeps one pacer, so Telegram's global rate and the 1 message a
second per chat hold for all workers together, and emergencies leave first from everyone's
outbox rows. A leader that dies closes its connection, which frees the lock; the server also
notices a silent client within about half a minute (keepalives set below). Another worker,
trying every second or so, takes over. SQLite has one process: it always leads.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from companion.store.db import Database

log = logging.getLogger(__name__)

LOCK_KEY = 0x636F6D70616E696F  # "companio": one lock per database, whatever the workers
RETRY_SECONDS = 1.0  # a follower asks for the lock this often
CONFIRM_SECONDS = 2.0  # a leader checks its connection (and so its lock) this often
# Server side: a leader's connection that stops answering is closed after about 10 + 3 x 5 s.
_KEEPALIVES = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)


class Leader:
    """Whether this worker leads; asked by the tick job and the sender, answered from memory
    between checks, so asking costs no round trip."""

    def __init__(
        self,
        db: Database,
        *,
        retry_seconds: float = RETRY_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.retry_seconds = retry_seconds
        self._monotonic = monotonic
        self._shared = db.dialect == "postgresql"  # several workers are possible
        self._connection: AsyncConnection | None = None
        self._leads = not self._shared
        self._checked = -math.inf
        self._resigned = False

    @property
    def leads(self) -> bool:
        return self._leads and not self._resigned

    async def leading(self) -> bool:
        """True if this worker leads now: checks the lock (or asks for it) when it is time."""
        if not self._shared or self._resigned:
            return self.leads
        now = self._monotonic()
        if now - self._checked < (CONFIRM_SECONDS if self._leads else self.retry_seconds):
            return self._leads
        self._checked = now
        try:
            await (self._confirm() if self._leads else self._ask())
        except Exception as error:  # the connection broke: whatever we held is gone with it
            log.warning("event=leader_connection_lost error=%s", type(error).__name__)
            await self._drop()
        return self.leads

    async def _ask(self) -> None:
        if self._connection is None:
            self._connection = await self._connect()
        got = await self._connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
        )
        if got:
            self._leads = True
            log.info("event=leader_elected")

    async def _confirm(self) -> None:
        assert self._connection is not None
        await self._connection.execute(text("SELECT 1"))  # the lock lives as long as this does

    async def _connect(self) -> AsyncConnection:
        connection = await self.db.engine.connect()
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in _KEEPALIVES:
            await connection.execute(text(statement))
        return connection

    async def _drop(self) -> None:
        if self._leads:
            log.warning("event=leader_lost")
        self._leads = False
        connection, self._connection = self._connection, None
        if connection is not None:
            # Closed for real, not returned to the pool: a pooled session would keep the lock.
            try:
                await connection.invalidate()
                await connection.close()
            except Exception as error:  # already broken; nothing more to free
                log.info("event=leader_close_failed error=%s", type(error).__name__)

    async def resign(self) -> None:
        """Stop leading for good (shutting down): the lock is freed at once for another."""
        self._resigned = True
        await self._drop()
