"""Sending alerts to a mother's linked clinicians: the first copy, queued as the crisis reply's
transaction commits (so after that reply), and the one repeat the tick makes when nobody has
acknowledged it within COMPANION_ALERT_REPEAT_MINUTES: to every linked clinician again and to
the clinic's backup chat, in the emergency lane, and she is told honestly that we are still
waiting. Nothing further happens automatically after the repeat; the alert stays open until a
clinician acknowledges it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.alert_text import Facts, alert_text, backup_text, emergency_number, join_names
from companion.bot.context import Services
from companion.bot.reaching import her_link, reach_of, reach_text, shown_name
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Button, Reply
from companion.store.alerts import (
    CALLBACK,
    FLAG,
    Linked,
    at_commit,
    can_be_told,
    claim_due_repeats,
    linked,
    sent_detail,
    take_repeat,
)
from companion.store.clinician_models import Alert
from companion.store.clinicians import audit, read_display_name
from companion.store.db import after_commit
from companion.store.flags import alerted_level, read_detail
from companion.store.models import Lane, Mother
from companion.store.safety_models import Flag, Screening
from companion.store.screenings import read_answers, results

log = logging.getLogger(__name__)

ACK, WILL_CALL = "ack", "cbr"  # a clinician's buttons: ack|<alert id>, cbr|<alert id>
CLOSE = "fcl"  # Close flag: fcl|<flag id> (companion/bot/flag_closing.py)


async def read_facts(services: Services, session: AsyncSession, alert: Alert) -> Facts:
    """The flag, its reasons, the option she tapped at a questionnaire's safety item, and her
    results."""
    flag = await session.get(Flag, alert.flag_id) if alert.flag_id else None
    if flag is None:
        found = await results(session, services.vault, alert.mother_id)
        return Facts(None, "", alert.created_at, (), {}, found)
    detail = read_detail(flag, services.vault)
    reasons = detail.reasons
    answers: dict[str, int] = {}
    for reason in reasons:
        instrument_id, _, item_id = reason.partition(".")
        if not item_id:
            continue
        row = await session.scalar(  # the questionnaire she was answering then
            select(Screening)
            .where(
                Screening.mother_id == alert.mother_id,
                Screening.instrument == instrument_id,
                Screening.started_at <= flag.raised_at,
            )
            .order_by(Screening.started_at.desc())
            .limit(1)
        )
        given = read_answers(row, services.vault) if row is not None else {}
        if item_id in given:
            answers[reason] = given[item_id]
    found = await results(session, services.vault, alert.mother_id)
    level = alerted_level(detail)
    return Facts(level, detail.source, flag.raised_at, reasons, answers, found)


@dataclass(frozen=True)
class Mail:
    """Messages about one alert, each written to the audit log with its outbox key (so a
    failed delivery can be matched to it), in the caller's transaction."""

    services: Services
    session: AsyncSession
    alert: Alert

    async def send(
        self, chat_id: int, reply: Reply, lane: int, event: str, clinician_id: str | None
    ) -> None:
        services, alert, now = self.services, self.alert, self.services.clock.now()
        [key] = await enqueue(
            self.session,
            services.vault,
            chat_id=chat_id,
            replies=[reply],
            lane=lane,
            now=now,
            mother_id=alert.mother_id,  # erased with her data, should she erase it first
        )
        detail = sent_detail(key, lane)
        audit(
            self.session,
            event,
            now,
            alert_id=alert.id,
            clinician_id=clinician_id,
            mother_id=alert.mother_id,
            detail=detail,
        )
        after_commit(self.session, services.sender.wake)


def alert_buttons(services: Services, locale: str, alert: Alert) -> list[list[Button]]:
    """Acknowledge, and for a flag I'll call her back and Close flag: on the alert, and in the
    digest while nobody has acknowledged it."""
    t = services.content.text
    ack = Button(t(locale, "alerts.clinician.button.acknowledge"), f"{ACK}|{alert.id}")
    if alert.kind == CALLBACK:
        return [[ack]]
    buttons = [
        [ack],
        [Button(t(locale, "alerts.clinician.button.callback"), f"{WILL_CALL}|{alert.id}")],
    ]
    if alert.flag_id is not None:
        buttons.append([close_button(services, locale, alert.flag_id)])
    return buttons


