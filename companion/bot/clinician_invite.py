"""/invite [LABEL]: a clinician's one-time invitation for one patient, and the label that says
whom it is for.

The label (a name, a record number) is the clinician's own note: sealed on the invite, moved onto
the share she creates from it, and shown only to that clinician beside the name she chose. It is
never shown to her, never in her export, and goes in a message of its own, so forwarding the
invitation to her never forwards it.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from companion.bot.context import Services
from companion.bot.mother_view import format_date
from companion.bot.replies import Reply
from companion.core.zones import tzinfo_for
from companion.store.clinician_models import Clinician, PatientInvite
from companion.store.clinicians import audit, code_hash, new_code, write_sealed
from companion.store.models import new_id

PATIENT_PREFIX = "p_"  # /start p_<code>: a clinician's invitation to one patient
PATIENT_INVITE_DAYS = 14
LABEL_LIMIT = 60  # characters of the label a clinician may give an invitation


def typed_after(update: Update) -> str:
    """Everything typed after the command, spaces and all ("/invite Ana López MRN 1234")."""
    text = update.message.text if update.message and update.message.text else ""
    return text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""


def clean_label(typed: str) -> str:
    """A label as typed, without control or format characters (line breaks, text direction
    overrides, zero-width marks), its spaces collapsed."""
    kept = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in typed)
    return " ".join(kept.split())


async def invite_patient(
    services: Services, session: AsyncSession, clinician: Clinician, typed_label: str = ""
) -> list[Reply]:
    """/invite [LABEL]: a one-time code for one patient, valid for PATIENT_INVITE_DAYS days. The
    label (whom it is for: a name, a record number) is sealed and shown only to this clinician,
    beside the name she chooses; it goes in a message of its own, so forwarding the invitation
    to her never forwards the label."""
    content, locale = services.content, clinician.locale
    label = clean_label(typed_label)
    if len(label) > LABEL_LIMIT:
        text = content.text(
            locale, "clinician.label_too_long", length=len(label), limit=LABEL_LIMIT
        )
        return [Reply(text)]
    code, now = new_code(), services.clock.now()
    expires = now + timedelta(days=PATIENT_INVITE_DAYS)
    invite = PatientInvite(
        id=new_id(),
        clinician_id=clinician.id,
        code_hash=code_hash(code),
        created_at=now,
        expires_at=expires,
    )
    write_sealed(invite, "label_sealed", services.vault, label or None)
    session.add(invite)
    audit(session, "patient_invite_created", now, clinician_id=clinician.id)
    until = expires.astimezone(tzinfo_for(clinician.zone)).date()
    link = f"https://t.me/{services.settings.bot_username}?start={PATIENT_PREFIX}{code}"
    date = format_date(content, locale, until)
    replies = [Reply(content.text(locale, "clinician.invite", date=date, link=link, code=code))]
    if label:
        saved = content.text(locale, "clinician.label_saved", label=label)
        replies.append(Reply(saved, protect=True))
    return replies
