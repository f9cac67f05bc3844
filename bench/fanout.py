"""The hard minute, for companion: the tick and the fan-out of N due check-ins among M mothers,
with the urgent lane and crisis texts through the inbox during it, as `serve()` runs them.

The sender, the webhook's inbox handler, the urgent-lane messages and the crisis texts start
first; then the tick runs (its clock frozen at the mothers' due instant; everything else on real
time). The fan-out is measured from the tick's start to the last check-in sent. It runs in a
subprocess (`python -m bench.fanout ...`) over a database the parent has filled, so the RSS read
after it is the fan-out's alone."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.burst import (
    CRISIS_REPLY_START,
    LockErrors,
    crisis_first_chat,
    feed_crisis,
)
from bench.common import CHAT_BASE, GLOBAL_RATE, URGENT_BASE, quiet_logging, wait_until
from bench.dataset import Databases, TickClock, populate, settings_for
from bench.fake_api import LimitedTelegram
from bench.results import URGENT_EVERY_S, URGENT_TEXT, FanoutResult, measure
from bench.startup import memory_mb
from companion.app import build_application, build_services
from companion.bot.context import Services
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.delivery.tick import TickReport, run_tick
from companion.store.models import Lane
from companion.webhook import InboxHandler

TICK_ATTEMPTS = 3  # a tick that fails is run again, as the next tick would


class Workers:
    """The sender and the inbox handler, as serve() runs them. serve() stops the process when
    one fails (the platform then restarts it); here the failure is counted (and checked for a
    lock error) and that worker started again at once, so the run goes on."""

    def __init__(self, services: Services, inbox: InboxHandler, locks: LockErrors) -> None:
        self.starts: dict[str, Callable[[], Any]] = {
            "sender": services.sender.run,
            "inbox": inbox.run,
        }
        self.locks = locks
        self.failures: Counter[str] = Counter()
        self.tasks = {name: asyncio.create_task(start()) for name, start in self.starts.items()}

    def running(self) -> bool:
        """Called from the polls: start again a worker that ended; then both run (True)."""
        for name, task in self.tasks.items():
            if task.done() and not task.cancelled():
                error = task.exception()
                self.failures[f"{name}: {type(error).__name__}"] += 1
                if error is not None:
                    self.locks.saw(error, f"{name} stopped:")
                self.tasks[name] = asyncio.create_task(self.starts[name]())
        return True

    async def stop(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)


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
    result: FanoutResult, locks: LockErrors
) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """Count exceptions that escape a task (asyncio would log each with its traceback when the
    task is collected): they are results, e.g. a failed mark_done."""

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if error is None:
            loop.default_exception_handler(context)
            return
        result.task_errors[f"{type(error).__name__}: {str(error).splitlines()[0][:80]}"] += 1
        locks.saw(error, "task")

    return handler


async def queue_urgent(
    services: Services, stop: asyncio.Event, sent_at: dict[int, float], locks: LockErrors
) -> None:
    """Every ~100 ms, one emergency-lane message to a chat outside the fan-out (the hard
    minute's and the paid fan-out's); a failed enqueue is counted in `locks`, not sampled."""
    start = time.monotonic()
    index = 0
    while not stop.is_set():
        chat = URGENT_BASE + index
        queued_at = time.monotonic()
        try:
            async with services.db.session() as session:
                await enqueue(
                    session,
                    services.vault,
                    chat_id=chat,
                    replies=[Reply(URGENT_TEXT)],
                    lane=Lane.EMERGENCY,
                    now=services.clock.now(),
                )
        except Exception as error:  # counted, and not sampled
            locks.saw(error, "urgent")
        else:
            services.sender.wake()
            sent_at[chat] = queued_at
        index += 1
        await asyncio.sleep(max(0.0, start + index * URGENT_EVERY_S - time.monotonic()))


async def _tick(services: Services, locks: LockErrors) -> TickReport:
    for attempt in range(TICK_ATTEMPTS):
        try:
            return await run_tick(services)
        except Exception as error:
            locks.saw(error, "tick")
            if attempt == TICK_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def run_companion(url: str, count: int, due: datetime, send_rate: float) -> FanoutResult:
    services = build_services(settings_for(url, send_rate=send_rate), TickClock())
    fake = LimitedTelegram(global_rate=GLOBAL_RATE)
    first_crisis = crisis_first_chat(count)
    fake.watch = range(first_crisis, URGENT_BASE)
    application = build_application(services, request=fake)
    await application.initialize()
    result = FanoutResult(count)
    locks = LockErrors()
    locks.install()
    asyncio.get_running_loop().set_exception_handler(_count_errors(result, locks))
    urgent_sent_at: dict[int, float] = {}
    arrived: dict[int, float] = {}
    stop = asyncio.Event()
    reached = Reached(fake, range(CHAT_BASE, CHAT_BASE + count))
    inbox = InboxHandler(application)
    workers = Workers(services, inbox, locks)
    feeders = [
        asyncio.create_task(queue_urgent(services, stop, urgent_sent_at, locks)),
        asyncio.create_task(feed_crisis(services, inbox, first_crisis, stop, arrived, locks)),
    ]
    try:
        await asyncio.sleep(0.5)  # the lanes are running when the tick begins
        tick_started = time.monotonic()
        report = await _tick(dataclasses.replace(services, clock=TickClock(frozen=due)), locks)
        result.extra["tick_s"] = time.monotonic() - tick_started
        result.extra["tick_queued"] = report.queued
        done = await wait_until(
            lambda: workers.running() and reached() >= count, within=60 + 4 * count / GLOBAL_RATE
        )
        result.extra["fanout_wall_s"] = time.monotonic() - tick_started
        result.extra["timed_out"] = float(not done)
        stop.set()
        await asyncio.gather(*feeders)
        await wait_until(
            lambda: (
                workers.running()
                and all(fake.per_chat[chat] for chat in urgent_sent_at)
                and all(chat in fake.first for chat in arrived)
            ),
            within=15,
        )
        ended = time.monotonic()
        result.rss_mb, result.peak_mb = memory_mb()
    finally:
        stop.set()
        for task in feeders:
            task.cancel()
        await workers.stop()
        await services.sender.wait_idle()
        await application.shutdown()
        await services.db.dispose()
    _crisis(result, fake, arrived, ended)
    result.lock_errors = locks.count
    result.lock_where = dict(locks.where)
    result.errors_logged = dict(locks.errors)
    result.worker_failures = dict(workers.failures)
    return measure(fake, count, urgent_sent_at, result, since=tick_started)


def _crisis(
    result: FanoutResult, fake: LimitedTelegram, arrived: dict[int, float], ended: float
) -> None:
    """Each crisis text's wait, from arrival to its reply's sendMessage (one never answered
    counts as waiting until the end of the run)."""
    result.crisis_sent = len(arrived)
    for chat, at in arrived.items():
        sent = fake.first.get(chat)
        result.crisis_latencies.append((sent[0] if sent else ended) - at)
        if sent and sent[1].startswith(CRISIS_REPLY_START):
            result.crisis_answered += 1


def measure_fanout(databases: Databases, count: int, later: int, send_rate: float) -> FanoutResult:
    """Fill a database with `count` mothers due now and `later` due tomorrow, then run the hard
    minute over it in a subprocess."""
    due = TickClock().now().replace(microsecond=0)
    url = databases.fresh("fanout")
    populate(url, count, due=due, later=later)
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.fanout", url, str(count), due.isoformat(), str(send_rate)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    databases.discard("fanout")
    if completed.returncode != 0:
        raise RuntimeError(f"the fan-out failed:\n{completed.stderr[-3000:]}")
    fields = json.loads(completed.stdout.strip().splitlines()[-1])
    fields["task_errors"] = Counter(fields["task_errors"])
    return FanoutResult(**fields)


def _child(url: str, count: int, due: datetime, send_rate: float) -> None:
    quiet_logging()
    result = asyncio.run(run_companion(url, count, due, send_rate))
    print(json.dumps(dataclasses.asdict(result)))


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]), datetime.fromisoformat(sys.argv[3]), float(sys.argv[4]))
