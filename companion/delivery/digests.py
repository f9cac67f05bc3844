"""The clinician's daily digest, and on Mondays a weekly summary of each patient who asked for
one, queued by the tick in the clinician lane.

Like check-ins, the due time is a column (clinicians.next_digest_at, from her time zone and
"HH:MM"): the tick claims due clinicians (SKIP LOCKED on PostgreSQL) and advances the due time with
a conditional update before anything is queued, so two ticks never both send a digest. Only
mothers sharing with her now appear; her notes only where she chose to share them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.context import Services
from companion.bot.digest_texts import (
    Waiting,
    digest_texts,
    waiting_buttons,
    weekly_texts,
)
from companion.bot.patient_facts import clinician_locale, gather
from companion.bot.reaching import shown_name
from companion.bot.weekly_chart import weekly_chart
from companion.core.clinician_summary import build_digest, week_summary
from companion.core.clock_time import ClockTime
from companion.core.schedule import next_checkin_at
from companion.core.trends import WEEK
from companion.core.zones import tzinfo_for
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.store.alerts import unacknowledged
from companion.store.clinician_models import AuditEntry, Clinician, ClinicianStatus, Share
from companion.store.clinicians import audit, shared_with
from companion.store.flags import read_detail
from companion.store.models import Lane, Mother

log = logging.getLogger(__name__)

DIGEST_QUEUED = "digest_queued"  # the audit event; its time is "since the last summary"
WEEKLY_ON = 0  # Monday's digest carries the weekly summaries
FIRST_LOOKBACK = timedelta(days=7)  # a first digest's "new results": those of the past week


def clinician_zone(clinician: Clinician) -> tzinfo:
    try:
        return tzinfo_for(clinician.zone)
    except (ValueError, ZoneInfoNotFoundError):
        return UTC  # damage, logged when her schedule stopped; her digest still reads


def next_digest_at(clinician: Clinician, now: datetime) -> datetime | None:
    """The first time after `now` her clock shows her digest time (DST as for check-ins);
    None if her zone or time is unreadable."""
    try:
        zone = tzinfo_for(clinician.zone)
        chosen = ClockTime.parse_stored(clinician.digest_time)
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return next_checkin_at(now, zone, chosen)


async def send_due_digests(services: Services, batch: int) -> int:
    """Queue every due digest; returns how many were queued. Safe to run concurrently."""
    queued = 0
    while True:
        now = services.clock.now()
        async with services.db.session() as session:
            await _schedule_new(session, now, batch)
            due = await _claim(session, now, batch)
            for clinician in due:
                due_at = await _take(session, clinician, now)
                if due_at is not None and await _queue(services, session, clinician, due_at):
                    queued += 1
        if len(due) < batch:
            return queued


async def _schedule_new(session: AsyncSession, now: datetime, batch: int) -> None:
    """An active clinician without a due time (just joined) gets one."""
    query = (
        select(Clinician)
        .where(Clinician.status == ClinicianStatus.ACTIVE, Clinician.next_digest_at.is_(None))
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    for clinician in (await session.scalars(query)).all():
        # An unreadable zone stays unscheduled; _take logs it when it finds one.
        clinician.next_digest_at = next_digest_at(clinician, now)


async def _claim(session: AsyncSession, now: datetime, batch: int) -> list[Clinician]:
    query = (
        select(Clinician)
        .where(Clinician.status == ClinicianStatus.ACTIVE, Clinician.next_digest_at <= now)
        .order_by(Clinician.next_digest_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def _take(session: AsyncSession, clinician: Clinician, now: datetime) -> datetime | None:
    """Advance her due time first, with a conditional update: a tick racing this one (SQLite
    has no SKIP LOCKED) finds it moved and sends nothing. Returns the due time taken."""
    due = clinician.next_digest_at
    following = next_digest_at(clinician, now)
    if following is None:
        log.error("event=digest_schedule_unreadable clinician=%s", clinician.id)
    taken = await session.scalar(
        update(Clinician)
        .where(Clinician.id == clinician.id, Clinician.next_digest_at == due)
        .values(next_digest_at=following)
        .returning(Clinician.id)
        .execution_options(synchronize_session=False)
    )
    if taken is None or due is None:
        return None
    clinician.next_digest_at = following
    return due


async def _last_digest(session: AsyncSession, clinician_id: str) -> datetime | None:
    return await session.scalar(
        select(AuditEntry.at)
        .where(AuditEntry.event == DIGEST_QUEUED, AuditEntry.clinician_id == clinician_id)
        .order_by(AuditEntry.at.desc())
        .limit(1)
    )


async def _queue(
    services: Services, session: AsyncSession, clinician: Clinician, due: datetime
) -> bool:
    """Her digest (and on Mondays the weekly summaries) in the clinician lane. Nobody sharing
    with her yet: nothing is sent."""
    now, content = services.clock.now(), services.content
    if now - due > timedelta(hours=services.settings.grace_hours):
        # The bot was down past the grace window: no digest in the middle of her night; the
        # next one covers everything since the last one sent.
        log.info("event=digest_missed clinician=%s", clinician.id)
        return False
    pairs = await shared_with(session, clinician.id)
    if clinician.chat_id is None or not pairs:
        return False
    locale = clinician_locale(content, clinician)
    since = await _last_digest(session, clinician.id) or due - FIRST_LOOKBACK
    facts = await gather(services, session, pairs, locale=locale)
    digest = build_digest(facts, since=since, silent_days=services.settings.silent_days)
    zone = clinician_zone(clinician)
    today = now.astimezone(zone).date()
    waiting = await _waiting(services, session, pairs, locale)
    texts = digest_texts(services, locale, digest, today, waiting)
    replies = [Reply(text, protect=True) for text in texts]
    replies += waiting_buttons(services, locale, waiting)
    weekly = [(share, mother) for share, mother in pairs if share.weekly_summary]
    if weekly and due.astimezone(zone).weekday() == WEEKLY_ON:
        last = today - timedelta(days=1)
        for facts_one in await gather(services, session, weekly, locale=locale, days=2 * WEEK):
            summary = week_summary(facts_one, last)
            replies.append(await weekly_chart(content, locale, facts_one, summary))
            replies += [
                Reply(text, protect=True) for text in weekly_texts(content, locale, summary)
            ]
    await enqueue(
        session,
        services.vault,
        chat_id=clinician.chat_id,
        replies=replies,
        lane=Lane.CLINICIAN,
        now=now,
    )
    detail = (
        f"flags={len(digest.flags)} results={len(digest.results)} silent={len(digest.silent)} "
        f"unacknowledged={len(waiting)}"
    )
    audit(session, DIGEST_QUEUED, now, clinician_id=clinician.id, detail=detail)
    log.info("event=digest_queued clinician=%s messages=%d", clinician.id, len(replies))
    return True


async def _waiting(
    services: Services, session: AsyncSession, pairs: Sequence[tuple[Share, Mother]], locale: str
) -> list[Waiting]:
    names = {mother.id: shown_name(services, locale, share) for share, mother in pairs}
    found = await unacknowledged(session, list(names))
    return [
        Waiting(
            alert, names[alert.mother_id], read_detail(flag, services.vault).level if flag else None
        )
        for alert, flag in found
    ]
