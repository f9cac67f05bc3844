"""Safety flags: raised when an answer or a message is worrying, kept open until a clinician
closes one (nothing she answers closes it), and the "are you safe now?" follow-up they carry."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.store.models import Mother, MotherStatus, new_id
from companion.store.safety_models import Flag, FlagStatus
from companion.store.sealed import open_sealed
from companion.vault import Vault

# Her recent messages, read with a new one by the triage: how many, and for how long.
RECENT_KEPT = 3
RECENT_WINDOW = timedelta(hours=1)


# A flag's level when its sealed part does not open (companion.store.sealed): said as such.
UNKNOWN_LEVEL = "unknown"
ALERTED_LEVELS = ("urgent", "emergency")


def alerted_level(detail: FlagDetail) -> str:
    """The level to put in an alert about this flag: only urgent and emergency flags raise one,
    so one whose level does not open is at least urgent, never less."""
    return detail.level if detail.level in ALERTED_LEVELS else "urgent"


@dataclass(frozen=True)
class FlagDetail:
    """The sealed part of a flag: everything that says how she is. Its level ("concern",
    "urgent", "emergency") and source ("message", "note", "phq9", "clarify", ...) are sealed
    with its reasons since migration 0013, so a stolen database does not tell them."""

    reasons: tuple[str, ...]
    sent: tuple[str, ...]  # what she was sent: message keys and the lines listed
    responses: tuple[tuple[str, str], ...] = ()  # (answer, ISO time) to the follow-up or question
    closed: str | None = None  # the outcome a clinician chose on closing it (store/flag_closing)
    level: str = UNKNOWN_LEVEL
    source: str = ""

    def as_json(self) -> str:
        data: dict[str, Any] = {
            "level": self.level,
            "source": self.source,
            "reasons": self.reasons,
            "sent": self.sent,
            "responses": self.responses,
        }
        if self.closed is not None:
            data["closed"] = self.closed
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> FlagDetail:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            reasons=tuple(data.get("reasons", ())),
            sent=tuple(data.get("sent", ())),
            responses=tuple((str(a), str(t)) for a, t in data.get("responses", ())),
            closed=data.get("closed"),  # absent in rows from before flags could be closed
            level=str(data.get("level", UNKNOWN_LEVEL)),
            source=str(data.get("source", "")),
        )


def read_detail(flag: Flag, vault: Vault) -> FlagDetail:
    """The flag's reasons and follow-up; empty if they do not open (companion.store.sealed)."""
    return FlagDetail.from_json(open_sealed(flag, "detail_sealed", vault) or "{}")


def write_detail(flag: Flag, detail: FlagDetail, vault: Vault) -> None:
    flag.detail_sealed = vault.seal(detail.as_json(), context=flag.seal_context("detail_sealed"))


async def raise_flag(
    session: AsyncSession,
    vault: Vault,
    *,
    mother: Mother,
    level: str,
    source: str,
    reasons: Sequence[str],
    sent: Sequence[str],
    now: datetime,
    followup_at: datetime | None = None,
    status: str = FlagStatus.OPEN,
) -> Flag:
    """Store a flag. With `followup_at`, this flag carries her one pending safety follow-up:
    any earlier one still waiting is folded into it, so she is asked once, after the latest."""
    if followup_at is not None:
        await session.execute(
            update(Flag)
            .where(
                Flag.mother_id == mother.id,
                Flag.followup_at.is_not(None),
                Flag.followup_sent_at.is_(None),
            )
            .values(followup_at=None)
            .execution_options(synchronize_session=False)
        )
    flag = Flag(
        id=new_id(),
        mother_id=mother.id,
        status=status,
        raised_at=now,
        followup_at=followup_at,
    )
    detail = FlagDetail(tuple(reasons), tuple(sent), level=level, source=source)
    write_detail(flag, detail, vault)
    session.add(flag)
    await session.flush()
    return flag


