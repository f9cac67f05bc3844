"""Which learning snippets she has seen, and when. The snippet id is sealed: which pieces were
chosen for her follows from her mood and questionnaire results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from companion.store.models import Base, UTCDateTime, new_id
from companion.store.sealed import open_sealed
from companion.vault import Vault


class Via:
    CHECKIN = "checkin"  # sent after her check-in (the regular snippet or the trend message)
    MENU = "menu"  # she opened it from /learn


class SnippetSeen(Base):
    """One snippet shown to her."""

    __tablename__ = "snippets_seen"
    __sealed__ = ("snippet_sealed",)
    __bound_to__ = ("mother_id",)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    mother_id: Mapped[str] = mapped_column(ForeignKey("mothers.id", ondelete="CASCADE"), index=True)
    snippet_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    via: Mapped[str] = mapped_column(String(8))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def row_key(self) -> str:
        if not self.id:
            raise ValueError("a seen snippet's id must be set before sealing")
        return self.id


@dataclass(frozen=True)
class Seen:
    snippet_id: str
    via: str
    seen_at: datetime


@dataclass(frozen=True)
class Reading:
    """Her reading history, opened: what she saw, oldest first."""

    seen: tuple[Seen, ...]

    def counts(self) -> Counter[str]:
        return Counter(entry.snippet_id for entry in self.seen)

    def last(self, *, via: str | None = None, among: frozenset[str] | None = None) -> Seen | None:
        """The newest entry sent this way (or any way), of these snippets (or any)."""
        for entry in reversed(self.seen):
            if (via is None or entry.via == via) and (among is None or entry.snippet_id in among):
                return entry
        return None


async def reading(session: AsyncSession, vault: Vault, mother_id: str) -> Reading:
    query = (
        select(SnippetSeen)
        .where(SnippetSeen.mother_id == mother_id)
        .order_by(SnippetSeen.seen_at, SnippetSeen.id)
    )
    rows = (await session.scalars(query)).all()
    opened = [(open_sealed(row, "snippet_sealed", vault), row) for row in rows]
    return Reading(
        tuple(Seen(snippet, row.via, row.seen_at) for snippet, row in opened if snippet is not None)
    )


def record_seen(
    session: AsyncSession, vault: Vault, *, mother_id: str, snippet_id: str, via: str, now: datetime
) -> None:
    row = SnippetSeen(id=new_id(), mother_id=mother_id, via=via, seen_at=now)
    row.snippet_sealed = vault.seal(snippet_id, context=row.seal_context("snippet_sealed"))
    session.add(row)
