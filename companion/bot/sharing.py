"""Sharing with a clinician, with consent (/sharing and stopping are in sharing_list).

A clinician's invitation (/start p_<code>, or /share CODE) first asks which name the clinician
should see (her Telegram first name, her initials, or her own with /name), then shows her the
card the clinician would see, built from her own data by the same function that builds it for
them. Nothing is shared until she taps Agree. Until then her choices live in a ShareDraft, which
her buttons name by its opaque id; every press is checked against the person pressing. How the
clinician may reach her (optional) is chosen on the same preview: companion.bot.sharing_contact.
Her answer, Agree or Don't share, is companion.bot.sharing_answer.

Someone not set up yet is set up first and asked to open the link again: nothing about her may be
stored before she consents, so the code is not kept for her.

A name of her own comes with /name rather than as a plain message: PTB picks a handler without
asking the database, and plain text belongs to the open question of her check-in or settings.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update, User
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from companion.bot import onboarding, sharing_answer, sharing_contact, sharing_list
from companion.bot.clinician import command_of
from companion.bot.clinician_invite import PATIENT_PREFIX
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.flows import mark_answered
from companion.bot.mother_view import suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.bot.sharing_answer import (
    bad_code,
    refuse,
)
from companion.bot.sharing_preview import TICK, TICKS, preview_draft, show_choices
from companion.core.names import clean_name
from companion.store.clinician_models import ShareDraft
from companion.store.models import Mother, MotherStatus
from companion.store.sharing import (
    draft_of,
    invite_by_code,
    invite_of_draft,
    name_taken,
    open_draft,
    own_draft,
    sharing_with,
    write_draft_name,
)

NAME_LIMIT = 40
NAME = "shn"  # shn|<draft id>|<f or i>


# --- opening an invitation --------------------------------------------------------------------


async def open_invite_link(update: Update, context: Ctx) -> None:
    """/start p_<code>: the link her clinician gave her."""
    argument = (command_of(update) or ("", ""))[1]
    await _open_invite(update, context, argument.removeprefix(PATIENT_PREFIX), from_link=True)


async def open_invite_command(update: Update, context: Ctx) -> None:
    """/share CODE: the same, typed (the code alone, with p_, or the whole link)."""
    typed = " ".join(context.args or []).strip().rpartition("start=")[2]
    await _open_invite(update, context, typed.removeprefix(PATIENT_PREFIX), from_link=False)


async def _open_invite(update: Update, context: Ctx, code: str, *, from_link: bool) -> None:
    services, content = context.services, context.services.content
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        set_up = mother is not None and mother.status != MotherStatus.ONBOARDING
        if mother is None or not set_up:
            key = "sharing.set_up_first" if from_link else "sharing.set_up_first_command"
            locale = mother.locale if mother else suggest_locale(user.language_code, content)
            replies = [Reply(content.text(locale, key))]
        elif not code:
            replies = [Reply(content.text(mother.locale, "sharing.share_usage"))]
        else:
            replies = await _start_draft(services, session, mother, code, user)
        await send(context, chat.id, replies, session=session)
    if not set_up and from_link:
        await onboarding.start(update, context)  # consent, or her open set-up question


async def _start_draft(
    services: Services, session: AsyncSession, mother: Mother, code: str, user: User
) -> list[Reply]:
    t, locale, now = services.content.text, mother.locale, services.clock.now()
    found = await invite_by_code(session, code, now)
    if found is None:
        return [bad_code(services, mother)]
    invite, clinician = found
    if await sharing_with(session, mother.id, clinician.id):
        return [Reply(t(locale, "sharing.already_sharing", clinician=clinician.name))]
    draft = await open_draft(session, mother.id, invite.id, now)
    first = t(locale, "sharing.button.first_name", name=_first_name(user))
    initials = t(locale, "sharing.button.initials", initials=_initials(user))
    choices = [Button(first, f"{NAME}|{draft.id}|f"), Button(initials, f"{NAME}|{draft.id}|i")]
    question = t(locale, "sharing.name_prompt", clinician=clinician.name, limit=NAME_LIMIT)
    invited = t(locale, "sharing.invited", clinician=clinician.name)
    return [Reply(invited), Reply(question, [choices])]


def _first_name(user: User) -> str:
    return clean_name(user.first_name)[:NAME_LIMIT] or "?"


def _initials(user: User) -> str:
    names = clean_name(f"{user.first_name} {user.last_name or ''}").split()
    return " ".join(f"{name[0].upper()}." for name in names)[:NAME_LIMIT] or "?"


# --- the name, the preview, the notes tick ----------------------------------------------------


async def choose_name(update: Update, context: Ctx) -> None:
    """The name buttons: her Telegram first name or her initials, as they are now."""
    query, data, user, chat = pressed(update)
    _, draft_id, choice = [*data.split("|", 2), "", ""][:3]
    name = {"f": _first_name(user), "i": _initials(user)}.get(choice)
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        draft = await own_draft(session, mother, draft_id)
        if mother is None or draft is None or name is None:
            await refuse(query, services, mother)
            return
        replies, named = await _preview_named(services, session, mother, draft, name)
        await send(context, chat.id, replies, session=session)
        picked = services.content.text(mother.locale, "common.picked", choice=name)
    await query.answer()
    if named:  # else her name buttons stay, with /name for one of her own
        await mark_answered(update, picked)


async def type_name(update: Update, context: Ctx) -> None:
    """/name NAME: a name of her own for the clinician to see."""
    services, t = context.services, context.services.content.text
    user, chat = sender(update)
    name = clean_name(" ".join(context.args or []))
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        locale = mother.locale if mother else suggest_locale(user.language_code, services.content)
        draft = await draft_of(session, mother) if mother else None
        if mother is None or draft is None:
            replies = [Reply(t(locale, "sharing.name_nothing"))]
        elif not name:
            replies = [Reply(t(locale, "sharing.name_empty"))]
        elif len(name) > NAME_LIMIT:
            length = len(name)
            replies = [Reply(t(locale, "sharing.name_too_long", length=length, limit=NAME_LIMIT))]
        else:
            replies, _ = await _preview_named(services, session, mother, draft, name)
        await send(context, chat.id, replies, session=session)


async def _preview_named(
    services: Services, session: AsyncSession, mother: Mother, draft: ShareDraft, name: str
) -> tuple[list[Reply], bool]:
    """The preview under her chosen name, or (False) why she must choose another: each of a
    clinician's patients shows a name of her own, so that none can be taken for another."""
    found = await invite_of_draft(session, draft, services.clock.now())
    if found and await name_taken(session, services.vault, found[1].id, name, mother.id):
        text = services.content.text(
            mother.locale, "sharing.name_taken", clinician=found[1].name, name=name
        )
        return [Reply(text)], False
    write_draft_name(draft, services.vault, name)
    return await preview_draft(services, session, mother, draft), True


