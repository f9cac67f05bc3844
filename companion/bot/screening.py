"""The buttons around a questionnaire: Start (or Continue) and Not today."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from companion.bot.context import Ctx, pressed
from companion.bot.flows import mark_answered
from companion.bot.presence import find_sender
from companion.bot.questionnaire import START, local_today, start
from companion.bot.replies import Reply, send
from companion.store.models import Mother, MotherStatus


async def choose_questionnaire(update: Update, context: Ctx) -> None:
    """Start or carry on today's questionnaire, or leave it for another day."""
    query, data, user, chat = pressed(update)
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None or mother.status == MotherStatus.ONBOARDING:
            locale = mother.locale if mother else services.content.default_locale
            await query.answer(services.content.text(locale, "common.stale_button"))
            return
        if data == START:
            mother.screening_declines, mother.screening_declined_on = 0, None
            replies = await start(services, session, mother)
        else:
            mother.screening_declines += 1
            mother.screening_declined_on = local_today(services, mother)
            replies = [Reply(services.content.text(mother.locale, later_key(mother)))]
        await send(context, chat.id, replies, session=session)
    await query.answer()
    await mark_answered(update, None)


def later_key(mother: Mother) -> str:
    """What "Not today" promises: a few days' rest, or after a second one, the next milestone."""
    return "screening.later" if mother.screening_declines <= 1 else "screening.later_again"


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CallbackQueryHandler(choose_questionnaire, pattern=r"^scr\|(start|later)$")]
