"""Writing down what became of each send, so that nothing is sent twice or lost.

A message stays reserved (never chosen again) until its outcome is written. Most outcomes are
"sent": those are written together, group-commit style. A send waits for the write that
carries its row, which starts once the one before has ended (with paid broadcasts on, and at
least GROUP_SPACING_S after it began), so a lone message is written at once and, in a busy
second, the rows that finished meanwhile go in one statement (at 1,000 sends a second a
transaction per row cost more than the sends did). A crash loses what it did before: the
outcomes of sends not yet written (now up to a group's worth), which are sent again after a
restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from companion.delivery import outbox
from companion.store.db import Database

log = logging.getLogger(__name__)

RECORD_RETRIES = (0.05, 0.2, 0.5)
WRITERS = 3  # concurrent write-downs of the rarer outcomes (retry, blocked)
# With paid broadcasts on, a group write starts at least this long after the one before (real
# time): a lone message is still written at once, and at 1,000 sends a second a write carries
# about 20 rows, not 2 or 3 (a third less CPU per message). Off, no spacing: each message of a
# conversation is written as soon as it is sent.
GROUP_SPACING_S = 0.02
Action = Callable[..., Awaitable[None]]


class Outcomes:
    """The sender's bookkeeping: reserved rows, when each was settled, and the writes."""

    def __init__(
        self,
        db: Database,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        spacing: float = 0.0,
    ) -> None:
        self.db, self._monotonic, self._spacing = db, monotonic, spacing
        self.reserved: set[int] = set()  # outbox ids chosen and not yet written down
        self.settled: dict[int, float] = {}  # outbox id -> when its outcome was written
        self.leftovers: dict[int, tuple[Action, tuple[object, ...]]] = {}
        self._writers = asyncio.Semaphore(WRITERS)
        self._done: list[int] = []  # sent rows waiting for the next group write
        self._next_write: asyncio.Future[None] | None = None
        self._one_write = asyncio.Lock()
        self._last_write = -spacing

    async def record(self, message_id: int, action: Action, args: tuple[object, ...]) -> None:
        """Write the outcome down, retrying briefly. If the database still refuses (say SQLite
        is locked), keep it in memory: the message stays reserved, so it is never sent twice,
        and the write is tried again before the next batch."""
        for pause in RECORD_RETRIES:
            try:
                if action is outbox.mark_done:
                    await self._write_done(message_id)
                else:
                    # A few writers at a time: the rest wait here, not holding pooled
                    # connections that choosing the next burst needs.
                    async with self._writers, self.db.session() as session:
                        await action(session, *args)
            except Exception as error:  # any database failure; the outcome must not be lost
                log.warning(
                    "event=outbox_record_failed id=%s error=%s", message_id, type(error).__name__
                )
                await asyncio.sleep(pause)
            else:
                self.settled[message_id] = self._monotonic()
                self.reserved.discard(message_id)
                self.leftovers.pop(message_id, None)
                return
        self.leftovers[message_id] = (action, args)

    async def record_leftovers(self) -> None:
        for message_id, (action, args) in list(self.leftovers.items()):
            await self.record(message_id, action, args)

    async def _write_done(self, message_id: int) -> None:
        """Return once this row's "sent" is written (with whatever else finished meanwhile);
        raise the database's error if that write failed. The first send to find no write
        gathering does it, in its own task, as each send wrote its own row before: cancelled
        or crashing there, it takes the write with it, and the others try theirs again."""
        self._done.append(message_id)
        if self._next_write is not None:
            # Shielded: a waiting send cancelled must not cancel the write for the others.
            await asyncio.shield(self._next_write)
            return
        written = self._next_write = asyncio.get_running_loop().create_future()
        try:
            async with self._one_write:
                wait = self._last_write + self._spacing - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._last_write = time.monotonic()
                # Everything that finished meanwhile goes in this write.
                ids, self._done, self._next_write = self._done, [], None
                async with self.db.session() as session:
                    await outbox.mark_done(session, *ids)
        except BaseException as error:
            if self._next_write is written:  # stopped before taking the rows: they retry
                self._done, self._next_write = [], None
            written.set_exception(error if isinstance(error, Exception) else WriteAbandoned())
            written.exception()  # each waiting send raises it; none left unretrieved
            raise
        written.set_result(None)


class WriteAbandoned(Exception):
    """The send writing a group of outcomes was cancelled (or crashed) before it finished."""
