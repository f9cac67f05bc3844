"""Questionnaires in the database: started, answered item by item (sealed), completed with their
result (sealed), and read back as the history the postpartum clock plans from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from companion.core.instruments import Score
from companion.core.screening_plan import Given
from companion.core.tiers import Tier
from companion.store.models import Mother, new_id
from companion.store.safety_models import Screening, ScreeningStatus
from companion.store.sealed import open_sealed
from companion.vault import Vault

# An unfinished questionnaire older than this is dropped rather than resumed: answers given a
# week apart no longer describe one stretch of time.
RESUMABLE_FOR = timedelta(days=7)


@dataclass(frozen=True)
class Result:
    """A completed questionnaire's result, opened."""

    instrument: str
    local_date: date
    total: int
    max_total: int
    band: str | None
    tier: Tier
    safety_hits: tuple[str, ...]


def _open(row: Screening, column: str, vault: Vault) -> str | None:
    return open_sealed(row, column, vault)


def read_answers(row: Screening, vault: Vault) -> dict[str, int]:
    raw = _open(row, "answers_sealed", vault)
    return {} if raw is None else {key: int(value) for key, value in json.loads(raw).items()}


def write_answers(row: Screening, vault: Vault, answers: dict[str, int]) -> None:
    row.answers_sealed = vault.seal(json.dumps(answers), context=row.seal_context("answers_sealed"))


def read_result(row: Screening, vault: Vault) -> Result | None:
    raw = _open(row, "result_sealed", vault)
    if raw is None:
        return None
    data = json.loads(raw)
    return Result(
        instrument=row.instrument,
        local_date=row.local_date,
        total=int(data["total"]),
        max_total=int(data["max_total"]),
        band=data.get("band"),
        tier=Tier.parse(data["tier"]),
        safety_hits=tuple(data.get("safety_hits", ())),
    )


async def start_screening(
    session: AsyncSession,
    vault: Vault,
    *,
    mother: Mother,
    instrument: str,
    reason: str,
    local_date: date,
    now: datetime,
    answers: dict[str, int] | None = None,
) -> Screening:
    row = Screening(
        id=new_id(),
        mother_id=mother.id,
        instrument=instrument,
        status=ScreeningStatus.OPEN,
        local_date=local_date,
        started_at=now,
    )
    # Why it was due ("after_brief" says a brief one was positive, "milestone_6w" dates the
    # birth): sealed, so a stolen database does not tell a result.
    row.reason_sealed = vault.seal(reason, context=row.seal_context("reason_sealed"))
    write_answers(row, vault, answers or {})
    session.add(row)
    await session.flush()
    return row


def read_reason(row: Screening, vault: Vault) -> str | None:
    """Why it was due ("enrolment", "after_brief", "milestone_6w" ...); None if it does not
    open (companion.store.sealed)."""
    return open_sealed(row, "reason_sealed", vault)


def complete_screening(
    row: Screening, vault: Vault, result: Score, local_date: date, now: datetime
) -> None:
    payload = {
        "total": result.total,
        "max_total": result.max_total,
        "band": result.band,
        "tier": result.tier.label,
        "safety_hits": list(result.safety_hits),
    }
    row.result_sealed = vault.seal(json.dumps(payload), context=row.seal_context("result_sealed"))
    row.status, row.completed_at, row.local_date = ScreeningStatus.DONE, now, local_date


async def screening_for(
    session: AsyncSession, screening_id: str, mother: Mother
) -> Screening | None:
    """Her screening with this id; None for anyone else's."""
    row = await session.get(Screening, screening_id)
    return row if row is not None and row.mother_id == mother.id else None


async def done_on(
    session: AsyncSession, mother_id: str, instrument: str, day: date
) -> Screening | None:
    """Her completed `instrument` of that local day, if any."""
    return await session.scalar(
        select(Screening).where(
            Screening.mother_id == mother_id,
            Screening.instrument == instrument,
            Screening.status == ScreeningStatus.DONE,
            Screening.local_date == day,
        )
    )


async def resumable(session: AsyncSession, mother: Mother, now: datetime) -> Screening | None:
    """Her unfinished questionnaire, if recent enough to carry on; older ones are dropped."""
    query = (
        select(Screening)
        .where(Screening.mother_id == mother.id, Screening.status == ScreeningStatus.OPEN)
        .order_by(Screening.started_at.desc())
    )
    newest = None
    for row in (await session.scalars(query)).all():
        if newest is None and now - row.started_at < RESUMABLE_FOR:
            newest = row
        else:
            row.status = ScreeningStatus.DROPPED
    return newest


async def results(session: AsyncSession, vault: Vault, mother_id: str) -> list[Result]:
    """Her completed questionnaires, oldest first."""
    query = (
        select(Screening)
        .where(Screening.mother_id == mother_id, Screening.status == ScreeningStatus.DONE)
        .order_by(Screening.completed_at)
    )
    opened = [read_result(row, vault) for row in (await session.scalars(query)).all()]
    return [result for result in opened if result is not None]


def as_given(result: Result) -> Given:
    return Given(result.instrument, result.local_date, result.total, result.tier)
