"""/settings, /pause, /resume and /stop."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.checkin_steps import CHECKIN
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.flows import ONBOARDING, SETTINGS, begin, mark_answered, onboarding_steps
from companion.bot.mother_view import describe_when, schedule_next, suggest_locale, summary
from companion.bot.presence import find_sender
from companion.bot.questionnaire import QUESTIONNAIRE
from companion.bot.replies import Button, Reply, rows, send
from companion.bot.steps import STEPS
from companion.store.alerts import linked
from companion.store.models import Mother, MotherStatus
from companion.store.mothers import end_conversation, get_conversation

FIELDS = (
    "language",
    "country",
    "timezone",
    "checkin_time",
    "birth_date",
    "reminders",
    "snippets",
)


async def open_settings(update: Update, context: Ctx) -> None:
    """/settings: her current settings and a button for each."""
    services = context.services
    user, chat = sender(update)
    content = services.content
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None or mother.status == MotherStatus.ONBOARDING:
            replies = [_not_ready(context, user.language_code)]
        else:
            fields = [f for f in FIELDS if f != "language" or len(content.locales) > 1]
            buttons = [
                Button(content.text(mother.locale, f"settings.button.{f}"), f"set|{f}")
                for f in fields
            ]
            buttons.append(Button(content.text(mother.locale, "settings.button.done"), "set|done"))
            await end_conversation(session, mother)
            replies = [
                Reply(
                    content.text(
                        mother.locale,
                        "settings.menu",
                        summary=summary(content, mother, services.vault),
                    ),
                    rows(buttons, 2),
                )
            ]
    await send(context, chat.id, replies)


def _not_ready(context: Ctx, language_code: str | None) -> Reply:
    content = context.services.content
    return Reply(content.text(suggest_locale(language_code, content), "common.not_set_up"))


async def choose_setting(update: Update, context: Ctx) -> None:
    """A tap on a /settings button: ask that one question."""
    query, data, user, _ = pressed(update)
    services = context.services
    field = data.removeprefix("set|")
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None or mother.status == MotherStatus.ONBOARDING:
            await query.answer(
                services.content.text(services.content.default_locale, "common.stale_button")
            )
            return
        chat_id = mother.chat_id
        replies = [] if field == "done" else await begin(services, session, mother, SETTINGS, field)
    await query.answer()
    await mark_answered(update, None)
    await send(context, chat_id, replies)


async def pause(update: Update, context: Ctx) -> None:
    """/pause: no check-ins until /resume."""
    await _set_status(update, context, MotherStatus.PAUSED)


async def stop(update: Update, context: Ctx) -> None:
    """/stop: no messages at all; data kept until /delete."""
    await _set_status(update, context, MotherStatus.STOPPED)


async def resume(update: Update, context: Ctx) -> None:
    """/resume: check-ins on again, from the next due time."""
    await _set_status(update, context, MotherStatus.ACTIVE)


async def _set_status(update: Update, context: Ctx, status: str) -> None:
    services = context.services
    user, chat = sender(update)
    content = services.content
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None:
            replies = [_not_ready(context, user.language_code)]
        elif mother.status == MotherStatus.ONBOARDING:
            conversation = await get_conversation(session, mother)
            flow = conversation.flow if conversation else ONBOARDING
            step = conversation.step if conversation else onboarding_steps(services)[0]
            replies = [
                Reply(content.text(mother.locale, "settings.resume.finish_setup")),
                *await begin(services, session, mother, flow, step),
            ]
        else:
            now = services.clock.now()
            before = mother.status
            mother.status, mother.updated_at = status, now
            if status != MotherStatus.ACTIVE:
                await _close_questions(session, mother)
            schedule_next(mother, now)
            replies = [Reply(_status_text(context, mother, before, status))]
            if status == MotherStatus.STOPPED:
                replies += await _still_sharing(services, session, mother)
    await send(context, chat.id, replies)


async def _still_sharing(services: Services, session: AsyncSession, mother: Mother) -> list[Reply]:
    """/stop ends her messages, not her shares: the clinicians she shares with still see her
    summary and get her alerts until she stops sharing, and she is told so."""
    names = sorted(clinician.name for _, clinician in await linked(session, mother.id))
    if not names:
        return []
    text = services.content.text(
        mother.locale, "settings.stop.still_sharing", clinicians=", ".join(names)
    )
    return [Reply(text)]


async def _close_questions(session: AsyncSession, mother: Mother) -> None:
    """Paused or stopped: an open check-in or questionnaire question is not asked again (her
    answers so far are kept; a questionnaire can be continued after /resume)."""
    conversation = await get_conversation(session, mother)
    if conversation is not None and conversation.flow in (CHECKIN, QUESTIONNAIRE):
        await end_conversation(session, mother)


def _status_text(context: Ctx, mother: Mother, before: str, after: str) -> str:
    services = context.services
    content, locale = services.content, mother.locale
    if after == MotherStatus.PAUSED:
        key = "settings.pause.already" if before == MotherStatus.PAUSED else "settings.pause.done"
        return content.text(locale, key)
    if after == MotherStatus.STOPPED:
        return content.text(locale, "settings.stop.done")
    assert mother.next_checkin_at is not None
    when = describe_when(content, mother, mother.next_checkin_at, services.clock.now())
    key = "settings.resume.already" if before == MotherStatus.ACTIVE else "settings.resume.done"
    return content.text(locale, key, when=when)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    pattern = r"^set\|(" + "|".join((*STEPS, "done")) + r")$"
    return [
        CommandHandler("settings", open_settings),
        CallbackQueryHandler(choose_setting, pattern=pattern),
        CommandHandler("pause", pause),
        CommandHandler("resume", resume),
        CommandHandler("stop", stop),
    ]
