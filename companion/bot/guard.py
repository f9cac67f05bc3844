"""Private chats only: in a group or channel companion says so, stores nothing, and leaves."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from companion.bot.context import Ctx
from companion.bot.mother_view import suggest_locale

log = logging.getLogger(__name__)

GONE = {ChatMember.LEFT, ChatMember.BANNED}


async def refuse_non_private(update: Update, context: Ctx) -> None:
    """Runs before every other handler; stops any update that isn't from a private chat."""
    chat = update.effective_chat
    if chat is not None and chat.type == Chat.PRIVATE:
        if update.effective_user is None:  # no one to answer, and no one to store anything for
            log.info("event=update_without_sender update_id=%s", update.update_id)
            raise ApplicationHandlerStop
        await _refuse_empty_button(update, context)
        return
    if chat is not None and not _removed(update):
        await _say_goodbye(update, context, chat)
    raise ApplicationHandlerStop


async def _refuse_empty_button(update: Update, context: Ctx) -> None:
    """PTB skips the pattern check when a button's data is empty, so such a press would reach
    whichever button handler comes first (consent!). Answer it here and stop."""
    query = update.callback_query
    if query is not None and not query.data:
        content = context.services.content
        await query.answer(content.text(content.default_locale, "common.stale_button"))
        raise ApplicationHandlerStop


def _removed(update: Update) -> bool:
    member = update.my_chat_member
    return member is not None and member.new_chat_member.status in GONE


async def _say_goodbye(update: Update, context: Ctx, chat: Chat) -> None:
    content = context.services.content
    user = update.effective_user
    locale = suggest_locale(user.language_code if user else None, content)
    try:
        if chat.type != Chat.CHANNEL:
            await context.bot.send_message(chat.id, content.text(locale, "common.group_refusal"))
        await context.bot.leave_chat(chat.id)
    except TelegramError as error:
        log.info("event=leave_chat_failed chat_type=%s error=%s", chat.type, type(error).__name__)
    log.info("event=left_non_private_chat chat_type=%s update_id=%s", chat.type, update.update_id)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [TypeHandler(Update, refuse_non_private)]
