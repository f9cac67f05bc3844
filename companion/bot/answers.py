"""Her answers as they arrive: a tap on a question's button, typed text, a shared location, or
media where words were expected. Whatever she types is read for risk first, and help goes out
ahead of the answer to her question."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from companion.bot.checkin_steps import CHECKIN
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.crisis import Response, respond_to_risk
from companion.bot.errors import describe_error
from companion.bot.flows import (
    Position,
    advance,
    mark_answered,
    outside_flow_reply,
    step_for,
)
from companion.bot.mother_view import suggest_locale
from companion.bot.presence import find_sender
from companion.bot.questionnaire import QUESTIONNAIRE, typed_item_risk
from companion.bot.replies import Reply, send
from companion.bot.risk_reading import read_words, worse
from companion.bot.safety import ask_again, hear_typed
from companion.bot.steps import Outcome, Step, Turn
from companion.store.models import Conversation, Lane, Mother
from companion.store.mothers import get_conversation, read_conversation_data
from companion.store.safety_models import Flag
from companion.store.safety_questions import waiting_question


async def send_in_order(
    context: Ctx,
    chat_id: int,
    replies: Sequence[Reply],
    *,
    session: AsyncSession,
    mother_id: str | None,
) -> None:
    """Help for a worrying answer first, in the emergency lane; then the rest, in order."""
    urgent = [reply for reply in replies if reply.urgent]
    await send(context, chat_id, urgent, lane=Lane.EMERGENCY, session=session, mother_id=mother_id)
    rest = [reply for reply in replies if not reply.urgent]
    await send(context, chat_id, rest, session=session, mother_id=mother_id)


async def answer_step_button(update: Update, context: Ctx) -> None:
    """A tap on a set-up question's button: st|<flow>|<step>|<value>."""
    query, data, user, _ = pressed(update)
    _, flow, step, value = [*data.split("|", 3), "", "", ""][:4]
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        conversation = await get_conversation(session, mother) if mother else None
        if (
            mother is None
            or conversation is None
            or (conversation.flow, conversation.step)
            != (
                flow,
                step,
            )
        ):
            locale = mother.locale if mother else services.content.default_locale
            stale = "screening.stale" if flow == QUESTIONNAIRE else "common.stale_button"
            await query.answer(services.content.text(locale, stale))
            return
        turn = Turn(services, mother, flow, read_conversation_data(conversation, services.vault))
        outcome = step_for(step).on_button(turn, value)
        label = _button_label(update, data)
        replies = await advance(services, session, mother, Position(flow, step), outcome, turn.data)
        picked = services.content.text(mother.locale, "common.picked", choice=label)
        await send_in_order(context, mother.chat_id, replies, session=session, mother_id=mother.id)
    await query.answer()
    if outcome.accepted or outcome.finish:
        await mark_answered(update, picked if label else None)


def _button_label(update: Update, data: str) -> str:
    message = update.callback_query.message if update.callback_query else None
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()):
        for button in row:
            if button.callback_data == data:
                return str(button.text)
    return ""


async def answer_step_text(update: Update, context: Ctx) -> None:
    """Typed text: an answer to the current question, or a message outside any question."""
    text = update.effective_message.text if update.effective_message else None
    await _answer_in_flow(update, context, lambda step, turn: step.on_text(turn, text or ""))


async def answer_step_location(update: Update, context: Ctx) -> None:
    """A shared location: used once to find her time zone, never stored."""
    location = update.effective_message.location if update.effective_message else None

    def locate(step: Step, turn: Turn) -> Outcome:
        if step.on_location is None or location is None:
            # Not the time-zone question: say so, and ask the open question again.
            elsewhere = turn.t("common.location_elsewhere")
            return Outcome([Reply(elsewhere), *step.prompt(turn)], data=turn.data or None)
        return step.on_location(turn, location.latitude, location.longitude)

    await _answer_in_flow(update, context, locate, outside_key="common.location_elsewhere")


async def reprompt_media(update: Update, context: Ctx) -> None:
    """A sticker, photo, voice note or file where text or a tap is expected: ask again."""

    def ask_again(step: Step, turn: Turn) -> Outcome:
        unreadable = Reply(turn.t("common.sticker_reprompt"))
        return Outcome([unreadable, *step.prompt(turn)], data=turn.data or None)

    await _answer_in_flow(update, context, ask_again, outside_key="common.media_unreadable")


log = logging.getLogger(__name__)

StepAction = Callable[[Step, Turn], Outcome | None]
# A question of hers asked this long after a safety question is newer: her words answer it.
ASKED_LATER = timedelta(minutes=1)


