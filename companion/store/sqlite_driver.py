"""aiosqlite with one trip to its thread per statement, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs every sqlite3 call on a thread of its own, so a slow disk never blocks the event
loop. Through SQLAlchemy each statement used to make four trips there and back (open a cursor,
execute, fetch, close), and each connection going back to the pool one more (a rollback, even
after a commit). A trip costs a thread wake-up each way, far more than a small statement itself:
doing each statement in one trip took replies handled per second from about 330 to about 470 in
`python -m bench --only replies` on a 2-core machine.

Here a statement's steps run in one trip: execute, read every row, note what the cursor reports
(description, rowcount, lastrowid), close. The rows are then handed out from memory. A commit or
rollback with no transaction open (sqlite3 would do nothing) makes no trip. Everything else is
aiosqlite's: the same thread per connection, one call at a time in order, the same sqlite3
errors. It plugs in through SQLAlchemy's public `async_creator` (see make_engine in db.py).

Companion reads whole results (it never streams), so holding the rows in memory changes nothing.

Writers queue in the event loop, not in SQLite. SQLite lets one connection write at a time; the
others wait in its busy handler, which sleeps and looks again (in steps growing to 100 ms), so a
writer that has waited a while can keep losing the lock to newer ones. In the morning burst (the
tick's batches, the sender writing down what it sent, replies, crisis replies) that left a write
waiting up to seconds. Here a connection about to open a write transaction first takes its
engine's WriteGate, an asyncio lock (first come, first served), and gives it back when the
transaction ends: the next writer starts as soon as the last one commits. Other processes on the
same file still meet SQLite's own lock and busy timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from functools import partial
from typing import Any

import aiosqlite

Outcome = tuple[Any, int, int | None, list[Any]]


# The statements before which sqlite3 opens a transaction (and SQLite then takes its write lock).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _is_write(operation: str) -> bool:
    return operation.lstrip()[:7].upper().startswith(_WRITES)


class WriteGate:
    """One write transaction at a time among one engine's connections, queued in order. Waiting
    longer than `timeout` fails as SQLite's busy timeout does ("database is locked")."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def lock(self) -> asyncio.Lock:
        """This event loop's lock (an engine may outlive a loop, as in tests)."""
        loop = asyncio.get_running_loop()
        if loop not in self._locks:
            self._locks[loop] = asyncio.Lock()
        return self._locks[loop]


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors make one trip per statement."""

    def __init__(
        self, connector: Callable[[], sqlite3.Connection], gate: WriteGate | None = None
    ) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._gate = gate
        self._writing: asyncio.Lock | None = None  # the gate's lock, while this one writes
        # As SQLAlchemy's dialect does for aiosqlite's own connections: a connection left open
        # (the process stopping) must not keep the process alive.
        self._thread.daemon = True
        # Whether sqlite3 had a transaction open after the last call that ran on the thread, and
        # how many calls were sent there / have finished there. Each counter is written by one
        # side only. A call whose caller was cancelled still runs (and records) on the thread,
        # so the flag is only trusted when nothing is outstanding.
        self._open_transaction = False
        self._sent = 0
        self._finished = 0

    async def _trip(self, function: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `function(sqlite3 connection)` on the connection's thread, in order."""
        raw = self._conn  # as in aiosqlite's own calls: "no active connection" once closed
        self._sent += 1
        # aiosqlite's own way onto the thread (its cursors call it too); it is not annotated.
        return await self._execute(self._on_thread, raw, function)  # type: ignore[no-untyped-call]

    def _on_thread(
        self, raw: sqlite3.Connection, function: Callable[[sqlite3.Connection], Any]
    ) -> Any:
        try:
            return function(raw)
        finally:
            self._open_transaction = raw.in_transaction
            self._finished += 1

    def _surely_idle(self) -> bool:
        """No transaction open, and no call on its way that could open one."""
        return self._finished == self._sent and not self._open_transaction

    async def _enter_writing(self) -> None:
        """Take the gate before a write (once per transaction: it is kept until it ends)."""
        if self._gate is None or self._writing is not None or self._closed():
            return  # a closed connection's write fails as it would without the gate
        lock = self._gate.lock()
        try:
            # Not wait_for: on Python 3.11 it can swallow the caller's cancellation when the
            # lock is granted at the same moment (a worker told to stop would run on).
            async with asyncio.timeout(self._gate.timeout):
                await lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self._writing = lock

    def _leave_if_done(self) -> None:
        """Give the gate back once no transaction is open and nothing is on its way."""
        if self._closed() or self._surely_idle():
            self._give_back()

    def _closed(self) -> bool:
        return not self._running or self._connection is None

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)  # no trip: the statement's one trip does everything

    async def commit(self) -> None:
        await self._end(sqlite3.Connection.commit)

    async def rollback(self) -> None:
        await self._end(sqlite3.Connection.rollback)

    async def _end(self, how: Callable[[sqlite3.Connection], None]) -> None:
        try:
            if not (self._running and self._connection is not None and self._surely_idle()):
                await self._trip(how)
        finally:
            self._leave_if_done()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._give_back()

    def stop(self) -> asyncio.Future[Any] | None:
        """SQLAlchemy's way to end a connection it gave up on (its transaction ends with it)."""
        try:
            return super().stop()
        finally:
            self._give_back()

    def _give_back(self) -> None:
        lock, self._writing = self._writing, None
        if lock is not None:
            lock.release()


