"""A crisis never waits on a dead worker: a claim that is no longer renewed runs out within
LEASE, another worker takes it over (an idle one within a sweep, a busy one too), and one still
being renewed is left alone however slow its handler.

The last test kills a real worker process (SIGKILL) that holds a crisis message, on PostgreSQL;
run as `python -m tests.test_inbox_takeover`, this module is that worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update

from companion import webhook
from companion.app import build_application, build_services
from companion.bot.context import CompanionApp, Services
from companion.clock import ManualClock, SystemClock
from companion.config import Settings, load_settings
from companion.delivery import inbox
from companion.delivery.inbox import handle_stored, store_updates
from companion.delivery.inbox_claims import LEASE, RENEW_SECONDS, SWEEP_SECONDS, Claimed, claim
from companion.delivery.leader import LOCK_KEY
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.store.db import Database
from companion.store.models import InboxUpdate
from companion.webhook import SECRET_HEADER, serve_webhook
from tests.chat_helpers import texts
from tests.checkin_helpers import add_mother
from tests.conftest import PG_URL

CRISIS = "I want to kill myself tonight"
CRISIS_REPLY = "I'm worried about your safety right now. Please call 999 now"  # she is in the UK
DEADLINE_S = 10.0  # the requirement: a dead worker's crisis is answered within this
URL = "https://bot.example.org/telegram/hook-takeover"
SECRET = "takeover-secret-of-32-characters-or-more"
ROOT = Path(__file__).resolve().parent.parent
WORKER_SETTINGS = "COMPANION_TAKEOVER_WORKER_SETTINGS"  # how the doomed worker gets its settings


@pytest.fixture
async def second(settings: Settings, clock: ManualClock, telegram: FakeTelegram, app: object):  # type: ignore[no-untyped-def]
    """Another worker on the same database: its own engine, sessions and Application."""
    services = build_services(settings, clock)
    application = build_application(services, request=telegram)
    await application.initialize()
    yield application
    await application.shutdown()
    await services.db.dispose()


async def inbox_row(services: Services, update_id: int) -> InboxUpdate:
    async with services.db.session() as session:
        row = await session.get(InboxUpdate, update_id)
        assert row is not None
        return row


async def eventually(check: Callable[[], Any], seconds: float = 5.0) -> None:
    """Until `check()` (a coroutine's answer) is true; fails after `seconds`."""
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110 - a database row, no event to wait on
            await asyncio.sleep(0.01)


class Stall:
    """Holds the handling of one update until released: a slow handler of a living worker."""

    def __init__(self, update_id: int) -> None:
        self.update_id = update_id
        self.entered = asyncio.Event()
        self.released = asyncio.Event()
        self.handle_one = inbox._handle_one

    async def __call__(self, application: CompanionApp, worker: str, row: Claimed) -> None:
        if row.update_id == self.update_id:
            self.entered.set()
            await self.released.wait()
        await self.handle_one(application, worker, row)


async def test_an_expired_claim_is_taken_over_and_one_still_being_renewed_is_not(
    services: Services,
    app: CompanionApp,
    second: CompanionApp,
    person_factory: Callable[..., ChatDriver],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    living, dead = person_factory(1001), person_factory(1002)
    await add_mother(services, 1001)
    await add_mother(services, 1002)
    crisis = dead.person.text(CRISIS)
    await store_updates(services, [crisis.to_dict()])
    [abandoned] = await claim(services.db, "dead-worker", clock.now(), limit=100)  # then it died
    slow = living.person.text("/help")
    await store_updates(services, [slow.to_dict()])

    stall = Stall(slow.update_id)
    monkeypatch.setattr(inbox, "_handle_one", stall)
    monkeypatch.setattr(inbox, "RENEW_SECONDS", 0.01)  # real seconds; the lease is on `clock`
    alive = asyncio.create_task(handle_stored(app))
    await stall.entered.wait()
    clock.advance(LEASE + timedelta(seconds=1))  # both claims' first leases have run out...

    async def renewed() -> bool:  # ...but the living worker renews its own
        return (await inbox_row(services, slow.update_id)).claimed_until > clock.now()  # type: ignore[operator]

    await eventually(renewed)
    assert await handle_stored(second) == 1  # the dead worker's crisis, not the slow update
    await second.bot_data.services.sender.drain()
    [reply] = texts(dead.new_messages())
    assert reply.startswith(CRISIS_REPLY)
    assert (await inbox_row(services, abandoned.update_id)).claimed_by != "dead-worker"
    assert living.new_messages() == []
    assert (await inbox_row(services, slow.update_id)).handled_at is None

    stall.released.set()  # the slow handler finishes: it still holds its claim, so it answers
    assert await alive == 1
    await services.sender.drain()
    [help_text] = texts(living.new_messages())
    assert help_text.startswith("companion keeps you company")
    assert dead.new_messages() == []  # and the crisis was answered once
    assert (await inbox_row(services, slow.update_id)).handled_at is not None


async def test_a_worker_whose_batch_is_stuck_on_a_slow_handler_still_takes_over_a_crisis(
    services: Services,
    app: CompanionApp,
    person_factory: Callable[..., ChatDriver],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    living, dead = person_factory(1001), person_factory(1002)
    await add_mother(services, 1001)
    await add_mother(services, 1002)
    crisis = dead.person.text(CRISIS)
    await store_updates(services, [crisis.to_dict()])
    await claim(services.db, "dead-worker", clock.now(), limit=100)  # alive, for now
    slow = living.person.text("/help")
    await store_updates(services, [slow.to_dict()])
    stall = Stall(slow.update_id)
    monkeypatch.setattr(inbox, "_handle_one", stall)

    handler = webhook.InboxHandler(app, sweep_seconds=0.1)
    task = asyncio.create_task(handler.run())
    try:
        await stall.entered.wait()  # this worker's batch is stuck on her slow update
        async with services.db.session() as session:  # the other worker dies: its lease runs out
            await session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == crisis.update_id)
                .values(claimed_until=clock.now() - timedelta(seconds=1))
            )

        async def answered() -> bool:
            return (await inbox_row(services, crisis.update_id)).handled_at is not None

        await eventually(answered)
        assert not stall.released.is_set()  # while the stuck batch is still under way
        await services.sender.drain()
        [reply] = texts(dead.new_messages())
        assert reply.startswith(CRISIS_REPLY)
    finally:
        stall.released.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def test_the_bound_on_a_dead_workers_claim_is_within_the_deadline() -> None:
    """The worst case the constants allow before anyone even starts handling."""
    assert LEASE.total_seconds() + SWEEP_SECONDS <= DEADLINE_S - 2  # room to handle and send
    assert LEASE.total_seconds() >= 3 * RENEW_SECONDS  # a late renewal is not a takeover


# --- a real worker process, killed (PostgreSQL) -------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _leader_exists(db: Database) -> bool:
    """Whether some worker holds the leader's lock (a bigint key: two 32-bit halves)."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid = :high AND objid = :low AND objsubid = 1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    async with db.session() as session:
        holder = await session.scalar(query, {"high": LOCK_KEY >> 32, "low": LOCK_KEY & 0xFFFFFFFF})
    return holder is not None


@pytest.fixture
async def doomed_worker(
    settings_values: dict[str, object], tmp_path: Path
) -> AsyncIterator[tuple[asyncio.subprocess.Process, dict[str, object]]]:
    """`companion webhook` in a process of its own, as a platform runs it, whose handler never
    gets as far as answering; killed by the test, or at the end."""
    values = {
        **settings_values,
        "webhook_url": URL,
        "webhook_secret": SECRET,
        "port": free_port(),
    }
    with (tmp_path / "worker.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.test_inbox_takeover",
            cwd=ROOT,
            env={**os.environ, WORKER_SETTINGS: json.dumps(values)},
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
    try:
        yield process, values
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def _ready(port: object) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        async with asyncio.timeout(60):
            while True:
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)


@dataclass
class Survivor:
    """The worker that lives (in this process, on real time), and what reached her through it."""

    services: Services
    application: CompanionApp
    arrived: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, text) to her

    def record(self, method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and int(params["chat_id"]) == 1001:
            self.arrived.append((time.monotonic(), str(params["text"])))


@pytest.fixture
async def survivor(
    doomed_worker: tuple[asyncio.subprocess.Process, dict[str, object]],
) -> AsyncIterator[Survivor]:
    settings = load_settings({**doomed_worker[1], "port": free_port()})
    services = build_services(settings, SystemClock())  # leases run on real time here
    telegram = FakeTelegram()
    survivor = Survivor(services, build_application(services, request=telegram))
    telegram.fault = survivor.record
    yield survivor
    await services.db.dispose()


@pytest.mark.skipif(not PG_URL, reason="several worker processes share PostgreSQL only")
async def test_a_crisis_held_by_a_worker_killed_mid_handling_is_answered_by_another_within_10_s(
    doomed_worker: tuple[asyncio.subprocess.Process, dict[str, object]], survivor: Survivor
) -> None:
    process, values = doomed_worker
    services, arrived = survivor.services, survivor.arrived
    await add_mother(services, 1001)
    # The doomed worker starts alone, so it also leads: it is the one that sends, for everyone.
    await _ready(values["port"])

    await eventually(lambda: _leader_exists(services.db), 30)
    crisis = Person(survivor.application.bot, 1001).text(CRISIS)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{values['port']}") as client:
        stored = await client.post(
            "/telegram/hook-takeover", json=crisis.to_dict(), headers={SECRET_HEADER: SECRET}
        )
    assert stored.status_code == 200  # stored: Telegram will not send it again
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line.decode().split() == ["handling", str(crisis.update_id)]  # claimed, in hand

    other = asyncio.create_task(serve_webhook(survivor.application, host="127.0.0.1"))
    try:
        # While it lives, its renewals keep the crisis its own, well past the first lease.
        await asyncio.sleep(LEASE.total_seconds() + 2 * SWEEP_SECONDS)
        held = await inbox_row(services, crisis.update_id)
        assert held.handled_at is None
        assert held.claimed_until is not None
        assert held.claimed_until > datetime.now(UTC)
        assert arrived == []

        async def renewed_again() -> bool:
            return (await inbox_row(services, crisis.update_id)).claimed_until != held.claimed_until

        # The worst moment to die: just after a renewal, so the whole lease has still to run.
        await eventually(renewed_again, RENEW_SECONDS + 1)
        os.kill(process.pid, signal.SIGKILL)
        killed = time.monotonic()
        await process.wait()
        async with asyncio.timeout(30):
            while not arrived:  # noqa: ASYNC110 - a fake's record, no event to wait on
                await asyncio.sleep(0.01)
        taken_over_in = arrived[0][0] - killed
        await asyncio.sleep(2)  # a second answer would have come by now
    finally:
        other.cancel()
        await asyncio.gather(other, return_exceptions=True)

    print(f"\ncrisis answered {taken_over_in:.2f} s after its worker was killed")
    assert arrived[0][1].startswith(CRISIS_REPLY)
    assert [sent for _, sent in arrived if sent.startswith(CRISIS_REPLY)] == [arrived[0][1]]
    assert taken_over_in < DEADLINE_S
    row = await inbox_row(services, crisis.update_id)
    assert row.handled_at is not None
    assert row.claimed_by != held.claimed_by


def _doomed_worker() -> None:
    """The worker the test kills: `companion webhook` (web server, inbox handler, tick and
    sender) over a fake Telegram, whose handling of an update never gets as far as answering.
    It says on standard output which update it is handling."""
    import logging

    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    settings = load_settings(json.loads(os.environ[WORKER_SETTINGS]))
    application = build_application(build_services(settings), request=FakeTelegram())

    async def never_answers(_application: CompanionApp, _worker: str, row: Claimed) -> None:
        print(f"handling {row.update_id}", flush=True)
        await asyncio.Event().wait()

    inbox._handle_one = never_answers  # type: ignore[assignment]
    asyncio.run(serve_webhook(application, host="127.0.0.1"))


if __name__ == "__main__":
    _doomed_worker()
