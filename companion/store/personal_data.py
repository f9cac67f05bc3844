"""Her data is hers: export everything stored about a mother, or erase all of it.

Both walk every mapped table, so a table added later is covered without touching this file:
any table with a mother_id column belongs to her. Erasing her shares erases what they carry: her
phone number and the clinician's label for her (an invitation's label is moved onto the share
when she uses it: companion.store.sharing.take_invite_label).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from companion.store.models import Base, InboxUpdate, Mother
from companion.store.sealed import open_sealed
from companion.vault import Vault

# The clinician's own note about her (the label of their invitation, e.g. her record number) is
# shown only to that clinician, so it is left out of her export; erasing her data erases it.
NOT_EXPORTED = frozenset({("shares", "label_sealed")})
# Audit lines written before companion stopped keeping Telegram ids in them named the presser
# (user=) and the chat a message went to (chat=): someone else's ids, left out of her export.
OTHERS_IDS = re.compile(r" ?\b(user|chat)=-?\d+")


def _owned_models() -> list[type[Base]]:
    order = {table.name: index for index, table in enumerate(Base.metadata.sorted_tables)}
    models = [
        mapper.class_
        for mapper in Base.registry.mappers
        if "mother_id" in mapper.class_.__table__.columns
    ]
    return sorted(models, key=lambda model: order[model.__tablename__])


def _plain(value: Any, zone: tzinfo | None) -> Any:
    if isinstance(value, datetime) and zone is not None:
        return value.astimezone(zone).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _opened(plain: str | None) -> Any:
    """Sealed JSON (conversation data, a flag's reasons, a questionnaire's answers, a queued
    message) is exported as the object it holds, not as a string of JSON."""
    if plain and plain.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(plain)
        except ValueError:
            return plain
    return plain


def _export_row(
    row: Base, vault: Vault, zone: tzinfo | None, unreadable: list[str]
) -> dict[str, Any]:
    exported: dict[str, Any] = {}
    for column in row.__table__.columns:
        if (row.__tablename__, column.key) in NOT_EXPORTED:
            continue
        value = getattr(row, column.key)
        if column.key in row.__sealed__:
            name = column.key.removesuffix("_sealed")
            plain = open_sealed(row, column.key, vault)
            if plain is None and value is not None:  # it does not open here: see sealed.py
                unreadable.append(f"{row.__tablename__}.{name}")
            exported[name] = _opened(plain)
        else:
            exported[column.key] = _plain(value, zone)
    return exported


async def export_mother(
    session: AsyncSession, mother: Mother, vault: Vault, zone: tzinfo | None = None
) -> dict[str, Any]:
    """Every row about her, decrypted; times in `zone` (her time zone) when given. A value that
    does not open (moved from another row or mother, or altered) is exported as null and named
    under "unreadable"."""
    unreadable: list[str] = []
    export: dict[str, Any] = {"mother": _export_row(mother, vault, zone, unreadable)}
    for model in _owned_models():
        rows = (
            await session.scalars(select(model).where(model.__table__.c.mother_id == mother.id))
        ).all()
        export[model.__tablename__] = [_export_row(row, vault, zone, unreadable) for row in rows]
    if unreadable:
        export["unreadable"] = sorted(set(unreadable))
    _leave_out_others(export, mother)
    return export


def _leave_out_others(export: dict[str, Any], mother: Mother) -> None:
    """No one else's Telegram id: a message about her queued for her clinician or the clinic's
    backup chat is exported without that chat (None), and an audit line without any id."""
    for message in export.get("outbox", []):
        if message["chat_id"] != mother.chat_id:
            message["chat_id"] = None
    for line in export.get("audit_log", []):
        if line["detail"]:
            line["detail"] = OTHERS_IDS.sub("", line["detail"]).strip() or None


async def erase_mother(
    session: AsyncSession, mother: Mother, answering_update: int | None = None
) -> None:
    """Delete every row about her, children first (not relying on ON DELETE CASCADE), and any
    row keyed by her chat or Telegram id (queued messages, stored updates).

    `answering_update` is the stored update being handled right now (her "Yes, delete" press):
    its row stays, no longer tied to her, so the reply that confirms the erase can still mark it
    handled (which empties it) in this same transaction.
    """
    for model in reversed(_owned_models()):
        await session.execute(delete(model).where(model.__table__.c.mother_id == mother.id))
    await _keep_answering(session, answering_update)
    for mapper in Base.registry.mappers:
        columns = mapper.class_.__table__.columns
        for name, value in (
            ("chat_id", mother.chat_id),
            ("telegram_user_id", mother.telegram_user_id),
        ):
            if name in columns and mapper.class_ is not Mother:
                await session.execute(delete(mapper.class_).where(columns[name] == value))
    await session.execute(delete(Mother).where(Mother.id == mother.id))
    session.expunge(mother)


async def _keep_answering(session: AsyncSession, update_id: int | None) -> None:
    if update_id is not None:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id)
            .values(telegram_user_id=None)
        )
