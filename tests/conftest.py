"""Fixtures: a real database (SQLite always, PostgreSQL when COMPANION_TEST_DATABASE_URL is set),
a controllable clock, and the real Application over the fake Bot API."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from companion.app import build_application, build_services
from companion.bot.context import CompanionApp, Services
from companion.clock import ManualClock
from companion.config import Settings, load_settings
from companion.config_values import normalise_database_url
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.store import db as store_db
from companion.store.models import Base
from companion.vault import generate_key

PG_URL = os.environ.get("COMPANION_TEST_DATABASE_URL", "").strip()
TEST_KEY = generate_key()
START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday, 12:00 UTC


def _reset_postgres(url: str) -> None:
    engine = create_engine(store_db.sync_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the Alembic migrations once; each test then starts from a copy (or a truncation)."""
    if PG_URL:
        url = normalise_database_url(PG_URL)
        _reset_postgres(url)
        store_db.upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    store_db.upgrade(url)
    return url


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if PG_URL:
        engine = create_engine(store_db.sync_url(migrated_template))
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return migrated_template
    template = Path(migrated_template.removeprefix("sqlite+aiosqlite:///"))
    copy = tmp_path / "companion.db"
    shutil.copyfile(template, copy)
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Parametrize this to change settings for one test (quiet hours, batch size...)."""
    return {}


@pytest.fixture
def settings_values(database_url: str, settings_overrides: dict[str, object]) -> dict[str, object]:
    return {
        "telegram_bot_token": "123456789:TESTTOKENtesttokenTESTTOKEN",
        "database_url": database_url,
        "encryption_keys": TEST_KEY,
        "default_locale": "en",
        # Pacing is tested on its own (test_sender.py); conversations send without waiting.
        "send_rate": 1000,
        "chat_interval_s": 0,
        **settings_overrides,
    }


@pytest.fixture
def settings(settings_values: dict[str, object]) -> Settings:
    return load_settings(settings_values)


@pytest.fixture
async def services(settings: Settings, clock: ManualClock) -> AsyncIterator[Services]:
    built = build_services(settings, clock)
    yield built
    await built.db.dispose()


@pytest.fixture
def telegram(clock: ManualClock, settings: Settings) -> FakeTelegram:
    """As strict as Telegram. Its per-chat gap is the sender's own setting: the conversations
    set none (a reply of several messages goes at once, and a 429 would be retried only when
    a test moves the manual clock, so they would test retries, not what she reads)."""
    return FakeTelegram(now=clock.now, chat_gap_s=settings.chat_interval_s)


@pytest.fixture
async def app(services: Services, telegram: FakeTelegram) -> AsyncIterator[CompanionApp]:
    application = build_application(services, request=telegram)
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    yield application
    await application.shutdown()


@pytest.fixture
def person_factory(
    app: CompanionApp, telegram: FakeTelegram, clock: ManualClock
) -> Callable[..., ChatDriver]:
    def make(user_id: int = 1001, **kwargs: object) -> ChatDriver:
        person = Person(app.bot, user_id, now=clock.now, telegram=telegram, **kwargs)  # type: ignore[arg-type]
        return ChatDriver(app, telegram, person)

    return make


@pytest.fixture
def mother(person_factory: Callable[..., ChatDriver]) -> ChatDriver:
    return person_factory(1001)
