"""a flag's level and source, and why a questionnaire was due, sealed; prompt pauses indexed

Until now `flags.level` ("concern", "urgent", "emergency") and `flags.source` ("message", "phq9",
...) sat in plain text beside her id, and `screenings.reason` told a result ("after_brief": a
brief questionnaire was positive) or dated the birth ("milestone_6w"). This revision moves a
flag's level and source into its sealed detail (the JSON `companion.store.flags.FlagDetail`
reads) and seals each questionnaire's reason in a new column `reason_sealed`, bound like its other
sealed values (its mother and instrument); then drops the plain columns. It needs the keys
(COMPANION_ENCRYPTION_KEYS) when there is anything to seal, and stops without them, changing
nothing. A flag's detail that did not open before (moved or altered) is left as it was: its
level then reads as unknown, and the count is logged (`event=reseal_left_unreadable`).

It also indexes `mothers.prompts_paused_until`, which the tick now clears once passed (a pause
after a crisis reply lasts the rest of her day; an ended one only told a reader that a crisis
reply had been sent): companion.store.mothers.clear_ended_pauses, at the first tick after the
upgrade, by the app's clock.

Going down restores the plain columns from the sealed values (a flag whose detail does not open
gets the level "urgent" and the source "unknown", so it is never under-read); the flag's detail
keeps its level and source, which the earlier release ignores.

The contexts are frozen here as they are at this revision (version 2 tokens, as in 0011).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 00:30:00.000000
"""

import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from companion.config import ConfigError
from companion.vault import Vault, VaultError

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("companion")
BATCH = 500

FLAGS = sa.table(
    "flags",
    sa.column("id", sa.String),
    sa.column("mother_id", sa.String),
    sa.column("level", sa.String),
    sa.column("source", sa.String),
    sa.column("detail_sealed", sa.LargeBinary),
)
SCREENINGS = sa.table(
    "screenings",
    sa.column("id", sa.String),
    sa.column("mother_id", sa.String),
    sa.column("instrument", sa.String),
    sa.column("reason", sa.String),
    sa.column("reason_sealed", sa.LargeBinary),
)


def flag_context(row: dict[str, Any]) -> str:
    parts = ["flags.detail_sealed", row["id"], "mother_id", row["mother_id"]]
    return json.dumps(parts, separators=(",", ":"))


def reason_context(row: dict[str, Any]) -> str:
    parts = ["screenings.reason_sealed", row["id"], "mother_id", row["mother_id"]]
    return json.dumps([*parts, "instrument", row["instrument"]], separators=(",", ":"))


def _rows(table: sa.TableClause, *columns: str) -> Iterator[dict[str, Any]]:
    """Every row of `table` (the named columns), a batch at a time, in id order."""
    chosen = [table.c[name] for name in columns]
    last: Any = None
    while True:
        query = sa.select(*chosen).order_by(table.c.id).limit(BATCH)
        if last is not None:
            query = query.where(table.c.id > last)
        found = [dict(row._mapping) for row in op.get_bind().execute(query)]
        yield from found
        if len(found) < BATCH:
            return
        last = found[-1]["id"]


def _count(table: sa.TableClause) -> int:
    return int(op.get_bind().scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _vault(found: int) -> Vault:
    keys = context.config.attributes.get("encryption_keys")
    if keys is None:  # not run by companion (a bare `alembic upgrade`): the environment's
        from companion.config import load_settings

        keys = load_settings().key_bytes
    if not keys:
        raise ConfigError(
            f"COMPANION_ENCRYPTION_KEYS: not set. Migration 0013 must seal the level and source "
            f"of {found} flags and questionnaires in this database and needs the keys: set "
            "COMPANION_ENCRYPTION_KEYS and run companion db upgrade again. Nothing was changed."
        )
    return Vault(tuple(keys))


def _write(table: sa.TableClause, batch: list[dict[str, Any]]) -> None:
    """New values by id, in one executemany."""
    if not batch:
        return
    names = [name for name in batch[0] if name != "row_id"]
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in names})
    )
    rows = [{"row_id": row["row_id"], **{f"new_{n}": row[n] for n in names}} for row in batch]
    op.get_bind().execute(statement, rows)


def _in_batches(rows: Iterator[dict[str, Any]], table: sa.TableClause) -> None:
    pending: list[dict[str, Any]] = []
    for row in rows:
        pending.append(row)
        if len(pending) >= BATCH:
            _write(table, pending)
            pending = []
    _write(table, pending)


