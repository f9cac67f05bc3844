"""Moving a mother through set-up questions; the state lives in the conversations table."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from companion.bot.checkin_steps import CHECKIN, CHECKIN_STEPS, QUESTIONS
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.crisis import read_words, respond_to_risk
from companion.bot.mother_view import (
    crisis_block,
    describe_when,
    schedule_next,
    suggest_locale,
    summary,
)
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.bot.steps import STEPS, Outcome, Step, Turn
from companion.core.zones import zones_for_country
from companion.store.checkins import save_answer
from companion.store.models import Checkin, CheckinStatus, Conversation, Mother, MotherStatus
from companion.store.mothers import (
    end_conversation,
    get_conversation,
    read_conversation_data,
    set_conversation,
)

log = logging.getLogger(__name__)

ONBOARDING = "ob"
SETTINGS = "set"
HISTORY_BUTTON = "hist|30"


def onboarding_steps(services: Services) -> list[str]:
    steps = ["country", "timezone", "checkin_time", "birth_date"]
    return ["language", *steps] if len(services.content.locales) > 1 else steps


@dataclass(frozen=True)
class Position:
    flow: str
    step: str


def step_for(name: str) -> Step:
    """Set-up questions and check-in questions share one machinery."""
    return STEPS[name] if name in STEPS else CHECKIN_STEPS[name]


async def begin(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    flow: str,
    step: str,
    data: dict[str, Any] | None = None,
) -> list[Reply]:
    """Put her on `step` of `flow` and ask it."""
    now = services.clock.now()
    await set_conversation(
        session, mother, flow=flow, step=step, now=now, vault=services.vault, data=data
    )
    return step_for(step).prompt(Turn(services, mother, flow, dict(data or {})))


def _next_step(services: Services, mother: Mother, position: Position) -> str | None:
    if position.flow == CHECKIN:
        index = QUESTIONS.index(position.step)
        return QUESTIONS[index + 1] if index + 1 < len(QUESTIONS) else None
    if position.flow == ONBOARDING:
        order = onboarding_steps(services)
        index = order.index(position.step)
        return order[index + 1] if index + 1 < len(order) else None
    if position.step == "country" and mother.country:
        # A new country may not contain her old time zone: ask again when it doesn't.
        zones = zones_for_country(mother.country)
        if mother.timezone not in zones and not (mother.timezone or "").startswith("UTC"):
            return "timezone"
    return None


def finish_onboarding(services: Services, mother: Mother) -> list[Reply]:
    now = services.clock.now()
    mother.status = MotherStatus.ACTIVE
    mother.onboarded_at = now
    schedule_next(mother, now)
    assert mother.next_checkin_at is not None
    content = services.content
    return [
        Reply(
            content.text(
                mother.locale,
                "onboarding.done.summary",
                summary=summary(content, mother, services.vault),
                first_checkin=describe_when(content, mother, mother.next_checkin_at, now),
            )
        )
    ]


def finish_settings(services: Services, mother: Mother) -> list[Reply]:
    now = services.clock.now()
    schedule_next(mother, now)
    content, locale = services.content, mother.locale
    text = content.text(locale, "settings.saved", summary=summary(content, mother, services.vault))
    if mother.next_checkin_at is not None:
        when = describe_when(content, mother, mother.next_checkin_at, now)
        text += "\n\n" + content.text(locale, "settings.next_checkin", when=when)
    elif mother.status in (MotherStatus.PAUSED, MotherStatus.STOPPED):
        text += "\n\n" + content.text(locale, "settings.paused_note")
    return [Reply(text)]


async def advance(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    position: Position,
    outcome: Outcome,
    data: dict[str, Any] | None = None,
) -> list[Reply]:
    """Apply a step's outcome: store its answers, then stay (keeping its data), go to the next
    step, or finish the flow."""
    data = data or {}
    checkin = await _open_checkin(session, mother, data)
    if outcome.answers and checkin is not None:
        mother.unanswered, mother.nudged = 0, False  # she is answering: the silence is over
    for question, value in outcome.answers.items():
        if checkin is not None:
            await save_answer(
                session,
                services.vault,
                checkin=checkin,
                question=question,
                value=value,
                now=services.clock.now(),
            )
    replies = list(outcome.replies)
    if outcome.finish:
        await end_conversation(session, mother)
        return replies + finish_checkin(services, mother, checkin)
    if not outcome.accepted:
        await set_conversation(
            session,
            mother,
            flow=position.flow,
            step=position.step,
            now=services.clock.now(),
            vault=services.vault,
            data=outcome.data,
        )
        return replies
    mother.updated_at = services.clock.now()
    following = _next_step(services, mother, position)
    if following is not None:
        carried = {"checkin": data["checkin"]} if "checkin" in data else None
        return replies + await begin(services, session, mother, position.flow, following, carried)
    await end_conversation(session, mother)
    if position.flow == ONBOARDING:
        return replies + finish_onboarding(services, mother)
    if position.flow == CHECKIN:
        return replies + finish_checkin(services, mother, checkin)
    return replies + finish_settings(services, mother)


async def _open_checkin(
    session: AsyncSession, mother: Mother, data: dict[str, Any]
) -> Checkin | None:
    """The check-in a check-in conversation is about, if it is hers."""
    checkin_id = data.get("checkin")
    if not isinstance(checkin_id, str):
        return None
    checkin = await session.get(Checkin, checkin_id)
    return checkin if checkin is not None and checkin.mother_id == mother.id else None


def finish_checkin(services: Services, mother: Mother, checkin: Checkin | None) -> list[Reply]:
    if checkin is not None:
        checkin.status, checkin.completed_at = CheckinStatus.DONE, services.clock.now()
        checkin.remind_at = None
    content = services.content
    history = Button(content.text(mother.locale, "checkin.button.history"), HISTORY_BUTTON)
    return [Reply(content.text(mother.locale, "checkin.thanks"), [[history]])]


# --- handlers ---------------------------------------------------------------------------------


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
            await query.answer(services.content.text(locale, "common.stale_button"))
            return
        turn = Turn(services, mother, flow, read_conversation_data(conversation, services.vault))
        outcome = step_for(step).on_button(turn, value)
        label = _button_label(update, data)
        replies = await advance(services, session, mother, Position(flow, step), outcome, turn.data)
        picked = services.content.text(mother.locale, "common.picked", choice=label)
        await send(context, mother.chat_id, replies, session=session)
    await query.answer()
    if outcome.accepted or outcome.finish:
        await mark_answered(update, picked if label else None)


async def mark_answered(update: Update, picked: str | None) -> None:
    """Take the buttons off an answered question and show what was chosen under it."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or message is None:
        return
    original = getattr(message, "text", None)
    try:
        if picked and original:
            await query.edit_message_text(f"{original}\n\n{picked}")
        else:
            await query.edit_message_reply_markup(None)
    except BadRequest as error:
        # Too old to edit, or already showing this (a double tap): her answer still counts.
        log.info("event=mark_answered_failed error=%s", type(error).__name__)


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


def outside_flow_reply(
    services: Services, mother: Mother | None, key: str, language_code: str | None
) -> Reply:
    locale = mother.locale if mother else suggest_locale(language_code, services.content)
    resources = services.content.resources_for(mother.country if mother else None)
    crisis = crisis_block(services.content, locale, resources)
    return Reply(services.content.text(locale, key, crisis=crisis))


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
        risk = read_words(services, mother, text, source, remember=True)
        help_first = (
            await respond_to_risk(services, session, mother, locale, risk) if risk else None
        )
        if help_first is not None:
            await send(
                context,
                chat.id,
                help_first.replies,
                lane=help_first.lane,
                session=session,
                mother_id=mother.id if mother else None,
            )
        if mother is not None and conversation is not None and outcome is not None and turn:
            position = Position(conversation.flow, conversation.step)
            replies = await advance(services, session, mother, position, outcome, turn.data)
        elif help_first is not None:
            replies = []  # the reply to what she said already answers her
        else:
            replies = [outside_flow_reply(services, mother, outside_key, user.language_code)]
        await send(context, chat.id, replies, session=session)


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
