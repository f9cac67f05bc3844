"""Where a database stands with the migrations, for the operator's commands: `db current`, and
the commands that read tables they do not create (`clinician ...`). Nothing here creates a
database: a missing SQLite file is reported, not made."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from companion.config import ConfigError
from companion.store.db import alembic_config, sync_url

UPGRADE = "Run: companion db upgrade"


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: no migration applied yet (no tables)
    head: str  # the latest revision this code knows
    known: bool  # the current revision is one of this code's (not one a newer release applied)


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file the URL names, if it does not exist (None: it exists, or not SQLite)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.exists() else path


def schema_state(url: str) -> SchemaState:
    """The database's revision and the latest; ConfigError if a SQLite file does not exist.
    A server that does not answer raises SQLAlchemy's OperationalError, as elsewhere."""
    missing = missing_sqlite_file(url)
    if missing is not None:
        raise ConfigError(f"DATABASE_URL: the database {missing} does not exist. {UPGRADE}")
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    assert head is not None
    return SchemaState(current, head, current is not None and _known(script, current))


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except ResolutionError:
        return False


def require_set_up(url: str) -> None:
    """For commands that read companion's tables: the database exists and has them, up to date."""
    state = schema_state(url)
    if state.current is None:
        raise ConfigError(f"DATABASE_URL: the database has not been set up (no tables). {UPGRADE}")
    if state.current != state.head and state.known:
        raise ConfigError(
            f"DATABASE_URL: the database is at revision {state.current}, not the latest"
            f" ({state.head}). {UPGRADE}"
        )


def describe(state: SchemaState) -> str:
    """What `companion db current` prints."""
    if state.current is None:
        return f"companion: the database has not been set up (no tables). {UPGRADE}"
    if state.current == state.head:
        return f"companion: database is at revision {state.current} (the latest)"
    if state.known:
        return (
            f"companion: database is at revision {state.current}; the latest is {state.head}."
            f" {UPGRADE}"
        )
    return (
        f"companion: database is at revision {state.current}, which this version of companion"
        f" does not know (a newer release migrated it); its latest is {state.head}"
    )