def record_response(flag: Flag, vault: Vault, answer: str, now: datetime) -> None:
    """Write down her answer to the follow-up or the clarifying question. The flag stays open:
    "I'm fine" or "you misunderstood" is recorded for the clinician, never acted on alone."""
    detail = read_detail(flag, vault)
    responses = (*detail.responses, (answer, now.isoformat()))
    write_detail(flag, replace(detail, responses=responses), vault)


async def flag_for(session: AsyncSession, flag_id: str, mother: Mother) -> Flag | None:
    """Her flag with this id; None for anyone else's (a button is checked against its presser)."""
    flag = await session.get(Flag, flag_id)
    return flag if flag is not None and flag.mother_id == mother.id else None


async def open_flags(session: AsyncSession, mother_id: str) -> list[Flag]:
    query = (
        select(Flag)
        .where(Flag.mother_id == mother_id, Flag.status == FlagStatus.OPEN)
        .order_by(Flag.raised_at)
    )
    return list((await session.scalars(query)).all())


async def claim_followups(
    session: AsyncSession, now: datetime, batch: int
) -> list[tuple[Flag, Mother]]:
    """Follow-ups now due, for every mother who has not blocked the bot (one who paused or
    stopped her check-ins still wrote to us about her safety, so she is still asked)."""
    query = (
        select(Flag, Mother)
        .join(Mother, Mother.id == Flag.mother_id)
        .where(
            Flag.followup_at <= now,
            Flag.followup_sent_at.is_(None),
            Mother.status != MotherStatus.BLOCKED,
        )
        .order_by(Flag.followup_at)
        .limit(batch)
        .with_for_update(skip_locked=True, of=Flag)
    )
    return [(flag, mother) for flag, mother in (await session.execute(query)).all()]


async def take_followup(session: AsyncSession, flag: Flag, now: datetime) -> bool:
    """Mark the follow-up sent with a conditional update, so two ticks never both send it."""
    taken = await session.scalar(
        update(Flag)
        .where(Flag.id == flag.id, Flag.followup_sent_at.is_(None))
        .values(followup_sent_at=now)
        .returning(Flag.id)
        .execution_options(synchronize_session=False)
    )
    if taken is not None:
        flag.followup_sent_at = now
    return taken is not None


def _kept(mother: Mother, vault: Vault, now: datetime) -> list[list[str]]:
    """Her kept messages as [text, ISO time] pairs, dropping those older than the window."""
    raw = open_sealed(mother, "recent_sealed", vault)
    if raw is None:
        return []
    since = now - RECENT_WINDOW
    kept: list[list[str]] = json.loads(raw)
    return [[text, at] for text, at in kept if datetime.fromisoformat(at) >= since]


def recent_messages(mother: Mother, vault: Vault, now: datetime) -> list[str]:
    """Her last few typed messages from the past hour, oldest first."""
    return [text for text, _ in _kept(mother, vault, now)]


def remember_message(mother: Mother, vault: Vault, text: str, now: datetime) -> None:
    """Keep this message among her last few (sealed), for the next triage to read with it."""
    kept = [*_kept(mother, vault, now), [text[:1000], now.isoformat()]][-RECENT_KEPT:]
    mother.recent_sealed = vault.seal(
        json.dumps(kept), context=mother.seal_context("recent_sealed")
    )
    mother.recent_until = now + RECENT_WINDOW


async def forget_old_messages(session: AsyncSession, now: datetime) -> int:
    """Drop kept messages once their hour is over; how many mothers' were dropped."""
    dropped = await session.execute(
        update(Mother)
        .where(Mother.recent_until <= now)
        .values(recent_sealed=None, recent_until=None)
        .returning(Mother.id)
        .execution_options(synchronize_session=False)
    )
    return len(dropped.all())


async def flags_since(session: AsyncSession, mother_id: str, since: datetime) -> list[Flag]:
    """Every flag raised for her from `since` on, open or closed, oldest first."""
    query = (
        select(Flag)
        .where(Flag.mother_id == mother_id, Flag.raised_at >= since)
        .order_by(Flag.raised_at)
    )
    return list((await session.scalars(query)).all())