async def toggle_option(update: Update, context: Ctx) -> None:
    """ "Also share my notes" or "Also a weekly summary": on or off, on the one consent message."""
    query, data, user, chat = pressed(update)
    _, draft_id, which = [*data.split("|", 2), "", ""][:3]
    option = TICKS[int(which)] if which in ("0", "1") else None
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        draft = await own_draft(session, mother, draft_id)
        found = await invite_of_draft(session, draft, services.clock.now()) if draft else None
        named = draft is not None and draft.display_name_sealed is not None
        if mother is None or draft is None or not named or found is None or option is None:
            await refuse(query, services, mother)
            return
        setattr(draft, option, not getattr(draft, option))
        await show_choices(context, session, query, mother, draft, chat.id)
    await query.answer()


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    link = filters.UpdateType.MESSAGE & filters.Regex(rf"^/start(@\w+)?\s+{PATIENT_PREFIX}")
    return [
        CommandHandler("start", open_invite_link, filters=link),
        CommandHandler("share", open_invite_command),
        CommandHandler("name", type_name),
        CallbackQueryHandler(choose_name, pattern=rf"^{NAME}\|"),
        CallbackQueryHandler(toggle_option, pattern=rf"^{TICK}\|"),
        *sharing_answer.handlers(),
        *sharing_contact.handlers(),
        *sharing_list.handlers(),
    ]
