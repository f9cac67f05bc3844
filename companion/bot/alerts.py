"""Alerts to a mother's linked clinicians, and their answers.

An urgent or emergency flag reaches each linked clinician at once, in the emergency lane and
protected from forwarding (sent by companion/delivery/alert_repeats.py, in the words of
companion/bot/alert_text.py). Buttons: Acknowledge
(`ack|<alert id>`) and I'll call her back (`cbr|<alert id>`), and on a flag's alert Close flag
(`fcl|<flag id>`, companion/bot/flag_closing.py), which stays once the others are pressed. Every
press is checked against the presser (an active clinician with a share in force with that
mother), else refused: audited when the presser is or was a clinician, with no row at all naming
anyone else (a forged button must not put its sender's Telegram id in the audit log). The
first acknowledgement stops the repeat (companion/delivery/alert_repeats.py); the other
clinicians and she are told.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from companion.bot import flag_closing
from companion.bot.alert_text import Facts, clock_time, emergency_number, taken_text
from companion.bot.context import Ctx, Services, pressed
from companion.bot.flag_closing import open_close_button
from companion.bot.flows import mark_answered
from companion.bot.reaching import shown_name
from companion.bot.replies import Reply
from companion.delivery.alert_repeats import ACK, WILL_CALL, Mail, read_facts, tell_her
from companion.store.alerts import (
    CALLBACK,
    FLAG,
    acknowledge,
    can_be_told,
    clinician_named,
    linked,
    request_callback,
    share_between,
)
from companion.store.clinician_models import Alert, Clinician
from companion.store.clinicians import (
    audit,
    clinician_by_user,
    clinician_on_record,
    read_display_name,
)
from companion.store.models import Lane, Mother

log = logging.getLogger(__name__)


async def answer_alert_button(update: Update, context: Ctx) -> None:
    """Acknowledge, or I'll call her back: refused unless the presser is an active clinician
    with a share in force with that alert's mother (audited if the presser is or was one)."""
    query, data, user, _ = pressed(update)
    action, alert_id = data.split("|")
    services = context.services
    async with services.db.session() as session:
        clinician = await clinician_by_user(session, user.id)
        alert = await session.get(Alert, alert_id)
        share = (
            await share_between(session, clinician, alert.mother_id)
            if clinician and alert
            else None
        )
        mother = await session.get(Mother, alert.mother_id) if alert and share else None
        if clinician is None or alert is None or mother is None:
            # Only a clinician's (or a former one's) press is audited: a stranger's, forged
            # or a mother's, leaves no row naming them.
            known = clinician or await clinician_on_record(session, user.id)
            if known is not None:
                audit(
                    session,
                    "ack_refused",
                    services.clock.now(),
                    alert_id=alert.id if alert else None,
                    clinician_id=known.id,
                    mother_id=alert.mother_id if alert else None,
                    detail=f"button={action}",
                )
            log.info("event=alert_button_refused clinician=%s", known.id if known else None)
            locale = clinician.locale if clinician else services.content.default_locale
            await query.answer(services.content.text(locale, "alerts.clinician.stale"))
            return
        will_call = action == WILL_CALL and alert.kind == FLAG
        toast, picked = await _settle(services, session, alert, mother, clinician, will_call)
        close = await open_close_button(services, session, clinician.locale, alert.flag_id)
    await query.answer(toast)
    await mark_answered(update, picked, keep=close)


async def _settle(
    services: Services,
    session: AsyncSession,
    alert: Alert,
    mother: Mother,
    clinician: Clinician,
    will_call: bool,
) -> tuple[str, str]:
    """Record the press and tell whoever should know; returns the presser's answer and the
    line added under the alert (whose buttons then come off)."""
    now, locale, zone = services.clock.now(), clinician.locale, clinician.timezone

    def t(key: str, **params: object) -> str:
        return services.content.text(locale, f"alerts.clinician.{key}", **params)

    first = await acknowledge(session, alert, clinician, now)
    called = will_call and await request_callback(session, alert, clinician, now)
    if not first and not called:
        audit(
            session,
            "ack_duplicate",
            now,
            alert_id=alert.id,
            clinician_id=clinician.id,
            mother_id=mother.id,
        )
        # This copy's buttons come off too, with who was first: it would stay stale otherwise.
        if will_call and alert.callback_requested_at is not None:
            toast = t("already_callback", time=clock_time(alert.callback_requested_at, zone))
        else:
            by = await clinician_named(session, alert.acknowledged_by)
            at = clock_time(alert.acknowledged_at or now, zone)
            toast = t("already", clinician=by.name if by else "?", time=at)
        return toast, services.content.text(locale, "common.picked", choice=toast)
    facts = await read_facts(services, session, alert)
    mail = Mail(services, session, alert)
    await _tell_others(mail, facts, mother, clinician, will_call=called)
    await _tell_her(services, session, alert, mother, clinician, will_call=called)
    if called:
        return t("done_callback"), t("picked_callback", time=clock_time(now, zone))
    return t("done"), t("picked", time=clock_time(now, zone))


async def _tell_others(
    mail: Mail, facts: Facts, mother: Mother, presser: Clinician, *, will_call: bool
) -> None:
    """Her other linked clinicians (and the backup chat, if the alert was repeated there)
    learn who took it."""
    services = mail.services
    clinicians = await linked(mail.session, mother.id)
    for share, clinician in clinicians:
        if clinician.id == presser.id or clinician.chat_id is None:
            continue
        name = shown_name(services, clinician.locale, share)  # with this clinician's label
        text = taken_text(
            services, clinician.locale, facts, mother, name, presser.name, will_call=will_call
        )
        await mail.send(
            clinician.chat_id, Reply(text, protect=True), Lane.CLINICIAN, "ack_notice", clinician.id
        )
    backup = services.settings.backup_chat_id
    if mail.alert.escalated_at is not None and backup is not None and clinicians:
        name = read_display_name(clinicians[0][0], services.vault)
        locale = services.content.default_locale
        text = taken_text(services, locale, facts, mother, name, presser.name, will_call=will_call)
        await mail.send(backup, Reply(text, protect=True), Lane.CLINICIAN, "ack_notice", None)


async def _tell_her(
    services: Services,
    session: AsyncSession,
    alert: Alert,
    mother: Mother,
    clinician: Clinician,
    *,
    will_call: bool,
) -> None:
    """In her reply lane: who has seen it, and whether they will contact her."""
    if not can_be_told(mother):
        return
    key = "will_contact" if will_call else "callback_seen" if alert.kind == CALLBACK else "seen"
    text = services.content.text(
        mother.locale,
        f"alerts.mother.{key}",
        clinician=clinician.name,
        emergency=emergency_number(services, mother),
    )
    await tell_her(services, session, mother, text)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    pattern = rf"^({ACK}|{WILL_CALL})\|[0-9a-f]{{32}}$"
    return [CallbackQueryHandler(answer_alert_button, pattern=pattern), *flag_closing.handlers()]
