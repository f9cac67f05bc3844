"""Databases of mothers and companion's settings for the benchmark (imports companion)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from bench.common import CHAT_BASE, GLOBAL_RATE, sqlite_url
from companion.config import ENV_NAMES, Settings, load_settings
from companion.config_values import normalise_database_url
from companion.devtools.mother_rows import onboarded_mother_row
from companion.store import db as store_db
from companion.store.models import Mother
from companion.vault import generate_key


def migrated_template(directory: Path) -> Path:
    """An empty, migrated database to copy for each part (Alembic runs once per run)."""
    path = directory / "template.db"
    if not path.exists():
        store_db.upgrade(sqlite_url(path))
    return path


def fresh_database(template: Path, path: Path) -> str:
    shutil.copyfile(template, path)
    return sqlite_url(path)


def fresh_postgres(url: str) -> str:
    """Drop everything in the database's public schema and migrate it: the bench owns it."""
    url = normalise_database_url(url)
    engine = create_engine(store_db.sync_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    store_db.upgrade(url)
    return url


def empty_postgres(url: str) -> None:
    """Empty every table but Alembic's (faster than migrating again for each part)."""
    engine = create_engine(store_db.sync_url(url))
    with engine.begin() as connection:
        names = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        tables = ", ".join(f'"{name}"' for name in names if name != "alembic_version")
        if tables:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


class Databases:
    """Each part's database: a copy of a migrated SQLite template (one file per part), or, given
    a PostgreSQL URL, that database, its public schema dropped and migrated afresh once and then
    emptied before each part."""

    def __init__(self, workdir: Path, url: str | None = None) -> None:
        self.workdir = workdir
        self.url = fresh_postgres(url) if url else None
        self.template = None if url else migrated_template(workdir)

    @property
    def where(self) -> str:
        return "PostgreSQL" if self.url else f"SQLite files in {self.workdir.parent}"

    def fresh(self, name: str) -> str:
        if self.url is not None:
            empty_postgres(self.url)
            return self.url
        assert self.template is not None
        return fresh_database(self.template, self.workdir / f"{name}.db")

    def discard(self, name: str) -> None:
        (self.workdir / f"{name}.db").unlink(missing_ok=True)


def populate(url: str, count: int, *, due: datetime, later: int = 0) -> None:
    """Insert `count` active, onboarded mothers whose next check-in is at `due` (chats
    CHAT_BASE...), then `later` more due a day after it (the chats that follow)."""
    engine = create_engine(store_db.sync_url(url))
    now = datetime.now(UTC)
    rows = [
        onboarded_mother_row(
            CHAT_BASE + index, due=due if index < count else due + timedelta(days=1), now=now
        )
        for index in range(count + later)
    ]
    with engine.begin() as connection:
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(Mother), rows[start : start + 20_000])
    engine.dispose()


# Never taken from the environment: where the bench's data and fake API are, and secrets.
_NOT_FROM_ENVIRONMENT = {
    "telegram_bot_token",
    "database_url",
    "telegram_base_url",
    "telegram_base_file_url",
    "encryption_keys",
    "webhook_url",
    "webhook_secret",
    "health_token",
    "host",
    "port",
}


def from_environment() -> dict[str, str]:
    """companion's settings given in the environment, to try one in a run (say
    COMPANION_TICK_BATCH=250 python -m bench): load_settings(dict) reads no environment, so
    that tests never depend on it. The values a part sets itself still win."""
    return {
        field: os.environ[name]
        for field, name in ENV_NAMES.items()
        if field not in _NOT_FROM_ENVIRONMENT and name in os.environ
    }


def settings_for(url: str, *, send_rate: float = GLOBAL_RATE) -> Settings:
    return load_settings(
        {
            **from_environment(),
            "database_url": url,
            "encryption_keys": generate_key(),
            "default_locale": "en",
            "send_rate": send_rate,
            "chat_interval_s": 1,
        }
    )


class TickClock:
    """The system clock, except while `frozen` is set. The fan-out's tick runs frozen at the
    mothers' due instant, so no check-in is "late" and the result does not depend on the time
    of day the benchmark runs (a late prompt in quiet hours becomes a miss); the sender then
    runs on real time, which its retry times need."""

    def __init__(self, frozen: datetime | None = None) -> None:
        self.frozen = frozen

    def now(self) -> datetime:
        return self.frozen or datetime.now(UTC)
