"""Alerts to a mother's clinicians: one per urgent or emergency flag (or her call-back request),
open until one clinician acknowledges it, repeated once if nobody has by `escalate_at`. Every
step is written to the audit log (ids and event names only).

Alert messages are queued as the handler's transaction commits (`at_commit`): after everything
the handler queued for her, so her crisis reply always goes out before any alert about it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util import await_only

from companion.store.clinician_models import (
    Alert,
    AlertStatus,
    AuditEntry,
    Clinician,
    ClinicianStatus,
    Share,
)
from companion.store.clinicians import audit
from companion.store.models import Mother, MotherStatus, new_id
from companion.store.safety_models import Flag

log = logging.getLogger(__name__)

FLAG, CALLBACK = "flag", "callback"
# Her call-back request not yet acknowledged within this long is "already asked": not sent again.
CALLBACK_PENDING_FOR = timedelta(days=1)
# A failed delivery is matched to the audit line of its queueing within this window (retries end
# well within it).
FAILURE_LOOKBACK = timedelta(days=2)
_AT_COMMIT = "alerts_at_commit"

Linked = list[tuple[Share, Clinician]]


# --- queueing at commit ---------------------------------------------------------------------


def at_commit(session: AsyncSession, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` in this transaction just before it commits, after everything else was queued.
    Not run if the transaction rolls back."""
    session.info.setdefault(_AT_COMMIT, []).append(work)


def _run_at_commit(session: Session) -> None:
    for work in session.info.pop(_AT_COMMIT, []):
        await_only(work())  # commit runs in SQLAlchemy's greenlet, so async work can run here


def _forget_at_commit(session: Session, *_: object) -> None:
    session.info.pop(_AT_COMMIT, None)


event.listen(Session, "before_commit", _run_at_commit)
event.listen(Session, "after_soft_rollback", _forget_at_commit)


# --- who is linked --------------------------------------------------------------------------


# linked's query, built once: /help and every check-in result ask it, and building the statement
# (and its cache key) each time costs more than the database takes to answer it.
_LINKED = (
    select(Share, Clinician)
    .join(Clinician, Clinician.id == Share.clinician_id)
    .where(
        Share.mother_id == bindparam("mother_id"),
        Share.revoked_at.is_(None),
        Clinician.status == ClinicianStatus.ACTIVE,
        Clinician.chat_id.is_not(None),
    )
    .order_by(Share.granted_at, Clinician.name)
)


async def linked(session: AsyncSession, mother_id: str) -> Linked:
    """Her shares in force with active clinicians who have a chat, one per clinician, oldest
    first."""
    found: dict[str, tuple[Share, Clinician]] = {}
    for share, clinician in (await session.execute(_LINKED, {"mother_id": mother_id})).all():
        found.setdefault(clinician.id, (share, clinician))
    return list(found.values())


async def share_between(
    session: AsyncSession, clinician: Clinician, mother_id: str
) -> Share | None:
    """The share in force from this mother to this (active) clinician, if any: the check made
    on every button a clinician presses."""
    if clinician.status != ClinicianStatus.ACTIVE:
        return None
    return await session.scalar(
        select(Share)
        .where(
            Share.clinician_id == clinician.id,
            Share.mother_id == mother_id,
            Share.revoked_at.is_(None),
        )
        .order_by(Share.granted_at)
        .limit(1)
    )


# --- alerts ---------------------------------------------------------------------------------


async def create_alert(
    session: AsyncSession,
    *,
    mother_id: str,
    kind: str,
    now: datetime,
    flag_id: str | None = None,
    repeat_after: timedelta | None = None,
) -> Alert:
    """A new open alert; with `repeat_after`, repeated once if nobody acknowledges it by then."""
    alert = Alert(
        id=new_id(),
        mother_id=mother_id,
        flag_id=flag_id,
        kind=kind,
        status=AlertStatus.OPEN,
        created_at=now,
        escalate_at=now + repeat_after if repeat_after is not None else None,
    )
    session.add(alert)
    await session.flush()
    return alert


async def pending_callback(session: AsyncSession, mother_id: str, now: datetime) -> Alert | None:
    """Her recent call-back request nobody has acknowledged yet, if any."""
    return await session.scalar(
        select(Alert)
        .where(
            Alert.mother_id == mother_id,
            Alert.kind == CALLBACK,
            Alert.status == AlertStatus.OPEN,
            Alert.created_at > now - CALLBACK_PENDING_FOR,
        )
        .order_by(Alert.created_at.desc())
        .limit(1)
    )


async def unacknowledged(
    session: AsyncSession, mother_ids: Sequence[str]
) -> list[tuple[Alert, Flag | None]]:
    """These mothers' alerts nobody has acknowledged yet, oldest first, each with its flag
    (None for a call-back request). For the daily digest."""
    if not mother_ids:
        return []
    query = (
        select(Alert, Flag)
        .outerjoin(Flag, Flag.id == Alert.flag_id)
        .where(Alert.mother_id.in_(mother_ids), Alert.status == AlertStatus.OPEN)
        .order_by(Alert.created_at, Alert.id)
    )
    return [(alert, flag) for alert, flag in (await session.execute(query)).all()]


