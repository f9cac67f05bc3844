"""(a) fan-out of N due check-ins and (b) urgent-lane latency during it, for companion."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import CHAT_BASE, GLOBAL_RATE, URGENT_BASE, wait_until
from bench.dataset import TickClock, fresh_database, populate, settings_for
from bench.fake_api import LimitedTelegram
from bench.results import URGENT_EVERY_S, URGENT_TEXT, FanoutResult, measure
from companion.app import build_application, build_services
from companion.bot.context import Services
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.delivery.tick import run_tick
from companion.store.models import Lane


class Reached:
    """How many of `chats` the fake has delivered to, reading only its new deliveries (the poll
    runs on the sender's event loop, so it must stay cheap)."""

    def __init__(self, fake: LimitedTelegram, chats: range) -> None:
        self.fake, self.chats, self.seen, self.reached = fake, chats, 0, set[int]()

    def __call__(self) -> int:
        new = self.fake.deliveries[self.seen :]
        self.seen += len(new)
        self.reached.update(d.chat_id for d in new if d.chat_id in self.chats)
        return len(self.reached)


def _count_errors(
    result: FanoutResult,
) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """Count exceptions that escape the sender's send tasks (asyncio would log each with its
    traceback when the task is collected): they are results, e.g. a failed mark_done."""

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if error is None:
            loop.default_exception_handler(context)
            return
        result.task_errors[f"{type(error).__name__}: {str(error).splitlines()[0][:80]}"] += 1

    return handler


async def _queue_urgent(services: Services, stop: asyncio.Event, sent_at: dict[int, float]) -> None:
    """Every ~100 ms, one emergency-lane message to a chat outside the fan-out."""
    start = time.monotonic()
    index = 0
    while not stop.is_set():
        chat = URGENT_BASE + index
        queued_at = time.monotonic()
        async with services.db.session() as session:
            await enqueue(
                session,
                services.vault,
                chat_id=chat,
                replies=[Reply(URGENT_TEXT)],
                lane=Lane.EMERGENCY,
                now=services.clock.now(),
            )
        services.sender.wake()
        sent_at[chat] = queued_at
        index += 1
        await asyncio.sleep(max(0.0, start + index * URGENT_EVERY_S - time.monotonic()))


async def run_companion(
    template: Path, workdir: Path, count: int, *, send_rate: float = GLOBAL_RATE
) -> FanoutResult:
    due = datetime.now(UTC).replace(microsecond=0)
    url = fresh_database(template, workdir / "fanout.db")
    populate(url, count, due=due)
    clock = TickClock(frozen=due)
    services = build_services(settings_for(url, send_rate=send_rate), clock)
    fake = LimitedTelegram(global_rate=GLOBAL_RATE)
    application = build_application(services, request=fake)
    await application.initialize()
    result = FanoutResult(count)
    asyncio.get_running_loop().set_exception_handler(_count_errors(result))
    started = time.perf_counter()
    report = await run_tick(services)
    result.extra["tick_s"] = time.perf_counter() - started
    result.extra["tick_queued"] = report.queued
    clock.frozen = None

    urgent_sent_at: dict[int, float] = {}
    stop = asyncio.Event()
    reached = Reached(fake, range(CHAT_BASE, CHAT_BASE + count))
    sender = asyncio.create_task(services.sender.run(), name="sender")
    urgent = asyncio.create_task(_queue_urgent(services, stop, urgent_sent_at))
    started = time.perf_counter()
    try:
        done = await wait_until(
            lambda: reached() >= report.queued or sender.done(),
            within=60 + 4 * count / GLOBAL_RATE,
        )
        result.extra["fanout_wall_s"] = time.perf_counter() - started
        result.extra["timed_out"] = float(not done)
        stop.set()
        await urgent
        await wait_until(
            lambda: all(fake.per_chat[chat] for chat in urgent_sent_at) or sender.done(),
            within=15,
        )
    finally:
        stop.set()
        urgent.cancel()
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await services.sender.wait_idle()
        await application.shutdown()
        await services.db.dispose()
        gc.collect()  # failed send tasks report their exception while our handler is set
    return measure(fake, count, urgent_sent_at, result)
