"""Key rotation: put a new key first in COMPANION_ENCRYPTION_KEYS, then re-seal old values."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, false, inspect, select, update

from companion.config import Settings
from companion.store.db import Database
from companion.store.models import sealed_models
from companion.store.sealed import open_sealed
from companion.vault import Vault

BATCH = 500


async def rotate_keys(settings: Settings) -> int:
    """Re-seal every value not sealed with the newest key, a batch per transaction.

    Each batch's rows are locked from before they are read until they are rewritten (SELECT ...
    FOR UPDATE on PostgreSQL; on SQLite the batch takes the database's write lock first), so a
    value the running bot writes meanwhile is not overwritten with the old one re-sealed.
    A value that does not open (companion.store.sealed) is logged and left as it is.
    Safe to interrupt and re-run; returns how many values were re-sealed.
    """
    vault = Vault(settings.key_bytes)
    database = Database(settings.database_url)
    resealed = 0
    try:
        for model in sealed_models():
            key_column = inspect(model).primary_key[0]
            pk = key_column.name
            last: Any = None
            while True:
                query = select(model).order_by(key_column).limit(BATCH).with_for_update()
                if last is not None:
                    query = query.where(key_column > last)
                async with database.session() as session:
                    if database.dialect == "sqlite":  # the driver begins at the first write
                        table = cast(Table, model.__table__)
                        await session.execute(update(table).where(false()).values({pk: key_column}))
                    rows = (await session.scalars(query)).all()
                    for row in rows:
                        for column in model.__sealed__:
                            token = getattr(row, column)
                            if token is None or not vault.needs_reseal(token):
                                continue
                            plain = open_sealed(row, column, vault)  # None: unreadable, left
                            if plain is not None:
                                context = row.seal_context(column)
                                setattr(row, column, vault.seal(plain, context=context))
                                resealed += 1
                if len(rows) < BATCH:
                    break
                last = getattr(rows[-1], str(key_column.key))
    finally:
        await database.dispose()
    return resealed
