"""No silence after a crisis: when her "are you safe now?" follow-up goes unanswered for
COMPANION_FOLLOWUP_ESCALATE_MINUTES, her linked clinicians and the clinic's backup chat get a "no
answer to the safety follow-up" alert in the emergency lane, and she gets one more short message
with the emergency number. With no clinician linked she still gets that message. Once per flag;
the question stays open, so a late answer, typed or tapped, is still heard."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.alert_text import emergency_number, when_text
from companion.bot.context import Services
from companion.bot.reaching import her_link, reach_of, reach_text, shown_name
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.store.alerts import linked
from companion.store.clinicians import audit, read_display_name
from companion.store.flags import alerted_level, read_detail
from companion.store.models import Lane, Mother
from companion.store.safety_models import Flag
from companion.store.safety_questions import claim_unanswered, take_escalation

log = logging.getLogger(__name__)


async def escalate_unanswered(services: Services, batch: int) -> int:
    """Send every "no answer" alert now due; returns how many flags. Safe to run concurrently."""
    after = timedelta(minutes=services.settings.followup_escalate_minutes)
    done = 0
    async with services.db.session() as session:
        now = services.clock.now()
        for flag, mother in await claim_unanswered(session, now, after, batch):
            if not await take_escalation(session, flag, now):
                continue  # another tick took it
            await _tell(services, session, flag, mother)
            log.info("event=followup_unanswered flag=%s", flag.id)
            done += 1
    if done:
        services.sender.wake()
    return done


async def _tell(services: Services, session: AsyncSession, flag: Flag, mother: Mother) -> None:
    now, t = services.clock.now(), services.content.text
    minutes = services.settings.followup_escalate_minutes
    chats: list[tuple[int, Reply, str | None]] = []
    clinicians = await linked(session, mother.id)
    level = alerted_level(read_detail(flag, services.vault))
    for share, clinician in clinicians:
        locale = clinician.locale
        reach = reach_of(services, share, mother)
        text = t(
            locale,
            "alerts.clinician.no_answer",
            name=shown_name(services, locale, share),
            level=t(locale, f"alerts.level.{level}"),
            when=when_text(services, locale, mother, flag.raised_at),
            minutes=minutes,
            reach=reach_text(services, locale, reach),
        )
        link = her_link(services, locale, reach)
        assert clinician.chat_id is not None  # linked() keeps only clinicians with a chat
        chats.append((clinician.chat_id, Reply(text, protect=True, link=link), clinician.id))
    backup = services.settings.backup_chat_id
    if backup is not None and clinicians:
        locale = services.content.default_locale
        text = t(
            locale,
            "alerts.clinician.no_answer_backup",
            name=read_display_name(clinicians[0][0], services.vault),
            level=t(locale, f"alerts.level.{level}"),
            when=when_text(services, locale, mother, flag.raised_at),
            minutes=minutes,
        )
        chats.append((backup, Reply(text, protect=True), None))
    for chat_id, reply, clinician_id in chats:
        await enqueue(
            session,
            services.vault,
            chat_id=chat_id,
            replies=[reply],
            lane=Lane.EMERGENCY,
            now=now,
            mother_id=mother.id,
        )
        audit(
            session,
            "followup_unanswered_sent",
            now,
            clinician_id=clinician_id,
            mother_id=mother.id,
            detail=f"flag={flag.id}",
        )
    her = t(mother.locale, "crisis.no_answer", emergency=emergency_number(services, mother))
    await enqueue(
        session,
        services.vault,
        chat_id=mother.chat_id,
        replies=[Reply(her, urgent=True)],
        lane=Lane.EMERGENCY,
        now=now,
        mother_id=mother.id,
    )