def _run_statement(
    operation: str, parameters: Any, many: bool, connection: sqlite3.Connection
) -> Outcome:
    """On the connection's thread: execute, read every row (if any), close."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor:
    """The asyncio cursor SQLAlchemy's adapter drives: execute is one trip; the rest is local."""

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.arraysize = 1
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    # SQLAlchemy 2.1 opens a cursor with `await cursor.__aenter__()`, 2.0 with `await cursor`.
    async def __aenter__(self) -> OneTripCursor:
        return self

    def __await__(self) -> Generator[Any, None, OneTripCursor]:
        return self.__aenter__().__await__()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _run(self, operation: str, parameters: Any, many: bool) -> OneTripCursor:
        connection = self._connection
        if _is_write(operation):
            await connection._enter_writing()
        try:
            outcome: Outcome = await connection._trip(
                partial(_run_statement, operation, parameters, many)
            )
        finally:
            connection._leave_if_done()  # a write that failed before opening its transaction
        self.description, self.rowcount, self.lastrowid, rows = outcome
        self._rows = deque(rows)
        return self

    async def execute(self, operation: str, parameters: Any = None) -> OneTripCursor:
        return await self._run(operation, parameters, many=False)

    async def executemany(self, operation: str, seq_of_parameters: Any) -> OneTripCursor:
        return await self._run(operation, seq_of_parameters, many=True)

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self.arraysize, len(rows)))]

    async def fetchall(self) -> Sequence[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def setinputsizes(self, *_: Any) -> None:
        pass

    async def close(self) -> None:
        self._rows.clear()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._each()

    async def _each(self) -> AsyncIterator[Any]:
        while self._rows:
            yield self._rows.popleft()


def async_creator(
    connect_args: Callable[[], tuple[Sequence[Any], Mapping[str, Any]]],
    write_timeout: float,
) -> Callable[[], Awaitable[OneTripConnection]]:
    """For create_async_engine(async_creator=...): connections opened with the arguments the
    dialect reads from the URL (`connect_args()`, called at each connect), sharing one
    WriteGate (a writer waits there at most `write_timeout` seconds)."""
    gate = WriteGate(write_timeout)

    async def connect() -> OneTripConnection:
        args, kwargs = connect_args()
        connection = OneTripConnection(partial(sqlite3.connect, *args, **kwargs), gate)
        await connection  # starts its thread and connects there
        return connection

    return connect
