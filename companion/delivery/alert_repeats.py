"""(In progress.)"""

from __future__ import annotations

from companion.bot.context import Services


async def repeat_unacknowledged(services: Services, batch: int) -> int:
    return 0
