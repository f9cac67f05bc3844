"""How her clinician may reach her, chosen on the preview while she decides whether to share: her
phone number, and whether they may message her on Telegram directly. Both are optional and off
unless she chooses them; /sharing shows and changes them later (companion.bot.sharing_list, and
companion.bot.sharing_phone for adding her number there).

Her number comes from the "share my phone number" keyboard button Telegram shows in her private
chat (companion answers only private chats: companion.bot.guard, so no group ever gets this
keyboard). Only a contact whose user id is her own is kept: someone else's card is refused. It
is sealed on her draft, then on the share, shown only to that clinician in an alert, and never
written back to her chat, which someone else may read.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from companion.bot import sharing_phone
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.flows import mark_answered
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.content import Content
from companion.store.clinician_models import Clinician, PatientInvite, ShareDraft
from companion.store.clinicians import write_sealed
from companion.store.models import Mother
from companion.store.sharing import ask_phone_for, draft_of, own_draft

ASK, SKIP, REMOVE, DIRECT = "shc", "shk", "shx", "shm"  # then |<draft id>; DIRECT: |y or |n
PHONE_LIMIT = 32


def reach_rows(content: Content, locale: str, draft: ShareDraft) -> list[list[Button]]:
    """The preview's buttons for reaching her: add (or remove) her number; Yes or No to direct
    Telegram messages, the chosen one ticked (No until she chooses Yes)."""
    t, given, direct = content.text, draft.contact_sealed is not None, draft.direct_ok
    phone = Button(
        t(locale, f"sharing.button.phone_{'remove' if given else 'add'}"),
        f"{REMOVE if given else ASK}|{draft.id}",
    )
    yes = t(locale, f"sharing.button.direct_yes_{'on' if direct else 'off'}")
    no = t(locale, f"sharing.button.direct_no_{'off' if direct else 'on'}")
    return [[phone], [Button(yes, f"{DIRECT}|{draft.id}|y"), Button(no, f"{DIRECT}|{draft.id}|n")]]


def clean_phone(typed: str) -> str:
    """A number as Telegram gave it (some apps leave out the +), kept to digits and a leading +."""
    digits = "".join(ch for ch in typed if ch.isdigit())[:PHONE_LIMIT]
    return f"+{digits}" if digits else ""


async def _named_draft(
    session: AsyncSession, mother: Mother | None, draft_id: str
) -> ShareDraft | None:
    draft = await own_draft(session, mother, draft_id)
    return draft if draft is not None and draft.display_name_sealed is not None else None


async def _clinician_of(session: AsyncSession, draft: ShareDraft) -> Clinician | None:
    invite = await session.get(PatientInvite, draft.invite_id)
    return await session.get(Clinician, invite.clinician_id) if invite else None


async def _preview_again(
    services: Services, session: AsyncSession, mother: Mother, draft: ShareDraft
) -> list[Reply]:
    from companion.bot.sharing_preview import preview_draft  # here: it imports this module

    return await preview_draft(services, session, mother, draft)


async def ask_phone(update: Update, context: Ctx) -> None:
    """ "Add my phone number": Telegram's contact button below, and Skip."""
    query, data, user, chat = pressed(update)
    services, t = context.services, context.services.content.text
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        draft = await _named_draft(session, mother, data.partition("|")[2])
        clinician = await _clinician_of(session, draft) if draft else None
        if mother is None or draft is None or clinician is None:
            await _refuse(update, services, mother)
            return
        await ask_phone_for(session, mother.id, None, services.clock.now())  # the draft, now
        locale, button = mother.locale, t(mother.locale, "sharing.button.phone_share")
        ask = t(locale, "sharing.phone_ask", clinician=clinician.name, button=button)
        skip = Button(t(locale, "sharing.button.skip"), f"{SKIP}|{draft.id}")
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
        draft = await _named_draft(session, mother, data.partition("|")[2])
        if mother is None or draft is None:
            await _refuse(update, services, mother)
            return
        if draft.contact_sealed is not None:  # her number came after the question: keep it
            await _refuse(update, services, mother)
            await mark_answered(update, None)
            return
        skipped = Reply(t(mother.locale, "sharing.phone_skipped"), remove_keyboard=True)
        await send(context, chat.id, [skipped], session=session)
        picked = t(mother.locale, "sharing.picked_skip")
    await query.answer()
    await mark_answered(update, picked)


async def change_on_preview(update: Update, context: Ctx) -> None:
    """Remove her number, or Yes or No to direct messages: changed on the one consent message."""
    query, data, user, chat = pressed(update)
    kind, draft_id, choice = [*data.split("|", 2), "", ""][:3]
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        draft = await _named_draft(session, mother, draft_id)
        if mother is None or draft is None or (kind == DIRECT and choice not in ("y", "n")):
            await _refuse(update, services, mother)
            return
        if kind == REMOVE:
            draft.contact_sealed = None
        else:
            draft.direct_ok = choice == "y"
        from companion.bot.sharing_preview import show_choices  # here: it imports this module

        await show_choices(context, session, query, mother, draft, chat.id)
    await query.answer()


async def receive_contact(update: Update, context: Ctx) -> None:
    """A contact while a preview waits: her own number is added; anyone else's is refused. Any
    other contact is answered as before (a card where a word or a tap is expected)."""
    services, t = context.services, context.services.content.text
    user, chat = sender(update)
    contact = update.message.contact if update.message else None
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if contact is not None and mother is not None:
            for_share = await sharing_phone.add_to_share(
                services, session, mother, user.id, contact
            )
            if for_share is not None:  # /sharing's "Add my number" waits for it
                await send(context, chat.id, for_share, session=session)
                return
        draft = await draft_of(session, mother) if mother else None
        waiting = draft is not None and draft.display_name_sealed is not None
        if contact is not None and mother is not None and draft is not None and waiting:
            phone = clean_phone(contact.phone_number)
            if contact.user_id != user.id or not phone:
                replies = [Reply(t(mother.locale, "sharing.phone_not_yours"))]
            else:
                write_sealed(draft, "contact_sealed", services.vault, phone)
                added = Reply(t(mother.locale, "sharing.phone_added"), remove_keyboard=True)
                replies = [added, *await _preview_again(services, session, mother, draft)]
            await send(context, chat.id, replies, session=session)
            return
    from companion.bot.answers import reprompt_media  # here: only for this fallback

    await reprompt_media(update, context)


async def _refuse(update: Update, services: Services, mother: Mother | None) -> None:
    """An old, forged or someone else's button: say so, and change nothing."""
    locale = mother.locale if mother else services.content.default_locale
    if update.callback_query is not None:
        await update.callback_query.answer(services.content.text(locale, "sharing.stale"))


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CallbackQueryHandler(ask_phone, pattern=rf"^{ASK}\|"),
        CallbackQueryHandler(skip_phone, pattern=rf"^{SKIP}\|"),
        CallbackQueryHandler(change_on_preview, pattern=rf"^({REMOVE}|{DIRECT})\|"),
        MessageHandler(filters.CONTACT & filters.UpdateType.MESSAGE, receive_contact),
    ]
