"""Migration 0011 re-seals a database made at 0010 (every value bound to its mother as well as
its row); with sealed values and no keys, or the wrong keys, it stops, says what to set and
changes nothing. The contexts it froze are the ones the models seal with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Integer, create_engine, select, text

from companion.cli import main
from companion.config import ConfigError, load_settings
from companion.store import db as store_db
from companion.store.models import Mother, seal_context_for, sealed_models
from companion.store.personal_data import export_mother
from companion.vault import LEGACY_VERSION, VERSION, Vault, VaultError, generate_key
from tests.conftest import TEST_KEY
from tests.reseal_helpers import KEYS, migration, migration_0011, rows, sealed_values
from tests.test_migrations import current_revision, populate, populated_url

__all__ = ["populated_url"]  # the fixture, SQLite and PostgreSQL
HEAD = ScriptDirectory.from_config(store_db.alembic_config("sqlite://")).get_current_head()


def legacy_context(table: str, column: str, row: dict[str, Any]) -> str:
    """How 0010 sealed a value: table, column and row key only (written out here on purpose)."""
    key = migration_0011().TABLES[table][0]
    return f"{table}.{column}:{row[key]}"


async def made_at_0010(url: str) -> dict[tuple[Any, ...], str]:
    """A database with data in every sealed table that matters, at 0010 in 0010's format."""
    store_db.upgrade(url)
    await populate(url)
    values = sealed_values(url, VERSION)
    store_db.downgrade(url, "0010", keys=KEYS)
    assert current_revision(url) == "0010"
    assert sealed_values(url, LEGACY_VERSION, legacy_context) == values
    return values


async def opened_by_the_app(url: str) -> dict[str, Any]:
    """Every mother's export (each sealed value of her rows, opened by the app's contexts)."""
    settings = load_settings({"database_url": url, "encryption_keys": TEST_KEY})
    database = store_db.Database(settings.database_url)
    vault = Vault(settings.key_bytes)
    try:
        async with database.session() as session:
            query = select(Mother).order_by(Mother.telegram_user_id)
            mothers = (await session.scalars(query)).all()
            return {m.id: await export_mother(session, m, vault) for m in mothers}
    finally:
        await database.dispose()


async def test_0011_reseals_a_database_made_at_0010(populated_url: str) -> None:
    url = populated_url
    values = await made_at_0010(url)
    old_answer = next(row for row in rows(url)["answers"])

    store_db.upgrade(url, keys=KEYS)
    assert current_revision(url) == HEAD
    assert sealed_values(url, VERSION) == values  # every value, now a version 2 token
    exports = await opened_by_the_app(url)
    assert len(exports) == 2
    hers = next(iter(exports.values()))
    assert [a["value"] for a in hers["answers"]] == ["4"]  # 🙂
    assert hers["screenings"][0]["answers"] == {"phq9_1": 2}
    assert [m["payload"]["text"] for m in hers["outbox"] if m["chat_id"]][-2:] == [
        "owed one",
        "owed two",
    ]

    # An old-format token put back (or moved in from a copy made before) no longer opens.
    engine = create_engine(store_db.sync_url(url))
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE answers SET value_sealed = :token WHERE id = :id"),
            {"token": bytes(old_answer["value_sealed"]), "id": old_answer["id"]},
        )
    engine.dispose()
    row = next(row for row in rows(url)["answers"] if row["id"] == old_answer["id"])
    context = seal_context_for(type_of("answers"), "value_sealed", columns_of("answers", row))
    with pytest.raises(VaultError, match="older format"):
        Vault(KEYS).open(bytes(row["value_sealed"]), context=context)


def type_of(table: str) -> Any:
    return next(model for model in sealed_models() if model.__tablename__ == table)


def columns_of(table: str, row: dict[str, Any]) -> dict[str, Any]:
    model = type_of(table)
    return {name: value for name, value in row.items() if name in model.__table__.c}


async def test_0011_without_keys_stops_says_what_to_set_and_changes_nothing(
    populated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = populated_url
    await made_at_0010(url)
    before = rows(url)
    with pytest.raises(ConfigError) as raised:
        store_db.upgrade(url, keys=())
    message = str(raised.value)
    assert "COMPANION_ENCRYPTION_KEYS: not set" in message
    assert "Nothing was changed" in message
    assert current_revision(url) == "0010"
    assert rows(url) == before

    # The wrong key: the same, before anything is written.
    with pytest.raises(ConfigError, match="sealed with a key that is not in it"):
        store_db.upgrade(url, keys=load_settings({"encryption_keys": generate_key()}).key_bytes)
    assert current_revision(url) == "0010"
    assert rows(url) == before

    # `companion db upgrade` reads the keys from the environment, as the app does.
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("COMPANION_ENCRYPTION_KEYS", raising=False)
    assert main(["db", "upgrade"]) == 2
    assert current_revision(url) == "0010"
    monkeypatch.setenv("COMPANION_ENCRYPTION_KEYS", TEST_KEY)
    assert main(["db", "upgrade"]) == 0
    assert current_revision(url) == HEAD


async def test_0011_needs_no_keys_when_nothing_is_sealed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    store_db.upgrade(url, "0010")
    store_db.upgrade(url, keys=())
    assert current_revision(url) == HEAD


def test_the_contexts_0011_sealed_with_are_the_models_own() -> None:
    """A model whose seal_context changes needs a new token version and a migration: this fails
    until then, so values already sealed are never left unreadable."""
    frozen = migration_0011()
    # Columns sealed by a later migration, with the contexts it froze.
    later = {
        ("screenings", "reason_sealed"): migration("0013_seal_levels_and_reasons").reason_context
    }
    models = {model.__tablename__: model for model in sealed_models()}
    assert set(frozen.TABLES) == set(models)
    for table, model in models.items():
        since = tuple(column for name, column in later if name == table)
        assert (*frozen.TABLES[table][1], *since) == model.__sealed__
        row: dict[str, Any] = {
            column.key: 7 if isinstance(column.type, Integer) else f"{column.key}-x"
            for column in model.__table__.columns
            if not column.key.endswith("_sealed")
        }
        for column in model.__sealed__:
            if (table, column) in later:
                expected = later[table, column](row)
            else:
                expected = frozen.seal_context(VERSION, table, column, row)
            assert seal_context_for(model, column, row) == expected, (table, column)


async def test_0011_leaves_a_value_that_did_not_open_before_and_says_how_many(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'altered.db'}"
    await made_at_0010(url)
    answer = rows(url)["answers"][0]
    altered = bytearray(answer["value_sealed"])
    altered[-1] ^= 0x01
    engine = create_engine(store_db.sync_url(url))
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE answers SET value_sealed = :token WHERE id = :id"),
            {"token": bytes(altered), "id": answer["id"]},
        )
    engine.dispose()
    store_db.upgrade(url, keys=KEYS)
    assert current_revision(url) == HEAD
    assert "event=reseal_left_unreadable count=1" in caplog.text
    left = next(row for row in rows(url)["answers"] if row["id"] == answer["id"])
    assert bytes(left["value_sealed"]) == bytes(altered)  # as it was: still refused
    screenings = rows(url)["screenings"]  # the rest were re-sealed
    assert [bytes(row["answers_sealed"])[:1] for row in screenings] == [VERSION]
