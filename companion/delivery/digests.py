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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.context import Services
from companion.bot.patient_facts import (
    K,
    age_words,
    clinician_locale,
    day_count,
    gather,
    level_word,
    say,
    score_words,
    source_words,
    when,
)
from companion.content import Content
from companion.core.clinician_summary import (
    Digest,
    WeekSummary,
    build_digest,
    pack,
    week_summary,
)
from companion.core.clock_time import ClockTime
from companion.core.schedule import next_checkin_at
from companion.core.trends import WEEK
from companion.core.zones import tzinfo_for
from companion.delivery.alert_repeats import alert_buttons
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.store.alerts import CALLBACK, unacknowledged
from companion.store.clinician_models import Alert, AuditEntry, Clinician, ClinicianStatus, Share
from companion.store.clinicians import audit, read_display_name, shared_with
from companion.store.models import Lane, Mother

log = logging.getLogger(__name__)

DIGEST_QUEUED = "digest_queued"  # the audit event; its time is "since the last summary"
WEEKLY_ON = 0  # Monday's digest carries the weekly summaries
TEXT_LIMIT = 4000  # below Telegram's 4,096
FIRST_LOOKBACK = timedelta(days=7)  # a first digest's "new results": those of the past week
WAITING_WITH_BUTTONS = 5  # unacknowledged alerts repeated with their buttons after a digest


