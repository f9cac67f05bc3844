"""Pacing sends: a global rate that Telegram's 429 retry_after can pause."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram.error import RetryAfter


class Pacer:
    """A global rate (sends per second) that a 429's retry_after can pause.

    Telegram counts requests as they arrive, and network delay varies from one request to the
    next, so sends spaced exactly at the limit can arrive bunched into one second. The pacer
    keeps `headroom` below the configured rate to absorb that.

    A sleep ends late, by a millisecond or more on a busy event loop: at hundreds of sends a
    second, a pacer that starts again from "now" after each one loses that much every time.
    With `catch_up` (seconds), slots the loop was late for are used at once, up to that much
    time behind (on a busy machine a process woken from a sleep may wait its turn for several
    milliseconds); and then no second ever holds more sends than the rate less its headroom,
    counted as they go, however the slots bunch.
    """

    def __init__(
        self,
        rate: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        headroom: float = 0.0,
        catch_up: float = 0.0,
    ) -> None:
        self.interval = 1.0 / (rate * (1.0 - headroom)) if rate > 0 else 0.0
        self._monotonic, self._sleep = monotonic, sleep
        self._catch_up = catch_up
        self._next = 0.0
        cap = int(rate * (1.0 - headroom)) if catch_up > 0 else 0
        self._sent: deque[float] | None = deque(maxlen=cap) if cap > 0 else None

    async def acquire(self) -> None:
        now = self._monotonic()
        slot = max(now - self._catch_up, self._next)
        sent = self._sent
        if sent is not None and len(sent) == sent.maxlen:
            slot = max(slot, sent[0] + 1.0)  # a second after the send `cap` sends ago
        self._next = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)
        if sent is not None:
            sent.append(self._monotonic())

    def wait(self) -> float:
        """How long the next acquire would wait now (a 429's pause included)."""
        now = self._monotonic()
        slot = max(now - self._catch_up, self._next)
        if self._sent is not None and len(self._sent) == self._sent.maxlen:
            slot = max(slot, self._sent[0] + 1.0)
        return max(0.0, slot - now)

    def take(self) -> None:
        """Count a send that does not wait here (another lane's, paced by its own rate): the
        slots after it move back by one interval."""
        self._next = max(self._next, self._monotonic()) + self.interval
        if self._sent is not None:
            self._sent.append(self._monotonic())

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, self._monotonic() + seconds)


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that this becomes a timedelta; both handled
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
