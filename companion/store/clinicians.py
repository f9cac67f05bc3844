"""Queries for clinicians, the shares mothers granted them, and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from companion.store.clinician_models import AuditEntry, Clinician, ClinicianStatus, Share
from companion.store.models import Base, Mother
from companion.store.sealed import open_sealed
from companion.vault import Vault


def new_code() -> str:
    """A one-time code for a deep link: 128 random bits, URL-safe (Telegram allows A-Z a-z 0-9 _ -
    and 64 characters in a start parameter)."""
    return secrets.token_urlsafe(16)


def code_hash(code: str) -> str:
    """Codes are stored only as hashes: a database copy cannot be used to join as anyone."""
    return hashlib.sha256(code.encode()).hexdigest()


async def invite_clinician(
    session: AsyncSession, name: str, now: datetime
) -> tuple[Clinician, str]:
    """The operator's invitation for one clinician: the account waiting for it, and the one-time
    code for its link (only its hash is stored)."""
    code = new_code()
    clinician = Clinician(name=name, invite_hash=code_hash(code), created_at=now)
    session.add(clinician)
    await session.flush()
    audit(session, "clinician_invited", now, clinician_id=clinician.id)
    return clinician, code


def invite_expired(clinician: Clinician, hours: int, now: datetime) -> bool:
    """The operator's link for this account is past its time (COMPANION_CLINICIAN_INVITE_HOURS),
    counted from when it was made."""
    return now >= clinician.created_at + timedelta(hours=hours)


async def clinician_by_user(session: AsyncSession, telegram_user_id: int) -> Clinician | None:
    """The active clinician with this Telegram account, if any."""
    return await session.scalar(
        select(Clinician).where(
            Clinician.telegram_user_id == telegram_user_id,
            Clinician.status == ClinicianStatus.ACTIVE,
        )
    )


async def clinician_on_record(session: AsyncSession, telegram_user_id: int) -> Clinician | None:
    """The clinician with this Telegram account, active or not (for the audit log)."""
    return await session.scalar(
        select(Clinician).where(Clinician.telegram_user_id == telegram_user_id).limit(1)
    )


def read_display_name(share: Share, vault: Vault) -> str:
    """The name she chose; if it does not open (companion.store.sealed), her share's short id,
    so what names her (an alert) still goes out, naming no one else."""
    name = open_sealed(share, "display_name_sealed", vault)
    return f"#{share.id[:6]}" if name is None else name


def write_display_name(share: Share, vault: Vault, name: str) -> None:
    share.display_name_sealed = vault.seal(name, context=share.seal_context("display_name_sealed"))


def read_sealed(row: Base, column: str, vault: Vault) -> str | None:
    """A sealed column's text (an invite's or share's label, her phone number), or None."""
    return open_sealed(row, column, vault)


def write_sealed(row: Base, column: str, vault: Vault, text: str | None) -> None:
    sealed = None if text is None else vault.seal(text, context=row.seal_context(column))
    setattr(row, column, sealed)


async def active_shares_of_mother(session: AsyncSession, mother_id: str) -> list[Share]:
    """Her shares in force, with clinicians whose accounts are active."""
    query = (
        select(Share)
        .join(Clinician, Clinician.id == Share.clinician_id)
        .where(
            Share.mother_id == mother_id,
            Share.revoked_at.is_(None),
            Clinician.status == ClinicianStatus.ACTIVE,
        )
        .order_by(Share.granted_at)
    )
    return list((await session.scalars(query)).all())


async def shared_with(session: AsyncSession, clinician_id: str) -> list[tuple[Share, Mother]]:
    """The mothers sharing with this clinician now (never one who revoked)."""
    query = (
        select(Share, Mother)
        .join(Mother, Mother.id == Share.mother_id)
        .where(Share.clinician_id == clinician_id, Share.revoked_at.is_(None))
        .order_by(Share.granted_at)
    )
    return [(share, mother) for share, mother in (await session.execute(query)).all()]


async def share_for_clinician(
    session: AsyncSession, share_id: str, clinician: Clinician
) -> Share | None:
    """A share in force between this clinician and one mother; None for anyone else's, or after
    she revoked (every button is checked against the person pressing it)."""
    share = await session.get(Share, share_id)
    if share is None or share.clinician_id != clinician.id or share.revoked_at is not None:
        return None
    return share


def audit(
    session: AsyncSession,
    event: str,
    now: datetime,
    *,
    alert_id: str | None = None,
    clinician_id: str | None = None,
    mother_id: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one line to the audit log (ids and event names only, never health text)."""
    session.add(
        AuditEntry(
            at=now,
            event=event,
            alert_id=alert_id,
            clinician_id=clinician_id,
            mother_id=mother_id,
            detail=detail[:200] if detail else None,
        )
    )
