"""The reply when she says a partner hurts, threatens or controls her (the triage's `ipv`
reason), written for her safety: someone else may read her phone. Her country's domestic-abuse
line first, then the emergency number; short; she can delete the chat, and one tap removes the
bot's reply and her message (Telegram lets a bot delete both in a private chat for 48 hours).
Nothing she wrote is kept beyond the flag, and no later message names it.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from companion.bot.context import Ctx, Services, pressed
from companion.bot.mother_view import abuse_block, crisis_block, emergency_words, suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply
from companion.core.numbers import ascii_number
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
    emergency = emergency_words(content, locale, resources)
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
    One already gone counts as removed. If one stays (Telegram refuses after 48 hours), she is
    told so in an alert she must close, with how to remove it herself: believing it gone while
    someone else can still read it on her phone would be worse than knowing."""
    query, data, user, chat = pressed(update)
    services = context.services
    theirs = data.split("|")[1]
    mine = query.message.message_id if query.message else 0
    kept = False
    for message_id in (mine, ascii_number(theirs) or 0):
        if message_id and chat.type == "private":
            kept = not await _delete(context, chat.id, message_id) or kept
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    locale = mother.locale if mother else suggest_locale(user.language_code, services.content)
    key = "crisis.abuse.not_removed" if kept else "crisis.abuse.removed"
    await query.answer(services.content.text(locale, key), show_alert=kept)


async def _delete(context: Ctx, chat_id: int, message_id: int) -> bool:
    """Whether the message is gone now (deleted, or already deleted)."""
    try:
        await context.bot.delete_message(chat_id, message_id)
    except BadRequest as error:
        log.info("event=abuse_remove_failed error=%s", type(error).__name__)
        return "not found" in error.message.lower()
    except TelegramError as error:  # a time-out may have deleted it; she is asked to check
        log.info("event=abuse_remove_failed error=%s", type(error).__name__)
        return False
    return True


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CallbackQueryHandler(remove_messages, pattern=rf"^{REMOVE}\|[0-9]{{1,12}}$")]
