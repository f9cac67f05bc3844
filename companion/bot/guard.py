"""Private chats only: in a group or channel companion says so, stores nothing, and leaves.

One exception: the group the clinic named as its backup chat for repeated alerts
(COMPANION_BACKUP_CHAT_ID). companion stays there, says what the group is for when it is added,
and reads nothing written in it.
"""

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
    if chat is not None and _backup_group_moved(update, context):
        raise ApplicationHandlerStop  # its new id is logged: the setting needs it
    if chat is not None and _is_backup_group(chat, context):
        if _added(update):
            await _greet_backup_group(context, chat)
        raise ApplicationHandlerStop  # nothing in it is read or stored
    if chat is not None and not _removed(update):
        await _say_goodbye(update, context, chat)
    raise ApplicationHandlerStop


def _is_backup_group(chat: Chat, context: Ctx) -> bool:
    backup = context.services.settings.backup_chat_id
    return chat.id == backup and chat.type in (Chat.GROUP, Chat.SUPERGROUP)


def _backup_group_moved(update: Update, context: Ctx) -> bool:
    """The backup group was upgraded to a supergroup, which has a new id. Messages to the old
    id still arrive (the sender follows the move), but the setting must change, or companion
    would leave the new supergroup the next time someone there writes to it."""
    message = update.effective_message
    backup = context.services.settings.backup_chat_id
    if message is None or backup is None or message.migrate_from_chat_id != backup:
        return False
    log.error("event=backup_group_moved new_chat_id=%s", message.chat.id)
    return True


def _added(update: Update) -> bool:
    member = update.my_chat_member
    return (
        member is not None
        and member.old_chat_member.status in GONE
        and member.new_chat_member.status not in GONE
    )


async def _greet_backup_group(context: Ctx, chat: Chat) -> None:
    services = context.services
    text = services.content.text(
        services.content.default_locale,
        "common.backup_group",
        minutes=services.settings.alert_repeat_minutes,
    )
    try:
        await context.bot.send_message(chat.id, text)
    except TelegramError as error:
        log.info("event=backup_greeting_failed error=%s", type(error).__name__)
    log.info("event=joined_backup_group chat_type=%s", chat.type)


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
    # The chat's id is logged so a clinic can name its group as the backup chat
    # (docs/configuration.md, COMPANION_BACKUP_CHAT_ID).
    log.info(
        "event=left_non_private_chat chat_type=%s chat_id=%s update_id=%s",
        chat.type,
        chat.id,
        update.update_id,
    )


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [TypeHandler(Update, refuse_non_private)]
