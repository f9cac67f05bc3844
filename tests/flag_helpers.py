"""Flags as stored, with their sealed level, source and reasons opened: the level and source
live in the sealed detail since migration 0013, so tests read them the way companion does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from companion.bot.context import Services
from companion.store.flags import read_detail
from companion.store.safety_models import Flag


@dataclass(frozen=True)
class StoredFlag:
    """A flag row (its plain columns read through) and what its seal holds."""

    row: Flag
    level: str
    source: str
    reasons: tuple[str, ...]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def opened(services: Services, flag: Flag) -> StoredFlag:
    detail = read_detail(flag, services.vault)
    return StoredFlag(flag, detail.level, detail.source, detail.reasons)


async def stored_flags(services: Services, mother_id: str | None = None) -> list[StoredFlag]:
    """Every flag (hers only, given her id), oldest first."""
    query = select(Flag).order_by(Flag.raised_at)
    if mother_id is not None:
        query = query.where(Flag.mother_id == mother_id)
    async with services.db.session() as session:
        return [opened(services, flag) for flag in (await session.scalars(query)).all()]