async def _answer_in_flow(
    update: Update, context: Ctx, act: StepAction, outside_key: str = "common.free_text"
) -> None:
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        conversation = await get_conversation(session, mother) if mother else None
        outcome, turn, failed = None, None, None
        if mother is not None and conversation is not None:
            try:  # reading her step's data (sealed: VaultError if it does not open) or her text
                data = read_conversation_data(conversation, services.vault)
                turn = Turn(services, mother, conversation.flow, data)
                outcome = act(step_for(conversation.step), turn)
            except Exception as error:  # her words are read for risk all the same
                failed = error
        # Whatever she typed, wherever: if it suggests risk, help goes first, at once.
        message = update.effective_message
        text = (message.text or message.caption) if message else None  # a caption is typed too
        locale = mother.locale if mother else suggest_locale(user.language_code, services.content)
        source = _source(conversation, message.caption if message else None)
        answer = outcome is not None and outcome.accepted and source == "message"
        risk = read_words(
            services,
            mother,
            text,
            source,
            remember=True,
            language_code=user.language_code,
            an_answer=answer,
        )
        mother_id = mother.id if mother else None
        if risk is not None and message is not None:
            risk = replace(risk, message_id=message.message_id)
        typed = message.text if message is not None else None
        if mother is not None and conversation is not None and typed:
            risk = worse(risk, typed_item_risk(services, mother, conversation.step, typed))
        waiting = None
        if mother is not None and typed and risk is not None:
            waiting = await _waiting(services, session, mother, conversation)
        if waiting is not None and mother is not None and typed and risk is not None:
            # A safety question waits: her words may answer it (see companion.bot.safety).
            heard = await hear_typed(services, session, mother, waiting, typed, risk)
            if heard is not None or conversation is None:
                replies = heard.replies if heard else [ask_again(services, mother, waiting)]
                await send_in_order(context, chat.id, replies, session=session, mother_id=mother_id)
                return
            if risk.ask_clarifying:  # the question she has not answered is already waiting
                risk = None
        response = await respond_to_risk(services, session, mother, locale, risk) if risk else None
        if failed is not None:  # the step could not read her message
            if response is None:  # nothing worrying: the error handler apologises, with help
                raise failed
            # Help for her words goes out; the question that failed waits.
            log.error("event=step_unreadable error=%s", describe_error(failed))
        replies = list(response.replies) if response else []
        if _resting(services, mother, conversation, outcome) and response is None:
            # After a crisis reply her questions rest for the day, as that reply said.
            assert mother is not None
            replies = [outside_flow_reply(services, mother, RESTING, user.language_code)]
        elif mother is not None and conversation is not None and outcome is not None and turn:
            position = Position(conversation.flow, conversation.step)
            hold = _holds(response, conversation, outcome)
            answered = await advance(
                services, session, mother, position, outcome, turn.data, hold=hold
            )
            if not (hold or _talks_over(response, conversation, outcome)):
                replies += answered
        elif response is None:
            replies = [outside_flow_reply(services, mother, outside_key, user.language_code)]
        await send_in_order(context, chat.id, replies, session=session, mother_id=mother_id)


async def _waiting(
    services: Services, session: AsyncSession, mother: Mother, conversation: Conversation | None
) -> Flag | None:
    """The safety question her typed words may answer: the latest one waiting, unless the
    question she is in was asked after it (tomorrow's check-in, a setting she opened since)."""
    flag = await waiting_question(session, mother.id, services.clock.now())
    if flag is None or flag.asked_at is None:
        return None
    if conversation is not None and conversation.updated_at > flag.asked_at + ASKED_LATER:
        return None
    return flag


RESTING = "common.free_text_resting"


def _resting(
    services: Services,
    mother: Mother | None,
    conversation: Conversation | None,
    outcome: Outcome | None,
) -> bool:
    """A check-in or questionnaire question her words did not answer, on a day a crisis reply
    has rested her questions: it is not asked again (a tap on its buttons still counts)."""
    if mother is None or conversation is None or outcome is None:
        return False
    if conversation.flow not in (CHECKIN, QUESTIONNAIRE) or outcome.accepted or outcome.finish:
        return False
    until = mother.prompts_paused_until
    return until is not None and services.clock.now() < until


def _holds(response: Response | None, conversation: Conversation, outcome: Outcome) -> bool:
    """A safety question or a crisis reply was just sent: nothing talks over it. In a check-in
    or questionnaire, the rest (the next question, or the thanks, snippet and questionnaire
    offer) waits for her answer, or after a crisis reply for another day. A set-up question her
    words did not answer is asked again after her answer to the clarifying question."""
    if response is None:
        return False
    if conversation.flow in (CHECKIN, QUESTIONNAIRE):
        return response.asks or response.lane == Lane.EMERGENCY
    return response.asks and not (outcome.accepted or outcome.finish)


def _talks_over(response: Response | None, conversation: Conversation, outcome: Outcome) -> bool:
    """After a reply to worrying words, a check-in or questionnaire question asked again
    ("please tap one of the buttons") would talk over it; she can still tap its buttons. (A
    set-up question is asked again after a crisis reply: she needs it to finish setting up.)"""
    optional = conversation.flow in (CHECKIN, QUESTIONNAIRE)
    return response is not None and optional and not (outcome.accepted or outcome.finish)


def _source(conversation: Conversation | None, caption: str | None) -> str:
    """Where worrying words were typed, for the flag."""
    if caption:
        return "caption"
    if conversation is not None and (conversation.flow, conversation.step) == (CHECKIN, "note"):
        return "note"
    return "message"


def handlers() -> list[object]:
    media = (
        filters.Sticker.ALL
        | filters.PHOTO
        | filters.VOICE
        | filters.AUDIO
        | filters.VIDEO
        | filters.VIDEO_NOTE
        | filters.Document.ALL
        | filters.ANIMATION
        | filters.CONTACT
        | filters.POLL
        | filters.Dice.ALL
        | filters.VENUE
    )
    return [
        CallbackQueryHandler(answer_step_button, pattern=r"^st\|"),
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, answer_step_text
        ),
        MessageHandler(filters.LOCATION & filters.UpdateType.MESSAGE, answer_step_location),
        MessageHandler(media & filters.UpdateType.MESSAGE, reprompt_media),
    ]
