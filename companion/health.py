"""Queue figures for /healthz: counts and ages only, never anything a message says."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from companion.bot.context import Services
from companion.store.models import InboxUpdate, Lane, OutboxMessage

LANE_NAMES = {
    Lane.EMERGENCY: "emergency",
    Lane.REPLY: "reply",
    Lane.CLINICIAN: "clinician",
    Lane.SCHEDULED: "scheduled",
}


async def queue_health(services: Services) -> dict[str, Any]:
    """The database answers (SELECT 1), the outbox backlog by lane, the inbox's unhandled
    updates, and how long the longest-waiting message has been due (None: nothing is due)."""
    now = services.clock.now()
    async with services.db.session() as session:
        await session.execute(text("SELECT 1"))
        by_lane: dict[int, int] = {
            lane: count
            for lane, count in await session.execute(
                select(OutboxMessage.lane, func.count()).group_by(OutboxMessage.lane)
            )
        }
        oldest_due = await session.scalar(
            select(func.min(OutboxMessage.not_before)).where(OutboxMessage.not_before <= now)
        )
        unhandled = await session.scalar(
            select(func.count()).select_from(InboxUpdate).where(InboxUpdate.handled_at.is_(None))
        )
    return {
        "database": "ok",
        "outbox": {name: by_lane.get(lane, 0) for lane, name in LANE_NAMES.items()},
        "inbox_unhandled": unhandled or 0,
        "oldest_unsent_seconds": (
            None if oldest_due is None else round((now - oldest_due).total_seconds())
        ),
    }
