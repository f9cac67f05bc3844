"""Queries about mothers: creation on consent, settings, conversation state."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.store.models import Consent, Conversation, Mother, MotherStatus, new_id
from companion.store.sealed import open_sealed
from companion.vault import Vault


async def find_mother(session: AsyncSession, telegram_user_id: int) -> Mother | None:
    return await session.scalar(select(Mother).where(Mother.telegram_user_id == telegram_user_id))


async def enrol_mother(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    chat_id: int,
    locale: str,
    consent_version: str,
    now: datetime,
) -> Mother:
    """The first row about her, written only when she agrees, with the consent record."""
    mother = Mother(
        id=new_id(),
        telegram_user_id=telegram_user_id,
        chat_id=chat_id,
        locale=locale,
        status=MotherStatus.ONBOARDING,
        created_at=now,
        updated_at=now,
    )
    session.add(mother)
    await session.flush()
    session.add(
        Consent(mother_id=mother.id, kind="participation", version=consent_version, given_at=now)
    )
    return mother


def read_birth_date(mother: Mother, vault: Vault) -> date | None:
    """Her birth date; None if she skipped it, or if it does not open (companion.store.sealed)."""
    value = open_sealed(mother, "birth_date_sealed", vault)
    return None if value is None else date.fromisoformat(value)


def write_birth_date(mother: Mother, value: date | None, vault: Vault) -> None:
    mother.birth_date_sealed = (
        None
        if value is None
        else vault.seal(value.isoformat(), context=mother.seal_context("birth_date_sealed"))
    )


async def get_conversation(session: AsyncSession, mother: Mother) -> Conversation | None:
    return await session.get(Conversation, mother.id)


def read_conversation_data(conversation: Conversation, vault: Vault) -> dict[str, Any]:
    if conversation.data_sealed is None:
        return {}
    context = conversation.seal_context("data_sealed")
    data: dict[str, Any] = json.loads(vault.open(conversation.data_sealed, context=context))
    return data


async def set_conversation(
    session: AsyncSession,
    mother: Mother,
    *,
    flow: str,
    step: str,
    now: datetime,
    vault: Vault,
    data: dict[str, Any] | None = None,
    known: dict[str, Conversation] | None = None,
) -> Conversation:
    """Put her on a step. `known`: conversations already loaded by a batch (a mother missing
    from it has none), which saves a query per mother."""
    if known is not None:
        conversation = known.get(mother.id)
    else:
        conversation = await session.get(Conversation, mother.id)
    if conversation is None:
        conversation = Conversation(mother_id=mother.id, flow=flow, step=step, updated_at=now)
        session.add(conversation)
        if known is not None:
            known[mother.id] = conversation
    conversation.flow, conversation.step, conversation.updated_at = flow, step, now
    conversation.data_sealed = (
        vault.seal(json.dumps(data), context=conversation.seal_context("data_sealed"))
        if data
        else None
    )
    return conversation


async def end_conversation(session: AsyncSession, mother: Mother) -> None:
    conversation = await session.get(Conversation, mother.id)
    if conversation is not None:
        await session.delete(conversation)


async def clear_ended_pauses(session: AsyncSession, now: datetime) -> None:
    """Forget prompt pauses that have ended: a pause follows a crisis reply, so one left in
    place would tell a reader of the database that she had one (docs/privacy.md)."""
    await session.execute(
        update(Mother)
        .where(Mother.prompts_paused_until <= now)
        .values(prompts_paused_until=None)
        .execution_options(synchronize_session=False)
    )
