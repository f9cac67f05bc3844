"""Alembic: the migrations build exactly the models' schema, and go down and up again cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from companion.app import build_application, build_services
from companion.clock import ManualClock
from companion.config import load_settings
from companion.config_values import normalise_database_url
from companion.delivery.inbox import store_updates
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.store import db as store_db
from companion.store.models import Base, Lane, new_id
from companion.store.safety_models import Screening
from companion.vault import LEGACY_VERSION, VERSION
from tests.chat_helpers import load_mother, onboard
from tests.checkin_helpers import add_mother, at, tick
from tests.clinician_helpers import add_clinician, add_share
from tests.conftest import PG_URL, START, TEST_KEY
from tests.reseal_helpers import KEYS, sealed_values


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


# --- one step down and up again, with data in every table that matters ----------------------

ROUND_TRIP_SCHEMA = "companion_round_trip"  # PostgreSQL: its own schema, not the suite's


@pytest.fixture(params=["sqlite", "postgresql"])
def populated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if not PG_URL:
        pytest.skip("COMPANION_TEST_DATABASE_URL is not set")
    base = normalise_database_url(PG_URL)
    options = {"options": f"-csearch_path={ROUND_TRIP_SCHEMA}"}
    url = make_url(base).update_query_dict(options).render_as_string(hide_password=False)
    _in_postgres(base, f"DROP SCHEMA IF EXISTS {ROUND_TRIP_SCHEMA} CASCADE")
    _in_postgres(base, f"CREATE SCHEMA {ROUND_TRIP_SCHEMA}")
    yield url
    _in_postgres(base, f"DROP SCHEMA IF EXISTS {ROUND_TRIP_SCHEMA} CASCADE")


def _in_postgres(url: str, statement: str) -> None:
    engine = create_engine(store_db.sync_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


async def populate(url: str) -> None:
    """Through the real app where it is quick: an onboarded mother with a check-in answered, a
    worrying message (flag, alert, audit log), a clinician she shares with; then a screening,
    a second mother, messages still owed and an update not yet handled."""
    token = "123456789:TESTTOKENtesttokenTESTTOKEN"
    values = {"database_url": url, "encryption_keys": TEST_KEY, "send_rate": 1000}
    settings = load_settings({**values, "telegram_bot_token": token, "chat_interval_s": 0})
    clock = ManualClock(START)
    services = build_services(settings, clock)
    telegram = FakeTelegram(now=clock.now)
    app = build_application(services, request=telegram)
    await app.initialize()
    try:
        ana = ChatDriver(app, telegram, Person(app.bot, 1001, now=clock.now))
        await onboard(ana)
        mother = await load_mother(services)
        assert mother is not None
        await add_share(services, mother.id, await add_clinician(services), include_notes=True)
        clock.set(at(21, 9))
        await tick(services)
        await ana.tap("🙂")
        await ana.say("some days I think about ending it")
        async with services.db.session() as session:
            screening = Screening(
                id=new_id(),
                mother_id=mother.id,
                instrument="phq9",
                status="open",
                local_date=date(2026, 11, 21),
                started_at=clock.now(),
            )
            context = screening.seal_context("answers_sealed")
            screening.answers_sealed = services.vault.seal('{"phq9_1": 2}', context=context)
            context = screening.seal_context("reason_sealed")
            screening.reason_sealed = services.vault.seal("enrolment", context=context)
            session.add(screening)
            await enqueue(
                session,
                services.vault,
                chat_id=1001,
                replies=[Reply("owed one"), Reply("owed two")],
                lane=Lane.REPLY,
                now=clock.now(),
                mother_id=mother.id,
            )
        await add_mother(services, 1002)
        await store_updates(services, [Person(app.bot, 1002).text("hello").to_dict()])
    finally:
        await app.shutdown()
        await services.db.dispose()


def contents(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (but Alembic's own), as column -> value."""
    engine = create_engine(store_db.sync_url(url))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted(
                    (dict(row._mapping) for row in connection.execute(select(table))), key=repr
                )
                for name, table in metadata.tables.items()
                if name != "alembic_version"
            }
    finally:
        engine.dispose()


def within(found: dict[str, list[dict[str, Any]]], shape: dict[str, list[dict[str, Any]]]) -> Any:
    """`found`, cut down to the tables and columns `shape` has."""
    columns = {name: set(rows[0]) for name, rows in shape.items() if rows}
    return {
        name: [{c: v for c, v in row.items() if c in columns.get(name, row)} for row in rows]
        for name, rows in found.items()
        if name in shape
    }


async def test_one_step_down_and_up_keeps_every_row(populated_url: str) -> None:
    """Down one step and up again, with the keys (the step re-seals every sealed value): every
    row and value the lower revision has is kept; sealed values are compared opened."""
    url = populated_url
    store_db.upgrade(url)
    await populate(url)
    before = contents(url)
    for table in ("mothers", "checkins", "answers", "screenings", "flags", "outbox", "alerts"):
        assert before[table], f"nothing in {table} to carry over"
    for table in ("clinicians", "shares", "consents", "audit_log", "inbox"):
        assert before[table], f"nothing in {table} to carry over"
    values = sealed_values(url, VERSION)

    store_db.downgrade(url, "-1", keys=KEYS)
    lower = contents(url)
    assert {name: len(rows) for name, rows in lower.items()} == {
        name: len(before[name]) for name in lower
    }
    # Every row and value the lower revision has is kept (a column one revision seals and the
    # other keeps plain is compared by tests/test_migration_levels.py).
    assert unsealed(within(before, lower)) == unsealed(within(lower, before))
    # Below 0011 values are sealed in the older format (bound to their row only).
    older = current_revision(url) == "0010"
    assert sealed_values(url, LEGACY_VERSION if older else VERSION) == values

    store_db.upgrade(url, keys=KEYS)
    after = contents(url)
    assert set(after) == set(before)
    assert unsealed(within(after, lower)) == unsealed(within(lower, after))  # all it held
    assert sealed_values(url, VERSION) == values
    assert current_revision(url) == head(url)


def unsealed(found: dict[str, list[dict[str, Any]]]) -> Any:
    """`found` without its sealed columns (compared opened, by sealed_values)."""
    return {
        name: [{c: v for c, v in row.items() if not c.endswith("_sealed")} for row in rows]
        for name, rows in found.items()
    }