async def claim_due_repeats(
    session: AsyncSession, now: datetime, batch: int
) -> list[tuple[Alert, Mother]]:
    """Open alerts whose repeat is due and not yet made (rows another tick holds are skipped)."""
    query = (
        select(Alert, Mother)
        .join(Mother, Mother.id == Alert.mother_id)
        .where(
            Alert.escalate_at <= now,
            Alert.escalated_at.is_(None),
            Alert.status == AlertStatus.OPEN,
        )
        .order_by(Alert.escalate_at)
        .limit(batch)
        .with_for_update(skip_locked=True, of=Alert)
    )
    return [(alert, mother) for alert, mother in (await session.execute(query)).all()]


async def take_repeat(session: AsyncSession, alert: Alert, now: datetime) -> bool:
    """Mark the repeat made with a conditional update, so two ticks never both make it, and an
    acknowledgement that came in meanwhile stops it."""
    taken = await session.scalar(
        update(Alert)
        .where(
            Alert.id == alert.id,
            Alert.escalated_at.is_(None),
            Alert.status == AlertStatus.OPEN,
        )
        .values(escalated_at=now)
        .returning(Alert.id)
        .execution_options(synchronize_session=False)
    )
    if taken is not None:
        alert.escalated_at = now
    return taken is not None


async def acknowledge(
    session: AsyncSession, alert: Alert, clinician: Clinician, now: datetime
) -> bool:
    """The first acknowledgement wins (a conditional update); False if someone was first, and
    then `alert` shows who."""
    taken = await session.scalar(
        update(Alert)
        .where(Alert.id == alert.id, Alert.status == AlertStatus.OPEN)
        .values(status=AlertStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=clinician.id)
        .returning(Alert.id)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        await session.refresh(alert)
        return False
    alert.status, alert.acknowledged_at, alert.acknowledged_by = (
        AlertStatus.ACKNOWLEDGED,
        now,
        clinician.id,
    )
    audit(
        session,
        "acknowledged",
        now,
        alert_id=alert.id,
        clinician_id=clinician.id,
        mother_id=alert.mother_id,
    )
    return True


async def request_callback(
    session: AsyncSession, alert: Alert, clinician: Clinician, now: datetime
) -> bool:
    """A clinician will call her back: recorded once (a conditional update)."""
    taken = await session.scalar(
        update(Alert)
        .where(Alert.id == alert.id, Alert.callback_requested_at.is_(None))
        .values(callback_requested_at=now)
        .returning(Alert.id)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        await session.refresh(alert)
        return False
    alert.callback_requested_at = now
    audit(
        session,
        "callback_requested",
        now,
        alert_id=alert.id,
        clinician_id=clinician.id,
        mother_id=alert.mother_id,
    )
    return True


async def clinician_named(session: AsyncSession, clinician_id: str | None) -> Clinician | None:
    return await session.get(Clinician, clinician_id) if clinician_id else None


def can_be_told(mother: Mother) -> bool:
    """She can be messaged (she has not blocked the bot)."""
    return mother.status != MotherStatus.BLOCKED


# --- delivery failures ----------------------------------------------------------------------


def sent_detail(outbox_key: str, lane: int) -> str:
    """How an audit line names a queued message, so its failure can be matched to it later.
    Not its chat: that is a Telegram id (the line's clinician_id says who; none, the backup
    chat), and the line is part of her /mydata."""
    return f"outbox={outbox_key} lane={lane}"


async def audit_failed_delivery(
    session: AsyncSession, outbox_key: str, chat_id: int, error: str, now: datetime
) -> None:
    """The sender's failure hook: a message to a clinician (or the backup chat) that could not
    be delivered is written to the audit log, with its alert when it carried one."""
    sent = await session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.at >= now - FAILURE_LOOKBACK,
            AuditEntry.detail.startswith(f"outbox={outbox_key} ", autoescape=True),
        )
        .limit(1)
    )
    clinician = await session.scalar(select(Clinician).where(Clinician.chat_id == chat_id))
    if sent is None and clinician is None:
        return  # a message to a mother: the sender's own handling covers it
    alert_id = sent.alert_id if sent else None
    clinician_id = sent.clinician_id if sent else clinician.id if clinician else None
    audit(
        session,
        "delivery_failed",
        now,
        alert_id=alert_id,
        clinician_id=clinician_id,
        mother_id=sent.mother_id if sent else None,
        detail=f"outbox={outbox_key} error={error}",
    )
    # The log names companion's ids (None: the backup chat); the chat id is a Telegram id.
    log.warning(
        "event=clinician_delivery_failed alert=%s clinician=%s error=%s",
        alert_id,
        clinician_id,
        error,
    )
