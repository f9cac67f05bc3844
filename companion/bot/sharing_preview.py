"""The sharing preview (companion.bot.sharing): exactly what the clinician would see if she agreed
now, then the consent message with her choices as buttons; and that one message changed in place
when she ticks a choice, instead of the whole preview sent again.

The view above it is sent once, without her notes. When she ticks "Also share my notes" they
appear under the consent message, listed as the clinician's summary lists them (in the
clinician's language), so a tick only ever edits that message. A message holds 4,096 characters:
a note too long for it is shortened there, and notes that do not fit are counted instead.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from companion.bot import sharing_contact
from companion.bot.context import Ctx, Services
from companion.bot.digest_texts import TEXT_LIMIT
from companion.bot.patient_facts import clinician_locale
from companion.bot.replies import Button, Reply, send
from companion.bot.sharing_answer import AGREE, DECLINE, SHARING_CONSENT_VERSION, bad_code
from companion.delivery.outgoing import NO_PREVIEW
from companion.store.clinician_models import Clinician, Share, ShareDraft
from companion.store.clinicians import write_display_name
from companion.store.models import Mother, new_id
from companion.store.sharing import invite_of_draft, read_draft_name

log = logging.getLogger(__name__)

TICK = "sht"  # sht|<draft id>|<n>: the n-th of TICKS
TICKS = ("include_notes", "weekly_summary")
NOTE_SHOWN = 600  # characters of one note under the consent message; the clinician sees all


async def preview_draft(
    services: Services, session: AsyncSession, mother: Mother, draft: ShareDraft
) -> list[Reply]:
    """The whole preview as her draft now stands, if its invitation is still in force."""
    found = await invite_of_draft(session, draft, services.clock.now())
    if found is None:
        await session.delete(draft)
        return [bad_code(services, mother)]
    clinician = found[1]
    from companion.bot.patients import summary_view  # here: patients imports the clinician module

    share = _share_as_drafted(services, mother, draft, clinician)
    locale = clinician_locale(services.content, clinician)
    view = await summary_view(services, session, locale, share, mother, notes=False)
    return [*view, await consent_message(services, session, mother, draft, clinician)]


async def show_choices(
    context: Ctx,
    session: AsyncSession,
    query: CallbackQuery,
    mother: Mother,
    draft: ShareDraft,
    chat_id: int,
) -> None:
    """Her changed choices, on the consent message she pressed. If Telegram can't edit it (gone,
    say), or the invitation lapsed meanwhile, she gets the whole preview (or why not) again."""
    services = context.services
    found = await invite_of_draft(session, draft, services.clock.now())
    if found is not None:
        changed = await consent_message(services, session, mother, draft, found[1])
        if await _edited(query, changed):
            return
    whole = await preview_draft(services, session, mother, draft)
    await send(context, chat_id, whole, session=session)


async def consent_message(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    draft: ShareDraft,
    clinician: Clinician,
) -> Reply:
    """What she agrees to, her notes under it if she ticked them, and her choices as buttons."""
    t, locale, version = services.content.text, mother.locale, SHARING_CONSENT_VERSION
    text = t(locale, "sharing.preview", clinician=clinician.name, version=version)
    if draft.include_notes:
        room = TEXT_LIMIT - len(text) - 2
        notes = await _notes(services, session, mother, draft, clinician, room)
        text = f"{text}\n\n{notes}"
    ticks = []
    for n, option in enumerate(TICKS):
        label = t(locale, f"sharing.button.{option}_{'on' if getattr(draft, option) else 'off'}")
        ticks.append([Button(label, f"{TICK}|{draft.id}|{n}")])
    reach = sharing_contact.reach_rows(services.content, locale, draft)
    agree = Button(t(locale, "sharing.button.agree"), f"{AGREE}|{draft.id}")
    decline = Button(t(locale, "sharing.button.decline"), f"{DECLINE}|{draft.id}")
    return Reply(text, [*ticks, *reach, [agree, decline]], protect=True)


async def _notes(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    draft: ShareDraft,
    clinician: Clinician,
    room: int,
) -> str:
    """Her notes as the clinician will see them, in at most `room` characters."""
    from companion.bot.patients import note_lines  # here: patients imports the clinician module

    t, locale, name = services.content.text, mother.locale, clinician.name
    share = _share_as_drafted(services, mother, draft, clinician)
    share.include_notes = True
    lines = await note_lines(
        services, session, clinician_locale(services.content, clinician), share, mother
    )
    if not lines:
        return t(locale, "sharing.preview_no_notes", clinician=name)
    heading, *notes = lines
    shown = [t(locale, "sharing.preview_notes", clinician=name), heading]
    more = t(locale, "sharing.preview_notes_more", clinician=name, count=len(notes))
    room -= len(more) + 1  # always room to say how many more there are
    for count, line in enumerate(notes):
        line = line if len(line) <= NOTE_SHOWN else line[: NOTE_SHOWN - 1] + "…"
        if sum(len(one) + 1 for one in shown) + len(line) > room:
            left = len(notes) - count
            shown.append(t(locale, "sharing.preview_notes_more", clinician=name, count=left))
            break
        shown.append(line)
    return "\n".join(shown)


def _share_as_drafted(
    services: Services, mother: Mother, draft: ShareDraft, clinician: Clinician
) -> Share:
    """The share her draft would make; never added to the session: only the view reads it."""
    share = Share(
        id=new_id(),
        mother_id=mother.id,
        clinician_id=clinician.id,
        include_notes=draft.include_notes,
    )
    write_display_name(share, services.vault, read_draft_name(draft, services.vault) or "")
    return share


async def _edited(query: CallbackQuery, changed: Reply) -> bool:
    """Edit the pressed message to `changed`: its text where that changed, else its buttons."""
    message = query.message
    if not isinstance(message, Message):
        return False  # too old for Telegram to show it to the bot
    rows = changed.buttons or []
    buttons = InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )
    try:
        if message.text == changed.text:
            await query.edit_message_reply_markup(buttons)
        else:
            await query.edit_message_text(
                changed.text, reply_markup=buttons, link_preview_options=NO_PREVIEW
            )
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return True  # a double tap: it already shows this
        log.info("event=preview_edit_failed error=%s", type(error).__name__)
        return False
    return True
