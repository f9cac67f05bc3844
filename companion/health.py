"""/healthz: whether the database answers (for anyone), and queue figures for the clinic's
monitoring (with COMPANION_HEALTH_TOKEN): counts and ages only, never anything a message says."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text

from companion.bot.context import Services
from companion.store.alerts import CALLBACK, FLAG
from companion.store.clinician_models import Alert, AlertStatus
from companion.store.models import InboxUpdate, Lane, OutboxMessage

LANE_NAMES = {
    Lane.EMERGENCY: "emergency",
    Lane.REPLY: "reply",
    Lane.CLINICIAN: "clinician",
    Lane.SCHEDULED: "scheduled",
}


async def database_answers(services: Services) -> None:
    """SELECT 1; raises if the database does not answer."""
    async with services.db.session() as session:
        await session.execute(text("SELECT 1"))


async def queue_health(services: Services) -> dict[str, Any]:
    """The database answers (SELECT 1), the outbox backlog by lane, the inbox's unhandled
    updates, how long the longest-waiting message has been due (None: nothing is due), and the
    alerts no clinician has acknowledged yet, with the age of the oldest urgent or emergency
    one: something a clinic's monitoring can page on."""
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
        waiting = {
            kind: (count, oldest)
            for kind, count, oldest in await session.execute(
                select(Alert.kind, func.count(), func.min(Alert.created_at))
                .where(Alert.status == AlertStatus.OPEN)
                .group_by(Alert.kind)
            )
        }
    flagged, oldest_flagged = waiting.get(FLAG, (0, None))
    return {
        "database": "ok",
        "outbox": {name: by_lane.get(lane, 0) for lane, name in LANE_NAMES.items()},
        "inbox_unhandled": unhandled or 0,
        "oldest_unsent_seconds": _age(now, oldest_due),
        "alerts_unacknowledged": {
            "urgent_or_emergency": flagged,
            "callback_request": waiting.get(CALLBACK, (0, None))[0],
        },
        "oldest_unacknowledged_alert_seconds": _age(now, oldest_flagged),
    }


def _age(now: datetime, since: datetime | None) -> int | None:
    return None if since is None else round((now - since).total_seconds())
