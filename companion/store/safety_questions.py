"""The safety question waiting for her answer (the clarifying question, "are you safe now?"),
kept on its flag so a typed "yes" or "no" is heard like a tap, and the follow-ups nobody
answered, for the "no answer" alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.core.safety_answers import FOLLOWUP
from companion.store.models import Mother, MotherStatus
from companion.store.safety_models import Flag, FlagStatus

# How long a question waits for a typed answer; after that, a "yes" is no longer read as one.
ANSWER_WINDOW = timedelta(hours=24)


def ask(flag: Flag, question: str, now: datetime) -> None:
    """Note that `question` ("clar" or "safe") now waits on this flag."""
    flag.asked, flag.asked_at = question, now


def settle(flag: Flag) -> None:
    """She answered the question on this flag (tapped or typed)."""
    flag.asked = None


async def waiting_question(session: AsyncSession, mother_id: str, now: datetime) -> Flag | None:
    """The latest safety question still waiting for her answer, if asked within the window."""
    query = (
        select(Flag)
        .where(
            Flag.mother_id == mother_id,
            Flag.asked.is_not(None),
            Flag.asked_at >= now - ANSWER_WINDOW,
        )
        .order_by(Flag.asked_at.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def claim_unanswered(
    session: AsyncSession, now: datetime, after: timedelta, batch: int
) -> list[tuple[Flag, Mother]]:
    """Open flags whose "are you safe now?" went `after` ago or more with no answer and no "no
    answer" alert yet, for mothers who have not blocked the bot. Only urgent and emergency
    flags carry that question (bot.crisis), so this needs no level, which is sealed."""
    query = (
        select(Flag, Mother)
        .join(Mother, Mother.id == Flag.mother_id)
        .where(
            Flag.asked == FOLLOWUP,
            Flag.followup_sent_at <= now - after,
            Flag.escalated_at.is_(None),
            Flag.status == FlagStatus.OPEN,  # a clinician who closed it has reached her
            Mother.status != MotherStatus.BLOCKED,
        )
        .order_by(Flag.followup_sent_at)
        .limit(batch)
        .with_for_update(skip_locked=True, of=Flag)
    )
    return [(flag, mother) for flag, mother in (await session.execute(query)).all()]


async def take_escalation(session: AsyncSession, flag: Flag, now: datetime) -> bool:
    """Mark the "no answer" alert sent with a conditional update, so two ticks never both send."""
    taken = await session.scalar(
        update(Flag)
        .where(Flag.id == flag.id, Flag.escalated_at.is_(None))
        .values(escalated_at=now)
        .returning(Flag.id)
        .execution_options(synchronize_session=False)
    )
    if taken is not None:
        flag.escalated_at = now
    return taken is not None
