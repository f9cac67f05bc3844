"""Migration 0013 seals a flag's level and source and why a questionnaire was due (issue 19): a
database made at 0012, with its plain columns, comes out with them sealed and the app reading
the same values; down again, the plain columns come back as they were. Without the keys, or
with the wrong ones, it stops and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from companion.config import ConfigError, load_settings
from companion.store import db as store_db
from companion.store.flags import read_detail
from companion.store.safety_models import Flag, Screening
from companion.store.screenings import read_reason
from companion.vault import Vault, generate_key
from tests.conftest import TEST_KEY
from tests.reseal_helpers import KEYS, rows
from tests.test_migrations import current_revision, populate, populated_url

__all__ = ["populated_url"]  # the fixture, SQLite and PostgreSQL


async def read_by_the_app(url: str) -> dict[str, Any]:
    """Each flag's (level, source) and each questionnaire's reason, as the app reads them."""
    database = store_db.Database(url)
    vault = Vault(load_settings({"encryption_keys": TEST_KEY}).key_bytes)
    try:
        async with database.session() as session:
            flags = (await session.scalars(select(Flag))).all()
            details = {flag.id: read_detail(flag, vault) for flag in flags}
            found: dict[str, Any] = {i: (d.level, d.source) for i, d in details.items()}
            for screening in (await session.scalars(select(Screening))).all():
                found[screening.id] = read_reason(screening, vault)
            return found
    finally:
        await database.dispose()


def plain(url: str) -> dict[str, Any]:
    """The plain level, source and reason columns at 0012, by row id."""
    found = rows(url)
    values: dict[str, Any] = {row["id"]: (row["level"], row["source"]) for row in found["flags"]}
    values.update({row["id"]: row["reason"] for row in found["screenings"]})
    return values


async def made_at_0012(url: str) -> dict[str, Any]:
    store_db.upgrade(url)
    await populate(url)
    read = await read_by_the_app(url)
    assert ("urgent", "message") in read.values()
    assert "enrolment" in read.values()
    store_db.downgrade(url, "0012", keys=KEYS)
    assert current_revision(url) == "0012"
    assert plain(url) == read  # down: the plain columns hold what was sealed
    return read


async def test_0013_seals_levels_sources_and_reasons_and_the_app_reads_them(
    populated_url: str,
) -> None:
    url = populated_url
    read = await made_at_0012(url)
    store_db.upgrade(url, keys=KEYS)
    found = rows(url)
    assert not {"level", "source"} & set(found["flags"][0])
    assert "reason" not in found["screenings"][0]
    assert all(row["reason_sealed"] is not None for row in found["screenings"])
    assert await read_by_the_app(url) == read


async def test_0013_without_keys_or_with_the_wrong_ones_changes_nothing(
    populated_url: str,
) -> None:
    url = populated_url
    await made_at_0012(url)
    before = rows(url)
    with pytest.raises(ConfigError, match=r"not set\. Migration 0013") as raised:
        store_db.upgrade(url, keys=())
    assert "Nothing was changed" in str(raised.value)
    assert current_revision(url) == "0012"
    assert rows(url) == before
    wrong = load_settings({"encryption_keys": generate_key()}).key_bytes
    with pytest.raises(ConfigError, match="sealed with a key that is not in it"):
        store_db.upgrade(url, keys=wrong)
    assert current_revision(url) == "0012"
    assert rows(url) == before
