"""Several workers in one test process: each its own services, engine and Application (as a
separate process would have), over fakes of Telegram that share one record of what arrived."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, text

from companion.app import build_application, build_services
from companion.bot.context import CompanionApp, Services
from companion.clock import ManualClock
from companion.config import Settings
from companion.core.clock_time import ClockTime
from companion.core.schedule import next_checkin_at
from companion.core.zones import tzinfo_for
from companion.delivery.leader import LOCK_KEY
from companion.delivery.tick import TickReport, run_tick_if_leading
from companion.devtools.fake_telegram import FakeTelegram
from companion.devtools.mother_rows import onboarded_mother_row
from companion.store.db import Database
from companion.store.models import Mother

FIRST_CHAT = 700_000


@dataclass
class Arrivals:
    """Every message as Telegram would receive it: when, to which chat, from which worker."""

    seen: list[tuple[float, int, str]] = field(default_factory=list)

    def recorder(self, worker: str) -> Callable[[str, dict[str, Any]], None]:
        def record(method: str, params: dict[str, Any]) -> None:
            if method == "sendMessage":
                self.seen.append((time.monotonic(), int(params["chat_id"]), worker))

        return record

    def per_chat(self) -> Counter[int]:
        return Counter(chat for _, chat, _ in self.seen)

    def senders(self) -> Counter[str]:
        return Counter(worker for _, _, worker in self.seen)

    def busiest_second(self) -> int:
        """The most messages that arrived within any one second."""
        times = sorted(moment for moment, _, _ in self.seen)
        most, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            most = max(most, end - start + 1)
        return most

    def shortest_gap(self, chat: int) -> float:
        times = [moment for moment, to, _ in self.seen if to == chat]
        return min((b - a for a, b in itertools.pairwise(times)), default=float("inf"))


@dataclass
class Worker:
    name: str
    services: Services
    app: CompanionApp
    telegram: FakeTelegram
    ticks: list[TickReport] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stopped: bool = False
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def leads(self) -> bool:
        return self.services.sender.leader.leads

    async def tick_until_stopped(self, every: float = 0.05) -> None:
        """What PTB's JobQueue does with tick_job, faster."""
        while not self.stopping.is_set():
            report = await run_tick_if_leading(self.services)
            if report is not None:
                self.ticks.append(report)
            await asyncio.sleep(every)

    def start(self) -> None:
        self.tasks = [
            asyncio.create_task(self.tick_until_stopped(), name=f"{self.name}-tick"),
            asyncio.create_task(self.services.sender.run(poll_seconds=0.05), name=self.name),
        ]

    async def stop(self) -> None:
        """Cancel its loops and let sends already handed to Telegram settle (a process that
        exits, as far as the database can tell), then close everything it holds."""
        if self.stopped:
            return
        self.stopped = True
        for task in self.tasks[1:]:  # sending stops at once, as in a process that exits
            task.cancel()
        self.stopping.set()  # a tick under way finishes (cancelled, it would roll back anyway)
        await asyncio.gather(*self.tasks[:1], return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.services.sender.wait_idle()
        await self.services.sender.leader.resign()
        await self.app.shutdown()
        await self.services.db.dispose()


async def start_worker(
    name: str, settings: Settings, clock: ManualClock, arrivals: Arrivals
) -> Worker:
    services = build_services(settings, clock)
    leader = services.sender.leader
    leader.retry_seconds, leader.confirm_seconds, leader.settle_seconds = 0.05, 0.05, 0.5
    telegram = FakeTelegram(now=clock.now)
    telegram.fault = arrivals.recorder(name)  # type: ignore[assignment]
    app = build_application(services, request=telegram)
    await app.initialize()
    return Worker(name, services, app, telegram)


async def add_mothers(services: Services, count: int, *, at: str = "09:00") -> list[int]:
    """`count` active mothers in London, due at `at`, in one statement; their chat ids."""
    now = services.clock.now()
    due = next_checkin_at(now, tzinfo_for("Europe/London"), ClockTime.parse_stored(at))
    chats = list(range(FIRST_CHAT, FIRST_CHAT + count))
    rows = [onboarded_mother_row(chat, due=due, now=now) for chat in chats]
    async with services.db.session() as session:
        await session.execute(insert(Mother), rows)
    return chats


async def until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling fakes that have no event to wait on
            await asyncio.sleep(0.02)


async def lock_holder(db: Database) -> int | None:
    """The server process holding the leader's lock (a bigint key: two 32-bit halves)."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid = :high AND objid = :low AND objsubid = 1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    async with db.session() as session:
        return await session.scalar(query, {"high": LOCK_KEY >> 32, "low": LOCK_KEY & 0xFFFFFFFF})


async def cut_off(db: Database) -> None:
    """The leader's lock connection dies under it (a network drop): the server ends it."""
    pid = await lock_holder(db)
    assert pid is not None
    async with db.session() as session:
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
