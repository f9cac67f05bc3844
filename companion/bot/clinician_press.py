"""A clinician's press on a button that names one of his shares ("sum|<id>", the report's)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from companion.bot.context import Services, pressed
from companion.bot.patient_facts import clinician_locale
from companion.store.clinician_models import Clinician, Share
from companion.store.clinicians import audit, clinician_by_user, share_for_clinician
from companion.store.models import Mother


async def pressed_share(
    update: Update, services: Services, session: AsyncSession, refused: str | None = None
) -> tuple[Clinician, Share, Mother] | None:
    """The clinician pressing a "<kind>|<share id>" button, that share and its mother, if the
    share is his and in force; else the press is answered (and, with `refused`, audited)."""
    query, data, user, _ = pressed(update)
    content = services.content
    clinician = await clinician_by_user(session, user.id)
    share_id = data.partition("|")[2]
    share = await share_for_clinician(session, share_id, clinician) if clinician else None
    mother = await session.get(Mother, share.mother_id) if share else None
    if clinician is None or share is None or mother is None:
        if clinician is not None and refused:
            audit(session, refused, services.clock.now(), clinician_id=clinician.id)
        locale = clinician_locale(content, clinician) if clinician else content.default_locale
        key = "clinician_summary.summary.gone" if clinician else "common.stale_button"
        await query.answer(content.text(locale, key))
        return None
    return clinician, share, mother
