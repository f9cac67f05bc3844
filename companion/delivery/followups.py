"""The safety follow-up: an hour or two after a crisis reply, "are you safe now?", sent by the
tick in the emergency lane. She wrote first, so quiet hours do not hold it back."""

from __future__ import annotations

import logging

from companion.bot.context import Services
from companion.bot.safety import followup_replies
from companion.core.safety_answers import FOLLOWUP
from companion.delivery.outbox import enqueue
from companion.store.flags import claim_followups, take_followup
from companion.store.models import Lane
from companion.store.safety_questions import ask

log = logging.getLogger(__name__)


async def send_followups(services: Services, batch: int) -> int:
    """Queue every follow-up now due; returns how many. Safe to run concurrently with itself."""
    queued = 0
    async with services.db.session() as session:
        now = services.clock.now()
        for flag, mother in await claim_followups(session, now, batch):
            if not await take_followup(session, flag, now):
                continue  # another tick took it
            ask(flag, FOLLOWUP, now)  # her typed answer is heard, and silence is noticed
            await enqueue(
                session,
                services.vault,
                chat_id=mother.chat_id,
                replies=followup_replies(services, mother, flag.id),
                lane=Lane.EMERGENCY,
                now=now,
                mother_id=mother.id,
            )
            log.info("event=safety_followup_queued flag=%s", flag.id)
            queued += 1
    return queued
