"""/sharing: the clinicians she shares with, each with one Stop button that works at once, and
how each may reach her (her phone number: add it (companion.bot.sharing_phone) or remove it;
Telegram messages: yes or no)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot import sharing_phone
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.mother_view import format_date, suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.core.zones import tzinfo_for
from companion.store.clinician_models import Clinician, ClinicianStatus, Share
from companion.store.clinicians import active_shares_of_mother, read_display_name
from companion.store.models import Lane, Mother, MotherStatus
from companion.store.sharing import change_reach, own_share, revoke_share

log = logging.getLogger(__name__)

STOP = "shr"  # shr|<share id>
REMOVE_PHONE, DIRECT = "srx", "srm"  # srx|<share id>; srm|<share id>|y or |n


async def list_shares(update: Update, context: Ctx) -> None:
    """/sharing: who she shares with, since when, under which name, and with or without notes."""
    services, content = context.services, context.services.content
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None or mother.status == MotherStatus.ONBOARDING:
            locale = mother.locale if mother else suggest_locale(user.language_code, content)
            replies = [Reply(content.text(locale, "common.not_set_up"))]
        else:
            replies = [await share_list(services, session, mother)]
        await send(context, chat.id, replies, session=session)


async def share_list(services: Services, session: AsyncSession, mother: Mother) -> Reply:
    t, locale = services.content.text, mother.locale
    shares = await active_shares_of_mother(session, mother.id)
    if not shares:
        return Reply(t(locale, "sharing.list_none"))
    lines, buttons = [t(locale, "sharing.list_header")], []
    zone = tzinfo_for(mother.timezone or "UTC")
    for share in shares:
        clinician = await session.get(Clinician, share.clinician_id)
        assert clinician is not None  # active_shares_of_mother joins it
        lines.append(
            t(
                locale,
                "sharing.list_item",
                clinician=clinician.name,
                date=format_date(
                    services.content, locale, share.granted_at.astimezone(zone).date()
                ),
                name=read_display_name(share, services.vault),
                notes=t(locale, f"sharing.notes_{'' if share.include_notes else 'not_'}shared"),
                weekly=t(locale, f"sharing.weekly_{'on' if share.weekly_summary else 'off'}"),
                **reach_words(services, locale, share),
            )
        )
        stop = t(locale, "sharing.button.stop", clinician=clinician.name)
        buttons.append([Button(stop, f"{STOP}|{share.id}")])
        buttons += _reach_buttons(services, locale, share, clinician.name)
    lines.append(t(locale, "sharing.list_footer"))
    return Reply("\n\n".join(lines), buttons)


def reach_words(services: Services, locale: str, share: Share) -> dict[str, str]:
    t = services.content.text
    given = "given" if share.contact_sealed is not None else "not_given"
    return {
        "phone": t(locale, f"sharing.phone_{given}"),
        "direct": t(locale, f"sharing.direct_{'on' if share.direct_ok else 'off'}"),
    }


def _reach_buttons(
    services: Services, locale: str, share: Share, clinician: str
) -> list[list[Button]]:
    t, rows = services.content.text, []
    if share.contact_sealed is not None:
        remove = t(locale, "sharing.button.remove_phone_of", clinician=clinician)
        rows.append([Button(remove, f"{REMOVE_PHONE}|{share.id}")])
    else:
        rows.append([sharing_phone.add_button(services, locale, share, clinician)])
    key, choice = ("stop_direct_of", "n") if share.direct_ok else ("allow_direct_of", "y")
    direct = t(locale, f"sharing.button.{key}", clinician=clinician)
    return [*rows, [Button(direct, f"{DIRECT}|{share.id}|{choice}")]]


async def change_reach_of(update: Update, context: Ctx) -> None:
    """Remove her number from one clinician, or say Yes or No to their Telegram messages: at
    once, and the list shows it."""
    query, data, user, chat = pressed(update)
    kind, share_id, choice = [*data.split("|", 2), "", ""][:3]
    services, t = context.services, context.services.content.text
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        share = await own_share(session, mother, share_id)
        valid = kind == REMOVE_PHONE or choice in ("y", "n")
        if mother is None or share is None or not valid:
            locale = mother.locale if mother else services.content.default_locale
            await query.answer(t(locale, "sharing.stale"))
            return
        direct_ok = share.direct_ok if kind == REMOVE_PHONE else choice == "y"
        now = services.clock.now()
        change_reach(session, share, now, phone=kind != REMOVE_PHONE, direct_ok=direct_ok)
        clinician = await session.get(Clinician, share.clinician_id)
        assert clinician is not None
        words = reach_words(services, mother.locale, share)
        changed = t(mother.locale, "sharing.changed", clinician=clinician.name, **words)
        await send(context, chat.id, [Reply(changed)], session=session)
        replies = [await share_list(services, session, mother)]
        await send(context, chat.id, replies, session=session)
    await query.answer()
    await _drop_all_buttons(query)


async def _drop_all_buttons(query: CallbackQuery) -> None:
    """The old list's buttons come off: the new list below has the current ones."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:  # too old to edit: the change itself has happened
        log.info("event=drop_buttons_failed error=%s", type(error).__name__)


async def stop_sharing(update: Update, context: Ctx) -> None:
    """A Stop button: that clinician sees nothing more from her, from this moment."""
    query, data, user, chat = pressed(update)
    services, t = context.services, context.services.content.text
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        share = await own_share(session, mother, data.partition("|")[2])
        if mother is None or share is None:  # someone else's, forged, or already stopped
            locale = mother.locale if mother else services.content.default_locale
            await query.answer(t(locale, "sharing.stale"))
            return
        revoke_share(session, share, services.clock.now())
        clinician = await session.get(Clinician, share.clinician_id)
        assert clinician is not None
        revoked = Reply(t(mother.locale, "sharing.revoked", clinician=clinician.name))
        await send(context, chat.id, [revoked], session=session)
        if clinician.status == ClinicianStatus.ACTIVE and clinician.chat_id is not None:
            # Neutral on purpose: the name she chose was part of what she shared, and she has
            # just taken that back.
            told = Reply(t(clinician.locale, "clinician.stopped_sharing"))
            await send(context, clinician.chat_id, [told], lane=Lane.CLINICIAN, session=session)
    await query.answer()
    await _drop_button(query, data)


async def _drop_button(query: CallbackQuery, data: str) -> None:
    """Take the pressed Stop button, and the other buttons of that share, off the list; the
    others stay."""
    markup = getattr(query.message, "reply_markup", None)
    share_id = data.partition("|")[2]
    rows = [
        [b for b in row if str(b.callback_data or "").split("|")[1:2] != [share_id]]
        for row in getattr(markup, "inline_keyboard", ())
    ]
    kept = [row for row in rows if row]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(kept) if kept else None)
    except BadRequest as error:  # too old to edit: the stop itself has happened
        log.info("event=drop_button_failed error=%s", type(error).__name__)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("sharing", list_shares),
        CallbackQueryHandler(stop_sharing, pattern=rf"^{STOP}\|"),
        CallbackQueryHandler(change_reach_of, pattern=rf"^({REMOVE_PHONE}|{DIRECT})\|"),
        *sharing_phone.handlers(),
    ]
