"""Run the benchmark parts, print a table, and print the results as one JSON line (last)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.baseline import count_skipped_with_defaults, run_baseline_fanout
from bench.common import GLOBAL_RATE, number, quiet_logging
from bench.dataset import Databases, from_environment
from bench.fanout import measure_fanout
from bench.mixed import run_mixed_replies
from bench.paid import paid_count, paid_figures, paid_lines, paid_rows, run_paid
from bench.replies import run_baseline_replies, run_companion_replies
from bench.startup import measure_startup
from bench.table import FULL, QUICK, companion_side, details, fanout_side, startup_side, table
from bench.triage import triage_figures, triage_lines
from companion.config import ENV_NAMES

_started = time.perf_counter()


def progress(text: str) -> None:
    print(f"[{time.perf_counter() - _started:6.1f}s] {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="2,000 due among 20,000, smaller sizes elsewhere"
    )
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
        help="a PostgreSQL URL to measure on instead of SQLite, for every part that uses a "
        "database (its public schema is dropped and migrated afresh, then emptied per part)",
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
    with tempfile.TemporaryDirectory(prefix="companion-bench-", dir=args.db_dir) as name:
        databases = Databases(Path(name), args.database_url)
        progress(
            f"companion: tick and fan-out of {sizes.fanout:,} among {sizes.mothers:,}, "
            "urgent lane and crisis texts during it (subprocess)"
        )
        fan = measure_fanout(databases, sizes.fanout, sizes.mothers - sizes.fanout, args.send_rate)
        count = paid_count(args.quick)
        progress(f"companion: paid broadcast of {count:,} at 1000/s, urgent lane during it")
        paid = asyncio.run(run_paid(databases.fresh("paid"), count))
        databases.discard("paid")
        progress(f"baseline: {sizes.fanout:,} run_daily jobs, urgent sends during them")
        base_fan = asyncio.run(run_baseline_fanout(sizes.fanout))
        progress("baseline: the same with PTB's AIORateLimiter")
        limited_fan = asyncio.run(run_baseline_fanout(sizes.fanout, limited=True))
        progress("baseline: the same jobs with PTB's default misfire grace")
        skipped = asyncio.run(count_skipped_with_defaults(sizes.fanout))
        starts = {}
        for mode in ("companion", "baseline"):
            for count in (sizes.small, sizes.large):
                progress(f"{mode}: start-up with {count:,} mothers (subprocess)")
                starts[mode, count] = measure_startup(mode, databases, count)
        progress(f"companion: {sizes.replies:,} inbound updates (/help)")
        replies = asyncio.run(run_companion_replies(databases, sizes.replies))
        progress(f"companion: {sizes.replies:,} inbound updates (presses, typed, free text)")
        mixed = asyncio.run(run_mixed_replies(databases, sizes.replies))
        progress(f"baseline: {sizes.replies:,} inbound updates")
        base_replies = asyncio.run(run_baseline_replies(databases, sizes.replies))
        where = databases.where
    ours_starts = (starts["companion", sizes.small], starts["companion", sizes.large])
    base_starts = (starts["baseline", sizes.small], starts["baseline", sizes.large])
    ours = companion_side(fan, *ours_starts, replies, mixed)
    theirs = {
        **fanout_side(base_fan),
        **startup_side(*base_starts),
        "replies_per_s": number(base_replies, 1),
    }
    limited = fanout_side(limited_fan)
    mode = "quick" if args.quick else "full"
    print(
        f"companion benchmark ({mode}): fake Bot API at {GLOBAL_RATE} msg/s global and 1 msg/s "
        f"per chat, 15-25 ms per call; {where}; companion send_rate={args.send_rate:g}; "
        "+limiter: the baseline with PTB's AIORateLimiter"
    )
    tried = from_environment()
    if tried:  # a run that tried a setting says so beside its figures
        names = ", ".join(f"{ENV_NAMES[field]}={value}" for field, value in sorted(tried.items()))
        print(f"settings from the environment: {names}")
    print("\n".join(table([ours, theirs, limited], sizes) + paid_rows(paid)))
    print()
    print("\n".join(details("companion", fan, ours_starts)))
    print("\n".join(details("baseline", base_fan, base_starts)))
    print("\n".join(details("+limiter", limited_fan, ())))
    print("\n".join(paid_lines(paid)))
    print(
        "note: fan-out ratio = messages accepted from the tick's start (the baseline: its jobs' "
        f"due time) to the last check-in / that span / {GLOBAL_RATE}"
    )
    print(
        f"baseline: with PTB's default job settings (misfire_grace_time=1 s), APScheduler "
        f"skipped {skipped:,} of {sizes.fanout:,} same-second jobs (lost until the next day)"
    )
    progress("done")
    print(
        json.dumps(
            {
                **ours,
                **{f"baseline_{key}": value for key, value in theirs.items()},
                **{f"baseline_limiter_{key}": value for key, value in limited.items()},
                **paid_figures(paid),
            }
        )
    )


def replies_only(count: int, db_dir: str | None, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="companion-bench-", dir=db_dir) as name:
        databases = Databases(Path(name), database_url)
        where = "PostgreSQL" if database_url else "SQLite"
        progress(f"companion: {count:,} inbound updates ({where})")
        rate = asyncio.run(run_companion_replies(databases, count))
    print(f"replies/s ({count:,} updates, {where}): {rate:.1f}")
    progress("done")
    print(json.dumps({"replies_per_s": number(rate, 1)}))


if __name__ == "__main__":
    main()
