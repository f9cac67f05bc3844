"""The schedule tick: one periodic job claims due mothers in batches and queues their check-ins.

No per-mother jobs: due times are a column (mothers.next_checkin_at), so start-up does no work per
mother, and a restart or a second worker loses or repeats nothing. Each check-in is recorded under
a unique (mother, local date, kind) key before its message is queued, in one transaction. With
several workers, only the leader ticks.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.checkin import prompt_replies
from companion.bot.checkin_steps import CHECKIN
from companion.bot.context import Services
from companion.core.quiet import QuietHours
from companion.core.triage import clear_cache as clear_triage_cache
from companion.core.zones import tzinfo_for
from companion.delivery.alert_repeats import repeat_unacknowledged
from companion.delivery.digests import send_due_digests
from companion.delivery.followups import send_followups
from companion.delivery.outbox import enqueue
from companion.delivery.tick_batch import BatchReport, tick_batch
from companion.delivery.tick_rows import Prompts
from companion.delivery.unanswered import escalate_unanswered
from companion.store.db import retry_locked
from companion.store.flags import forget_old_messages
from companion.store.models import (
    Checkin,
    CheckinStatus,
    Lane,
    Mother,
    MotherStatus,
)
from companion.store.mothers import clear_ended_pauses, set_conversation

log = logging.getLogger(__name__)


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
    """Queue every due check-in and reminder. Safe to run concurrently with itself.

    Her messages come first: each batch is one short transaction (see tick_batch), and the
    tick gives the event loop (and, on SQLite, the write lock) back between batches."""
    report = TickReport()
    batch = services.settings.tick_batch
    prompts = Prompts(services)
    while True:
        done = await retry_locked(lambda: _one_batch(services, prompts, batch))
        for name in ("sent", "late", "missed", "nudged", "duplicates", "held"):
            setattr(report, name, getattr(report, name) + getattr(done, name))
        if done.sent or done.nudged:
            services.sender.wake()  # this batch goes out while the next one is planned
        if done.claimed < batch:
            break
        await asyncio.sleep(0)
    async with services.db.session() as session:
        for checkin, mother in await _claim_reminders(session, services.clock.now(), batch):
            await _remind(services, session, checkin, mother, report)
    report.followups = await send_followups(services, batch)
    report.unanswered = await escalate_unanswered(services, batch)
    report.alerts_repeated = await repeat_unacknowledged(services, batch)
    report.digests = await send_due_digests(services, batch)
    async with services.db.session() as session:
        forgotten = await forget_old_messages(session, services.clock.now())
        await clear_ended_pauses(session, services.clock.now())
    if forgotten:  # the triage's in-memory readings of messages must not outlive them
        clear_triage_cache()
    if report.queued:
        services.sender.wake()
    return report


async def _one_batch(services: Services, prompts: Prompts, batch: int) -> BatchReport:
    async with services.db.session() as session:
        return await tick_batch(services, session, prompts, services.clock.now(), batch)


async def run_tick_if_leading(services: Services) -> TickReport | None:
    """The tick on the leading worker (see leader.py); None on the others, which skip it. The
    claim of due mothers and the unique check-in key below still guard against doubles."""
    if not await services.sender.leader.leading():
        return None
    return await run_tick(services)


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
