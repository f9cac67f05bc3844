"""Replying from a handler: queue the replies in the outbox and wake the sender."""

from __future__ import annotations

from collections.abc import Sequence

from companion.bot.context import Ctx
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Button, Reply, rows
from companion.store.models import Lane

__all__ = ["Button", "Reply", "rows", "send"]


async def send(
    context: Ctx,
    chat_id: int,
    replies: Sequence[Reply],
    *,
    lane: int = Lane.REPLY,
    mother_id: str | None = None,
) -> None:
    """Queue replies to one chat, in order. The sender delivers them within Telegram's limits."""
    if not replies:
        return
    services = context.services
    async with services.db.session() as session:
        await enqueue(
            session,
            services.vault,
            chat_id=chat_id,
            replies=replies,
            lane=lane,
            now=services.clock.now(),
            mother_id=mother_id,
        )
    services.sender.wake()
