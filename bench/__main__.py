"""Run the benchmark parts, print a table, and print the results as one JSON line (last)."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.baseline import count_skipped_with_defaults, run_baseline_fanout
from bench.common import GLOBAL_RATE, number, quiet_logging
from bench.dataset import migrated_template
from bench.fanout import run_companion
from bench.paid import paid_count, paid_figures, paid_lines, paid_rows, run_paid
from bench.replies import run_baseline_replies, run_companion_replies
from bench.results import FanoutResult
from bench.startup import StartupResult, measure_startup
from bench.triage import triage_figures, triage_lines


@dataclass(frozen=True)
class Sizes:
    fanout: int
    small: int
    large: int
    replies: int


FULL = Sizes(fanout=10_000, small=1_000, large=100_000, replies=2_000)
QUICK = Sizes(fanout=1_000, small=1_000, large=10_000, replies=300)
_started = time.perf_counter()


def progress(text: str) -> None:
    print(f"[{time.perf_counter() - _started:6.1f}s] {text}", file=sys.stderr, flush=True)


def side(
    fan: FanoutResult, small: StartupResult, large: StartupResult, replies: float
) -> dict[str, Any]:
    return {
        "fanout_ratio": number(fan.ratio),
        "fanout_429": fan.refused_429,
        "duplicates": fan.duplicates,
        "urgent_p50_s": number(fan.urgent_p50),
        "urgent_p99_s": number(fan.urgent_p99),
        "rss_1k_mb": number(small.peak_mb, 1),
        "rss_100k_mb": number(large.peak_mb, 1),
        "startup_1k_s": number(small.startup_s),
        "startup_100k_s": number(large.startup_s),
        "replies_per_s": number(replies, 1),
    }


def targets(ours: dict[str, Any]) -> dict[str, tuple[str, bool | None]]:
    def holds(key: str, test: Any) -> bool | None:
        return None if ours[key] is None else bool(test(ours[key]))

    return {
        "fanout_ratio": (">= 0.97", holds("fanout_ratio", lambda v: v >= 0.97)),
        "fanout_429": ("(fewer is better)", None),
        "duplicates": ("0", holds("duplicates", lambda v: v == 0)),
        "urgent_p50_s": ("", None),
        "urgent_p99_s": ("<= 2 during fan-out", holds("urgent_p99_s", lambda v: v <= 2)),
        "rss_1k_mb": ("", None),
        "rss_100k_mb": (
            "<= RSS 1k + 20",
            holds("rss_100k_mb", lambda v: v <= ours["rss_1k_mb"] + 20),
        ),
        "startup_1k_s": ("", None),
        "startup_100k_s": ("<= 2", holds("startup_100k_s", lambda v: v <= 2)),
        "replies_per_s": (">= 300", holds("replies_per_s", lambda v: v >= 300)),
    }


def table(ours: dict[str, Any], theirs: dict[str, Any], sizes: Sizes) -> list[str]:
    labels = {
        "fanout_ratio": f"fan-out ratio ({sizes.fanout:,} at {GLOBAL_RATE}/s)",
        "fanout_429": "fan-out 429s answered",
        "duplicates": "duplicate deliveries",
        "urgent_p50_s": "urgent p50 during fan-out (s)",
        "urgent_p99_s": "urgent p99 during fan-out (s)",
        "rss_1k_mb": f"RSS, {sizes.small:,} mothers (MB)",
        "rss_100k_mb": f"RSS, {sizes.large:,} mothers (MB)",
        "startup_1k_s": f"start-up, {sizes.small:,} mothers (s)",
        "startup_100k_s": f"start-up, {sizes.large:,} mothers (s)",
        "replies_per_s": f"replies/s ({sizes.replies:,} updates)",
    }
    rows = [f"{'metric':<36}{'companion':>11}{'baseline':>11}  {'target':<22}met"]
    rows.append("-" * len(rows[0]))
    for key, (target, met) in targets(ours).items():
        mark = "" if met is None else ("yes" if met else "NO")
        rows.append(
            f"{labels[key]:<36}{_cell(ours[key]):>11}{_cell(theirs[key]):>11}  {target:<22}{mark}"
        )
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def details(name: str, fan: FanoutResult, small: StartupResult, large: StartupResult) -> list[str]:
    lines = [
        f"{name}: fan-out delivered {fan.delivered:,}/{fan.count:,} in {fan.span_s:.1f} s "
        f"(all sends {fan.rate:.1f}/s, check-ins alone {fan.fanout_rate:.1f}/s); "
        f"urgent {len(fan.urgent_latencies)}/{fan.urgent_queued} samples",
        f"{name}: RSS after start-up {small.rss_mb:.1f} / {large.rss_mb:.1f} MB (peak shown above)",
    ]
    extra = {key: value for key, value in fan.extra.items() if not math.isnan(value)}
    lines.append(f"{name}: " + ", ".join(f"{key}={value:g}" for key, value in extra.items()))
    for error, times in fan.task_errors.items():
        lines.append(f"{name}: {times} send task(s) failed with {error}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument("--db-dir", help="where the temporary SQLite files go (default: TMPDIR)")
    parser.add_argument(
        "--send-rate", type=float, default=GLOBAL_RATE, help="companion's send_rate (diagnostics)"
    )
    parser.add_argument(
        "--only",
        choices=["replies", "triage"],
        help="run one part alone (replies: companion's inbound replies/s, no baseline; "
        "triage: free-text triage messages/s)",
    )
    parser.add_argument("--replies", type=int, help="how many inbound updates for the replies part")
    parser.add_argument(
        "--database-url",
        help="with --only replies: a PostgreSQL URL to measure on instead of SQLite "
        "(its public schema is dropped and migrated afresh)",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.replies:
        sizes = replace(sizes, replies=args.replies)
    quiet_logging()
    if args.only == "triage":
        figures = triage_figures()
        print("\n".join(triage_lines(figures)))
        print(json.dumps(figures))
        return
    if args.only == "replies":
        replies_only(sizes.replies, args.db_dir, args.database_url)
        return
    if args.database_url:
        parser.error("--database-url needs --only replies")
    with tempfile.TemporaryDirectory(prefix="companion-bench-", dir=args.db_dir) as name:
        workdir = Path(name)
        template = migrated_template(workdir)
        progress(f"companion: tick and fan-out of {sizes.fanout:,}, urgent lane during it")
        fan = asyncio.run(run_companion(template, workdir, sizes.fanout, send_rate=args.send_rate))
        count = paid_count(args.quick)
        progress(f"companion: paid broadcast of {count:,} at 1000/s, urgent lane during it")
        paid = asyncio.run(run_paid(template, workdir, count))
        progress(f"baseline: {sizes.fanout:,} run_daily jobs, urgent sends during them")
        base_fan = asyncio.run(run_baseline_fanout(sizes.fanout))
        progress("baseline: the same jobs with PTB's default misfire grace")
        skipped = asyncio.run(count_skipped_with_defaults(sizes.fanout))
        starts = {}
        for mode in ("companion", "baseline"):
            for count in (sizes.small, sizes.large):
                progress(f"{mode}: start-up with {count:,} mothers (subprocess)")
                starts[mode, count] = measure_startup(mode, template, workdir, count)
        progress(f"companion: {sizes.replies:,} inbound updates")
        replies = asyncio.run(run_companion_replies(template, workdir, sizes.replies))
        progress(f"baseline: {sizes.replies:,} inbound updates")
        base_replies = asyncio.run(run_baseline_replies(template, workdir, sizes.replies))
        database_dir = workdir.parent
    ours = side(fan, starts["companion", sizes.small], starts["companion", sizes.large], replies)
    theirs = side(
        base_fan, starts["baseline", sizes.small], starts["baseline", sizes.large], base_replies
    )
    mode = "quick" if args.quick else "full"
    print(
        f"companion benchmark ({mode}): fake Bot API at {GLOBAL_RATE} msg/s global and 1 msg/s "
        f"per chat, 15-25 ms per call; SQLite files in {database_dir}; "
        f"companion send_rate={args.send_rate:g}"
    )
    print("\n".join(table(ours, theirs, sizes) + paid_rows(paid)))
    print()
    print("\n".join(details("companion", fan, *_pair(starts, "companion", sizes))))
    print("\n".join(details("baseline", base_fan, *_pair(starts, "baseline", sizes))))
    print("\n".join(paid_lines(paid)))
    print(
        "note: fan-out ratio = messages accepted from the first to the last check-in / that "
        f"span / {GLOBAL_RATE}; bursts at window edges can lift a short span above 1"
    )
    print(
        f"baseline: with PTB's default job settings (misfire_grace_time=1 s), APScheduler "
        f"skipped {skipped:,} of {sizes.fanout:,} same-second jobs (lost until the next day)"
    )
    progress("done")
    theirs = {f"baseline_{key}": value for key, value in theirs.items()}
    print(json.dumps({**ours, **theirs, **paid_figures(paid)}))


def replies_only(count: int, db_dir: str | None, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="companion-bench-", dir=db_dir) as name:
        workdir = Path(name)
        template = None if database_url else migrated_template(workdir)
        where = "PostgreSQL" if database_url else "SQLite"
        progress(f"companion: {count:,} inbound updates ({where})")
        rate = asyncio.run(run_companion_replies(template, workdir, count, url=database_url))
    print(f"replies/s ({count:,} updates, {where}): {rate:.1f}")
    progress("done")
    print(json.dumps({"replies_per_s": number(rate, 1)}))


def _pair(
    starts: dict[tuple[str, int], StartupResult], mode: str, sizes: Sizes
) -> tuple[StartupResult, StartupResult]:
    return starts[mode, sizes.small], starts[mode, sizes.large]


if __name__ == "__main__":
    main()
