"""The results as the table prints them and the JSON line carries them: one dict per side
(companion, the naive baseline, the baseline with PTB's AIORateLimiter), the targets beside."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import GLOBAL_RATE, number
from bench.results import FanoutResult
from bench.startup import StartupResult


@dataclass(frozen=True)
class Sizes:
    fanout: int  # mothers due at the tick
    mothers: int  # all mothers in the fan-out's database
    small: int
    large: int
    replies: int


FULL = Sizes(fanout=10_000, mothers=100_000, small=1_000, large=100_000, replies=2_000)
QUICK = Sizes(fanout=2_000, mothers=20_000, small=1_000, large=20_000, replies=300)


def fanout_side(fan: FanoutResult) -> dict[str, Any]:
    """What every side's fan-out measured (companion's tick and inbound side are added by
    companion_side)."""
    return {
        "fanout_ratio": number(fan.ratio),
        "fanout_429": fan.refused_429,
        "duplicates": fan.duplicates,
        "urgent_p50_s": number(fan.urgent_p50),
        "urgent_p99_s": number(fan.urgent_p99),
    }


def companion_side(
    fan: FanoutResult, small: StartupResult, large: StartupResult, replies: float, mixed: float
) -> dict[str, Any]:
    return {
        "tick_ms_per_due": number(1000 * fan.extra.get("tick_s", math.nan) / fan.count),
        **fanout_side(fan),
        "crisis_during_burst_p99_s": number(fan.crisis_p99),
        "lock_errors": fan.lock_errors,
        **startup_side(small, large),
        "rss_fanout_100k_mb": number(fan.rss_mb, 1),
        "replies_per_s": number(replies, 1),
        "replies_mixed_per_s": number(mixed, 1),
    }


def startup_side(small: StartupResult, large: StartupResult) -> dict[str, Any]:
    return {
        "rss_1k_mb": number(small.peak_mb, 1),
        "rss_100k_mb": number(large.peak_mb, 1),
        "startup_1k_s": number(small.startup_s),
        "startup_100k_s": number(large.startup_s),
    }


def labels(sizes: Sizes) -> dict[str, str]:
    return {
        "tick_ms_per_due": f"tick ms per due ({sizes.fanout:,} of {sizes.mothers:,})",
        "fanout_ratio": f"fan-out ratio ({sizes.fanout:,} at {GLOBAL_RATE}/s)",
        "fanout_429": "fan-out 429s answered",
        "duplicates": "duplicate deliveries",
        "urgent_p50_s": "urgent p50 during fan-out (s)",
        "urgent_p99_s": "urgent p99 during fan-out (s)",
        "crisis_during_burst_p99_s": "crisis reply p99, tick+fan-out (s)",
        "lock_errors": "database lock errors",
        "rss_1k_mb": f"RSS, {sizes.small:,} mothers (MB)",
        "rss_100k_mb": f"RSS, {sizes.large:,} mothers (MB)",
        "rss_fanout_100k_mb": f"RSS after the fan-out, {sizes.mothers:,} (MB)",
        "startup_1k_s": f"start-up, {sizes.small:,} mothers (s)",
        "startup_100k_s": f"start-up, {sizes.large:,} mothers (s)",
        "replies_per_s": f"replies/s, /help ({sizes.replies:,})",
        "replies_mixed_per_s": f"replies/s, mixed ({sizes.replies:,})",
        # The paid-broadcast part (bench/paid.py) adds "fanout_1000_ratio" here and in targets.
    }


def targets(ours: dict[str, Any]) -> dict[str, tuple[str, bool | None]]:
    def holds(key: str, test: Callable[[Any], bool]) -> bool | None:
        return None if ours.get(key) is None else bool(test(ours[key]))

    return {
        "tick_ms_per_due": ("<= 0.2", holds("tick_ms_per_due", lambda v: v <= 0.2)),
        "fanout_ratio": (">= 0.97", holds("fanout_ratio", lambda v: v >= 0.97)),
        "fanout_429": ("(fewer is better)", None),
        "duplicates": ("0", holds("duplicates", lambda v: v == 0)),
        "urgent_p50_s": ("", None),
        "urgent_p99_s": ("<= 2 during fan-out", holds("urgent_p99_s", lambda v: v <= 2)),
        "crisis_during_burst_p99_s": (
            "<= 1",
            holds("crisis_during_burst_p99_s", lambda v: v <= 1),
        ),
        "lock_errors": ("0", holds("lock_errors", lambda v: v == 0)),
        "rss_1k_mb": ("", None),
        "rss_100k_mb": (
            "<= RSS 1k + 20",
            holds("rss_100k_mb", lambda v: v <= ours["rss_1k_mb"] + 20),
        ),
        "rss_fanout_100k_mb": ("", None),
        "startup_1k_s": ("", None),
        "startup_100k_s": ("<= 2", holds("startup_100k_s", lambda v: v <= 2)),
        "replies_per_s": (">= 300", holds("replies_per_s", lambda v: v >= 300)),
        "replies_mixed_per_s": ("", None),
    }


def table(sides: list[dict[str, Any]], sizes: Sizes) -> list[str]:
    """companion, the naive baseline and the baseline with AIORateLimiter; n/a where a side
    has no such figure."""
    names = labels(sizes)
    header = f"{'metric':<40}{'companion':>11}{'baseline':>11}{'+limiter':>11}  {'target':<20}met"
    rows = [header, "-" * len(header)]
    for key, (target, met) in targets(sides[0]).items():
        if key not in sides[0]:
            continue
        mark = "" if met is None else ("yes" if met else "NO")
        cells = "".join(f"{_cell(side.get(key)):>11}" for side in sides)
        rows.append(f"{names[key]:<40}{cells}  {target:<20}{mark}")
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def details(name: str, fan: FanoutResult, starts: tuple[StartupResult, ...]) -> list[str]:
    lines = [
        f"{name}: fan-out delivered {fan.delivered:,}/{fan.count:,} in {fan.span_s:.1f} s from "
        f"the {'tick' if name == 'companion' else 'due time'} (all sends {fan.rate:.1f}/s, "
        f"check-ins alone {fan.fanout_rate:.1f}/s); urgent {len(fan.urgent_latencies)}/"
        f"{fan.urgent_queued} samples",
    ]
    if starts:
        lines.append(
            f"{name}: start-up {' / '.join(f'{s.startup_s:.2f}' for s in starts)} s, of which "
            f"imports {' / '.join(f'{s.imports_s:.2f}' for s in starts)} s; RSS after it "
            f"{' / '.join(f'{s.rss_mb:.1f}' for s in starts)} MB (peak shown above)"
        )
    if fan.crisis_sent:
        lines.append(
            f"{name}: crisis texts through the inbox {fan.crisis_sent}, answered with the crisis "
            f"reply {fan.crisis_answered}, p50 {fan.crisis_p50:.2f} s, max "
            f"{max(fan.crisis_latencies):.2f} s; RSS after the fan-out {fan.rss_mb:.1f} MB "
            f"(peak {fan.peak_mb:.1f})"
        )
    extra = {key: value for key, value in fan.extra.items() if not math.isnan(value)}
    lines.append(f"{name}: " + ", ".join(f"{key}={value:g}" for key, value in extra.items()))
    for where, times in fan.lock_where.items():
        lines.append(f"{name}: {times} lock error(s): {where}")
    for worker, times in fan.worker_failures.items():
        lines.append(f"{name}: {times} time(s) a worker stopped (started again): {worker}")
    for event, times in fan.errors_logged.items():
        lines.append(f"{name}: {times} error(s) logged: {event}")
    for error, times in fan.task_errors.items():
        lines.append(f"{name}: {times} task(s) failed with {error}")
    return lines
