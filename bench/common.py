"""Shared pieces that do not import companion (the baseline's start-up must not load it)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

GLOBAL_RATE = 300  # the fake's global limit, and the sender's ceiling: Telegram's 30/s x 10
CHAT_BASE = 10_000_000  # chat (and user) ids of the mothers: CHAT_BASE + index
URGENT_BASE = 90_000_000  # chats that get urgent messages: never a fan-out chat


def quiet_logging() -> None:
    """Libraries at WARNING. Three loggers report once per message in the deliberately
    overloaded runs (the sender on each 429, APScheduler on each missed job, PTB's
    AIORateLimiter on each 429 it passes on, with its traceback): those are counted in the
    results instead, so they are kept quieter."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.WARNING)
    for name in ("companion.delivery.sender", "apscheduler"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module="telegram")


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def tomorrow() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def wait_until(condition: Callable[[], bool], *, within: float, every: float = 0.02) -> bool:
    """Poll until `condition()` holds; False if `within` seconds passed first."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(every)
    return True


def number(value: Any, digits: int = 3) -> Any:
    """Round for the JSON line; NaN (nothing measured) becomes null."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, digits)
    return value
