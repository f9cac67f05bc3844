"""The schedule tick: one periodic job claims due mothers in batches and queues their check-ins.

No per-mother jobs: due times are a column (mothers.next_checkin_at), so start-up does no work per
mother, and a restart or a second worker loses or repeats nothing. Each check-in is recorded under
a unique (mother, local date, kind) key before its message is queued, in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.checkin import nudge_replies, prompt_replies
from companion.bot.checkin_steps import CHECKIN
from companion.bot.context import Services
from companion.core.clock_time import ClockTime
from companion.core.quiet import QuietHours
from companion.core.schedule import next_checkin_at
from companion.core.zones import tzinfo_for
from companion.delivery.outbox import enqueue
from companion.store.checkins import DAILY, record_checkin
from companion.store.models import Checkin, CheckinStatus, Lane, Mother, MotherStatus
from companion.store.mothers import end_conversation, set_conversation

log = logging.getLogger(__name__)
NUDGE_AFTER_MISSED = 3


@dataclass
class TickReport:
    sent: int = 0
    late: int = 0
    missed: int = 0
    nudged: int = 0
    reminded: int = 0
    duplicates: int = 0

    @property
    def queued(self) -> int:
        return self.sent + self.nudged + self.reminded


async def run_tick(services: Services) -> TickReport:
    """Queue every due check-in and reminder. Safe to run concurrently with itself."""
    report = TickReport()
    batch = services.settings.tick_batch
    while True:
        now = services.clock.now()
        async with services.db.session() as session:
            due = await _claim_due(session, now, batch)
            for mother in due:
                await _checkin_due(services, session, mother, now, report)
        if len(due) < batch:
            break
    async with services.db.session() as session:
        for checkin, mother in await _claim_reminders(session, services.clock.now(), batch):
            await _remind(services, session, checkin, mother, report)
    if report.queued:
        services.sender.wake()
    return report


async def _claim_due(session: AsyncSession, now: datetime, batch: int) -> list[Mother]:
    # SKIP LOCKED lets several workers tick at once on PostgreSQL; SQLite ignores it and
    # serialises writers, and the unique check-in key stops doubles either way.
    query = (
        select(Mother)
        .where(Mother.status == MotherStatus.ACTIVE, Mother.next_checkin_at <= now)
        .order_by(Mother.next_checkin_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def _checkin_due(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    now: datetime,
    report: TickReport,
) -> None:
    due = mother.next_checkin_at
    if due is None or not mother.timezone or not mother.checkin_time:
        return  # not selectable by _claim_due; kept for the type checker
    zone = tzinfo_for(mother.timezone)
    chosen = ClockTime.parse_stored(mother.checkin_time)
    # Advance first: whatever happens below, this due time is dealt with once.
    mother.next_checkin_at = next_checkin_at(now, zone, chosen)
    local_date = due.astimezone(zone).date()
    settings = services.settings
    late = now - due
    quiet = QuietHours.parse(settings.quiet_hours)
    chosen_is_quiet = quiet.contains(time(chosen.hour, chosen.minute))
    late_into_quiet = late > timedelta(0) and quiet.contains(now.astimezone(zone).time())
    if late > timedelta(hours=settings.grace_hours) or (late_into_quiet and not chosen_is_quiet):
        await record_checkin(
            session,
            mother_id=mother.id,
            local_date=local_date,
            status=CheckinStatus.MISSED,
            due_at=due,
            now=now,
        )
        report.missed += 1
        log.info("event=checkin_missed mother=%s late_s=%d", mother.id, late.total_seconds())
        return
    nudge = await _silent_for_days(session, mother)
    remind_at = None
    if mother.reminders and not nudge:
        remind_at = now + timedelta(hours=settings.reminder_after_hours)  # after it went out
    checkin_id = await record_checkin(
        session,
        mother_id=mother.id,
        local_date=local_date,
        status=CheckinStatus.NUDGE if nudge else CheckinStatus.SENT,
        due_at=due,
        now=now,
        remind_at=remind_at,
    )
    if checkin_id is None:
        report.duplicates += 1
        return
    if nudge:
        replies = nudge_replies(services, mother)
        await end_conversation(session, mother)  # an old open question must not catch her reply
        report.nudged += 1
    else:
        replies = prompt_replies(services, mother, checkin_id, late=late > timedelta(minutes=5))
        await set_conversation(
            session,
            mother,
            flow=CHECKIN,
            step="mood",
            now=now,
            vault=services.vault,
            data={"checkin": checkin_id},
        )
        report.sent += 1
        report.late += late > timedelta(minutes=5)
    await enqueue(
        session,
        services.vault,
        chat_id=mother.chat_id,
        replies=replies,
        lane=Lane.SCHEDULED,
        now=now,
        mother_id=mother.id,
    )


async def _silent_for_days(session: AsyncSession, mother: Mother) -> bool:
    """Her last few prompts went unanswered and she hasn't had a nudge since she last answered."""
    mine = (Checkin.mother_id == mother.id, Checkin.kind == DAILY)
    last = await session.scalar(
        select(Checkin)
        .where(
            *mine,
            Checkin.status.in_((CheckinStatus.STARTED, CheckinStatus.DONE, CheckinStatus.NUDGE)),
        )
        .order_by(Checkin.local_date.desc())
        .limit(1)
    )
    if last is not None and last.status == CheckinStatus.NUDGE:
        return False  # nudged already; the next nudge waits until she has answered again
    unanswered = select(func.count()).where(*mine, Checkin.status == CheckinStatus.SENT)
    if last is not None:
        unanswered = unanswered.where(Checkin.local_date > last.local_date)
    return int(await session.scalar(unanswered) or 0) >= NUDGE_AFTER_MISSED


