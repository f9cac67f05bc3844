"""Alembic: the migrations build exactly the models' schema, and go down and up again cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from companion.store import db as store_db
from companion.store.models import Base


def sqlite_url(tmp_path: Path, name: str = "migrated.db") -> str:
    return f"sqlite+aiosqlite:///{tmp_path / name}"


def differences(url: str) -> list[object]:
    engine = create_engine(store_db.sync_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(store_db.sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = create_engine(store_db.sync_url(url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head(url: str) -> str:
    script = ScriptDirectory.from_config(store_db.alembic_config(url))
    heads = script.get_heads()
    assert len(heads) == 1, f"migrations have more than one head: {heads}"
    return heads[0]


def model_tables() -> set[str]:
    return {table.name for table in Base.metadata.sorted_tables}


def test_migrations_produce_exactly_the_models_schema(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    store_db.upgrade(url)
    assert differences(url) == []
    assert tables(url) == model_tables() | {"alembic_version"}
    assert current_revision(url) == head(url)


def test_the_comparison_does_see_a_missing_schema(tmp_path: Path) -> None:
    """The check above can fail: an empty database differs from the models by every table."""
    url = sqlite_url(tmp_path, "empty.db")
    create_engine(store_db.sync_url(url)).dispose()
    found = differences(url)
    added = {diff[1].name for diff in found if isinstance(diff, tuple) and diff[0] == "add_table"}
    assert added == model_tables()


def test_indexes_and_constraints_match(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    store_db.upgrade(url)
    engine = create_engine(store_db.sync_url(url))
    try:
        inspector = inspect(engine)
        for table in Base.metadata.sorted_tables:
            columns = {column["name"]: column for column in inspector.get_columns(table.name)}
            assert set(columns) == set(table.columns.keys()), table.name
            for column in table.columns:
                assert columns[column.name]["nullable"] == column.nullable, (
                    table.name,
                    column.name,
                )
            indexes = {index["name"] for index in inspector.get_indexes(table.name)}
            assert indexes == {index.name for index in table.indexes}, table.name
            foreign = {
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    fk["options"].get("ondelete"),
                )
                for fk in inspector.get_foreign_keys(table.name)
            }
            expected = {
                (
                    tuple(fk.parent.name for fk in constraint.elements),
                    constraint.referred_table.name,
                    constraint.ondelete,
                )
                for constraint in table.foreign_key_constraints
            }
            assert foreign == expected, table.name
            primary = inspector.get_pk_constraint(table.name)
            assert primary["constrained_columns"] == [c.name for c in table.primary_key.columns]
        unique = inspector.get_unique_constraints("mothers")
        assert [u["column_names"] for u in unique] == [["telegram_user_id"]]
    finally:
        engine.dispose()


def test_downgrade_to_base_then_upgrade_head(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "nested" / "folder")
    store_db.upgrade(url)  # creates the missing folders
    assert tables(url) >= model_tables()

    store_db.downgrade(url, "base")
    assert tables(url) <= {"alembic_version"}
    assert current_revision(url) is None

    store_db.upgrade(url)
    assert tables(url) == model_tables() | {"alembic_version"}
    assert current_revision(url) == head(url)
    assert differences(url) == []

    # upgrading again is a no-op
    store_db.upgrade(url)
    assert current_revision(url) == head(url)


def test_every_revision_steps_down_and_up(tmp_path: Path) -> None:
    """Each migration, one at a time: down a step and up a step from head to base."""
    url = sqlite_url(tmp_path)
    store_db.upgrade(url)
    script = ScriptDirectory.from_config(store_db.alembic_config(url))
    revisions = [revision.revision for revision in script.walk_revisions()]  # newest first
    assert revisions
    for revision in revisions:
        assert current_revision(url) == revision
        store_db.downgrade(url, "-1")
        store_db.upgrade(url, revision)
        assert current_revision(url) == revision
        store_db.downgrade(url, "-1")
    assert current_revision(url) is None
    store_db.upgrade(url)
    assert differences(url) == []


def test_migration_scripts_have_a_single_base(tmp_path: Path) -> None:
    script = ScriptDirectory.from_config(store_db.alembic_config(sqlite_url(tmp_path)))
    assert len(script.get_bases()) == 1
    assert len(script.get_heads()) == 1
