"""The buttons she answers safety questions with: the "are you safe now?" follow-up a crisis
reply schedules, and the clarifying question asked where her words were unclear. Every answer is
recorded on the flag, which stays open whatever she says: only a clinician closes a flag."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from companion.bot.context import Ctx, Services, pressed
from companion.bot.crisis import CLARIFY, Risk, lines_for, respond_to_risk
from companion.bot.flows import mark_answered
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.store.flags import flag_for, record_response
from companion.store.models import Lane, Mother

FOLLOWUP = "safe"  # safe|<flag id>|safe|unsafe|misread
ESCALATE = {"unsafe": "emergency", "yes": "urgent"}  # answers that call for the crisis reply
CALM = {
    "safe": "crisis.followup.safe",
    "misread": "crisis.followup.misread",
    "no": "crisis.clarify_no",
}


def followup_replies(services: Services, mother: Mother, flag_id: str) -> list[Reply]:
    """The "are you safe now?" question, with one-tap answers."""
    t, locale = services.content.text, mother.locale
    buttons = [
        [Button(t(locale, f"crisis.button.{answer}"), f"{FOLLOWUP}|{flag_id}|{answer}")]
        for answer in ("safe", "unsafe", "misread")
    ]
    return [Reply(t(locale, "crisis.followup.ask"), buttons)]


async def answer_safety_question(update: Update, context: Ctx) -> None:
    """Her tap on "are you safe now?" or on the clarifying question: recorded on the flag;
    "I'm not safe" gets the emergency reply and "yes, I am" the urgent one, at once."""
    query, data, user, chat = pressed(update)
    kind, flag_id, answer = data.split("|")
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        flag = await flag_for(session, flag_id, mother) if mother else None
        if mother is None or flag is None:
            locale = mother.locale if mother else services.content.default_locale
            await query.answer(services.content.text(locale, "common.stale_button"))
            return
        now = services.clock.now()
        record_response(flag, services.vault, f"{kind}:{answer}", now)
        if answer in ESCALATE:
            source = "followup" if kind == FOLLOWUP else "clarify"
            risk = Risk(ESCALATE[answer], (f"{kind}_{answer}",), source)
            response = await respond_to_risk(services, session, mother, mother.locale, risk)
            replies, lane = (response.replies, response.lane) if response else ([], Lane.REPLY)
        else:
            crisis, _ = lines_for(services, mother.locale, mother.country)
            replies = [Reply(services.content.text(mother.locale, CALM[answer], crisis=crisis))]
            lane = Lane.REPLY
        await send(context, chat.id, replies, lane=lane, session=session, mother_id=mother.id)
    await query.answer()
    await mark_answered(update, None)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CallbackQueryHandler(
            answer_safety_question,
            pattern=rf"^{FOLLOWUP}\|[0-9a-f]{{32}}\|(safe|unsafe|misread)$",
        ),
        CallbackQueryHandler(
            answer_safety_question, pattern=rf"^{CLARIFY}\|[0-9a-f]{{32}}\|(yes|no)$"
        ),
    ]
