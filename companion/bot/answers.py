"""Her answers as they arrive: a tap on a question's button, typed text, a shared location, or
media where words were expected. Whatever she types is read for risk first, and help goes out
ahead of the answer to her question."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from companion.bot.checkin_steps import CHECKIN
from companion.bot.context import Ctx, pressed, sender
from companion.bot.crisis import Response, read_words, respond_to_risk
from companion.bot.flows import (
    Position,
    advance,
    mark_answered,
    outside_flow_reply,
    step_for,
)
from companion.bot.mother_view import suggest_locale
from companion.bot.presence import find_sender
from companion.bot.questionnaire import QUESTIONNAIRE
from companion.bot.replies import Reply, send
from companion.bot.steps import Outcome, Step, Turn
from companion.store.models import Conversation, Lane
from companion.store.mothers import get_conversation, read_conversation_data


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


StepAction = Callable[[Step, Turn], Outcome | None]


async def _answer_in_flow(
    update: Update, context: Ctx, act: StepAction, outside_key: str = "common.free_text"
) -> None:
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        conversation = await get_conversation(session, mother) if mother else None
        outcome, turn = None, None
        if mother is not None and conversation is not None:
            turn = Turn(
                services,
                mother,
                conversation.flow,
                read_conversation_data(conversation, services.vault),
            )
            outcome = act(step_for(conversation.step), turn)
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
        response = await respond_to_risk(services, session, mother, locale, risk) if risk else None
        replies = list(response.replies) if response else []
        if mother is not None and conversation is not None and outcome is not None and turn:
            position = Position(conversation.flow, conversation.step)
            answered = await advance(services, session, mother, position, outcome, turn.data)
            if not _talks_over(response, conversation, outcome):
                replies += answered
        elif response is None:
            replies = [outside_flow_reply(services, mother, outside_key, user.language_code)]
        mother_id = mother.id if mother else None
        await send_in_order(context, chat.id, replies, session=session, mother_id=mother_id)


def _talks_over(response: Response | None, conversation: Conversation, outcome: Outcome) -> bool:
    """After a crisis reply, a check-in or questionnaire question asked again ("please tap one
    of the buttons") would talk over it; she can answer it later. (A set-up question is asked
    again: she needs it to finish setting up.)"""
    urgent = response is not None and response.lane == Lane.EMERGENCY
    optional = conversation.flow in (CHECKIN, QUESTIONNAIRE)
    return urgent and optional and not (outcome.accepted or outcome.finish)


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
