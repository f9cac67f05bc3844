"""(c) start-up time and memory with a small and a large number of mothers, each measured in a
fresh subprocess (`python -m bench.startup MODE DATABASE`) over a pre-populated SQLite file.

companion: load settings, build services and application, initialize, one tick with nothing due.
baseline: build a plain Application, initialize, read the mothers and schedule one run_daily job
each (the usual way), start the JobQueue.
Start-up is timed from the moment the parent starts the process, so it includes the interpreter's
start and every import (companion's take about a second and a half: the triage's lexicons and
models, matplotlib, the time-zone map); RSS is read after start-up."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import tomorrow

if TYPE_CHECKING:
    from bench.dataset import Databases


@dataclass
class StartupResult:
    mothers: int
    startup_s: float  # from the process's start
    imports_s: float  # of which the imports
    rss_mb: float  # VmRSS after start-up
    peak_mb: float  # VmHWM: the most it held at any moment


def memory_mb() -> tuple[float, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


async def _companion(url: str, spawned: float) -> tuple[float, float, float, float]:
    from bench.dataset import settings_for
    from bench.fake_api import LimitedTelegram
    from companion.app import build_application, build_services
    from companion.delivery.tick import run_tick

    imported = time.time() - spawned
    services = build_services(settings_for(url))
    application = build_application(services, request=LimitedTelegram())
    await application.initialize()
    report = await run_tick(services)
    elapsed = time.time() - spawned
    if report.queued or report.missed:
        raise RuntimeError(f"expected nothing due, the tick found {report}")
    return (elapsed, imported, *memory_mb())  # while everything start-up built is alive


async def _baseline(url: str, spawned: float) -> tuple[float, float, float, float]:
    from zoneinfo import ZoneInfo

    from sqlalchemy import create_engine, text

    from bench.baseline import plain_application, schedule_checkins
    from bench.fake_api import LimitedTelegram

    imported = time.time() - spawned
    application = plain_application(LimitedTelegram())
    await application.initialize()
    engine = create_engine(url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT chat_id, timezone FROM mothers WHERE status = 'active'")
        ).all()
    engine.dispose()
    zones: dict[str, ZoneInfo] = {}
    chats = [(chat, zones.setdefault(zone, ZoneInfo(zone))) for chat, zone in rows]
    schedule_checkins(application, chats, tomorrow(), {"finished": 0, "missed": 0})
    assert application.job_queue is not None
    await application.job_queue.start()
    elapsed = time.time() - spawned
    if len(application.job_queue.jobs()) != len(rows):
        raise RuntimeError("not every job was scheduled")
    return (elapsed, imported, *memory_mb())


def _child(mode: str, url: str, spawned: float) -> None:
    from bench.common import quiet_logging

    quiet_logging()
    elapsed, imported, rss, peak = asyncio.run(
        _companion(url, spawned) if mode == "companion" else _baseline(url, spawned)
    )
    figures = {"startup_s": elapsed, "imports_s": imported, "rss_mb": rss, "peak_mb": peak}
    print(json.dumps(figures))


def measure_startup(mode: str, databases: Databases, mothers: int) -> StartupResult:
    """Populate a database with `mothers` (due tomorrow) and start up over it in a subprocess."""
    from bench.dataset import populate

    name = f"startup-{mode}-{mothers}"
    url = databases.fresh(name)
    populate(url, mothers, due=tomorrow())
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.startup", mode, url, repr(time.time())],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    databases.discard(name)
    if completed.returncode != 0:
        raise RuntimeError(f"start-up ({mode}, {mothers}) failed:\n{completed.stderr[-2000:]}")
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    return StartupResult(mothers, **measured)


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], float(sys.argv[3]))