def close_button(services: Services, locale: str, flag_id: str) -> Button:
    return Button(
        services.content.text(locale, "alerts.clinician.button.close"), f"{CLOSE}|{flag_id}"
    )


async def queue_alert(
    services: Services,
    session: AsyncSession,
    alert: Alert,
    mother: Mother,
    *,
    words: str | None = None,
    repeat: bool = False,
) -> Linked:
    """Queue the alert to every linked clinician and, on a repeat, to the clinic's backup chat;
    returns the clinicians it went to (none when nobody is linked any more: audited)."""
    clinicians = await linked(session, mother.id)
    if not clinicians:
        audit(
            session,
            "alert_not_sent",
            services.clock.now(),
            alert_id=alert.id,
            mother_id=mother.id,
            detail="no clinician linked",
        )
        return []
    facts, mail = await read_facts(services, session, alert), Mail(services, session, alert)
    lane = Lane.EMERGENCY if alert.kind == FLAG else Lane.CLINICIAN
    event = "alert_repeated" if repeat else "alert_sent"
    for share, clinician in clinicians:
        locale = clinician.locale
        name, reach = shown_name(services, locale, share), reach_of(services, share, mother)
        shown = words if share.include_notes else None
        reaching = reach_text(services, locale, reach)
        text = alert_text(
            services, locale, facts, mother, name, words=shown, repeat=repeat, reach=reaching
        )
        link = her_link(services, locale, reach)
        reply = Reply(text, alert_buttons(services, locale, alert), protect=True, link=link)
        assert clinician.chat_id is not None  # linked() keeps only clinicians with a chat
        await mail.send(clinician.chat_id, reply, lane, event, clinician.id)
    backup = services.settings.backup_chat_id
    if repeat and backup is not None and facts.level is not None:
        name = read_display_name(clinicians[0][0], services.vault)
        reply = Reply(backup_text(services, facts, mother, name), protect=True)
        await mail.send(backup, reply, lane, event, None)
    log.info("event=alert_queued alert=%s to=%d repeat=%s", alert.id, len(clinicians), repeat)
    return clinicians


def alert_at_commit(
    services: Services, session: AsyncSession, alert: Alert, mother: Mother, words: str | None
) -> None:
    """Queue the alert as the handler's transaction commits, so after her crisis reply. Should
    that fail, her reply still goes and the alert stays open: the repeat then sends it."""

    async def work() -> None:
        try:
            await queue_alert(services, session, alert, mother, words=words)
        except Exception as error:  # never at the cost of her crisis reply
            log.error("event=alert_queue_failed alert=%s error=%s", alert.id, type(error).__name__)

    at_commit(session, work)


async def repeat_unacknowledged(services: Services, batch: int) -> int:
    """Repeat every alert now due; returns how many. Safe to run concurrently with itself."""
    repeated = 0
    async with services.db.session() as session:
        now = services.clock.now()
        for alert, mother in await claim_due_repeats(session, now, batch):
            if not await take_repeat(session, alert, now):
                continue  # another tick took it, or a clinician acknowledged it meanwhile
            clinicians = await queue_alert(services, session, alert, mother, repeat=True)
            if clinicians:
                await _tell_her_still_waiting(services, session, mother, clinicians)
                repeated += 1
    return repeated


async def _tell_her_still_waiting(
    services: Services, session: AsyncSession, mother: Mother, clinicians: Linked
) -> None:
    if not can_be_told(mother):
        return
    key = "repeated" if services.settings.backup_chat_id is None else "repeated_with_team"
    names = join_names(services, mother.locale, [clinician.name for _, clinician in clinicians])
    text = services.content.text(
        mother.locale,
        f"alerts.mother.{key}",
        clinicians=names,
        emergency=emergency_number(services, mother),
    )
    await tell_her(services, session, mother, text)


async def tell_her(services: Services, session: AsyncSession, mother: Mother, text: str) -> None:
    """Queue a word about her alert to her, in her reply lane, sent once this commits."""
    await enqueue(
        session,
        services.vault,
        chat_id=mother.chat_id,
        replies=[Reply(text)],
        lane=Lane.REPLY,
        now=services.clock.now(),
        mother_id=mother.id,
    )
    after_commit(session, services.sender.wake)