def _sealed_flags(vault: Vault) -> Iterator[dict[str, Any]]:
    unreadable = 0
    for row in _rows(FLAGS, "id", "mother_id", "level", "source", "detail_sealed"):
        where = flag_context(row)
        try:
            detail = json.loads(vault.open(bytes(row["detail_sealed"]), context=where))
        except (VaultError, TypeError, ValueError):  # moved or altered: it did not open before
            unreadable += 1
            continue
        detail = {"level": row["level"], "source": row["source"], **detail}
        token = vault.seal(json.dumps(detail), context=where)
        yield {"row_id": row["id"], "detail_sealed": token}
    if unreadable:
        log.warning("event=reseal_left_unreadable table=flags count=%d", unreadable)


def _sealed_reasons(vault: Vault) -> Iterator[dict[str, Any]]:
    for row in _rows(SCREENINGS, "id", "mother_id", "instrument", "reason"):
        token = vault.seal(row["reason"], context=reason_context(row))
        yield {"row_id": row["id"], "reason_sealed": token}


def _check_keys(vault: Vault) -> None:
    """Every flag's detail must open with a configured key, checked before anything is
    written: its level, dropped from the plain column, would otherwise be lost."""
    headers = {
        bytes(row["detail_sealed"][:5])
        for row in _rows(FLAGS, "id", "detail_sealed")
        if row["detail_sealed"] is not None
    }
    unknown = [header for header in headers if not vault.has_key_for(header)]
    if unknown:
        raise ConfigError(
            "COMPANION_ENCRYPTION_KEYS: flags in this database were sealed with a key that is "
            "not in it. Migration 0013 must open them to seal their level: add the keys they "
            "were sealed with and run companion db upgrade again. Nothing was changed."
        )


def upgrade() -> None:
    found = _count(FLAGS) + _count(SCREENINGS)
    vault = _vault(found) if found else None
    if vault is not None:
        _check_keys(vault)
    with op.batch_alter_table("screenings") as batch_op:
        batch_op.add_column(sa.Column("reason_sealed", sa.LargeBinary(), nullable=True))
    if vault is not None:
        _in_batches(_sealed_flags(vault), FLAGS)
        _in_batches(_sealed_reasons(vault), SCREENINGS)
    with op.batch_alter_table("flags") as batch_op:
        batch_op.drop_column("level")
        batch_op.drop_column("source")
    with op.batch_alter_table("screenings") as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("mothers") as batch_op:
        batch_op.create_index("ix_mothers_prompts_paused_until", ["prompts_paused_until"])


def _plain_flags(vault: Vault | None) -> Iterator[dict[str, Any]]:
    for row in _rows(FLAGS, "id", "mother_id", "detail_sealed"):
        detail: dict[str, Any] = {}
        if vault is not None:
            try:
                token = bytes(row["detail_sealed"])
                detail = json.loads(vault.open(token, context=flag_context(row)))
            except (VaultError, TypeError, ValueError):
                detail = {}
        level, source = detail.get("level", "urgent"), detail.get("source", "unknown")
        yield {"row_id": row["id"], "level": level, "source": source}


def _plain_reasons(vault: Vault | None) -> Iterator[dict[str, Any]]:
    for row in _rows(SCREENINGS, "id", "mother_id", "instrument", "reason_sealed"):
        reason = "unknown"
        if vault is not None and row["reason_sealed"] is not None:
            try:
                reason = vault.open(bytes(row["reason_sealed"]), context=reason_context(row))
            except VaultError:
                reason = "unknown"
        yield {"row_id": row["id"], "reason": reason}


def downgrade() -> None:
    found = _count(FLAGS) + _count(SCREENINGS)
    vault = _vault(found) if found else None
    with op.batch_alter_table("mothers") as batch_op:
        batch_op.drop_index("ix_mothers_prompts_paused_until")
    with op.batch_alter_table("flags") as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=24), nullable=True))
    with op.batch_alter_table("screenings") as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=24), nullable=True))
    _in_batches(_plain_flags(vault), FLAGS)
    _in_batches(_plain_reasons(vault), SCREENINGS)
    with op.batch_alter_table("flags") as batch_op:
        batch_op.alter_column("level", existing_type=sa.String(length=12), nullable=False)
        batch_op.alter_column("source", existing_type=sa.String(length=24), nullable=False)
    with op.batch_alter_table("screenings") as batch_op:
        batch_op.alter_column("reason", existing_type=sa.String(length=24), nullable=False)
        batch_op.drop_column("reason_sealed")
