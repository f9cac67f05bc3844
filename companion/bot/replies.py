"""Replying from a handler: queue the replies in the outbox and wake the sender."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.context import Ctx
from companion.delivery.inbox import mark_with_reply
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Button, Reply, rows
from companion.store.db import after_commit
from companion.store.models import Lane

__all__ = ["Button", "Reply", "rows", "send"]


async def send(
    context: Ctx,
    chat_id: int,
    replies: Sequence[Reply],
    *,
    lane: int = Lane.REPLY,
    mother_id: str | None = None,
    session: AsyncSession | None = None,
) -> None:
    """Queue replies to one chat, in order; the sender delivers them within Telegram's limits.

    Given the handler's session, the replies commit together with the change they answer
    (the outbox pattern): both happen, or neither.
    """
    if not replies:
        return
    services = context.services
    if session is None:
        async with services.db.session() as own:
            await send(context, chat_id, replies, lane=lane, mother_id=mother_id, session=own)
        return
    await enqueue(
        session,
        services.vault,
        chat_id=chat_id,
        replies=replies,
        lane=lane,
        now=services.clock.now(),
        mother_id=mother_id,
    )
    await mark_with_reply(session, services.clock.now())  # the update it answers: handled
    after_commit(session, services.sender.wake)  # before that, the sender couldn't see them
