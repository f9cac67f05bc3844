"""/help (always with her country's crisis lines), unknown commands, and her request that her
linked clinician contact her (a button under /help and under a questionnaire result, shown
only when a clinician is linked)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from companion.bot.alert_text import emergency_number, join_names
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.mother_view import crisis_block, suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.delivery.alert_repeats import queue_alert
from companion.store.alerts import CALLBACK, create_alert, linked, pending_callback
from companion.store.models import Mother

COMMANDS = ("start", "settings", "pause", "resume", "stop", "mydata", "delete", "help")
CALL_ME = "cb|req"


async def callback_buttons(
    services: Services, session: AsyncSession, mother: Mother
) -> list[list[Button]]:
    """The "Ask my clinician to contact me" button, when she has a clinician linked."""
    if not await linked(session, mother.id):
        return []
    return [[Button(services.content.text(mother.locale, "help.button.callback"), CALL_ME)]]


async def show_help(update: Update, context: Ctx) -> None:
    """/help: what companion can do, and where to get help now."""
    services = context.services
    user, chat = sender(update)
    content = services.content
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        locale = mother.locale if mother else suggest_locale(user.language_code, content)
        resources = content.resources_for(mother.country if mother else None)
        text = content.text(locale, "help.text", crisis=crisis_block(content, locale, resources))
        buttons = await callback_buttons(services, session, mother) if mother else []
        await send(context, chat.id, [Reply(text, buttons)], session=session)


async def ask_for_callback(update: Update, context: Ctx) -> None:
    """Her tap on "Ask my clinician to contact me": an alert (Acknowledge only) to each linked
    clinician, unless one she sent is still waiting; she is told who will get it."""
    query, _, user, chat = pressed(update)
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None:
            locale = suggest_locale(user.language_code, services.content)
            await query.answer(services.content.text(locale, "common.stale_button"))
            return
        now, locale = services.clock.now(), mother.locale
        clinicians = await linked(session, mother.id)
        names = join_names(services, locale, [clinician.name for _, clinician in clinicians])
        values = {"clinicians": names, "emergency": emergency_number(services, mother)}
        if not clinicians:
            key = "help.callback.none"
        elif await pending_callback(session, mother.id, now) is not None:
            key = "help.callback.pending"
        else:
            alert = await create_alert(session, mother_id=mother.id, kind=CALLBACK, now=now)
            await queue_alert(services, session, alert, mother)
            key = "help.callback.sent"
        reply = Reply(services.content.text(locale, key, **values))
        await send(context, chat.id, [reply], session=session, mother_id=mother.id)
    await query.answer()


async def answer_unknown_command(update: Update, context: Ctx) -> None:
    """Any command companion doesn't have."""
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    locale = mother.locale if mother else suggest_locale(user.language_code, services.content)
    await send(context, chat.id, [Reply(services.content.text(locale, "common.unknown_command"))])


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("help", show_help),
        CallbackQueryHandler(ask_for_callback, pattern=r"^cb\|req$"),
    ]


def fallback_handlers() -> list[BaseHandler[Update, Ctx, None]]:
    """Registered last, after every feature's commands."""
    return [MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, answer_unknown_command)]
