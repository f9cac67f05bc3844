"""Queries for a mother sharing with a clinician: invitations in force, her draft while she decides,
granting and revoking. Each checks whose row it is; a share is granted and revoked with its audit
line in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.core.names import name_key
from companion.store.clinician_models import (
    Clinician,
    ClinicianStatus,
    PatientInvite,
    Share,
    ShareDraft,
)
from companion.store.clinicians import (
    active_shares_of_mother,
    audit,
    code_hash,
    read_display_name,
    read_sealed,
    write_sealed,
)
from companion.store.clinicians import write_display_name as write_share_name
from companion.store.models import Mother, new_id
from companion.store.sealed import open_sealed
from companion.vault import Vault

InviteInForce = tuple[PatientInvite, Clinician]


async def _in_force(
    session: AsyncSession, which: ColumnElement[bool], now: datetime
) -> InviteInForce | None:
    query = (
        select(PatientInvite, Clinician)
        .join(Clinician, Clinician.id == PatientInvite.clinician_id)
        .where(
            which,
            PatientInvite.used_at.is_(None),
            PatientInvite.expires_at > now,
            Clinician.status == ClinicianStatus.ACTIVE,
        )
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def invite_by_code(session: AsyncSession, code: str, now: datetime) -> InviteInForce | None:
    """The invite with this code, if unused, unexpired and its clinician's account active."""
    return await _in_force(session, PatientInvite.code_hash == code_hash(code), now)


async def invite_of_draft(
    session: AsyncSession, draft: ShareDraft, now: datetime
) -> InviteInForce | None:
    """The invite her draft is about, if it is still in force."""
    return await _in_force(session, PatientInvite.id == draft.invite_id, now)


async def sharing_with(session: AsyncSession, mother_id: str, clinician_id: str) -> bool:
    shares = await active_shares_of_mother(session, mother_id)
    return any(share.clinician_id == clinician_id for share in shares)


async def name_taken(
    session: AsyncSession, vault: Vault, clinician_id: str, name: str, mother_id: str
) -> bool:
    """Another mother already shows this clinician this name (or one that looks the same)."""
    shares = await session.scalars(
        select(Share).where(
            Share.clinician_id == clinician_id,
            Share.revoked_at.is_(None),
            Share.mother_id != mother_id,
        )
    )
    key = name_key(name)
    return any(name_key(read_display_name(share, vault)) == key for share in shares)


async def open_draft(
    session: AsyncSession, mother_id: str, invite_id: str, now: datetime
) -> ShareDraft:
    """A new draft for this invite, replacing any other she had (its buttons go stale)."""
    await session.execute(delete(ShareDraft).where(ShareDraft.mother_id == mother_id))
    draft = ShareDraft(id=new_id(), mother_id=mother_id, invite_id=invite_id, created_at=now)
    session.add(draft)
    return draft


async def draft_of(session: AsyncSession, mother: Mother) -> ShareDraft | None:
    return await session.scalar(select(ShareDraft).where(ShareDraft.mother_id == mother.id))


async def own_draft(
    session: AsyncSession, mother: Mother | None, draft_id: str
) -> ShareDraft | None:
    """Her draft with this id; None for anyone else's, or one already answered."""
    if mother is None or not draft_id:
        return None
    draft = await session.get(ShareDraft, draft_id)
    return draft if draft is not None and draft.mother_id == mother.id else None


def read_draft_name(draft: ShareDraft, vault: Vault) -> str | None:
    return open_sealed(draft, "display_name_sealed", vault)


def write_draft_name(draft: ShareDraft, vault: Vault, name: str) -> None:
    context = draft.seal_context("display_name_sealed")
    draft.display_name_sealed = vault.seal(name, context=context)


def take_invite_label(invite: PatientInvite, vault: Vault) -> str | None:
    """The label the clinician gave the invite, cleared from it: once she has used it, the label
    lives only on her share (so erasing her data erases it, and nothing else holds it)."""
    label = read_sealed(invite, "label_sealed", vault)
    invite.label_sealed = None
    return label


