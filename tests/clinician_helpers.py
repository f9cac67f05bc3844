"""Clinicians and shares made straight in the database, so tests of alerts and summaries need not
go through the invite and consent screens (tests/test_sharing.py covers those)."""

from __future__ import annotations

from datetime import datetime

from companion.bot.context import Services
from companion.store.clinician_models import Clinician, ClinicianStatus, Share
from companion.store.clinicians import write_display_name
from companion.store.models import new_id

CLINICIAN_IDS = {"Dr Rivera": 5001, "Dr Okafor": 5002}  # Telegram user ids for test clinicians


async def add_clinician(
    services: Services,
    name: str = "Dr Rivera",
    user_id: int | None = None,
    *,
    timezone: str | None = "Europe/London",
    digest_time: str = "08:00",
    next_digest_at: datetime | None = None,
) -> str:
    """An active clinician account; returns its id."""
    telegram_user_id = user_id or CLINICIAN_IDS.get(name, 5999)
    now = services.clock.now()
    async with services.db.session() as session:
        clinician = Clinician(
            id=new_id(),
            name=name,
            status=ClinicianStatus.ACTIVE,
            telegram_user_id=telegram_user_id,
            chat_id=telegram_user_id,
            locale="en",
            timezone=timezone,
            digest_time=digest_time,
            next_digest_at=next_digest_at,
            created_at=now,
            joined_at=now,
        )
        session.add(clinician)
    return clinician.id


async def add_share(
    services: Services,
    mother_id: str,
    clinician_id: str,
    display_name: str = "Ana R.",
    *,
    include_notes: bool = False,
    weekly_summary: bool = False,
) -> str:
    """A share in force from this mother to this clinician; returns its (opaque) id."""
    async with services.db.session() as session:
        share = Share(
            id=new_id(),
            mother_id=mother_id,
            clinician_id=clinician_id,
            include_notes=include_notes,
            weekly_summary=weekly_summary,
            consent_version="1.0",
            granted_at=services.clock.now(),
        )
        write_display_name(share, services.vault, display_name)
        session.add(share)
    return share.id