def clinician_zone(clinician: Clinician) -> tzinfo:
    try:
        return tzinfo_for(clinician.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        return UTC  # damage, logged when her schedule stopped; her digest still reads


def next_digest_at(clinician: Clinician, now: datetime) -> datetime | None:
    """The first time after `now` her clock shows her digest time (DST as for check-ins);
    None if her zone or time is unreadable."""
    try:
        zone = tzinfo_for(clinician.timezone)
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
    waiting = await _waiting(services, session, pairs)
    texts = digest_texts(services, locale, digest, today, waiting)
    replies = [Reply(text, protect=True) for text in texts]
    replies += _waiting_buttons(services, locale, waiting)
    weekly = [(share, mother) for share, mother in pairs if share.weekly_summary]
    if weekly and due.astimezone(zone).weekday() == WEEKLY_ON:
        last = today - timedelta(days=1)
        for facts_one in await gather(services, session, weekly, locale=locale, days=2 * WEEK):
            summary = week_summary(facts_one, last)
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


@dataclass(frozen=True)
class Waiting:
    """An alert nobody has acknowledged yet, as her clinician's digest names it."""

    alert: Alert
    name: str  # the name she chose to show this clinician
    level: str | None  # the flag's; None for a call-back request


async def _waiting(
    services: Services, session: AsyncSession, pairs: Sequence[tuple[Share, Mother]]
) -> list[Waiting]:
    names = {mother.id: read_display_name(share, services.vault) for share, mother in pairs}
    found = await unacknowledged(session, list(names))
    return [Waiting(alert, names[alert.mother_id], level) for alert, level in found]


def _what(content: Content, locale: str, waiting: Waiting) -> str:
    kind = "callback" if waiting.alert.kind == CALLBACK else waiting.level or ""
    if content.has(locale, f"{K}digest.what.{kind}"):
        return say(content, locale, f"digest.what.{kind}")
    return level_word(content, locale, kind)


def _waiting_words(services: Services, locale: str, waiting: Waiting) -> dict[str, str]:
    content, now = services.content, services.clock.now()
    return {
        "name": waiting.name,
        "what": _what(content, locale, waiting),
        "age": age_words(content, locale, waiting.alert.created_at, now),
    }


def _waiting_buttons(services: Services, locale: str, waiting: list[Waiting]) -> list[Reply]:
    """After the digest, the oldest few waiting alerts again, each with its buttons, so she can
    acknowledge without scrolling back to the alert."""
    return [
        Reply(
            say(
                services.content,
                locale,
                "digest.waiting_buttons",
                **_waiting_words(services, locale, one),
            ),
            alert_buttons(services, locale, one.alert),
            protect=True,
        )
        for one in waiting[:WAITING_WITH_BUTTONS]
    ]


def digest_texts(
    services: Services, locale: str, digest: Digest, today: date, waiting: Sequence[Waiting] = ()
) -> list[str]:
    """The digest as one or more texts: title, alerts nobody has acknowledged, open flags, new
    results of note, silent mothers (or the all-quiet line), the caveat when a PHQ-9 is
    listed, the commands."""
    content, now = services.content, services.clock.now()
    silent_days = services.settings.silent_days
    lines = [say(content, locale, "digest.title", date=when(content, locale, today)), ""]
    if waiting:
        lines.append(say(content, locale, "digest.waiting", count=len(waiting)))
        for one in waiting:
            lines.append(
                say(content, locale, "digest.waiting_line", **_waiting_words(services, locale, one))
            )
        if len(waiting) > WAITING_WITH_BUTTONS:
            more = len(waiting) - WAITING_WITH_BUTTONS
            lines.append(say(content, locale, "digest.waiting_more", count=more))
        lines.append("")
    if digest.flags:
        lines.append(say(content, locale, "digest.flags", count=len(digest.flags)))
        for line in digest.flags:
            lines.append(
                say(
                    content,
                    locale,
                    "digest.flag",
                    name=line.name,
                    level=level_word(content, locale, line.flag.level),
                    source=source_words(content, locale, line.flag.source),
                    age=age_words(content, locale, line.flag.raised_at, now),
                )
            )
        lines.append("")
    if digest.results:
        lines.append(say(content, locale, "digest.results"))
        for result in digest.results:
            score = score_words(content, locale, result.score)
            lines.append(say(content, locale, "digest.result", name=result.name, score=score))
        lines.append("")
    if digest.silent:
        days = day_count(content, locale, silent_days)
        lines.append(say(content, locale, "digest.silent", days=days))
        for silent in digest.silent:
            status = ""
            if content.has(locale, f"clinician_summary.status.{silent.status}"):
                words = say(content, locale, f"status.{silent.status}")
                status = say(content, locale, "digest.silent_status", status=words)
            count = day_count(content, locale, silent.days)
            if silent.last_checkin is None:
                key, extra = "digest.silent_never", {}
            else:
                key, extra = (
                    "digest.silent_line",
                    {"date": when(content, locale, silent.last_checkin)},
                )
            lines.append(
                say(content, locale, key, name=silent.name, days=count, status=status, **extra)
            )
        lines.append("")
    if digest.quiet and not waiting:
        lines += [
            say(content, locale, "digest.quiet", days=day_count(content, locale, silent_days)),
            "",
        ]
    if digest.caveat:
        lines += [say(content, locale, "caveat"), ""]
    lines.append(say(content, locale, "digest.footer"))
    return pack(lines, TEXT_LIMIT)


def weekly_texts(content: Content, locale: str, week: WeekSummary) -> list[str]:
    t = content.text
    k = "clinician_summary.weekly."
    first, last = when(content, locale, week.first), when(content, locale, week.last)
    lines = [t(locale, k + "title", name=week.name, first=first, last=last)]
    lines.append(t(locale, k + "checkins", answered=week.week.answered_days))
    if week.week.mood_mean is None:
        lines.append(t(locale, k + "mood_none"))
    else:
        direction = say(content, locale, f"direction.{week.direction}")
        mean = f"{week.week.mood_mean:.1f}"
        lines.append(
            t(locale, k + "mood", mean=mean, low=week.week.low_mood_days, direction=direction)
        )
    sleep, anxiety = week.week.poor_sleep_days, week.week.anxious_days
    lines.append(t(locale, k + "sleep_anxiety", sleep=sleep, anxiety=anxiety))
    if week.scores:
        scores = "; ".join(score_words(content, locale, score) for score in week.scores)
        lines.append(t(locale, k + "scores", scores=scores))
    else:
        lines.append(t(locale, k + "scores_none"))
    if week.open_flags:
        level = level_word(content, locale, week.top_flag or "")
        lines.append(t(locale, k + "flags", count=week.open_flags, level=level))
    else:
        lines.append(t(locale, k + "flags_none"))
    if week.notes:
        lines += ["", t(locale, k + "notes")]
        for day, note in week.notes:
            lines.append(t(locale, k + "note", date=when(content, locale, day), text=note))
    if week.caveat:
        lines += ["", say(content, locale, "caveat")]
    return pack(lines, TEXT_LIMIT)
