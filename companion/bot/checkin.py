"""The daily check-in: the scheduled prompt, /checkin (with yesterday's back-fill), snoozes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.checkin_steps import CHECKIN, question_reply
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.flows import begin, mark_answered
from companion.bot.mother_view import format_date, suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.bot.steps import Turn
from companion.core.clock_time import ClockTime
from companion.core.quiet import QuietHours
from companion.core.schedule import next_checkin_at
from companion.core.zones import tzinfo_for
from companion.store.checkins import checkin_for_day, record_checkin
from companion.store.models import Checkin, CheckinStatus, Mother, MotherStatus

ANSWERED = (CheckinStatus.STARTED, CheckinStatus.DONE)


def local_now(services: Services, mother: Mother) -> datetime:
    return services.clock.now().astimezone(tzinfo_for(mother.timezone or "UTC"))


def prompt_replies(
    services: Services,
    mother: Mother,
    checkin_id: str,
    *,
    late: bool = False,
    reminder: bool = False,
) -> list[Reply]:
    """The scheduled check-in (or its reminder): the mood question with snooze buttons."""
    turn = Turn(services, mother, CHECKIN, {"checkin": checkin_id})
    question = question_reply(turn, "mood")
    opening = turn.t("checkin.reminder" if reminder else "checkin.greeting")
    if late:
        opening += " " + turn.t("checkin.late")
    snooze = [
        Button(turn.t("checkin.button.snooze1"), f"snz|{checkin_id}|1"),
        Button(turn.t("checkin.button.snooze3"), f"snz|{checkin_id}|3"),
    ]
    return [Reply(f"{opening}\n\n{question.text}", [*question.buttons, snooze])]


def nudge_replies(services: Services, mother: Mother) -> list[Reply]:
    content, locale = services.content, mother.locale
    button = Button(content.text(locale, "checkin.button.now"), "cin|today")
    return [Reply(content.text(locale, "checkin.nudge"), [[button]])]


async def start_checkin(
    services: Services, session: AsyncSession, mother: Mother, day: date, *, backfill: bool
) -> list[Reply]:
    """Open (or reopen) the check-in for `day` and ask the first question."""
    existing = await checkin_for_day(session, mother.id, day)
    content, locale = services.content, mother.locale
    mother.unanswered, mother.nudged = 0, False  # she came to check in: the silence is over
    if existing is not None and existing.status == CheckinStatus.DONE:
        return [Reply(content.text(locale, "checkin.already_done"))]
    now = services.clock.now()
    if existing is None:
        checkin_id = await record_checkin(
            session,
            mother_id=mother.id,
            local_date=day,
            status=CheckinStatus.STARTED,
            due_at=now,
            now=now,
            backfill=backfill,
        )
        if checkin_id is None:  # recorded a moment ago by the tick: use that one
            return await start_checkin(services, session, mother, day, backfill=backfill)
    else:
        checkin_id = existing.id
        existing.backfill = existing.backfill or backfill
        existing.remind_at = None
    intro = []
    if backfill:
        shown = format_date(content, locale, day)
        intro = [Reply(content.text(locale, "checkin.backfill_intro", date=shown))]
    data: dict[str, object] = {"checkin": checkin_id, **({"yesterday": True} if backfill else {})}
    return intro + await begin(services, session, mother, CHECKIN, "mood", data)


def _not_active(mother: Mother) -> str:
    stopped = mother.status == MotherStatus.STOPPED
    return "checkin.not_active_stopped" if stopped else "checkin.not_active"


async def open_checkin(update: Update, context: Ctx) -> None:
    """/checkin: today's check-in now, or yesterday's if she missed it."""
    services = context.services
    user, chat = sender(update)
    content = services.content
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None or mother.status == MotherStatus.ONBOARDING:
            locale = suggest_locale(user.language_code, content)
            replies = [Reply(content.text(locale, "common.not_set_up"))]
        elif mother.status != MotherStatus.ACTIVE:
            replies = [Reply(content.text(mother.locale, _not_active(mother)))]
        else:
            today = local_now(services, mother).date()
            if await _missed_yesterday(session, mother, today, services):
                buttons = [
                    [
                        Button(content.text(mother.locale, "checkin.button.today"), "cin|today"),
                        Button(
                            content.text(mother.locale, "checkin.button.yesterday"), "cin|yesterday"
                        ),
                    ]
                ]
                replies = [Reply(content.text(mother.locale, "checkin.which_day"), buttons)]
            else:
                replies = await start_checkin(services, session, mother, today, backfill=False)
    await send(context, chat.id, replies)


async def _missed_yesterday(
    session: AsyncSession, mother: Mother, today: date, services: Services
) -> bool:
    yesterday = today - timedelta(days=1)
    checkin = await checkin_for_day(session, mother.id, yesterday)
    if checkin is not None:
        return checkin.status not in ANSWERED
    onboarded = mother.onboarded_at
    if onboarded is None or not mother.checkin_time:
        return False
    # Only a day she had a check-in due on can be missed: not the day she set up after her time.
    zone = tzinfo_for(mother.timezone or "UTC")
    first = next_checkin_at(onboarded, zone, ClockTime.parse_stored(mother.checkin_time))
    return first.astimezone(zone).date() <= yesterday


async def choose_day(update: Update, context: Ctx) -> None:
    """The Today / Yesterday / Check in now buttons."""
    query, data, user, chat = pressed(update)
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None or mother.status != MotherStatus.ACTIVE:
            await query.answer(
                services.content.text(services.content.default_locale, "common.stale_button")
            )
            return
        today = local_now(services, mother).date()
        backfill = data == "cin|yesterday"
        if backfill and not await _missed_yesterday(session, mother, today, services):
            # Only offered when yesterday was missed: a forged or old press gets nothing.
            await query.answer(services.content.text(mother.locale, "common.stale_button"))
            return
        day = today - timedelta(days=1) if backfill else today
        replies = await start_checkin(services, session, mother, day, backfill=backfill)
    await query.answer()
    await mark_answered(update, None)
    await send(context, chat.id, replies)


async def snooze(update: Update, context: Ctx) -> None:
    """Snooze 1 h / 3 h: ask again later, but never during quiet hours."""
    query, data, user, chat = pressed(update)
    services = context.services
    _, checkin_id, hours = data.split("|")
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        checkin = await session.get(Checkin, checkin_id)
        if (
            mother is None
            or checkin is None
            or checkin.mother_id != mother.id
            or (checkin.status != CheckinStatus.SENT)
            # An earlier day's reminder is never sent (today's check-in comes instead).
            or checkin.local_date != local_now(services, mother).date()
        ):
            locale = mother.locale if mother else services.content.default_locale
            await query.answer(services.content.text(locale, "common.stale_button"))
            return
        if mother.status != MotherStatus.ACTIVE:
            replies = [Reply(services.content.text(mother.locale, _not_active(mother)))]
        else:
            replies = [_snooze(services, mother, checkin, int(hours))]
    await query.answer()
    await mark_answered(update, None)
    await send(context, chat.id, replies)


def _snooze(services: Services, mother: Mother, checkin: Checkin, hours: int) -> Reply:
    quiet = QuietHours.parse(services.settings.quiet_hours)
    wanted = local_now(services, mother) + timedelta(hours=hours)
    when = quiet.next_loud(wanted)
    key = "checkin.snoozed" if when == wanted else "checkin.snoozed_quiet"
    mother.unanswered, mother.nudged = 0, False  # a snooze is an answer: the silence is over
    if when.date() != checkin.local_date and mother.next_checkin_at is not None:
        # Past the end of her day, where a reminder is dropped: her next check-in asks instead,
        # so promise that time, and say why (not "quiet hours end then": they end earlier).
        checkin.remind_at = None
        key = "checkin.snoozed_next_day"
        when = mother.next_checkin_at.astimezone(wanted.tzinfo)
    else:
        checkin.remind_at = when
    return Reply(services.content.text(mother.locale, key, time=when.strftime("%H:%M")))


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("checkin", open_checkin),
        CallbackQueryHandler(choose_day, pattern=r"^cin\|(today|yesterday)$"),
        CallbackQueryHandler(snooze, pattern=r"^snz\|[0-9a-f]{32}\|(1|3)$"),
    ]
