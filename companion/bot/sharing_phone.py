"""Her phone number for a clinician she already shares with, from /sharing: "Add my number for
Dr X" shows Telegram's contact button (as on the sharing preview: companion.bot.sharing_contact)
and Skip; her own contact is sealed on that one share, the keyboard goes away and the list shows
the change. "Remove my number from Dr X" is in companion.bot.sharing_list.

A contact message does not say whom it is for, so the share waiting for it is marked
(Share.phone_asked_at): the last "Add" she pressed, here or on a preview, is the one answered.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Contact, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from companion.bot.context import Ctx, Services, pressed
from companion.bot.flows import mark_answered
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.store.clinician_models import Clinician, Share
from companion.store.clinicians import write_sealed
from companion.store.models import Mother
from companion.store.sharing import ask_phone_for, change_reach, own_share, share_asking_phone

ADD, SKIP = "sra", "srk"  # sra|<share id>, srk|<share id>


def add_button(services: Services, locale: str, share: Share, clinician: str) -> Button:
    label = services.content.text(locale, "sharing.button.add_phone_for", clinician=clinician)
    return Button(label, f"{ADD}|{share.id}")


async def ask_phone(update: Update, context: Ctx) -> None:
    """Add my number for one clinician: Telegram's contact button below, and Skip."""
    query, data, user, chat = pressed(update)
    services, t = context.services, context.services.content.text
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        share = await own_share(session, mother, data.partition("|")[2])
        clinician = await session.get(Clinician, share.clinician_id) if share else None
        if mother is None or share is None or clinician is None:
            locale = mother.locale if mother else services.content.default_locale
            await query.answer(t(locale, "sharing.stale"))
            return
        await ask_phone_for(session, mother.id, share, services.clock.now())
        locale, button = mother.locale, t(mother.locale, "sharing.button.phone_share")
        ask = t(locale, "sharing.phone_ask", clinician=clinician.name, button=button)
        skip = Button(t(locale, "sharing.button.skip"), f"{SKIP}|{share.id}")
        replies = [
            Reply(ask, ask_contact=button),
            Reply(t(locale, "sharing.phone_or_skip"), [[skip]]),
        ]
        await send(context, chat.id, replies, session=session)
    await query.answer()


async def skip_phone(update: Update, context: Ctx) -> None:
    """Skip: no number; the contact button goes away."""
    query, data, user, chat = pressed(update)
    services, t = context.services, context.services.content.text
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        share = await own_share(session, mother, data.partition("|")[2])
        if mother is None or share is None:
            locale = mother.locale if mother else services.content.default_locale
            await query.answer(t(locale, "sharing.stale"))
            return
        if share.phone_asked_at is None:  # her number came meanwhile, or she skipped already
            await query.answer(t(mother.locale, "sharing.stale"))
            await mark_answered(update, None)
            return
        await ask_phone_for(session, mother.id, None, services.clock.now())
        skipped = Reply(t(mother.locale, "sharing.phone_skipped"), remove_keyboard=True)
        await send(context, chat.id, [skipped], session=session)
        picked = t(mother.locale, "sharing.picked_skip")
    await query.answer()
    await mark_answered(update, picked)


async def add_to_share(
    services: Services, session: AsyncSession, mother: Mother, user_id: int, contact: Contact
) -> list[Reply] | None:
    """Her contact, if a share waits for it: her own number is sealed on it (anyone else's is
    refused and the share keeps waiting); None when no share waits."""
    share = await share_asking_phone(session, mother.id)
    if share is None:
        return None
    from companion.bot.sharing_contact import clean_phone  # here: that module imports this one
    from companion.bot.sharing_list import reach_words, share_list  # likewise

    t, locale = services.content.text, mother.locale
    phone = clean_phone(contact.phone_number)
    if contact.user_id != user_id or not phone:
        return [Reply(t(locale, "sharing.phone_not_yours"))]
    write_sealed(share, "contact_sealed", services.vault, phone)
    now = services.clock.now()
    await ask_phone_for(session, mother.id, None, now)
    change_reach(session, share, now, phone=True, direct_ok=share.direct_ok)
    clinician = await session.get(Clinician, share.clinician_id)
    name = clinician.name if clinician else "?"
    words = reach_words(services, locale, share)
    changed = t(locale, "sharing.changed", clinician=name, **words)
    return [Reply(changed, remove_keyboard=True), await share_list(services, session, mother)]


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CallbackQueryHandler(ask_phone, pattern=rf"^{ADD}\|"),
        CallbackQueryHandler(skip_phone, pattern=rf"^{SKIP}\|"),
    ]
