"""Waiting in a test for something a fake or a server does, with no event to wait on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(condition: Callable[[], bool], seconds: float = 10.0, every: float = 0.02) -> None:
    """Until `condition()` is true; fails (TimeoutError) after `seconds`."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling a fake that has no event to wait on
            await asyncio.sleep(every)
