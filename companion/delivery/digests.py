"""(In progress.)"""

from __future__ import annotations

from companion.bot.context import Services


async def send_due_digests(services: Services, batch: int) -> int:
    return 0
