"""SQLite sessions in one process take turns (an asyncio queue) instead of meeting SQLite's busy
handler, which sleeps between retries: the next begins the moment the last ends; a session
opened inside one of ours goes ahead; a turn never waits forever."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from companion.store import db as db_module
from companion.store.db import Database, upgrade


@pytest.fixture
async def database(tmp_path: Path) -> Database:
    url = f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}"
    upgrade(url)
    return Database(url)


async def test_sessions_take_turns_in_order(database: Database) -> None:
    events: list[str] = []

    async def writer(name: str) -> None:
        async with database.session() as session:
            events.append(f"{name} in")
            await session.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)  # another writer would meet SQLite's lock here
            events.append(f"{name} out")

    await asyncio.gather(*(writer(name) for name in "abc"))
    await database.dispose()
    assert events == ["a in", "a out", "b in", "b out", "c in", "c out"]


async def test_a_session_inside_a_session_goes_ahead(database: Database) -> None:
    async with database.session() as outer:
        await outer.execute(text("SELECT 1"))
        async with asyncio.timeout(1):
            async with database.session() as inner:  # would wait on its own turn forever
                assert (await inner.execute(text("SELECT 2"))).scalar() == 2
    await database.dispose()


async def test_a_turn_never_waits_forever(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(db_module, "TURN_TIMEOUT_S", 0.05)
    release = asyncio.Event()

    async def holder() -> None:
        async with database.session():
            await release.wait()

    held = asyncio.create_task(holder())
    await asyncio.sleep(0.01)
    async with database.session() as session:  # goes ahead after the timeout (a read: WAL)
        assert (await session.execute(text("SELECT 3"))).scalar() == 3
    release.set()
    await held
    await database.dispose()
    assert "event=sqlite_turn_timeout" in caplog.text
