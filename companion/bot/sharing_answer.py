"""Her answer under the sharing preview (companion.bot.sharing): Agree and share, or Don't share.

Agree stores the share with her choices and the consent version, uses up the invitation (a
conditional update: of two mothers using one code at once, one does) and tells the clinician;
Don't share stores nothing, and the invitation keeps working until it expires.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from companion.bot.clinician import CARD
from companion.bot.clinician_invite import PATIENT_INVITE_DAYS
from companion.bot.context import Ctx, Services, pressed
from companion.bot.flows import mark_answered
from companion.bot.mother_view import format_date
from companion.bot.presence import find_sender
from companion.bot.reaching import shown_name
from companion.bot.replies import Button, Reply, send
from companion.core.zones import tzinfo_for
from companion.store.clinician_models import Clinician, PatientInvite, ShareDraft
from companion.store.clinicians import read_sealed
from companion.store.models import Lane, Mother
from companion.store.sharing import (
    claim_invite,
    grant_share,
    invite_of_draft,
    name_taken,
    own_draft,
    read_draft_name,
    sharing_with,
    take_invite_label,
)

SHARING_CONSENT_VERSION = "1.1"  # 1.1: says what the backup chat gets
AGREE, DECLINE = "shy", "shd"  # then |<draft id>


async def refuse(query: CallbackQuery, services: Services, mother: Mother | None) -> None:
    """An old, forged or someone else's button: say so, and change nothing."""
    locale = mother.locale if mother else services.content.default_locale
    await query.answer(services.content.text(locale, "sharing.stale"))


def bad_code(services: Services, mother: Mother) -> Reply:
    text = services.content.text(mother.locale, "sharing.bad_code", days=PATIENT_INVITE_DAYS)
    return Reply(text)


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
            await refuse(query, services, mother)
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
    if found is None:
        await session.delete(draft)
        return [bad_code(services, mother)], None
    invite, clinician = found
    # Checked again here, the clinician's row locked (PostgreSQL), because another mother's
    # draft may have taken the same name since this one's preview: she keeps her draft and
    # chooses another name, and no two of the clinician's patients show one name.
    await session.refresh(clinician, with_for_update=True)
    if await name_taken(session, services.vault, clinician.id, name, mother.id):
        text = t(locale, "sharing.name_taken", clinician=clinician.name, name=name)
        return [Reply(text)], None
    await session.delete(draft)
    if await sharing_with(session, mother.id, clinician.id):
        return [Reply(t(locale, "sharing.already_sharing", clinician=clinician.name))], None
    if not await claim_invite(session, invite.id, now):  # used by someone else a moment ago
        return [bad_code(services, mother)], None
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
    return [CallbackQueryHandler(answer_share, pattern=rf"^({AGREE}|{DECLINE})\|")]
