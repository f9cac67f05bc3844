"""(c) start-up time and memory with a small and a large number of mothers, each measured in a
fresh subprocess (`python -m bench.startup MODE DATABASE`) over a pre-populated SQLite file.

companion: load settings, build services and application, initialize, one tick with nothing due.
baseline: build a plain Application, initialize, read the mothers and schedule one run_daily job
each (the usual way), start the JobQueue.
Start-up is timed after the imports (the same for every size); RSS is read after start-up."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import sqlite_url, tomorrow


@dataclass
class StartupResult:
    mothers: int
    startup_s: float
    rss_mb: float  # VmRSS after start-up
    peak_mb: float  # VmHWM: the most it held at any moment


def _memory_mb() -> tuple[float, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


async def _companion(database: Path) -> tuple[float, float, float]:
    from bench.dataset import settings_for
    from bench.fake_api import LimitedTelegram
    from companion.app import build_application, build_services
    from companion.delivery.tick import run_tick

    started = time.perf_counter()
    services = build_services(settings_for(sqlite_url(database)))
    application = build_application(services, request=LimitedTelegram())
    await application.initialize()
    report = await run_tick(services)
    elapsed = time.perf_counter() - started
    if report.queued or report.missed:
        raise RuntimeError(f"expected nothing due, the tick found {report}")
    return (elapsed, *_memory_mb())  # while everything start-up built is alive


async def _baseline(database: Path) -> tuple[float, float, float]:
    import sqlite3
    from zoneinfo import ZoneInfo

    from bench.baseline import plain_application, schedule_checkins
    from bench.fake_api import LimitedTelegram

    started = time.perf_counter()
    application = plain_application(LimitedTelegram())
    await application.initialize()
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT chat_id, timezone FROM mothers WHERE status = 'active'"
        ).fetchall()
    zones: dict[str, ZoneInfo] = {}
    chats = [(chat, zones.setdefault(zone, ZoneInfo(zone))) for chat, zone in rows]
    schedule_checkins(application, chats, tomorrow(), {"finished": 0, "missed": 0})
    assert application.job_queue is not None
    await application.job_queue.start()
    elapsed = time.perf_counter() - started
    if len(application.job_queue.jobs()) != len(rows):
        raise RuntimeError("not every job was scheduled")
    return (elapsed, *_memory_mb())


def _child(mode: str, database: Path) -> None:
    from bench.common import quiet_logging

    quiet_logging()
    elapsed, rss, peak = asyncio.run(
        _companion(database) if mode == "companion" else _baseline(database)
    )
    print(json.dumps({"startup_s": elapsed, "rss_mb": rss, "peak_mb": peak}))


def measure_startup(mode: str, template: Path, workdir: Path, mothers: int) -> StartupResult:
    """Populate a database with `mothers` (due tomorrow) and start up over it in a subprocess."""
    from bench.dataset import fresh_database, populate

    path = workdir / f"startup-{mode}-{mothers}.db"
    url = fresh_database(template, path)
    populate(url, mothers, due=tomorrow())
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.startup", mode, str(path)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    path.unlink(missing_ok=True)
    if completed.returncode != 0:
        raise RuntimeError(f"start-up ({mode}, {mothers}) failed:\n{completed.stderr[-2000:]}")
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    return StartupResult(mothers, measured["startup_s"], measured["rss_mb"], measured["peak_mb"])


if __name__ == "__main__":
    _child(sys.argv[1], Path(sys.argv[2]))
