"""/start and consent. Nothing about her is stored until she taps "I agree".

With more than one language installed, the consent question carries a button for each other
language: a tap shows the introduction again in that language, so she reads what she agrees to
in her own words, and her choice travels in the consent buttons (nothing is stored before she
agrees). Telegram's language_code only suggests the first language shown.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.context import CONSENT_VERSION, Ctx, pressed, sender
from companion.bot.flows import ONBOARDING, begin, mark_answered, onboarding_steps
from companion.bot.mother_view import suggest_locale, summary
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, rows, send
from companion.content import Content
from companion.store.models import MotherStatus
from companion.store.mothers import enrol_mother, get_conversation

CONSENT_YES = "consent|yes"
CONSENT_NO = "consent|no"
INTRO_IN = "intro|"  # + a locale: the introduction again, in that language


async def start(update: Update, context: Ctx) -> None:
    """/start: introduce companion and ask for consent, or pick up where she left off."""
    services = context.services
    user, chat = sender(update)
    content = services.content
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None:
            replies = introduction(content, suggest_locale(user.language_code, content))
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


def introduction(content: Content, locale: str) -> list[Reply]:
    """What companion is, then the consent question in `locale`, with the other languages."""
    answer = [
        Button(content.text(locale, "onboarding.button.agree"), f"{CONSENT_YES}|{locale}"),
        Button(content.text(locale, "onboarding.button.decline"), f"{CONSENT_NO}|{locale}"),
    ]
    others = [
        Button(content.text(code, f"names.language.{code}"), f"{INTRO_IN}{code}")
        for code in content.locales
        if code != locale
    ]
    question = content.text(locale, "onboarding.consent_question", version=CONSENT_VERSION)
    return [
        Reply(content.text(locale, "onboarding.intro")),
        Reply(question, [answer, *rows(others, 2)]),
    ]


async def show_introduction_in(update: Update, context: Ctx) -> None:
    """A language button under the consent question: the introduction again, in that language."""
    query, data, user, chat = pressed(update)
    services, content = context.services, context.services.content
    wanted = data.removeprefix(INTRO_IN)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    if mother is not None or wanted not in content.locales:
        locale = mother.locale if mother else suggest_locale(user.language_code, content)
        await query.answer(content.text(locale, "common.stale_button"))
        return
    await query.answer()
    await mark_answered(update, content.text(wanted, f"names.language.{wanted}"))
    await send(context, chat.id, introduction(content, wanted))


def _chosen_locale(data: str, content: Content, suggested: str) -> str:
    """The language carried by a consent button ("consent|yes|es"); older buttons carry none."""
    _, _, locale = data.partition("|")[2].partition("|")
    return locale if locale in content.locales else suggested


async def answer_consent(update: Update, context: Ctx) -> None:
    """The consent buttons. Agreeing writes her first row and the consent record."""
    query, data, user, chat = pressed(update)
    services, content = context.services, context.services.content
    locale = _chosen_locale(data, content, suggest_locale(user.language_code, content))
    declined = data.startswith(CONSENT_NO)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is not None:
            # A second copy of the consent question: she is enrolled already, so say how to
            # stop or erase rather than pretend a "Not now" took effect.
            key = "onboarding.already_agreed" if declined else None
            replies = [Reply(content.text(mother.locale, key))] if key else []
            picked = content.text(mother.locale, "onboarding.consent_recorded")
        elif declined:
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
        CallbackQueryHandler(answer_consent, pattern=r"^consent\|(yes|no)(\|[a-z]{2,8})?$"),
        CallbackQueryHandler(show_introduction_in, pattern=r"^intro\|[a-z]{2,8}$"),
    ]
