"""Paid broadcasts: a fan-out at 1,000 messages a second, the urgent lane's latency during it.

companion runs with COMPANION_PAID_BROADCAST on and a ceiling of 1,000/s, against the fake Bot
API raised to 1,000/s for messages sent with allow_paid_broadcast (unpaid ones still held to
Telegram's free 30/s). The tick queues the check-ins first (its cost is issue 16's other
benchmark); the sender then runs as `serve()` runs it, while an emergency-lane message is queued
every 100 ms to a chat outside the fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.burst import LockErrors
from bench.common import CHAT_BASE, URGENT_BASE, number, percentile, wait_until
from bench.dataset import TickClock, from_environment, populate
from bench.fake_api import LimitedTelegram
from bench.fanout import queue_urgent
from companion.app import build_application, build_services, freeze_start_up
from companion.config import Settings, load_settings
from companion.delivery.tick import run_tick
from companion.vault import generate_key

PAID_RATE = 1000  # Telegram's ceiling for paid broadcasts, and the sender's
FREE_RATE = 30  # Telegram's free limit: unpaid messages (the urgent lane) stay under it


@dataclass
class PaidResult:
    count: int
    delivered: int = 0
    duplicates: int = 0
    paid: int = 0  # messages Telegram would charge for (sent with allow_paid_broadcast)
    unpaid_fanout: int = 0  # check-ins that went without the flag (should be 0)
    paid_urgent: int = 0  # urgent messages that carried the flag (should be 0)
    refused_429: int = 0
    span_s: float = float("nan")
    rate: float = float("nan")
    urgent_latencies: list[float] = field(default_factory=list)
    urgent_queued: int = 0
    tick_s: float = float("nan")
    # CPU the process used (every thread) while the fan-out ran, per check-in, and as a share of
    # one core of the wall time: a share well under 1 says the machine was busy elsewhere.
    cpu_ms_per_message: float = float("nan")
    cpu_share: float = float("nan")
    timed_out: bool = False
    task_errors: Counter[str] = field(default_factory=Counter)

    @property
    def ratio(self) -> float:
        return self.rate / PAID_RATE

    @property
    def urgent_p99(self) -> float:
        return percentile(self.urgent_latencies, 0.99)

    @property
    def urgent_p50(self) -> float:
        return percentile(self.urgent_latencies, 0.50)


def paid_settings(url: str) -> Settings:
    return load_settings(
        {
            **from_environment(),
            "database_url": url,
            "encryption_keys": generate_key(),
            "default_locale": "en",
            "send_rate": FREE_RATE,
            "chat_interval_s": 1,
            "paid_broadcast": True,
            "paid_broadcast_rate": PAID_RATE,
        }
    )


async def run_paid(url: str, count: int) -> PaidResult:
    due = datetime.now(UTC).replace(microsecond=0)
    populate(url, count, due=due)
    clock = TickClock(frozen=due)
    services = build_services(paid_settings(url), clock)
    fake = LimitedTelegram(global_rate=FREE_RATE, paid_rate=PAID_RATE)
    application = build_application(services, request=fake)
    await application.initialize()
    freeze_start_up()  # as serve() does
    result = PaidResult(count)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(
        lambda _, context: result.task_errors.update([type(context.get("exception")).__name__])
    )
    started = time.perf_counter()
    report = await run_tick(services)
    result.tick_s = time.perf_counter() - started
    clock.frozen = None

    queued: dict[int, float] = {}
    stop = asyncio.Event()
    fan = range(CHAT_BASE, CHAT_BASE + count)
    sender = asyncio.create_task(services.sender.run(), name="sender")
    urgent = asyncio.create_task(queue_urgent(services, stop, queued, LockErrors()))
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        done = await wait_until(
            lambda: len(fake.per_chat) - len(queued) >= report.queued or sender.done(),
            within=60 + 4 * count / FREE_RATE,
        )
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        result.cpu_ms_per_message = 1000 * cpu / max(1, report.queued)
        result.cpu_share = cpu / wall
        result.timed_out = not done
        stop.set()
        await urgent
        await wait_until(
            lambda: all(fake.per_chat[chat] for chat in queued) or sender.done(), within=15
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
        gc.unfreeze()
        gc.collect()
    return _measure(fake, fan, queued, result)


def _measure(
    fake: LimitedTelegram, fan: range, queued: dict[int, float], result: PaidResult
) -> PaidResult:
    fan_times = [d.at for d in fake.deliveries if d.chat_id in fan]
    result.delivered = fake.delivered_to(fan)
    result.duplicates = sum(fake.per_chat[c] - 1 for c in [*fan, *queued] if fake.per_chat[c] > 1)
    result.paid = fake.paid
    result.unpaid_fanout = sum(1 for d in fake.deliveries if d.chat_id in fan and not d.paid)
    result.paid_urgent = sum(1 for d in fake.deliveries if d.chat_id in queued and d.paid)
    result.refused_429 = fake.refused
    if len(fan_times) >= 2:
        first, last = min(fan_times), max(fan_times)
        result.span_s = last - first
        result.rate = _rate_over([d.at for d in fake.deliveries if first <= d.at <= last])
    arrived = {d.chat_id: d.at for d in fake.deliveries if d.chat_id >= URGENT_BASE}
    result.urgent_queued = len(queued)
    result.urgent_latencies = [arrived[c] - at for c, at in queued.items() if c in arrived]
    return result


def paid_lines(result: PaidResult) -> list[str]:
    return [
        f"paid broadcast: {result.delivered:,}/{result.count:,} check-ins in {result.span_s:.2f} s "
        f"at {result.rate:.0f}/s of {PAID_RATE}/s (ratio {result.ratio:.3f}); "
        f"{result.paid:,} paid, {result.unpaid_fanout} check-ins unpaid, "
        f"{result.paid_urgent} urgent paid; 429s {result.refused_429}; "
        f"duplicates {result.duplicates}; tick {result.tick_s:.1f} s",
        f"paid broadcast: urgent p50 {result.urgent_p50:.3f} s, p99 {result.urgent_p99:.3f} s "
        f"({len(result.urgent_latencies)}/{result.urgent_queued} samples); "
        f"CPU {result.cpu_ms_per_message:.2f} ms per check-in, "
        f"{result.cpu_share:.0%} of one core while it ran"
        + ("; TIMED OUT" if result.timed_out else "")
        + "".join(f"; {n} send task(s) failed with {e}" for e, n in result.task_errors.items()),
    ]


def paid_count(quick: bool) -> int:
    """Check-ins in the paid fan-out: 10 s of it in the full run, 3 s in the quick one."""
    return 3_000 if quick else 10_000


def paid_figures(result: PaidResult) -> dict[str, Any]:
    """The keys this part adds to the benchmark's JSON line."""
    return {
        "fanout_1000_ratio": number(result.ratio),
        "paid_urgent_p50_s": number(result.urgent_p50),
        "paid_urgent_p99_s": number(result.urgent_p99),
        "paid_fanout_429": result.refused_429,
        "paid_duplicates": result.duplicates,
        "paid_cpu_ms_per_message": number(result.cpu_ms_per_message),
        "paid_cpu_share": number(result.cpu_share),
    }


def paid_rows(result: PaidResult) -> list[str]:
    """Rows for the benchmark's table, in its layout (companion only: no baseline pays)."""
    figures = paid_figures(result)
    rows = [
        (f"paid fan-out ratio ({result.count:,} at 1000/s)", "fanout_1000_ratio", ">= 0.97"),
        ("urgent p99 during paid fan-out (s)", "paid_urgent_p99_s", "< 1"),
    ]
    met = {
        "fanout_1000_ratio": lambda v: v >= 0.97,
        "paid_urgent_p99_s": lambda v: v < 1,
    }
    lines = []
    for label, key, target in rows:
        value = figures[key]
        mark = "" if value is None else ("yes" if met[key](value) else "NO")
        cell = "n/a" if value is None else f"{value:g}"
        lines.append(f"{label:<40}{cell:>11}{'n/a':>11}{'n/a':>11}  {target:<20}{mark}")
    return lines


def _rate_over(times: Sequence[float]) -> float:
    """Messages per second from the first to the last of these send times."""
    if len(times) < 2:
        return math.nan
    return len(times) / (max(times) - min(times))
