"""Moving a mother through set-up questions; the state lives in the conversations table."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, Update
from telegram.error import BadRequest

from companion.bot.checkin_steps import CHECKIN, CHECKIN_STEPS, QUESTIONS
from companion.bot.context import Services
from companion.bot.learn import after_checkin
from companion.bot.mother_view import (
    crisis_block,
    describe_when,
    emergency_words,
    schedule_next,
    suggest_locale,
    summary,
)
from companion.bot.questionnaire import (
    QUESTIONNAIRE,
    advance_questionnaire,
    is_item_step,
    item_step,
    offer,
)
from companion.bot.replies import Button, Reply
from companion.bot.steps import STEPS, Outcome, Step, Turn
from companion.core.zones import zones_for_country
from companion.delivery.outgoing import NO_PREVIEW
from companion.store.checkins import save_answer
from companion.store.models import Checkin, CheckinStatus, Mother, MotherStatus
from companion.store.mothers import (
    end_conversation,
    set_conversation,
)

log = logging.getLogger(__name__)

ONBOARDING = "ob"
SETTINGS = "set"
HISTORY_BUTTON = "hist|30"


def onboarding_steps(services: Services) -> list[str]:
    """The set-up questions after consent. The language is chosen before consent, on the
    introduction itself (see onboarding.py), and changed in /settings."""
    return ["country", "timezone", "checkin_time", "birth_date", "snippets"]


@dataclass(frozen=True)
class Position:
    flow: str
    step: str


def step_for(name: str) -> Step:
    """Set-up questions, check-in questions and questionnaire items share one machinery."""
    if name in STEPS:
        return STEPS[name]
    return item_step(name) if is_item_step(name) else CHECKIN_STEPS[name]


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
        if position.step not in order:  # "language", asked here by earlier versions
            return order[0]
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
    log.info("event=mother_onboarded mother=%s", mother.id)
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
    *,
    hold: bool = False,
) -> list[Reply]:
    """Apply a step's outcome: store its answers, then stay (keeping its data), go to the next
    step, or finish the flow. With `hold` (a safety question or a crisis reply was just sent),
    a finished check-in is completed without its closing (thanks, snippet, questionnaire
    offer): that waits for her answer (companion.bot.safety.resume), or for another day."""
    data = data or {}
    if position.flow == QUESTIONNAIRE:
        return await advance_questionnaire(services, session, mother, position.step, outcome, data)
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
    if outcome.finish:  # "Done for today": nothing more today, only her thanks
        await end_conversation(session, mother)
        return replies + await finish_checkin(
            services, session, mother, checkin, hold=hold, done_for_today=True
        )
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
        # A check-in's id, and whether it is yesterday's, go on to its next question.
        carried: dict[str, Any] = {k: data[k] for k in ("checkin", "yesterday") if k in data}
        return replies + await begin(
            services, session, mother, position.flow, following, carried or None
        )
    await end_conversation(session, mother)
    if position.flow == ONBOARDING:
        return replies + finish_onboarding(services, mother)
    if position.flow == CHECKIN:
        return replies + await finish_checkin(services, session, mother, checkin, hold=hold)
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


async def finish_checkin(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    checkin: Checkin | None,
    *,
    hold: bool = False,
    done_for_today: bool = False,
) -> list[Reply]:
    """Mark the check-in done, then its closing (see checkin_closing) unless `hold`; after
    "Done for today" only the thanks."""
    if checkin is not None:
        checkin.status, checkin.completed_at = CheckinStatus.DONE, services.clock.now()
        checkin.remind_at = None
    if hold:
        return []
    if done_for_today:
        return [_thanks(services, mother)]
    return await checkin_closing(services, session, mother)


async def checkin_closing(services: Services, session: AsyncSession, mother: Mother) -> list[Reply]:
    """Thank her, add a learning snippet if one is due, and offer a questionnaire when one is
    due on her postpartum clock."""
    snippet = await after_checkin(services, session, mother)
    return [_thanks(services, mother), *snippet, *await offer(services, session, mother)]


def _thanks(services: Services, mother: Mother) -> Reply:
    content = services.content
    history = Button(content.text(mother.locale, "checkin.button.history"), HISTORY_BUTTON)
    return Reply(content.text(mother.locale, "checkin.thanks"), [[history]])


# --- handlers ---------------------------------------------------------------------------------


async def mark_answered(update: Update, picked: str | None, keep: Button | None = None) -> None:
    """Take the buttons off an answered question and show what was chosen under it; `keep`, if
    given, stays as its one button (an alert's Close flag)."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or message is None:
        return
    original = getattr(message, "text", None)
    # Text links (an alert's link to her account) are kept: an edit without them drops them.
    links = [e for e in getattr(message, "entities", ()) if e.type == MessageEntity.TEXT_LINK]
    markup = None
    if keep is not None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(keep.label, callback_data=keep.data)]])
    try:
        if picked and original:
            edited = f"{original}\n\n{picked}"
            await query.edit_message_text(
                edited,
                entities=links or None,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,  # her answer (a name she chose) may be a link
            )
        else:
            await query.edit_message_reply_markup(markup)
    except BadRequest as error:
        # Too old to edit, or already showing this (a double tap): her answer still counts.
        log.info("event=mark_answered_failed error=%s", type(error).__name__)


def outside_flow_reply(
    services: Services, mother: Mother | None, key: str, language_code: str | None
) -> Reply:
    """A reply to something outside any question. Typed words the triage found nothing in get
    a short line on what she can do and her emergency number (every line only when her words
    worry it, or when it could not read them: a voice note, a photo)."""
    content = services.content
    locale = mother.locale if mother else suggest_locale(language_code, content)
    resources = content.resources_for(mother.country if mother else None)
    if key == FREE_TEXT:
        key = _free_text_key(mother)
    return Reply(
        content.text(
            locale,
            key,
            crisis=crisis_block(content, locale, resources),
            emergency=emergency_words(content, locale, resources),
        )
    )


FREE_TEXT = "common.free_text"


def _free_text_key(mother: Mother | None) -> str:
    if mother is None or mother.status == MotherStatus.ONBOARDING:
        return "common.free_text_new"
    if mother.status in (MotherStatus.PAUSED, MotherStatus.STOPPED):
        return "common.free_text_off"
    return FREE_TEXT
