"""Blocking and coming back: Telegram tells us when she blocks the bot (my_chat_member), and any
message from her afterwards means she unblocked it. Her data stays throughout."""

from __future__ import annotations

import logging

from sqlalchemy import delete
from telegram import ChatMember, Update
from telegram.ext import BaseHandler, TypeHandler

from companion.bot.context import Ctx
from companion.bot.mother_view import schedule_next
from companion.store.models import MotherStatus, OutboxMessage
from companion.store.mothers import find_mother

log = logging.getLogger(__name__)


async def track_presence(update: Update, context: Ctx) -> None:
    """Runs before the features on every private update; never stops them."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    member = update.my_chat_member
    blocked_now = member is not None and member.new_chat_member.status == ChatMember.BANNED
    async with services.db.session() as session:
        mother = await find_mother(session, user.id)
        if mother is None:
            return
        now = services.clock.now()
        if blocked_now and mother.status != MotherStatus.ONBOARDING:
            mother.status, mother.next_checkin_at, mother.updated_at = (
                MotherStatus.BLOCKED,
                None,
                now,
            )
            await session.execute(
                delete(OutboxMessage).where(OutboxMessage.chat_id == mother.chat_id)
            )
            log.info("event=mother_blocked mother=%s", mother.id)
        elif not blocked_now and mother.status == MotherStatus.BLOCKED:
            mother.status, mother.updated_at = MotherStatus.ACTIVE, now
            schedule_next(mother, now)
            log.info("event=mother_returned mother=%s", mother.id)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [TypeHandler(Update, track_presence)]
