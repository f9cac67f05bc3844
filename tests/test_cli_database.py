"""The operator's commands on a database that is missing or not set up: they say so, name the
command that sets it up, and create nothing (`db current`, `clinician ...`, `db rotate-keys`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from companion.cli import main
from companion.config_values import normalise_database_url
from companion.store import db as store_db
from companion.vault import generate_key
from tests.conftest import PG_URL

UPGRADE = "Run: companion db upgrade"
NOT_SET_UP = f"companion: DATABASE_URL: the database has not been set up (no tables). {UPGRADE}"
COMMANDS = [
    ["clinician", "list"],
    ["clinician", "invite", "--name", "Dr Rivera"],
    ["clinician", "revoke", "abc"],
    ["db", "rotate-keys"],
]


@pytest.fixture
def here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "COMPANION_BOT_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COMPANION_ENCRYPTION_KEYS", generate_key())
    monkeypatch.chdir(tmp_path)  # no stray .env; relative SQLite paths land here
    return tmp_path


def _empty_sqlite(path: Path) -> str:
    with sqlite3.connect(path) as connection:  # a database, but not companion's
        connection.execute("CREATE TABLE unrelated (x INTEGER)")
    return f"sqlite:///{path.name}"


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A schema of its own on the test server, with no tables in it."""
    if not PG_URL:
        pytest.skip("COMPANION_TEST_DATABASE_URL is not set")
    engine = create_engine(store_db.sync_url(normalise_database_url(PG_URL)))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS not_set_up CASCADE"))
        connection.execute(text("CREATE SCHEMA not_set_up"))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3Dnot_set_up"
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS not_set_up CASCADE"))
    engine.dispose()


def test_db_current_on_a_missing_sqlite_file_says_so_and_creates_nothing(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///missing.db")
    assert main(["db", "current"]) == 2
    captured = capsys.readouterr()
    assert (
        captured.err
        == f"companion: DATABASE_URL: the database missing.db does not exist. {UPGRADE}\n"
    )
    assert captured.out == ""
    assert not (here / "missing.db").exists()


def test_db_current_names_the_revision_or_says_there_is_none(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", _empty_sqlite(here / "empty.db"))
    assert main(["db", "current"]) == 1
    assert capsys.readouterr().out == NOT_SET_UP.replace("DATABASE_URL: ", "") + "\n"

    monkeypatch.setenv("DATABASE_URL", "sqlite:///fresh.db")
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["db", "current"]) == 0
    head = capsys.readouterr().out
    assert head.startswith("companion: database is at revision ")
    assert head.endswith(" (the latest)\n")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_commands_on_a_missing_sqlite_file_say_so_and_create_nothing(
    here: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///missing.db")
    assert main(command) == 2
    assert capsys.readouterr().err == (
        f"companion: DATABASE_URL: the database missing.db does not exist. {UPGRADE}\n"
    )
    assert not (here / "missing.db").exists()


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_commands_before_db_upgrade_say_to_run_it_not_could_not_connect(
    here: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    command: list[str],
    server: str,
) -> None:
    if server == "sqlite":
        url = _empty_sqlite(here / "empty.db")
    else:
        url = request.getfixturevalue("empty_postgres")
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(command) == 2
    assert capsys.readouterr().err == NOT_SET_UP + "\n"


def test_a_database_behind_the_latest_revision_is_named_and_upgrading_is_asked(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "sqlite:///older.db"
    store_db.upgrade(normalise_database_url(url), "0001")
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "current"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("companion: database is at revision 0001; the latest is ")
    assert out.endswith(f". {UPGRADE}\n")
    assert main(["clinician", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("companion: DATABASE_URL: the database is at revision 0001, not the ")
    assert err.endswith(f"). {UPGRADE}\n")
