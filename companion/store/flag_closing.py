"""Closing a safety flag: only a clinician who shares with her does it, with an outcome. The flag
becomes CLOSED (closed_at, closed_by), the outcome is sealed in its detail and written to the
audit log as a code, and any alert about it still open is acknowledged by that clinician, so
it is not repeated and leaves the digest. Nothing she says closes a flag; her next worrying
message raises a new one as usual."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.store.alerts import acknowledge
from companion.store.clinician_models import Alert, AlertStatus, Clinician
from companion.store.clinicians import audit
from companion.store.flags import read_detail, write_detail
from companion.store.safety_models import Flag, FlagStatus
from companion.vault import Vault

# How a flag ended, as stored (sealed) and audited: reached her and she is safe; referred to
# urgent care; not a risk after all; could not reach her.
OUTCOMES = ("safe", "referred", "no_risk", "unreached")


async def close_flag(
    session: AsyncSession,
    vault: Vault,
    flag: Flag,
    clinician: Clinician,
    outcome: str,
    now: datetime,
) -> bool:
    """Close an open flag (a conditional update: of two clinicians closing it at once, one
    does); False if it was closed already, and then `flag` shows by whom. The caller has
    checked that this clinician shares with her."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    taken = await session.scalar(
        update(Flag)
        .where(Flag.id == flag.id, Flag.status == FlagStatus.OPEN)
        .values(status=FlagStatus.CLOSED, closed_at=now, closed_by=clinician.id)
        .returning(Flag.id)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        await session.refresh(flag)
        return False
    flag.status, flag.closed_at, flag.closed_by = FlagStatus.CLOSED, now, clinician.id
    write_detail(flag, replace(read_detail(flag, vault), closed=outcome), vault)
    alerts = list(
        (
            await session.scalars(
                select(Alert).where(Alert.flag_id == flag.id).order_by(Alert.created_at)
            )
        ).all()
    )
    for alert in alerts:
        if alert.status == AlertStatus.OPEN:
            await acknowledge(session, alert, clinician, now)  # stops its repeat; audited
    audit(
        session,
        "flag_closed",
        now,
        alert_id=alerts[0].id if alerts else None,
        clinician_id=clinician.id,
        mother_id=flag.mother_id,
        detail=f"outcome={outcome} flag={flag.id}",
    )
    return True


def closed_outcome(flag: Flag, vault: Vault) -> str | None:
    """The outcome sealed in a closed flag's detail (None while open, or for an old row)."""
    return read_detail(flag, vault).closed
