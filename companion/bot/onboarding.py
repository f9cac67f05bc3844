"""/start and consent. Nothing about her is stored until she taps "I agree"."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.context import CONSENT_VERSION, Ctx, pressed, sender
from companion.bot.flows import ONBOARDING, begin, mark_answered, onboarding_steps
from companion.bot.mother_view import suggest_locale, summary
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.store.models import MotherStatus
from companion.store.mothers import enrol_mother, get_conversation

CONSENT_YES = "consent|yes"
CONSENT_NO = "consent|no"


async def start(update: Update, context: Ctx) -> None:
    """/start: introduce companion and ask for consent, or pick up where she left off."""
    services = context.services
    user, chat = sender(update)
    content = services.content
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None:
            locale = suggest_locale(user.language_code, content)
            replies = [
                Reply(content.text(locale, "onboarding.intro")),
                Reply(
                    content.text(locale, "onboarding.consent_question", version=CONSENT_VERSION),
                    [
                        [
                            Button(content.text(locale, "onboarding.button.agree"), CONSENT_YES),
                            Button(content.text(locale, "onboarding.button.decline"), CONSENT_NO),
                        ]
                    ],
                ),
            ]
        elif (conversation := await get_conversation(session, mother)) is not None:
            # Re-ask the open question, in whichever flow she was in.
            replies = [
                Reply(content.text(mother.locale, "onboarding.continue_setup")),
                *await begin(services, session, mother, conversation.flow, conversation.step),
            ]
        elif mother.status == MotherStatus.STOPPED:
            replies = [Reply(content.text(mother.locale, "onboarding.stopped_welcome"))]
        else:
            replies = [
                Reply(
                    content.text(
                        mother.locale,
                        "onboarding.already_set_up",
                        summary=summary(content, mother, services.vault),
                    )
                )
            ]
    await send(context, chat.id, replies)


async def answer_consent(update: Update, context: Ctx) -> None:
    """The consent buttons. Agreeing writes her first row and the consent record."""
    query, data, user, chat = pressed(update)
    services, content = context.services, context.services.content
    locale = suggest_locale(user.language_code, content)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is not None:
            # A second copy of the consent question: she is enrolled already, so say how to
            # stop or erase rather than pretend a "Not now" took effect.
            key = "onboarding.already_agreed" if data == CONSENT_NO else None
            replies = [Reply(content.text(mother.locale, key))] if key else []
            picked = content.text(mother.locale, "onboarding.consent_recorded")
        elif data == CONSENT_NO:
            replies = [Reply(content.text(locale, "onboarding.declined"))]
            picked = content.text(locale, "onboarding.consent_declined")
        else:
            mother = await enrol_mother(
                session,
                telegram_user_id=user.id,
                chat_id=chat.id,
                locale=locale,
                consent_version=CONSENT_VERSION,
                now=services.clock.now(),
            )
            first = onboarding_steps(services)[0]
            replies = [
                Reply(content.text(locale, "onboarding.agreed")),
                *await begin(services, session, mother, ONBOARDING, first),
            ]
            picked = content.text(locale, "onboarding.consent_recorded")
    await query.answer()
    await mark_answered(update, picked)
    await send(context, chat.id, replies)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("start", start),
        CallbackQueryHandler(answer_consent, pattern=r"^consent\|(yes|no)$"),
    ]