async def claim_invite(session: AsyncSession, invite_id: str, now: datetime) -> bool:
    """Mark the invite used, unless someone already did (it works once)."""
    claimed = await session.scalar(
        update(PatientInvite)
        .where(PatientInvite.id == invite_id, PatientInvite.used_at.is_(None))
        .values(used_at=now)
        .returning(PatientInvite.id)
    )
    return claimed is not None


def grant_share(
    session: AsyncSession,
    vault: Vault,
    *,
    mother_id: str,
    clinician_id: str,
    display_name: str,
    include_notes: bool,
    weekly_summary: bool,
    consent_version: str,
    now: datetime,
    label: str | None = None,
    contact: str | None = None,
    direct_ok: bool = False,
) -> Share:
    share = Share(
        id=new_id(),
        mother_id=mother_id,
        clinician_id=clinician_id,
        include_notes=include_notes,
        weekly_summary=weekly_summary,
        direct_ok=direct_ok,
        consent_version=consent_version,
        granted_at=now,
    )
    write_share_name(share, vault, display_name)
    write_sealed(share, "label_sealed", vault, label)
    write_sealed(share, "contact_sealed", vault, contact)
    session.add(share)
    detail = (
        f"share={share.id} notes={int(include_notes)} weekly={int(weekly_summary)}"
        f" phone={int(contact is not None)} direct={int(direct_ok)} consent={consent_version}"
    )
    audit(
        session, "share_granted", now, clinician_id=clinician_id, mother_id=mother_id, detail=detail
    )
    return share


async def own_share(session: AsyncSession, mother: Mother | None, share_id: str) -> Share | None:
    """Her share in force with this id; None for anyone else's, or one already revoked."""
    share = await session.get(Share, share_id) if mother is not None and share_id else None
    if share is None or mother is None or share.mother_id != mother.id:
        return None
    return share if share.revoked_at is None else None


def change_reach(
    session: AsyncSession, share: Share, now: datetime, *, phone: bool, direct_ok: bool
) -> None:
    """She changed how this clinician may reach her (`phone` False removes her number)."""
    if not phone:
        share.contact_sealed = None
    share.direct_ok = direct_ok
    detail = (
        f"share={share.id} phone={int(share.contact_sealed is not None)} direct={int(direct_ok)}"
    )
    audit(
        session,
        "share_changed",
        now,
        clinician_id=share.clinician_id,
        mother_id=share.mother_id,
        detail=detail,
    )


async def ask_phone_for(
    session: AsyncSession, mother_id: str, share: Share | None, now: datetime
) -> None:
    """Her next contact is for this share (None: for her draft, or for nobody): the one waiting
    is the last she chose."""
    await session.execute(
        update(Share)
        .where(Share.mother_id == mother_id, Share.phone_asked_at.is_not(None))
        .values(phone_asked_at=None)
        .execution_options(synchronize_session="fetch")
    )
    if share is not None:
        share.phone_asked_at = now


async def share_asking_phone(session: AsyncSession, mother_id: str) -> Share | None:
    """Her share in force waiting for her phone number, if any."""
    return await session.scalar(
        select(Share)
        .where(
            Share.mother_id == mother_id,
            Share.revoked_at.is_(None),
            Share.phone_asked_at.is_not(None),
        )
        .order_by(Share.phone_asked_at.desc())
        .limit(1)
    )


def revoke_share(session: AsyncSession, share: Share, now: datetime) -> None:
    """From now on the clinician sees nothing of her; the row stays as the record, without her
    phone number, her permission to be messaged or the clinician's label for her."""
    share.revoked_at = now
    share.contact_sealed, share.direct_ok, share.label_sealed = None, False, None
    share.phone_asked_at = None
    audit(
        session,
        "share_revoked",
        now,
        clinician_id=share.clinician_id,
        mother_id=share.mother_id,
        detail=f"share={share.id}",
    )
