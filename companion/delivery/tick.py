"""The schedule tick: one periodic job claims due mothers in batches and queues their check-ins.

No per-mother jobs: due times are a column (mothers.next_checkin_at), so start-up does no work per
mother, and a restart or a second worker loses or repeats nothing. Each check-in is recorded under
a unique (mother, local date, kind) key before its message is queued, in one transaction. With
several workers, only the leader ticks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.checkin import nudge_replies, prompt_replies
from companion.bot.checkin_steps import CHECKIN
from companion.bot.context import Services
from companion.core.clock_time import ClockTime
from companion.core.quiet import QuietHours
from companion.core.schedule import next_after
from companion.core.triage import clear_cache as clear_triage_cache
from companion.core.zones import tzinfo_for
from companion.delivery.alert_repeats import repeat_unacknowledged
from companion.delivery.digests import send_due_digests
from companion.delivery.followups import send_followups
from companion.delivery.outbox import enqueue
from companion.delivery.unanswered import escalate_unanswered
from companion.store.checkins import DAILY, record_checkins
from companion.store.flags import forget_old_messages
from companion.store.models import (
    Checkin,
    CheckinStatus,
    Conversation,
    Lane,
    Mother,
    MotherStatus,
    new_id,
)
from companion.store.mothers import set_conversation

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
    held: int = 0  # not sent: prompts paused for the rest of her day after a crisis reply
    followups: int = 0
    unanswered: int = 0  # "no answer to the safety follow-up" alerts
    alerts_repeated: int = 0
    digests: int = 0

    @property
    def queued(self) -> int:
        return (
            self.sent
            + self.nudged
            + self.reminded
            + self.followups
            + self.unanswered
            + self.alerts_repeated
            + self.digests
        )


async def run_tick(services: Services) -> TickReport:
    """Queue every due check-in and reminder. Safe to run concurrently with itself."""
    report = TickReport()
    batch = services.settings.tick_batch
    while True:
        now = services.clock.now()
        async with services.db.session() as session:
            due = await _claim_due(session, now, batch)
            await _checkins_due(services, session, due, now, report)
        if len(due) < batch:
            break
    async with services.db.session() as session:
        for checkin, mother in await _claim_reminders(session, services.clock.now(), batch):
            await _remind(services, session, checkin, mother, report)
    report.followups = await send_followups(services, batch)
    report.unanswered = await escalate_unanswered(services, batch)
    report.alerts_repeated = await repeat_unacknowledged(services, batch)
    report.digests = await send_due_digests(services, batch)
    async with services.db.session() as session:
        forgotten = await forget_old_messages(session, services.clock.now())
    if forgotten:  # the triage's in-memory readings of messages must not outlive them
        clear_triage_cache()
    if report.queued:
        services.sender.wake()
    return report


async def run_tick_if_leading(services: Services) -> TickReport | None:
    """The tick on the leading worker (see leader.py); None on the others, which skip it. The
    claim of due mothers and the unique check-in key below still guard against doubles."""
    if not await services.sender.leader.leading():
        return None
    return await run_tick(services)


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


@dataclass(frozen=True)
class _Plan:
    """What one due mother gets, decided before anything is written."""

    mother: Mother
    row: dict[str, object]  # the check-in to record
    late: bool
    nudge: bool


def _plan(services: Services, quiet: QuietHours, mother: Mother, now: datetime) -> _Plan | None:
    due = mother.next_checkin_at
    if due is None or not mother.timezone or not mother.checkin_time:
        return None  # not selectable by _claim_due; kept for the type checker
    try:
        zone = tzinfo_for(mother.timezone)
        chosen = ClockTime.parse_stored(mother.checkin_time)
    except (ValueError, ZoneInfoNotFoundError):
        # Validated on entry, so this is damage: stop her schedule, not everyone's batch.
        log.error("event=schedule_unreadable mother=%s", mother.id)
        mother.next_checkin_at = None
        return None
    # Advance first: whatever happens below, this due time is dealt with once.
    settings = services.settings
    grace = timedelta(hours=settings.grace_hours)
    mother.next_checkin_at = next_after(due, now, grace, zone, chosen)
    late = now - due
    chosen_is_quiet = quiet.contains(time(chosen.hour, chosen.minute))
    late_into_quiet = late > timedelta(0) and quiet.contains(now.astimezone(zone).time())
    missed = late > grace or (late_into_quiet and not chosen_is_quiet)
    held = not missed and _prompts_paused(mother, now)
    # After three unanswered prompts in a row, one gentle nudge instead of a fourth; no other
    # until she engages with a check-in again (which resets both counters).
    quiet_day = missed or held
    nudge = not quiet_day and mother.unanswered >= NUDGE_AFTER_MISSED and not mother.nudged
    remind = mother.reminders and not nudge and not quiet_day
    status = (
        CheckinStatus.MISSED
        if missed
        else CheckinStatus.HELD
        if held
        else CheckinStatus.NUDGE
        if nudge
        else CheckinStatus.SENT
    )
    row: dict[str, object] = {
        "id": new_id(),
        "mother_id": mother.id,
        "local_date": due.astimezone(zone).date(),
        "kind": DAILY,
        "status": status,
        "due_at": due,
        "created_at": now,
        "backfill": False,
        # A reminder counts from when the prompt went out, not from when it was due.
        "remind_at": now + timedelta(hours=settings.reminder_after_hours) if remind else None,
    }
    return _Plan(mother, row, late > timedelta(minutes=5), nudge)


async def _checkins_due(
    services: Services,
    session: AsyncSession,
    due: list[Mother],
    now: datetime,
    report: TickReport,
) -> None:
    """The batch in a few statements: every check-in recorded by one insert that skips days
    already recorded, then the prompts and conversations for those it recorded, flushed once."""
    quiet = QuietHours.parse(services.settings.quiet_hours)
    plans = [plan for m in due if (plan := _plan(services, quiet, m, now)) is not None]
    if not plans:
        return
    recorded = await record_checkins(session, [plan.row for plan in plans])
    known = {  # the batch's open conversations, in one query
        conversation.mother_id: conversation
        for conversation in await session.scalars(
            select(Conversation).where(Conversation.mother_id.in_([p.mother.id for p in plans]))
        )
    }
    for plan in plans:
        mother, checkin_id = plan.mother, str(plan.row["id"])
        if checkin_id not in recorded:
            report.duplicates += 1
            continue
        if plan.row["status"] == CheckinStatus.MISSED:
            report.missed += 1
            log.info("event=checkin_missed mother=%s", mother.id)
            continue
        if plan.row["status"] == CheckinStatus.HELD:
            report.held += 1
            continue
        if plan.nudge:
            replies = nudge_replies(services, mother)
            mother.nudged = True
            if mother.id in known:  # an old open question must not catch her reply
                await session.delete(known.pop(mother.id))
            report.nudged += 1
        else:
            replies = prompt_replies(services, mother, checkin_id, late=plan.late)
            mother.unanswered += 1
            await set_conversation(
                session,
                mother,
                flow=CHECKIN,
                step="mood",
                now=now,
                vault=services.vault,
                data={"checkin": checkin_id},
                known=known,
            )
            report.sent += 1
            report.late += plan.late
        await enqueue(
            session,
            services.vault,
            chat_id=mother.chat_id,
            replies=replies,
            lane=Lane.SCHEDULED,
            now=now,
            mother_id=mother.id,
        )


def _prompts_paused(mother: Mother, now: datetime) -> bool:
    return mother.prompts_paused_until is not None and now < mother.prompts_paused_until


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
    if _prompts_paused(mother, now):
        checkin.remind_at = None  # after a crisis reply, no more prompts today
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
