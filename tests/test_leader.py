"""Leadership: one worker at a time runs the tick and the sender (PostgreSQL's advisory lock;
SQLite's one process always leads); another takes over when it dies; a clean stop releases it
at INFO, and only a real loss of the lock warns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from companion.bot.context import Services
from companion.delivery.leader import Leader
from companion.store.db import Database
from tests.conftest import PG_URL
from tests.workers_helpers import cut_off

needs_postgres = pytest.mark.skipif(not PG_URL, reason="several workers lead on PostgreSQL only")


async def test_on_sqlite_the_one_process_always_leads(services: Services) -> None:
    if services.db.dialect != "sqlite":
        pytest.skip("SQLite only")
    leader = Leader(services.db)
    assert await leader.leading()
    assert leader.settled


async def test_stopping_releases_the_leadership_at_info_not_as_a_loss(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """Ctrl-C or SIGTERM ends the sender, which resigns: on SQLite too, where it always led."""
    caplog.set_level(logging.INFO, logger="companion")
    leader = Leader(services.db)
    assert await leader.leading()
    await leader.resign()
    assert not leader.leads
    assert _leader_events(caplog) == [("INFO", "event=leader_released")]


# --- leadership (PostgreSQL) -------------------------------------------------------------------


@pytest.fixture
async def leaders(database_url: str) -> AsyncIterator[tuple[Leader, Leader]]:
    one, two = Database(database_url), Database(database_url)
    pair = (
        Leader(one, retry_seconds=0, confirm_seconds=0, settle_seconds=0),
        Leader(two, retry_seconds=0, confirm_seconds=0, settle_seconds=0),
    )
    yield pair
    for leader in pair:
        await leader.resign()
        await leader.db.dispose()


@needs_postgres
async def test_one_worker_leads_and_another_takes_over_when_its_connection_dies(
    leaders: tuple[Leader, Leader], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="companion")
    first, other = leaders
    assert await first.leading()
    assert not await other.leading()
    assert not await other.leading()  # asking again changes nothing while the leader lives

    await cut_off(other.db)
    assert not await first.leading()  # it notices at its next check, and stops leading
    assert _leader_events(caplog) == [
        ("WARNING", "event=leader_connection_lost error=OperationalError"),
        ("WARNING", "event=leader_lost"),
    ]
    assert await other.leading()
    assert not await first.leading()

    caplog.clear()
    await other.resign()  # shutting down frees the lock at once, and is no loss
    assert _leader_events(caplog) == [("INFO", "event=leader_released")]
    assert await first.leading()
    assert not await other.leading()  # resigned for good


@needs_postgres
async def test_a_stop_that_lands_mid_check_releases_the_leadership_without_a_warning(
    leaders: tuple[Leader, Leader], caplog: pytest.LogCaptureFixture
) -> None:
    """Ctrl-C or SIGTERM cancels the sender while it confirms its lock: SQLAlchemy invalidates
    the lock's connection (the lock goes with it). That is a release, not a loss; and a later
    check (the tick's, before the sender resigns) starts afresh instead of failing."""
    caplog.set_level(logging.INFO, logger="companion")
    first, other = leaders
    assert await first.leading()
    for ticks in range(1, 200):  # cancel a little later each time, until it lands mid-query
        check = asyncio.create_task(first.leading())
        for _ in range(ticks):
            await asyncio.sleep(0)
        check.cancel()
        [outcome] = await asyncio.gather(check, return_exceptions=True)
        if isinstance(outcome, asyncio.CancelledError):
            break
    else:
        pytest.fail("no check was ever cancelled mid-way")
    assert not first.leads
    assert await other.leading()  # the lock was freed with the connection
    assert not await first.leading()  # asks again on a new connection, and waits its turn
    await first.resign()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert _leader_events(caplog).count(("INFO", "event=leader_released")) == 1


def _leader_events(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name == "companion.delivery.leader" and "elected" not in record.getMessage()
    ]
