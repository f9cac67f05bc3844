"""Her answers to safety questions: the "are you safe now?" follow-up a crisis reply schedules,
and the clarifying question asked where her words were unclear. A tap and a typed answer ("yes",
"nope", "sí", "im safe") count alike; anything else she types is read by the triage, the worse
reading wins, and the question stays open. Every answer is recorded on the flag, which stays open
whatever she says: only a clinician closes a flag."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from companion.bot.context import Ctx, Services, pressed
from companion.bot.crisis import (
    URGENT_LEVELS,
    lines_for,
    question_buttons,
    respond_to_risk,
)
from companion.bot.flows import checkin_closing, mark_answered, step_for
from companion.bot.presence import find_sender
from companion.bot.replies import Reply, send
from companion.bot.risk_reading import Risk
from companion.bot.steps import Turn
from companion.core.safety_answers import CLARIFY, FOLLOWUP, read_safety_answer
from companion.store.flags import flag_for, read_detail, record_response
from companion.store.models import Conversation, Lane, Mother
from companion.store.mothers import get_conversation, read_conversation_data
from companion.store.safety_models import Flag
from companion.store.safety_questions import settle

ESCALATE = {"unsafe": "emergency", "yes": "urgent"}  # answers that call for the crisis reply
CALM = {
    "safe": "crisis.followup.safe",
    "misread": "crisis.followup.misread",
    "no": "crisis.clarify_no",
}


@dataclass(frozen=True)
class Answered:
    replies: list[Reply]
    lane: int


def followup_replies(services: Services, mother: Mother, flag_id: str) -> list[Reply]:
    """The "are you safe now?" question, with one-tap answers."""
    text = services.content.text(mother.locale, "crisis.followup.ask")
    return [Reply(text, question_buttons(services, mother.locale, flag_id, FOLLOWUP))]


async def take_answer(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    flag: Flag,
    question: str,
    answer: str,
    *,
    typed: bool = False,
) -> Answered:
    """Record her answer on the flag and reply: "I'm not safe" gets the emergency reply and
    "yes, I am" the urgent one, at once; a calm answer is thanked, and after the clarifying
    question what it held back follows (see resume)."""
    _record(services, flag, question, answer, typed)
    if answer in ESCALATE:
        source = "followup" if question == FOLLOWUP else "clarify"
        risk = Risk(ESCALATE[answer], (f"{question}_{answer}",), source)
        response = await respond_to_risk(services, session, mother, mother.locale, risk)
        return Answered(response.replies, response.lane) if response else Answered([], Lane.REPLY)
    crisis, _ = lines_for(services, mother.locale, mother.country)
    key = CALM[answer]
    source = read_detail(flag, services.vault).source
    if answer == "misread" and source in services.content.instruments.get(mother.locale, {}):
        key = "crisis.followup.misread_answer"  # a questionnaire answer, not a message
    calm = Reply(services.content.text(mother.locale, key, crisis=crisis))
    held = await resume(services, session, mother, flag) if question == CLARIFY else []
    return Answered([calm, *held], Lane.REPLY)


def _record(services: Services, flag: Flag, question: str, answer: str, typed: bool) -> None:
    """Her answer, on the flag ("clar:no:typed"); the question no longer waits."""
    how = ":typed" if typed else ""
    record_response(flag, services.vault, f"{question}:{answer}{how}", services.clock.now())
    settle(flag)


async def resume(
    services: Services, session: AsyncSession, mother: Mother, flag: Flag
) -> list[Reply]:
    """What the clarifying question held back: the open question of her check-in, set-up or
    questionnaire, asked again; or, when her check-in's note drew the question, its closing.
    Nothing on a day her prompts rest after a crisis reply."""
    now = services.clock.now()
    if mother.prompts_paused_until is not None and now < mother.prompts_paused_until:
        return []
    conversation = await get_conversation(session, mother)
    if conversation is not None:
        return _ask_again(services, mother, conversation)
    if read_detail(flag, services.vault).source == "note":
        return await checkin_closing(services, session, mother)
    return []


def _ask_again(services: Services, mother: Mother, conversation: Conversation) -> list[Reply]:
    data = read_conversation_data(conversation, services.vault)
    return step_for(conversation.step).prompt(Turn(services, mother, conversation.flow, data))


async def hear_typed(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    flag: Flag,
    text: str,
    reading: Risk,
) -> Answered | None:
    """Her typed words while a safety question waits on `flag`, already read by the triage
    (`reading`). An answer is taken as a tap would be, unless the triage reads worse; with no
    answer in it, a worrying reading is answered and the question asked again. None: not an
    answer, and nothing worrying (the caller goes on, e.g. to the question she is in)."""
    question = flag.asked or ""
    answer = read_safety_answer(services.content.words(mother.locale).safety, question, text)
    worse = reading.level in URGENT_LEVELS
    if answer is not None and not (worse and answer not in ESCALATE):
        return await take_answer(services, session, mother, flag, question, answer, typed=True)
    if answer is not None:  # "no, but I want to die": the answer is kept, the reading wins
        _record(services, flag, question, answer, typed=True)
    if reading.level == "none" or reading.ask_clarifying:
        return None
    response = await respond_to_risk(services, session, mother, mother.locale, reading)
    replies = list(response.replies) if response else []
    if not worse:  # a concern: she is still asked the question she has not answered
        replies.append(ask_again(services, mother, flag))
    return Answered(replies, Lane.EMERGENCY if worse else Lane.REPLY)


def ask_again(services: Services, mother: Mother, flag: Flag) -> Reply:
    """The waiting question again, with its buttons, saying she may type her answer."""
    question = flag.asked or CLARIFY
    text = services.content.text(mother.locale, f"crisis.ask_again.{question}")
    return Reply(text, question_buttons(services, mother.locale, flag.id, question))


async def answer_safety_question(update: Update, context: Ctx) -> None:
    """Her tap on "are you safe now?" or on the clarifying question."""
    query, data, user, chat = pressed(update)
    question, flag_id, answer = data.split("|")
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        flag = await flag_for(session, flag_id, mother) if mother else None
        if mother is None or flag is None:
            locale = mother.locale if mother else services.content.default_locale
            await query.answer(services.content.text(locale, "common.stale_button"))
            return
        taken = await take_answer(services, session, mother, flag, question, answer)
        await send(
            context, chat.id, taken.replies, lane=taken.lane, session=session, mother_id=mother.id
        )
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
