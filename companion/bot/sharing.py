"""Sharing with a clinician, with consent (/sharing and stopping are in sharing_list).

A clinician's invitation (/start p_<code>, or /share CODE) first asks which name the clinician
should see (her Telegram first name, her initials, or her own with /name), then shows her the
card the clinician would see, built from her own data by the same function that builds it for
them. Nothing is shared until she taps Agree. Until then her choices live in a ShareDraft, which
her buttons name by its opaque id; every press is checked against the person pressing. How the
clinician may reach her (optional) is chosen on the same preview: companion.bot.sharing_contact.

Someone not set up yet is set up first and asked to open the link again: nothing about her may be
stored before she consents, so the code is not kept for her.

A name of her own comes with /name rather than as a plain message: PTB picks a handler without
asking the database, and plain text belongs to the open question of her check-in or settings.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Update, User
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from companion.bot import onboarding, sharing_contact, sharing_list
from companion.bot.clinician import CARD, command_of
from companion.bot.clinician_invite import PATIENT_INVITE_DAYS, PATIENT_PREFIX
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.flows import mark_answered
from companion.bot.mother_view import format_date, suggest_locale
from companion.bot.patient_facts import clinician_locale
from companion.bot.presence import find_sender
from companion.bot.reaching import shown_name
from companion.bot.replies import Button, Reply, send
from companion.core.zones import tzinfo_for
from companion.store.clinician_models import Clinician, PatientInvite, Share, ShareDraft
from companion.store.clinicians import read_sealed, write_display_name
from companion.store.models import Lane, Mother, MotherStatus, new_id
from companion.store.sharing import (
    claim_invite,
    draft_of,
    grant_share,
    invite_by_code,
    invite_of_draft,
    open_draft,
    own_draft,
    read_draft_name,
    sharing_with,
    take_invite_label,
    write_draft_name,
)

SHARING_CONSENT_VERSION = "1.0"
NAME_LIMIT = 40
NAME, TICK, AGREE, DECLINE = "shn", "sht", "shy", "shd"  # then |<draft id>
TICKS = ("include_notes", "weekly_summary")  # sht|<draft id>|<n>: the n-th of these


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
        return [_bad_code(services, mother)]
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
    return user.first_name.strip()[:NAME_LIMIT] or "?"


def _initials(user: User) -> str:
    names = f"{user.first_name} {user.last_name or ''}".split()
    return " ".join(f"{name[0].upper()}." for name in names)[:NAME_LIMIT] or "?"


async def _refuse(query: CallbackQuery, services: Services, mother: Mother | None) -> None:
    """An old, forged or someone else's button: say so, and change nothing."""
    locale = mother.locale if mother else services.content.default_locale
    await query.answer(services.content.text(locale, "sharing.stale"))


def _bad_code(services: Services, mother: Mother) -> Reply:
    text = services.content.text(mother.locale, "sharing.bad_code", days=PATIENT_INVITE_DAYS)
    return Reply(text)


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
            await _refuse(query, services, mother)
            return
        replies = await _preview_named(services, session, mother, draft, name)
        await send(context, chat.id, replies, session=session)
        picked = services.content.text(mother.locale, "common.picked", choice=name)
    await query.answer()
    await mark_answered(update, picked)


async def type_name(update: Update, context: Ctx) -> None:
    """/name NAME: a name of her own for the clinician to see."""
    services, t = context.services, context.services.content.text
    user, chat = sender(update)
    name = " ".join(context.args or [])
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
            replies = await _preview_named(services, session, mother, draft, name)
        await send(context, chat.id, replies, session=session)


async def _preview_named(
    services: Services, session: AsyncSession, mother: Mother, draft: ShareDraft, name: str
) -> list[Reply]:
    write_draft_name(draft, services.vault, name)
    return await preview_draft(services, session, mother, draft)


async def preview_draft(
    services: Services, session: AsyncSession, mother: Mother, draft: ShareDraft
) -> list[Reply]:
    """The preview as her draft now stands, if its invitation is still in force."""
    found = await invite_of_draft(session, draft, services.clock.now())
    if found is None:
        await session.delete(draft)
        return [_bad_code(services, mother)]
    return await _preview(services, session, mother, draft, found[1])


async def toggle_option(update: Update, context: Ctx) -> None:
    """ "Also share my notes" or "Also a weekly summary": on or off, and the preview again."""
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
            await _refuse(query, services, mother)
            return
        setattr(draft, option, not getattr(draft, option))
        preview = await _preview(services, session, mother, draft, found[1])
        await send(context, chat.id, preview, session=session)
    await query.answer()
    await mark_answered(update, None)