async def _claim_reminders(
    session: AsyncSession, now: datetime, batch: int
) -> list[tuple[Checkin, Mother]]:
    query = (
        select(Checkin, Mother)
        .join(Mother, Mother.id == Checkin.mother_id)
        .where(
            Checkin.remind_at <= now,
            Checkin.status == CheckinStatus.SENT,
            Mother.status == MotherStatus.ACTIVE,
        )
        .limit(batch)
        .with_for_update(skip_locked=True, of=Checkin)
    )
    return [(checkin, mother) for checkin, mother in (await session.execute(query)).all()]


async def _remind(
    services: Services,
    session: AsyncSession,
    checkin: Checkin,
    mother: Mother,
    report: TickReport,
) -> None:
    """One reminder (opt-in, or a snooze she asked for), never in quiet hours."""
    now = services.clock.now()
    local = now.astimezone(tzinfo_for(mother.timezone or "UTC"))
    quiet = QuietHours.parse(services.settings.quiet_hours)
    if local.date() != checkin.local_date:
        checkin.remind_at = None  # that day is over; today's check-in will come as usual
        return
    if quiet.contains(local.time()):
        checkin.remind_at = quiet.next_loud(local)
        return
    # Take it with a conditional update: a tick racing this one (SQLite has no SKIP LOCKED)
    # finds it taken, and an answer given meanwhile has cleared it.
    taken = await session.scalar(
        update(Checkin)
        .where(
            Checkin.id == checkin.id,
            Checkin.status == CheckinStatus.SENT,
            Checkin.remind_at <= now,
        )
        .values(remind_at=None)
        .returning(Checkin.id)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        report.duplicates += 1
        return
    checkin.remind_at = None
    await set_conversation(
        session,
        mother,
        flow=CHECKIN,
        step="mood",
        now=now,
        vault=services.vault,
        data={"checkin": checkin.id},
    )
    await enqueue(
        session,
        services.vault,
        chat_id=mother.chat_id,
        replies=prompt_replies(services, mother, checkin.id, reminder=True),
        lane=Lane.SCHEDULED,
        now=now,
        mother_id=mother.id,
    )
    report.reminded += 1
