"""every sealed value re-sealed as token version 2, bound to its mother (and its question,
check-in, questionnaire, clinician or invitation) as well as its table, column and row

Version 1 tokens bound only the table, column and row key, so a value whose row was given another
mother_id (or question) still opened. This revision opens each version 1 token with the keys in
COMPANION_ENCRYPTION_KEYS (as `companion db upgrade` reads them) and seals it again as version 2
with the context `Base.seal_context` gives; the app refuses version 1 from now on. Going down does
the reverse. A database with nothing sealed needs no keys; one with sealed values and no keys (or
values sealed with a key that is not configured) stops with a message and changes nothing.

The contexts are frozen here, as they were at this revision (tests/test_migrations.py checks that
the models give the same ones): a later change to a model's seal_context needs a new token version
and a migration of its own.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 21:30:00.000000
"""

import json
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from companion.config import ConfigError
from companion.vault import LEGACY_VERSION, VERSION, Vault, VaultError

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("companion")
BATCH = 500

# table: (row key column, sealed columns, columns the value is bound to besides the row key)
TABLES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "mothers": ("id", ("birth_date_sealed", "recent_sealed"), ()),
    "conversations": ("mother_id", ("data_sealed",), ()),
    "answers": ("id", ("value_sealed",), ("mother_id", "checkin_id", "question")),
    "outbox": ("key", ("payload_sealed",), ("mother_id",)),
    "inbox": ("update_id", ("payload_sealed",), ()),
    "patient_invites": ("id", ("label_sealed",), ("clinician_id",)),
    "shares": (
        "id",
        ("display_name_sealed", "label_sealed", "contact_sealed"),
        ("mother_id", "clinician_id"),
    ),
    "share_drafts": ("id", ("display_name_sealed", "contact_sealed"), ("mother_id", "invite_id")),
    "screenings": ("id", ("answers_sealed", "result_sealed"), ("mother_id", "instrument")),
    "flags": ("id", ("detail_sealed",), ("mother_id",)),
    "snippets_seen": ("id", ("snippet_sealed",), ("mother_id",)),
}


def seal_context(version: bytes, table: str, column: str, row: dict[str, Any]) -> str:
    """The associated data a value of `table.column` in `row` was sealed with in `version`."""
    key, _sealed, bound = TABLES[table]
    if version == LEGACY_VERSION:
        return f"{table}.{column}:{row[key]}"
    parts: list[object] = [f"{table}.{column}", str(row[key])]
    for name in bound:
        parts += [name, row[name]]
    return json.dumps(parts, separators=(",", ":"))


def _rows(table: str) -> Iterator[dict[str, Any]]:
    """Every row of `table` (its key, sealed and bound columns), a batch at a time."""
    key, sealed, bound = TABLES[table]
    columns = [sa.column(key), *(sa.column(c, sa.LargeBinary) for c in sealed)]
    columns += [sa.column(name) for name in bound if name != key]
    target = sa.table(table, *columns)
    last: Any = None
    while True:
        query = sa.select(*target.c).order_by(target.c[key]).limit(BATCH)
        if last is not None:
            query = query.where(target.c[key] > last)
        rows = [dict(row._mapping) for row in op.get_bind().execute(query)]
        yield from rows
        if len(rows) < BATCH:
            return
        last = rows[-1][key]


def _tokens(version: bytes) -> Iterator[tuple[str, str, dict[str, Any], bytes]]:
    for table, (_key, sealed, _bound) in TABLES.items():
        for row in _rows(table):
            for column in sealed:
                token = row[column]
                if token is not None and bytes(token[:1]) == version:
                    yield table, column, row, bytes(token)


def _vault(found: int) -> Vault:
    keys = context.config.attributes.get("encryption_keys")
    if keys is None:  # not run by companion (a bare `alembic upgrade`): the environment's
        from companion.config import load_settings

        keys = load_settings().key_bytes
    if not keys:
        raise ConfigError(
            f"COMPANION_ENCRYPTION_KEYS: not set. Migration 0011 must re-seal the {found} "
            "sealed values in this database and needs the keys they were sealed with: set "
            "COMPANION_ENCRYPTION_KEYS and run companion db upgrade again. Nothing was changed."
        )
    return Vault(tuple(keys))


def _reseal(source: bytes, target: bytes) -> None:
    """Every `source` token sealed again as `target`. Checks first that every one was sealed
    with a configured key, so missing or wrong keys stop it before it writes anything."""
    headers = Counter(token[:5] for _table, _column, _row, token in _tokens(source))  # + key id
    found = sum(headers.values())
    if not found:
        return
    vault = _vault(found)
    unknown = sum(n for header, n in headers.items() if not vault.has_key_for(header))
    if unknown:
        raise ConfigError(
            f"COMPANION_ENCRYPTION_KEYS: {unknown} of the {found} sealed values in this database "
            "were sealed with a key that is not in it. Migration 0011 must re-seal them: add "
            "the keys they were sealed with and run companion db upgrade again. Nothing was "
            "changed."
        )
    altered = 0
    pending: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for table, column, row, token in _tokens(source):
        try:
            plain = vault.open(
                token, context=seal_context(source, table, column, row), version=source
            )
        except VaultError:  # altered or moved already: it did not open before either
            altered += 1
            continue
        sealed = vault.seal(plain, context=seal_context(target, table, column, row), version=target)
        batch = pending.setdefault((table, column), [])
        batch.append({"row_key": row[TABLES[table][0]], "token": sealed})
        if len(batch) >= BATCH:
            _write(table, column, pending.pop((table, column)))
    for (table, column), batch in pending.items():
        _write(table, column, batch)
    if altered:
        log.warning("event=reseal_left_unreadable count=%d", altered)


def _write(table: str, column: str, batch: list[dict[str, Any]]) -> None:
    """New tokens for one column, by row key, in one executemany."""
    key = TABLES[table][0]
    target = sa.table(table, sa.column(key), sa.column(column, sa.LargeBinary))
    statement = (
        sa.update(target)
        .where(target.c[key] == sa.bindparam("row_key"))
        .values({column: sa.bindparam("token", type_=sa.LargeBinary)})
    )
    op.get_bind().execute(statement, batch)


def upgrade() -> None:
    _reseal(LEGACY_VERSION, VERSION)


def downgrade() -> None:
    _reseal(VERSION, LEGACY_VERSION)
