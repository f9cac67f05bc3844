"""Blocking and coming back. Telegram tells us when she blocks or unblocks the bot
(my_chat_member), and any message from her means she is back. Her data stays throughout."""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ChatMember, Update
from telegram.ext import BaseHandler, ChatMemberHandler

from companion.bot.context import Ctx, Services
from companion.bot.mother_view import schedule_next
from companion.store.models import Mother, MotherStatus, OutboxMessage
from companion.store.mothers import find_mother

log = logging.getLogger(__name__)


# find_mother's query, built once: every update looks her up, and building the statement (and
# its cache key) each time costs more than SQLite takes to answer it.
_BY_TELEGRAM_USER = select(Mother).where(Mother.telegram_user_id == bindparam("telegram_user_id"))


async def find_sender(
    services: Services, session: AsyncSession, telegram_user_id: int
) -> Mother | None:
    """The mother behind this update. If she had blocked the bot, she is clearly back."""
    mother = await session.scalar(_BY_TELEGRAM_USER, {"telegram_user_id": telegram_user_id})
    if mother is not None and mother.status == MotherStatus.BLOCKED:
        _come_back(services, mother)
    return mother


def _come_back(services: Services, mother: Mother) -> None:
    now = services.clock.now()
    mother.status, mother.updated_at = MotherStatus.ACTIVE, now
    schedule_next(mother, now)
    log.info("event=mother_returned mother=%s", mother.id)


async def track_membership(update: Update, context: Ctx) -> None:
    """She blocked the bot (pause her, drop what was waiting) or unblocked it (resume)."""
    member, user = update.my_chat_member, update.effective_user
    if member is None or user is None:
        return
    services = context.services
    blocked = member.new_chat_member.status == ChatMember.BANNED
    async with services.db.session() as session:
        mother = await find_mother(session, user.id)
        if mother is None:
            return
        if blocked and mother.status != MotherStatus.ONBOARDING:
            mother.status, mother.next_checkin_at = MotherStatus.BLOCKED, None
            mother.updated_at = services.clock.now()
            await session.execute(
                delete(OutboxMessage).where(OutboxMessage.chat_id == mother.chat_id)
            )
            log.info("event=mother_blocked mother=%s", mother.id)
        elif not blocked and mother.status == MotherStatus.BLOCKED:
            _come_back(services, mother)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [ChatMemberHandler(track_membership, ChatMemberHandler.MY_CHAT_MEMBER)]
