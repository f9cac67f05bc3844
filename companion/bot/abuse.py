"""The reply when she says a partner hurts, threatens or controls her (the triage's `ipv`
reason), written for her safety: someone else may read her phone. Her country's domestic-abuse
line first, then the emergency number; short; she can delete the chat, and one tap removes the
bot's reply and her message (Telegram lets a bot delete both in a private chat for 48 hours).
Nothing she wrote is kept beyond the flag, and no later message names it.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from companion.bot.context import Ctx, Services, pressed
from companion.bot.mother_view import abuse_block, crisis_block, suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply
from companion.store.models import Mother

log = logging.getLogger(__name__)

IPV = "ipv"
REMOVE = "abx"  # abx|<her message's id, 0 if none>


def is_abuse(reasons: tuple[str, ...]) -> bool:
    """Whether every reason found is abuse by a partner ("ipv", "model:ipv 0.93"): with any
    other reason (thoughts of suicide too), the crisis reply is the one she needs."""
    names = {reason.split(" ")[0].removeprefix("model:") for reason in reasons}
    return names == {IPV}


def abuse_reply(
    services: Services, locale: str, country: str | None, *, danger: bool, message_id: int | None
) -> tuple[Reply, list[str]]:
    """The reply and what it listed (for the flag): her country's abuse lines, else its crisis
    lines; then the emergency number; and the Remove these messages button."""
    content = services.content
    resources = content.resources_for(country)
    lines = abuse_block(content, locale, resources) or crisis_block(content, locale, resources)
    listed = [line.id for line in resources.abuse] or [line.id for line in resources.lines]
    emergency = resources.emergency or content.text(locale, "crisis.local_emergency")
    key = "crisis.abuse.danger" if danger else "crisis.abuse.reply"
    text = content.text(locale, key, lines=lines, emergency=emergency)
    button = Button(content.text(locale, "crisis.abuse.button"), f"{REMOVE}|{message_id or 0}")
    return Reply(text, [[button]], urgent=danger), [key, *listed]


def forget_words(mother: Mother) -> None:
    """Her recent messages are kept (sealed) for an hour so the triage can read them together;
    after a disclosure of abuse they are dropped at once."""
    mother.recent_sealed, mother.recent_until = None, None


async def remove_messages(update: Update, context: Ctx) -> None:
    """Delete the reply the button is on, and her message it answered, from this private chat.
    Too old (48 hours) or already gone: nothing more can be done, and she is told it is done
    for what could be removed."""
    query, data, user, chat = pressed(update)
    services = context.services
    theirs = data.split("|")[1]
    mine = query.message.message_id if query.message else 0
    for message_id in (mine, int(theirs) if theirs.isdigit() else 0):
        if not message_id or chat.type != "private":
            continue
        try:
            await context.bot.delete_message(chat.id, message_id)
        except TelegramError as error:
            log.info("event=abuse_remove_failed error=%s", type(error).__name__)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    locale = mother.locale if mother else suggest_locale(user.language_code, services.content)
    await query.answer(services.content.text(locale, "crisis.abuse.removed"))


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CallbackQueryHandler(remove_messages, pattern=rf"^{REMOVE}\|[0-9]{{1,12}}$")]
