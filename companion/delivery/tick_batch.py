"""One batch of the schedule tick, set-based: a few statements per batch, not an object per mother.

A batch is claimed as plain rows; what each mother gets is decided, and her prompt rendered and
sealed, before anything is written. Then, in one short transaction: the check-ins go in with one
executemany that skips days already recorded (the unique key), and those it recorded are read
back; the prompts for those are queued, their conversations set and the nudged ones' cleared,
and every claimed mother's due time advanced, each with one statement for the whole batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import (
    Boolean,
    Integer,
    Table,
    bindparam,
    case,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.context import Services
from companion.core.clock_time import ClockTime
from companion.core.quiet import QuietHours
from companion.core.schedule import next_after
from companion.core.zones import tzinfo_for
from companion.delivery.tick_rows import Prompts, conversation_row, outbox_rows
from companion.store.checkins import DAILY
from companion.store.models import (
    Checkin,
    CheckinStatus,
    Conversation,
    Mother,
    MotherStatus,
    OutboxMessage,
    new_id,
)

log = logging.getLogger(__name__)
NUDGE_AFTER_MISSED = 3

_MOTHERS = cast(Table, Mother.__table__)
_CHECKINS = cast(Table, Checkin.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_CONVERSATIONS = cast(Table, Conversation.__table__)
_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}

# What the tick reads of a due mother: plain columns, no ORM object.
_CLAIMED = (
    _MOTHERS.c.id,
    _MOTHERS.c.chat_id,
    _MOTHERS.c.locale,
    _MOTHERS.c.timezone,
    _MOTHERS.c.checkin_time,
    _MOTHERS.c.next_checkin_at,
    _MOTHERS.c.unanswered,
    _MOTHERS.c.nudged,
    _MOTHERS.c.reminders,
    _MOTHERS.c.prompts_paused_until,
)
# Her due time moves on only if it is still the one this batch dealt with (on SQLite the claim
# is read before the write lock is taken: a new check-in time she chose meanwhile stays hers).
# The counters move relative to what is stored, for the same reason.
_AT = _MOTHERS.c.next_checkin_at.type
_ADVANCE = (
    update(_MOTHERS)
    .where(_MOTHERS.c.id == bindparam("m_id"))
    .values(
        next_checkin_at=case(
            (
                _MOTHERS.c.next_checkin_at == bindparam("m_due", type_=_AT),
                bindparam("m_next", type_=_AT),
            ),
            else_=_MOTHERS.c.next_checkin_at,
        ),
        unanswered=_MOTHERS.c.unanswered + bindparam("m_plus", type_=Integer),
        nudged=or_(_MOTHERS.c.nudged, bindparam("m_nudge", type_=Boolean)),
    )
)
_QUEUE = insert(_OUTBOX)


@dataclass
class BatchReport:
    """What one batch did (run_tick adds it to the tick's report)."""

    claimed: int = 0
    sent: int = 0
    late: int = 0
    missed: int = 0
    nudged: int = 0
    duplicates: int = 0
    held: int = 0


@dataclass(frozen=True)
class _When:
    """One due time in one zone at one chosen time, dealt with now (shared by every mother with
    the same three: a morning's batch has few distinct ones)."""

    next_at: datetime
    local_date: date
    late: timedelta
    missed: bool


@dataclass
class _Batch:
    """The rows one batch writes, built before the write transaction starts."""

    checkins: list[dict[str, Any]] = field(default_factory=list)
    advances: list[dict[str, Any]] = field(default_factory=list)
    # check-in id -> what goes with it once recorded: outbox rows, a conversation, the mother
    sent: dict[str, tuple[list[dict[str, Any]], dict[str, Any], bool]] = field(default_factory=dict)
    nudges: dict[str, tuple[list[dict[str, Any]], str]] = field(default_factory=dict)
    missed: dict[str, str] = field(default_factory=dict)


async def tick_batch(
    services: Services, session: AsyncSession, prompts: Prompts, now: datetime, limit: int
) -> BatchReport:
    """Claim up to `limit` due mothers and deal with them, in the session's transaction."""
    report = BatchReport()
    due = await _claim(session, now, limit)
    report.claimed = len(due)
    if not due:
        return report
    batch = _plan(services, prompts, due, now)
    await _write(session, batch, report)
    return report


async def _write(session: AsyncSession, batch: _Batch, report: BatchReport) -> None:
    """The batch's statements: check-ins, then what goes with those recorded, then due times."""
    dialect = _DIALECTS[session.get_bind().dialect.name]
    recorded: set[str] = set()
    if batch.checkins:
        # A day already recorded (another tick, or she began it herself) is skipped by the
        # unique key; those this batch did record are read back by the ids it chose. (One
        # INSERT ... RETURNING of the batch took twice as long on PostgreSQL.)
        await session.execute(_record_checkins(dialect), batch.checkins)
        chosen = [row["id"] for row in batch.checkins]
        recorded = set(
            (await session.scalars(select(_CHECKINS.c.id).where(_CHECKINS.c.id.in_(chosen)))).all()
        )
    report.duplicates = len(batch.checkins) - len(recorded)
    queued: list[dict[str, Any]] = []
    conversations: list[dict[str, Any]] = []
    plus: dict[str, int] = {}
    for checkin_id, (rows, conversation, late) in batch.sent.items():
        if checkin_id in recorded:
            queued += rows
            conversations.append(conversation)
            plus[conversation["mother_id"]] = 1
            report.sent += 1
            report.late += late
    nudged: list[str] = []
    for checkin_id, (rows, mother_id) in batch.nudges.items():
        if checkin_id in recorded:
            queued += rows
            nudged.append(mother_id)
    report.nudged = len(nudged)
    for checkin_id, mother_id in batch.missed.items():
        if checkin_id in recorded:
            report.missed += 1
            log.info("event=checkin_missed mother=%s", mother_id)
    report.held = len(recorded) - report.sent - report.nudged - report.missed
    if nudged:  # an old open question must not catch her reply to the nudge
        await session.execute(delete(_CONVERSATIONS).where(_CONVERSATIONS.c.mother_id.in_(nudged)))
    if conversations:
        await session.execute(_set_conversations(dialect), conversations)
    if queued:
        await session.execute(_QUEUE, queued)
    nudged_set = set(nudged)
    for advance in batch.advances:
        advance["m_plus"] = plus.get(advance["m_id"], 0)
        advance["m_nudge"] = advance["m_id"] in nudged_set
    await session.execute(_ADVANCE, batch.advances)


async def _claim(session: AsyncSession, now: datetime, limit: int) -> Sequence[Any]:
    # SKIP LOCKED lets several workers tick at once on PostgreSQL; SQLite ignores it and
    # serialises writers, and the unique check-in key stops doubles either way.
    query = (
        select(*_CLAIMED)
        .where(_MOTHERS.c.status == MotherStatus.ACTIVE, _MOTHERS.c.next_checkin_at <= now)
        .order_by(_MOTHERS.c.next_checkin_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).all()


def _record_checkins(dialect: Any) -> Any:
    return dialect.insert(_CHECKINS).on_conflict_do_nothing(
        index_elements=["mother_id", "local_date", "kind"]
    )


def _set_conversations(dialect: Any) -> Any:
    statement = dialect.insert(_CONVERSATIONS)
    return statement.on_conflict_do_update(
        index_elements=["mother_id"],
        set_={
            name: statement.excluded[name] for name in ("flow", "step", "data_sealed", "updated_at")
        },
    )


def _plan(services: Services, prompts: Prompts, due: Sequence[Any], now: datetime) -> _Batch:
    """What each claimed mother gets: her check-in row, and her prompt (or nudge) rendered and
    sealed; every due time is advanced, whatever is recorded."""
    settings = services.settings
    quiet = QuietHours.parse(settings.quiet_hours)
    grace = timedelta(hours=settings.grace_hours)
    remind_at = now + timedelta(hours=settings.reminder_after_hours)
    whens: dict[tuple[datetime, str, str], _When | None] = {}
    batch = _Batch()
    for mother in due:
        key = (mother.next_checkin_at, mother.timezone or "", mother.checkin_time or "")
        if key not in whens:
            whens[key] = _when(key, now, grace, quiet)
        when = whens[key]
        advance = {"m_id": mother.id, "m_due": mother.next_checkin_at, "m_next": None}
        batch.advances.append(advance)
        if when is None:
            # Validated on entry, so this is damage: stop her schedule, not everyone's batch.
            log.error("event=schedule_unreadable mother=%s", mother.id)
            continue
        # Advance first: whatever happens below, this due time is dealt with once.
        advance["m_next"] = when.next_at
        paused = mother.prompts_paused_until
        held = not when.missed and paused is not None and now < paused
        # After three unanswered prompts in a row, one gentle nudge instead of a fourth; no
        # other until she engages with a check-in again (which resets both counters).
        quiet_day = when.missed or held
        nudge = not quiet_day and mother.unanswered >= NUDGE_AFTER_MISSED and not mother.nudged
        remind = mother.reminders and not nudge and not quiet_day
        checkin_id = new_id()
        batch.checkins.append(
            {
                "id": checkin_id,
                "mother_id": mother.id,
                "local_date": when.local_date,
                "kind": DAILY,
                "status": CheckinStatus.MISSED
                if when.missed
                else CheckinStatus.HELD
                if held
                else CheckinStatus.NUDGE
                if nudge
                else CheckinStatus.SENT,
                "due_at": mother.next_checkin_at,
                "created_at": now,
                "backfill": False,
                # A reminder counts from when the prompt went out, not from when it was due.
                "remind_at": remind_at if remind else None,
            }
        )
        if when.missed:
            batch.missed[checkin_id] = mother.id
        elif nudge:
            payloads = prompts.nudge(mother.locale)
            batch.nudges[checkin_id] = (outbox_rows(services, mother, payloads, now), mother.id)
        elif not held:
            late = when.late > timedelta(minutes=5)
            payloads = prompts.prompt(mother.locale, checkin_id, late=late)
            batch.sent[checkin_id] = (
                outbox_rows(services, mother, payloads, now),
                conversation_row(services, mother.id, checkin_id, now),
                late,
            )
    return batch


def _when(
    key: tuple[datetime, str, str], now: datetime, grace: timedelta, quiet: QuietHours
) -> _When | None:
    due, zone_name, checkin_time = key
    try:
        zone = tzinfo_for(zone_name)
        chosen = ClockTime.parse_stored(checkin_time)
        chosen_is_quiet = quiet.contains(time(chosen.hour, chosen.minute))
    except (ValueError, ZoneInfoNotFoundError):
        return None
    late = now - due
    late_into_quiet = late > timedelta(0) and quiet.contains(now.astimezone(zone).time())
    return _When(
        next_at=next_after(due, now, grace, zone, chosen),
        local_date=due.astimezone(zone).date(),
        late=late,
        missed=late > grace or (late_into_quiet and not chosen_is_quiet),
    )
