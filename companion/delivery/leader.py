"""Leadership: on PostgreSQL, one worker at a time runs the schedule tick and the sender.

The leader holds a session-level advisory lock on a connection of its own, for as long as it
leads. Session-level rather than one lock per tick because the sender runs all the time, not
once a tick: one steady leader keeps one pacer, so Telegram's global rate and the 1 message a
second per chat hold for all workers together, and emergencies leave first from everyone's
outbox rows. A leader that dies closes its connection, which frees the lock; the server also
notices a silent client within about half a minute (keepalives set below). Another worker,
trying every second or so, takes over, and starts sending a moment later (SETTLE_SECONDS).
SQLite has one process: it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
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
CONFIRM_SECONDS = 0.25  # a leader checks its connection (and so its lock) this often
# A new leader waits this long before it sends: a leader that lost its lock but not its life
# (its lock connection was cut) notices at its next check and stops within a burst (0.25 s).
SETTLE_SECONDS = 1.0
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
        confirm_seconds: float = CONFIRM_SECONDS,
        settle_seconds: float = SETTLE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.retry_seconds, self.confirm_seconds = retry_seconds, confirm_seconds
        self.settle_seconds = settle_seconds
        self._monotonic = monotonic
        self.shared = db.dialect == "postgresql"  # several workers are possible
        self._connection: AsyncConnection | None = None
        self._leads = not self.shared
        self._elected = -math.inf
        self._checked = -math.inf
        self._resigned = False
        self._checking = asyncio.Lock()

    @property
    def leads(self) -> bool:
        return self._leads and not self._resigned

    @property
    def settled(self) -> bool:
        """Leading long enough to send: a leader that lost the lock has stopped by now."""
        return self.leads and self._monotonic() - self._elected >= self.settle_seconds

    async def leading(self) -> bool:
        """True if this worker leads now: checks the lock (or asks for it) when it is time."""
        if not self.shared or self._resigned:
            return self.leads
        async with self._checking:  # the tick and the sender ask at once: one check for both
            now = self._monotonic()
            wait = self.confirm_seconds if self._leads else self.retry_seconds
            if self._resigned or now - self._checked < wait:
                return self.leads
            self._checked = now
            try:
                await (self._confirm() if self._leads else self._ask())
            except asyncio.CancelledError:
                # Stopping (Ctrl-C, SIGTERM) mid-check: SQLAlchemy has invalidated the lock
                # connection, so the lock went with it. Ours to let go, not a loss; resign (or
                # the next check) closes the connection.
                self._release()
                raise
            except Exception as error:  # the connection broke: whatever we held went with it
                log.warning("event=leader_connection_lost error=%s", type(error).__name__)
                await self._drop()
            return self.leads

    async def _ask(self) -> None:
        if self._connection is not None and self._connection.invalidated:
            await self._drop()  # a check was cancelled mid-way (see leading): start afresh
        if self._connection is None:
            self._connection = await self.db.engine.connect()  # kept at once: never orphaned
            await self._prepare(self._connection)
        got = await self._connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
        )
        if got:
            self._leads, self._elected = True, self._monotonic()
            log.info("event=leader_elected")

    async def _confirm(self) -> None:
        assert self._connection is not None
        await self._connection.execute(text("SELECT 1"))  # the lock lives as long as this does

    @staticmethod
    async def _prepare(connection: AsyncConnection) -> None:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in _KEEPALIVES:
            await connection.execute(text(statement))

    async def _drop(self) -> None:
        """Let the lock connection go; if we were leading, that is a loss (resign clears
        `_leads` first, so a clean stop never reaches the warning)."""
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
        """Stop leading for good (shutting down): the lock is freed at once for another. A
        clean stop, not a loss: logged at INFO as leader_released (SQLite's one process too)."""
        self._resigned = True
        async with self._checking:
            if self._leads and self._connection is not None:
                # Freed now, not when the server gets round to the closed connection.
                with contextlib.suppress(Exception):
                    await self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            self._release()
            await self._drop()

    def _release(self) -> None:
        """Stop leading of our own accord: at INFO, unlike a loss."""
        if self._leads:
            self._leads = False
            log.info("event=leader_released")
