"""Closing a safety flag, by a clinician who shares with her.

**Close flag** (`fcl|<flag id>`) sits on an alert (and stays there once acknowledged), on the
digest's waiting alerts, and under `/summary` for each open flag. Pressing it asks how it ended,
with four buttons (`fco|<flag id>|<outcome>`); choosing one closes the flag
(companion/store/flag_closing.py), confirms under the question, and tells her other clinicians.
Every press is checked against the presser (an active clinician with a share in force with that
flag's mother, and the flag still open), else refused briefly and audited; nothing changes.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from companion.bot.alert_text import clock_time, when_text
from companion.bot.context import Ctx, Services, pressed
from companion.bot.flows import mark_answered
from companion.bot.patient_facts import (
    age_words,
    clinician_locale,
    level_word,
    say,
    source_words,
)
from companion.bot.reaching import shown_name
from companion.bot.replies import Button, Reply, rows, send
from companion.core.clinician_summary import FLAG_LEVELS
from companion.delivery.alert_repeats import CLOSE, close_button
from companion.delivery.outbox import enqueue
from companion.store.alerts import linked, sent_detail, share_between
from companion.store.clinician_models import Alert, Clinician, Share
from companion.store.clinicians import (
    audit,
    clinician_by_user,
    clinician_on_record,
    read_display_name,
)
from companion.store.db import after_commit
from companion.store.flag_closing import OUTCOMES, close_flag
from companion.store.flags import open_flags, read_detail
from companion.store.models import Lane, Mother
from companion.store.safety_models import Flag, FlagStatus

log = logging.getLogger(__name__)

OUTCOME = "fco"  # fco|<flag id>|<outcome code>: at most 4 + 1 + 32 + 1 + 9 = 47 bytes
FLAGS_WITH_BUTTONS = 10  # open flags listed, each with its button, under /summary

Checked = tuple[Clinician, Flag, Share, Mother]


def t(services: Services, locale: str, key: str, **params: object) -> str:
    return services.content.text(locale, f"alerts.close.{key}", **params)


async def _checked(
    services: Services, session: AsyncSession, user_id: int, flag_id: str, button: str
) -> Checked | str:
    """The presser, the flag, her share with them and her, if the presser may close it now;
    else the short refusal to show (audited if the presser is or was a clinician), nothing
    else changed."""
    clinician = await clinician_by_user(session, user_id)
    flag = await session.get(Flag, flag_id)
    share = await share_between(session, clinician, flag.mother_id) if clinician and flag else None
    mother = await session.get(Mother, flag.mother_id) if flag and share else None
    if clinician and flag and share and mother and flag.status == FlagStatus.OPEN:
        return clinician, flag, share, mother
    return await _refusal(services, session, user_id, button, clinician, flag, share)


async def _refusal(
    services: Services,
    session: AsyncSession,
    user_id: int,
    button: str,
    clinician: Clinician | None,
    flag: Flag | None,
    share: Share | None,
) -> str:
    """Who closed it already (only to a clinician who shares with her), else that the button
    is no longer valid; written to the audit log."""
    content = services.content
    locale = clinician_locale(content, clinician) if clinician else content.default_locale
    closed = flag is not None and flag.status != FlagStatus.OPEN
    known = clinician or await clinician_on_record(session, user_id)
    if known is not None:  # anyone else's press leaves no row naming them
        audit(
            session,
            "flag_close_refused",
            services.clock.now(),
            clinician_id=known.id,
            mother_id=flag.mother_id if flag else None,
            detail=f"button={button} closed={int(closed)}",
        )
    log.info("event=flag_close_refused closed=%s", closed)
    if closed and share is not None and flag is not None:
        by = await session.get(Clinician, flag.closed_by) if flag.closed_by else None
        return t(services, locale, "already", clinician=by.name if by else "?")
    return content.text(locale, "alerts.clinician.stale")


def _about(
    services: Services, locale: str, flag: Flag, share: Share, mother: Mother
) -> dict[str, str]:
    return {
        "level": level_word(services.content, locale, read_detail(flag, services.vault).level),
        "name": shown_name(services, locale, share),  # with this clinician's label
        "when": when_text(services, locale, mother, flag.raised_at),
    }


async def ask_outcome(update: Update, context: Ctx) -> None:
    """Close flag: ask how it ended, with a button per outcome."""
    query, data, user, chat = pressed(update)
    button, flag_id = data.split("|")
    services = context.services
    async with services.db.session() as session:
        checked = await _checked(services, session, user.id, flag_id, button)
        if isinstance(checked, str):
            await query.answer(checked)
            return
        clinician, flag, share, mother = checked
        locale = clinician_locale(services.content, clinician)
        text = t(services, locale, "question", **_about(services, locale, flag, share, mother))
        buttons = [
            [Button(t(services, locale, f"button.{code}"), f"{OUTCOME}|{flag.id}|{code}")]
            for code in OUTCOMES
        ]
        await send(context, chat.id, [Reply(text, buttons, protect=True)], session=session)
    await query.answer()


async def choose_outcome(update: Update, context: Ctx) -> None:
    """An outcome: the flag is closed with it, and the clinician sees so under the question."""
    query, data, user, _ = pressed(update)
    button, flag_id, outcome = data.split("|")
    services = context.services
    async with services.db.session() as session:
        checked = await _checked(services, session, user.id, flag_id, button)
        if isinstance(checked, str):
            await query.answer(checked)
            return
        clinician, flag, share, mother = checked
        now = services.clock.now()
        if not await close_flag(session, services.vault, flag, clinician, outcome, now):
            # Another clinician closed it a moment earlier.
            refusal = await _refusal(services, session, user.id, button, clinician, flag, share)
            await query.answer(refusal)
            return
        locale = clinician_locale(services.content, clinician)
        outcome_words = t(services, locale, f"outcome.{outcome}")
        picked = t(
            services,
            locale,
            "picked",
            time=clock_time(now, clinician.zone),
            outcome=outcome_words,
        )
        await _tell_others(services, session, flag, mother, clinician, outcome)
        log.info("event=flag_closed flag=%s outcome=%s", flag.id, outcome)
    await query.answer(t(services, locale, "done"))
    await mark_answered(update, picked)


async def _tell_others(
    services: Services,
    session: AsyncSession,
    flag: Flag,
    mother: Mother,
    closer: Clinician,
    outcome: str,
) -> None:
    """Her other linked clinicians learn who closed it and how it ended, so nobody reaches out
    twice without knowing; the backup chat, if it was sent this flag, learns who closed it (and
    as with its alerts, only her display name: never the outcome or a clinician's label)."""
    clinicians = await linked(session, mother.id)
    for share, clinician in clinicians:
        if clinician.id == closer.id or clinician.chat_id is None:
            continue
        locale = clinician_locale(services.content, clinician)
        about = _about(services, locale, flag, share, mother)
        outcome_words = t(services, locale, f"outcome.{outcome}")
        text = t(
            services, locale, "closed_by", clinician=closer.name, outcome=outcome_words, **about
        )
        await _notify(services, session, clinician.chat_id, text, mother, clinician.id)
    backup = services.settings.backup_chat_id
    if backup is not None and clinicians and await _backup_was_told(session, flag):
        locale = services.content.default_locale
        about = _about(services, locale, flag, clinicians[0][0], mother)
        about["name"] = read_display_name(clinicians[0][0], services.vault)
        text = t(services, locale, "closed_by_backup", clinician=closer.name, **about)
        await _notify(services, session, backup, text, mother, None)


async def _backup_was_told(session: AsyncSession, flag: Flag) -> bool:
    """Its alert was repeated to the backup chat, or its 'no answer' alert went there."""
    repeated = await session.scalar(
        select(Alert.id).where(Alert.flag_id == flag.id, Alert.escalated_at.is_not(None)).limit(1)
    )
    return repeated is not None or flag.escalated_at is not None


async def _notify(
    services: Services,
    session: AsyncSession,
    chat_id: int,
    text: str,
    mother: Mother,
    clinician_id: str | None,
) -> None:
    """Queue one notice, protected, in the clinician lane, with its audit row."""
    now = services.clock.now()
    [key] = await enqueue(
        session,
        services.vault,
        chat_id=chat_id,
        replies=[Reply(text, protect=True)],
        lane=Lane.CLINICIAN,
        now=now,
        mother_id=mother.id,
    )
    detail = sent_detail(key, Lane.CLINICIAN)
    audit(
        session,
        "flag_closed_notice",
        now,
        clinician_id=clinician_id,
        mother_id=mother.id,
        detail=detail,
    )
    after_commit(session, services.sender.wake)


# --- the button elsewhere ----------------------------------------------------------------------


async def open_close_button(
    services: Services, session: AsyncSession, locale: str, flag_id: str | None
) -> Button | None:
    """Close flag for this flag while it is open (kept on an alert once acknowledged)."""
    flag = await session.get(Flag, flag_id) if flag_id else None
    if flag is None or flag.status != FlagStatus.OPEN:
        return None
    return close_button(services, locale, flag.id)


async def summary_flags(
    services: Services,
    session: AsyncSession,
    locale: str,
    share: Share,
    mother: Mother,
    closing: bool,
) -> list[Reply]:
    """Under /summary: her open flags, highest level first; with `closing`, each with its Close
    flag button (the preview she sees before sharing has the same words, without buttons)."""
    found = await open_flags(session, mother.id)
    if not found:
        return []
    content, now = services.content, services.clock.now()
    details = {flag.id: read_detail(flag, services.vault) for flag in found}
    found.sort(key=lambda flag: (-_rank(details[flag.id].level), flag.raised_at))
    shown = found[:FLAGS_WITH_BUTTONS]
    name = shown_name(services, locale, share)
    lines = [say(content, locale, "summary.flags", name=name, count=len(found))]
    for number, flag in enumerate(shown, 1):
        lines.append(
            say(
                content,
                locale,
                "summary.flag",
                number=number,
                level=level_word(content, locale, details[flag.id].level),
                source=source_words(content, locale, details[flag.id].source),
                age=age_words(content, locale, flag.raised_at, now),
            )
        )
    if len(found) > len(shown):
        lines.append(say(content, locale, "summary.flags_more", count=len(found) - len(shown)))
    buttons = [
        Button(say(content, locale, "button.close", number=number), f"{CLOSE}|{flag.id}")
        for number, flag in enumerate(shown, 1)
        if closing
    ]
    return [Reply("\n".join(lines), rows(buttons, 2), protect=True)]


def _rank(level: str) -> int:
    """Higher is more serious; a level that does not open (unknown) comes first, as it may be."""
    return FLAG_LEVELS.index(level) if level in FLAG_LEVELS else len(FLAG_LEVELS)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    outcomes = "|".join(OUTCOMES)
    return [
        CallbackQueryHandler(ask_outcome, pattern=rf"^{CLOSE}\|[0-9a-f]{{32}}$"),
        CallbackQueryHandler(choose_outcome, pattern=rf"^{OUTCOME}\|[0-9a-f]{{32}}\|({outcomes})$"),
    ]
