"""SQLite through companion's one-trip aiosqlite connection (companion/store/sqlite_driver.py):
results, errors, transactions and cancellation behave as they do through plain aiosqlite, with
one trip to the driver's thread per statement."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from companion.store.db import Database
from companion.store.models import InboxUpdate
from companion.store.sqlite_driver import OneTripConnection, WriteGate

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    if not database_url.startswith("sqlite"):
        pytest.skip("the one-trip connection is SQLite's")
    database = Database(database_url)
    yield database
    await database.dispose()


def _row(update_id: int) -> dict[str, object]:
    return {"update_id": update_id, "telegram_user_id": 7, "received_at": NOW}


async def _stored(db: Database) -> list[int]:
    async with db.session() as session:
        return list(await session.scalars(select(InboxUpdate.update_id).order_by("update_id")))


async def _driver(session: AsyncSession) -> OneTripConnection:
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, OneTripConnection)
    return driver


async def test_rows_counts_and_ids_come_back_as_the_driver_reports_them(db: Database) -> None:
    async with db.session() as session:
        await session.execute(insert(InboxUpdate), [_row(n) for n in range(1, 301)])
        changed = await session.execute(
            update(InboxUpdate).where(InboxUpdate.update_id > 100).values(telegram_user_id=8)
        )
        assert changed.rowcount == 200  # type: ignore[attr-defined]
        none = await session.execute(select(InboxUpdate).where(InboxUpdate.update_id > 999))
        assert none.all() == []
        added = await session.execute(
            text("INSERT INTO inbox (update_id, received_at) VALUES (1000, '2026-11-20')")
        )
        rowid = await session.scalar(text("SELECT rowid FROM inbox WHERE update_id = 1000"))
        assert added.lastrowid == rowid == 301  # type: ignore[attr-defined]
    async with db.session() as session:
        counts = await session.execute(
            select(InboxUpdate.telegram_user_id, func.count())
            .group_by(InboxUpdate.telegram_user_id)
            .order_by(InboxUpdate.telegram_user_id)
        )
        assert counts.all() == [(None, 1), (7, 100), (8, 200)]
        first = await session.execute(select(InboxUpdate.update_id).order_by("update_id"))
        assert first.fetchone() == (1,)
        assert [row.update_id for row in first.fetchmany(3)] == [2, 3, 4]
        assert len(first.fetchall()) == 297
    assert (await _stored(db))[:3] == [1, 2, 3]


async def test_a_streamed_result_yields_every_row_in_order(db: Database) -> None:
    async with db.session() as session:
        await session.execute(insert(InboxUpdate), [_row(n) for n in range(1, 151)])
    async with db.engine.connect() as connection:
        result = await connection.stream(select(InboxUpdate.update_id).order_by("update_id"))
        seen = [row.update_id async for row in result]
    assert seen == list(range(1, 151))


async def test_a_failed_statement_raises_as_before_and_the_next_session_works(db: Database) -> None:
    async def insert_twice() -> None:
        async with db.session() as session:
            await session.execute(insert(InboxUpdate), [_row(2)])
            await session.execute(insert(InboxUpdate), [_row(1)])  # rolls back the 2 too

    async def read_nowhere() -> None:
        async with db.session() as session:
            await session.execute(text("SELECT * FROM no_such_table"))

    async with db.session() as session:
        await session.execute(insert(InboxUpdate), [_row(1)])
    with pytest.raises(IntegrityError):
        await insert_twice()
    with pytest.raises(OperationalError):
        await read_nowhere()
    async with db.session() as session:
        await session.execute(insert(InboxUpdate), [_row(3)])
    assert await _stored(db) == [1, 3]


async def test_a_closed_connection_raises_a_database_error(db: Database) -> None:
    async def read_after_close() -> None:
        async with db.session() as session:
            await (await _driver(session)).close()
            await session.execute(select(InboxUpdate))

    with pytest.raises(OperationalError):
        await read_after_close()


async def test_each_statement_is_one_trip_and_an_idle_commit_none(db: Database) -> None:
    async with db.session() as session:
        driver = await _driver(session)
        before = driver._sent
        await session.execute(select(InboxUpdate))
        await session.execute(select(InboxUpdate.update_id))
        assert driver._sent - before == 2
    # Nothing was written, so no transaction was open: the commit (and the pool's rollback
    # when the connection went back) made no trip.
    assert driver._sent - before == 2
    async with db.session() as session:
        writer = await _driver(session)
        before = writer._sent
        await session.execute(insert(InboxUpdate), [_row(1)])
    assert writer._sent - before == 2  # the insert, and the commit it needed
    assert await _stored(db) == [1]


async def test_a_write_cancelled_on_the_drivers_thread_is_rolled_back(
    db: Database, database_url: str
) -> None:
    """The cancelled INSERT still runs on the thread and opens a transaction after its caller
    has gone: the connection must not be treated as idle then (its write lock would be held)."""
    path = database_url.removeprefix("sqlite+aiosqlite:///")
    await _stored(db)  # the pool's connection is open (WAL set) before the lock is taken
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # holds the write lock: the INSERT waits on its thread
    started = asyncio.Event()

    async def write() -> None:
        async with db.session() as session:
            started.set()
            await session.execute(insert(InboxUpdate), [_row(1)])

    task = asyncio.create_task(write())
    await started.wait()
    await asyncio.sleep(0.2)  # the INSERT is now waiting in SQLite's busy handler
    task.cancel()
    await asyncio.sleep(0.1)  # the cancellation reaches the session, whose clean-up begins
    blocker.execute("COMMIT")  # the INSERT goes through on the thread, its caller gone
    blocker.close()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(3):  # a write lock left held would make this wait 5 s, then fail
        async with db.session() as session:
            await session.execute(insert(InboxUpdate), [_row(2)])
    assert await _stored(db) == [2]


async def test_a_rollback_asked_for_while_a_cancelled_write_is_still_running_rolls_it_back(
    tmp_path: Path,
) -> None:
    """Through SQLAlchemy a cancelled connection is closed (test above); the driver itself
    must still not take a rollback for a no-op while a write it was sent may yet begin one."""
    path = str(tmp_path / "plain.db")
    with closing(sqlite3.connect(path)) as setup:
        setup.execute("CREATE TABLE t (n INTEGER)")
        setup.commit()
    connection = await OneTripConnection(partial(sqlite3.connect, path, timeout=5))
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        write = asyncio.create_task(connection.cursor().execute("INSERT INTO t VALUES (1)"))
        await asyncio.sleep(0.1)  # waiting for the lock on the driver's thread
        write.cancel()
        rolling_back = asyncio.create_task(connection.rollback())
        await asyncio.sleep(0.05)
        blocker.execute("COMMIT")  # the INSERT now runs and opens a transaction
        await rolling_back
        await connection.cursor().execute("SELECT 1")  # in line behind the INSERT: it has run
        with closing(sqlite3.connect(path, timeout=0.5)) as other:
            other.execute("INSERT INTO t VALUES (2)")  # "database is locked" if still open
            other.commit()
            assert other.execute("SELECT n FROM t").fetchall() == [(2,)]
    finally:
        blocker.close()
        await connection.close()


async def _gated(path: str, gate: WriteGate) -> OneTripConnection:
    # SQLite's own busy timeout 0: a writer that met another's lock there would fail at once.
    return await OneTripConnection(partial(sqlite3.connect, path, timeout=0), gate)


def _table(tmp_path: Path) -> str:
    path = str(tmp_path / "gate.db")
    with closing(sqlite3.connect(path)) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (n INTEGER)")
        setup.commit()
    return path


async def test_a_writer_waits_in_line_for_another_write_transaction_then_writes(
    tmp_path: Path,
) -> None:
    """Two connections of one engine: the second's write waits for the first's transaction to
    end (in the gate, not in SQLite's busy handler, which here would refuse at once), and
    then goes in; nothing is lost and no "database is locked" is raised."""
    path = _table(tmp_path)
    gate = WriteGate(timeout=5)
    first, second = await _gated(path, gate), await _gated(path, gate)
    try:
        await first.cursor().execute("INSERT INTO t VALUES (1)")  # its transaction stays open
        waiting = asyncio.create_task(second.cursor().execute("INSERT INTO t VALUES (2)"))
        await asyncio.sleep(0.1)
        assert not waiting.done()  # in line behind the first transaction
        await first.commit()
        await waiting
        await second.commit()
        rows = await (await first.cursor().execute("SELECT n FROM t ORDER BY n")).fetchall()
        assert [n for (n,) in rows] == [1, 2]
    finally:
        await first.close()
        await second.close()


async def test_a_writer_kept_waiting_past_the_timeout_gets_database_is_locked(
    tmp_path: Path,
) -> None:
    """As SQLite's busy timeout would: the caller's retry (retry_locked, the handlers' lock
    retry) then tries again, and the gate is free for it once the other transaction ends."""
    path = _table(tmp_path)
    gate = WriteGate(timeout=0.2)
    first, second = await _gated(path, gate), await _gated(path, gate)
    try:
        await first.cursor().execute("INSERT INTO t VALUES (1)")
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await second.cursor().execute("INSERT INTO t VALUES (2)")
        await first.rollback()
        await second.cursor().execute("INSERT INTO t VALUES (2)")
        await second.commit()
        rows = await (await first.cursor().execute("SELECT n FROM t")).fetchall()
        assert rows == [(2,)]
    finally:
        await first.close()
        await second.close()


async def test_the_gate_is_given_back_by_a_failed_write_and_by_a_closed_connection(
    tmp_path: Path,
) -> None:
    path = _table(tmp_path)
    gate = WriteGate(timeout=0.5)
    failing, closing_one, other = [await _gated(path, gate) for _ in range(3)]
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await failing.cursor().execute("INSERT INTO missing VALUES (1)")  # opens nothing
        await closing_one.cursor().execute("INSERT INTO t VALUES (1)")
        await closing_one.close()  # its transaction rolls back with it
        with pytest.raises(ValueError, match="no active connection"):
            await closing_one.cursor().execute("INSERT INTO t VALUES (3)")  # used once closed
        await other.cursor().execute("INSERT INTO t VALUES (2)")  # not "database is locked"
        await other.commit()
        rows = await (await other.cursor().execute("SELECT n FROM t")).fetchall()
        assert rows == [(2,)]
    finally:
        for connection in (failing, closing_one, other):
            await connection.close()
