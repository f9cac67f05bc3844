"""The engine, sessions and migrations. One Database per process; sessions are short-lived."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from companion.resources import migrations_dir
from companion.store.sqlite_driver import async_creator

log = logging.getLogger(__name__)
T = TypeVar("T")
# PostgreSQL: deadlock detected, lock not available, serialization failure.
_PG_LOCK_STATES = {"40P01", "55P03", "40001"}
# How long a write waits for SQLite's lock: for another process's writer in SQLite's busy
# handler, for one of this process's in the driver's queue (see sqlite_driver.WriteGate).
BUSY_TIMEOUT_MS = 5000


def sync_url(url: str) -> str:
    """The same database through a synchronous driver, for Alembic."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL: readers don't block the writer. NORMAL: a commit survives the process being killed;
    # a power cut can roll back the last moments of commits, which companion tolerates because
    # a reply commits with the mark that its update was handled (so both roll back and the
    # update is handled again). The one commit that must reach the disk, storing updates before
    # Telegram is told it may forget them, uses durable_session (FULL).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, not left in free space for a file's reader
    # (many builds do this by default; not all). See Database.scrub for the log.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _connect_args(engine: AsyncEngine) -> tuple[Sequence[Any], Mapping[str, Any]]:
    sync = engine.sync_engine
    return sync.dialect.create_connect_args(sync.url)


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        # aiosqlite, with one trip to its thread per statement (see sqlite_driver); the
        # connection arguments are still the dialect's reading of the URL.
        engine = create_async_engine(
            url,
            async_creator=async_creator(
                lambda: _connect_args(engine), write_timeout=BUSY_TIMEOUT_MS / 1000
            ),
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once this session's transaction has committed (not if it rolls back)."""
    callbacks: list[Callable[[], None]] = session.info.setdefault("after_commit", [])
    if callback not in callbacks:
        callbacks.append(callback)


def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


def _forget_after_commit(session: Session, *_: Any) -> None:
    session.info.pop("after_commit", None)


event.listen(Session, "after_commit", _run_after_commit)
event.listen(Session, "after_soft_rollback", _forget_after_commit)


def is_lock_error(error: BaseException) -> bool:
    """A write that lost to another for a lock: SQLite's "database is locked" (past the busy
    timeout) or PostgreSQL's deadlock, lock or serialization failures. Worth trying again."""
    if not isinstance(error, DBAPIError):
        return False
    if getattr(error.orig, "sqlstate", None) in _PG_LOCK_STATES:
        return True
    text_ = str(error.orig).lower()
    return "database is locked" in text_ or "database table is locked" in text_


async def retry_locked(operation: Callable[[], Awaitable[T]], attempts: int = 4) -> T:
    """Run `operation` (a whole transaction: it must start and end its own session) again
    after a lock error, a little later each time; other errors, and the last attempt's, rise."""
    for attempt in range(1, attempts):
        try:
            return await operation()
        except DBAPIError as error:
            if not is_lock_error(error):
                raise
            log.warning("event=database_lock_retry attempt=%s", attempt)
            await asyncio.sleep(0.05 * 2**attempt)
    return await operation()


class Database:
    """Owns the engine and hands out sessions that commit on success and roll back on error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def durable_session(self) -> AsyncIterator[AsyncSession]:
        """A session whose commit is on disk before it returns, power cut or not."""
        if self.dialect != "sqlite":
            async with self.session() as session:  # PostgreSQL commits durably by default
                yield session
            return
        async with self._sessions() as session:
            # Before any write: the driver sends BEGIN only at the first write, and SQLite
            # refuses to change this inside a transaction.
            await session.execute(text("PRAGMA synchronous=FULL"))
            try:
                yield session
                await session.commit()
            finally:
                await session.rollback()
                await session.execute(text("PRAGMA synchronous=NORMAL"))
                await session.commit()

    async def scrub(self) -> bool:
        """After an erase, on SQLite: copy the write-ahead log into the file and empty it, so the
        pages it held from before the erase (her rows among them) are gone from the disk too.
        Waits for readers (the busy timeout); False when one kept it from finishing, and the
        log is emptied at a later checkpoint. Nothing to do on PostgreSQL."""
        if self.dialect != "sqlite":
            return True
        async with self.engine.connect() as connection:
            busy, _log, _moved = (
                await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            ).one()
        return not busy

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(url: str, keys: tuple[bytes, ...] | None = None) -> Config:
    """`keys`: COMPANION_ENCRYPTION_KEYS, for a migration that re-seals values (0011); None: such
    a migration reads them from the environment, as companion's settings do."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    config.attributes["configure_logger"] = False
    if keys is not None:
        config.attributes["encryption_keys"] = keys
    return config


def upgrade(url: str, revision: str = "head", keys: tuple[bytes, ...] | None = None) -> None:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url, keys), revision)


def downgrade(url: str, revision: str, keys: tuple[bytes, ...] | None = None) -> None:
    command.downgrade(alembic_config(url, keys), revision)