async def _preview(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    draft: ShareDraft,
    clinician: Clinician,
) -> list[Reply]:
    """Exactly what the clinician would see if she agreed now (the same view, chart and all, in
    the clinician's language), then her choices as buttons."""
    share = Share(  # never added to the session: only the view reads it
        id=new_id(),
        mother_id=mother.id,
        clinician_id=clinician.id,
        include_notes=draft.include_notes,
    )
    write_display_name(share, services.vault, read_draft_name(draft, services.vault) or "")
    from companion.bot.patients import summary_view  # here: patients imports the clinician module

    locale = clinician_locale(services.content, clinician)
    view = await summary_view(services, session, locale, share, mother)
    t, locale, version = services.content.text, mother.locale, SHARING_CONSENT_VERSION
    text = t(locale, "sharing.preview", clinician=clinician.name, version=version)
    ticks = []
    for n, option in enumerate(TICKS):
        label = t(locale, f"sharing.button.{option}_{'on' if getattr(draft, option) else 'off'}")
        ticks.append([Button(label, f"{TICK}|{draft.id}|{n}")])
    reach = sharing_contact.reach_rows(services.content, locale, draft)
    agree = Button(t(locale, "sharing.button.agree"), f"{AGREE}|{draft.id}")
    decline = Button(t(locale, "sharing.button.decline"), f"{DECLINE}|{draft.id}")
    return [*view, Reply(text, [*ticks, *reach, [agree, decline]], protect=True)]


# --- her answer -------------------------------------------------------------------------------


async def answer_share(update: Update, context: Ctx) -> None:
    """Agree or Don't share, under the preview."""
    query, data, user, chat = pressed(update)
    kind, _, draft_id = data.partition("|")
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        draft = await own_draft(session, mother, draft_id)
        if mother is None or draft is None or not draft.display_name_sealed:
            await _refuse(query, services, mother)
            return
        if kind == AGREE:
            replies, picked = await _agree(context, session, mother, draft)
        else:
            replies, picked = await _decline(services, session, mother, draft)
        await send(context, chat.id, replies, session=session)
    await query.answer()
    await mark_answered(update, picked)


async def _agree(
    context: Ctx, session: AsyncSession, mother: Mother, draft: ShareDraft
) -> tuple[list[Reply], str | None]:
    services, t, locale = context.services, context.services.content.text, mother.locale
    now = services.clock.now()
    name, include_notes = read_draft_name(draft, services.vault) or "", draft.include_notes
    weekly_summary, direct_ok = draft.weekly_summary, draft.direct_ok
    contact = read_sealed(draft, "contact_sealed", services.vault)
    found = await invite_of_draft(session, draft, now)
    await session.delete(draft)
    if found is None:
        return [_bad_code(services, mother)], None
    invite, clinician = found
    if await sharing_with(session, mother.id, clinician.id):
        return [Reply(t(locale, "sharing.already_sharing", clinician=clinician.name))], None
    if not await claim_invite(session, invite.id, now):  # used by someone else a moment ago
        return [_bad_code(services, mother)], None
    label = take_invite_label(invite, services.vault)
    share = grant_share(
        session,
        services.vault,
        mother_id=mother.id,
        clinician_id=clinician.id,
        display_name=name,
        include_notes=include_notes,
        weekly_summary=weekly_summary,
        consent_version=SHARING_CONSENT_VERSION,
        now=now,
        label=label,
        contact=contact,
        direct_ok=direct_ok,
    )
    if clinician.chat_id is not None:
        card = Button(t(clinician.locale, "clinician.button.card"), f"{CARD}|{share.id}")
        shown = shown_name(services, clinician.locale, share)
        told = Reply(t(clinician.locale, "clinician.now_sharing", name=shown), [[card]])
        await send(context, clinician.chat_id, [told], lane=Lane.CLINICIAN, session=session)
    agreed = t(locale, "sharing.agreed", clinician=clinician.name)
    return [Reply(agreed, remove_keyboard=True)], t(locale, "sharing.picked_agree")


async def _decline(
    services: Services, session: AsyncSession, mother: Mother, draft: ShareDraft
) -> tuple[list[Reply], str | None]:
    """Nothing is shared; the invite stays unused, so it works until it expires."""
    t, locale = services.content.text, mother.locale
    found = await invite_of_draft(session, draft, services.clock.now())
    invite = await session.get(PatientInvite, draft.invite_id)
    clinician = await session.get(Clinician, invite.clinician_id) if invite else None
    await session.delete(draft)
    text = t(locale, "sharing.declined", clinician=clinician.name if clinician else "")
    if found is not None:
        until = found[0].expires_at.astimezone(tzinfo_for(mother.timezone or "UTC")).date()
        date = format_date(services.content, locale, until)
        text += " " + t(locale, "sharing.declined_until", date=date)
    return [Reply(text, remove_keyboard=True)], t(locale, "sharing.picked_decline")


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    link = filters.UpdateType.MESSAGE & filters.Regex(rf"^/start(@\w+)?\s+{PATIENT_PREFIX}")
    return [
        CommandHandler("start", open_invite_link, filters=link),
        CommandHandler("share", open_invite_command),
        CommandHandler("name", type_name),
        CallbackQueryHandler(choose_name, pattern=rf"^{NAME}\|"),
        CallbackQueryHandler(toggle_option, pattern=rf"^{TICK}\|"),
        CallbackQueryHandler(answer_share, pattern=rf"^({AGREE}|{DECLINE})\|"),
        *sharing_contact.handlers(),
        *sharing_list.handlers(),
    ]
