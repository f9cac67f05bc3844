"""Migration 0011's own module, and every sealed value of a database opened as one version."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any

from sqlalchemy import MetaData, create_engine, select

from companion.config import load_settings
from companion.resources import migrations_dir
from companion.store import db as store_db
from companion.vault import Vault
from tests.conftest import TEST_KEY

KEYS = load_settings({"encryption_keys": TEST_KEY}).key_bytes


def migration_0011() -> ModuleType:
    return migration("0011_seal_bound_to_mother")


def migration(name: str) -> ModuleType:
    """A migration's own module, by its file's name."""
    path = migrations_dir() / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but Alembic's own."""
    engine = create_engine(store_db.sync_url(url))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: [dict(row._mapping) for row in connection.execute(select(table))]
                for name, table in metadata.tables.items()
                if name != "alembic_version"
            }
    finally:
        engine.dispose()


def sealed_values(url: str, version: bytes, context: Any = None) -> dict[tuple[Any, ...], str]:
    """(table, column, row key) -> the value, for every sealed value; each must be a `version`
    token opening with `context(table, column, row)` (by default migration 0011's contexts)."""
    if context is None:
        module = migration_0011()

        def context(table: str, column: str, row: dict[str, Any]) -> str:
            return str(module.seal_context(version, table, column, row))

    tables = migration_0011().TABLES
    vault = Vault(KEYS)
    found: dict[tuple[Any, ...], str] = {}
    for table, table_rows in rows(url).items():
        if table not in tables:
            continue
        key, sealed, _bound = tables[table]
        for row in table_rows:
            for column in sealed:
                token = row[column]
                if token is not None:
                    assert bytes(token[:1]) == version, (table, column)
                    where = context(table, column, row)
                    found[table, column, row[key]] = vault.open(
                        bytes(token), context=where, version=version
                    )
    return found
