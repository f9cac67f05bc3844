"""/help (always with her country's crisis lines) and unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from companion.bot.context import Ctx, sender
from companion.bot.mother_view import crisis_block, suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Reply, send

COMMANDS = ("start", "settings", "pause", "resume", "stop", "mydata", "delete", "help")


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
        await send(context, chat.id, [Reply(text)], session=session)


async def answer_unknown_command(update: Update, context: Ctx) -> None:
    """Any command companion doesn't have."""
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    locale = mother.locale if mother else suggest_locale(user.language_code, services.content)
    await send(context, chat.id, [Reply(services.content.text(locale, "common.unknown_command"))])


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CommandHandler("help", show_help)]


def fallback_handlers() -> list[BaseHandler[Update, Ctx, None]]:
    """Registered last, after every feature's commands."""
    return [MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, answer_unknown_command)]
