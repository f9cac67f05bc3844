"""Her data is hers: /mydata exports everything about her; /delete erases all of it, only it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text

from companion.bot.context import Services
from companion.core.triage_text import _cached_message
from companion.devtools.driver import ChatDriver
from companion.store.models import Base, Consent, Conversation, InboxUpdate, Mother
from companion.store.mothers import (
    read_birth_date,
    read_conversation_data,
    set_conversation,
    write_birth_date,
)
from companion.store.personal_data import erase_mother, export_mother
from companion.vault import VaultError

HER_ID = 1001
OTHER_ID = 2002
BIRTH = "2026-10-15"
OTHER_BIRTH = "2026-09-01"


async def onboard(driver: ChatDriver, typed_date: str = "15/10/2026") -> None:
    await driver.say("/start")
    await driver.tap("I agree")
    await driver.tap("United Kingdom")
    await driver.tap("UK time (London)")
    await driver.tap("09:00")
    await driver.say(typed_date)
    replies = await driver.tap("No, thanks")
    assert any("You're all set" in message.text for message in replies), [
        message.text for message in replies
    ]


async def all_rows(services: Services) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, read with raw SQL (not through the models)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    async with services.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            result = await connection.execute(text(f"SELECT * FROM {table.name}"))  # noqa: S608
            rows[table.name] = [dict(row._mapping) for row in result if holds_something(row)]
    return rows


def holds_something(row: Any) -> bool:
    """All but a handled update's inbox row, which keeps only its update_id (see
    chat_helpers.holding_something); any other value in it counts."""
    values = row._mapping
    if set(values) != {column.name for column in InboxUpdate.__table__.columns}:
        return True
    return any(values[name] is not None for name in ("telegram_user_id", "payload_sealed")) or (
        values["handled_at"] is None
    )


def mentions(value: Any, mother_id: str, telegram_id: int, birth: str) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == telegram_id
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return any(needle.encode() in value for needle in (mother_id, birth, str(telegram_id)))
    if isinstance(value, str):
        return mother_id in value or birth in value or value == str(telegram_id)
    return birth in str(value)


async def mother_row(services: Services, telegram_id: int) -> Mother:
    async with services.db.session() as session:
        mother = await session.scalar(select(Mother).where(Mother.telegram_user_id == telegram_id))
    assert mother is not None
    return mother


async def open_conversation(services: Services, telegram_id: int, data: dict[str, Any]) -> None:
    """Put her mid-way through a /settings question, with sealed data kept for the next turn."""
    async with services.db.session() as session:
        mother = await session.scalar(select(Mother).where(Mother.telegram_user_id == telegram_id))
        assert mother is not None
        await set_conversation(
            session,
            mother,
            flow="set",
            step="birth_date",
            now=services.clock.now(),
            vault=services.vault,
            data=data,
        )


@pytest.fixture
async def her(mother: ChatDriver) -> ChatDriver:
    await onboard(mother)
    return mother


@pytest.fixture
async def other(person_factory: Callable[..., ChatDriver]) -> ChatDriver:
    driver = person_factory(OTHER_ID)
    await onboard(driver, OTHER_BIRTH)
    return driver


# --- /mydata ----------------------------------------------------------------------------------


async def test_mydata_sends_everything_as_a_protected_document(
    her: ChatDriver, services: Services
) -> None:
    replies = await her.say("/mydata")
    documents = [message for message in replies if message.document is not None]
    assert [(sent.filename, sent.protect_content) for sent in documents] == [
        ("companion-my-data.json", True),
        ("companion-my-answers.csv", True),
    ]
    sent = documents[0]
    assert "JSON" in sent.text
    assert sent.document is not None
    export = json.loads(sent.document.decode("utf-8"))
    stored = await mother_row(services, HER_ID)
    me = export["mother"]
    assert me["id"] == stored.id
    assert me["telegram_user_id"] == HER_ID
    assert me["chat_id"] == HER_ID
    assert me["status"] == "active"
    assert me["locale"] == "en"
    assert me["country"] == "GB"
    assert me["timezone"] == "Europe/London"
    assert me["checkin_time"] == "09:00"
    assert me["birth_date"] == BIRTH
    assert "birth_date_sealed" not in me
    assert me["next_checkin_at"] == "2026-11-21T09:00:00+00:00"
    assert me["created_at"] == "2026-11-20T12:00:00+00:00"
    assert me["onboarded_at"] == "2026-11-20T12:00:00+00:00"
    assert export["exported_at"] == "2026-11-20T12:00:00+00:00"
    assert len(export["consents"]) == 1
    consent = export["consents"][0]
    assert consent["mother_id"] == stored.id
    assert consent["kind"] == "participation"
    assert consent["version"]
    assert consent["given_at"] == "2026-11-20T12:00:00+00:00"
    assert consent["withdrawn_at"] is None
    assert export["conversations"] == []
    # every table with rows about her is in the export
    owned = {t.name for t in Base.metadata.sorted_tables if "mother_id" in t.columns}
    assert owned <= set(export)


async def test_mydata_includes_an_open_conversation_decrypted(
    her: ChatDriver, services: Services
) -> None:
    await her.say("/settings")
    replies = await her.tap("Baby's birth date")
    assert any("When was your baby born?" in message.text for message in replies)
    await open_conversation(services, HER_ID, {"options": ["2026-04-03", "2026-03-04"]})
    replies = await her.say("/mydata")
    document = next(message.document for message in replies if message.document)
    export = json.loads(document)
    [conversation] = export["conversations"]
    assert conversation["flow"] == "set"
    assert conversation["step"] == "birth_date"
    assert "data_sealed" not in conversation
    assert conversation["data"] == {"options": ["2026-04-03", "2026-03-04"]}


async def test_mydata_export_is_only_hers(
    her: ChatDriver, other: ChatDriver, services: Services
) -> None:
    replies = await other.say("/mydata")
    document = next(message.document for message in replies if message.document)
    export = json.loads(document)
    assert export["mother"]["telegram_user_id"] == OTHER_ID
    assert export["mother"]["birth_date"] == OTHER_BIRTH
    hers = await mother_row(services, HER_ID)
    assert hers.id not in document.decode()
    assert BIRTH not in document.decode()
    assert all(row["mother_id"] == export["mother"]["id"] for row in export["consents"])
    assert not [message for message in her.new_messages() if message.document]


@pytest.mark.parametrize("command", ["/mydata", "/delete"])
async def test_unknown_user_has_no_data(
    person_factory: Callable[..., ChatDriver], services: Services, command: str
) -> None:
    stranger = person_factory(3003)
    replies = await stranger.say(command)
    assert len(replies) == 1
    assert replies[0].document is None
    assert replies[0].buttons == []
    assert "I don't hold any data about you" in replies[0].text
    assert all(not rows for rows in (await all_rows(services)).values())


async def test_mydata_before_consent_has_no_data(mother: ChatDriver, services: Services) -> None:
    await mother.say("/start")
    replies = await mother.say("/mydata")
    assert [message.document for message in replies] == [None]
    assert "I don't hold any data about you" in replies[0].text
    assert (await all_rows(services))["mothers"] == []


# --- /delete ----------------------------------------------------------------------------------


async def test_delete_asks_first_and_no_keeps_everything(
    her: ChatDriver, services: Services
) -> None:
    before = await all_rows(services)
    replies = await her.say("/delete")
    assert len(replies) == 1
    assert "can't be undone" in replies[0].text
    assert replies[0].button_labels == ["Yes, erase everything", "No, keep it"]
    assert await all_rows(services) == before  # asking changes nothing
    replies = await her.tap("No, keep it")
    assert [message.text for message in replies] == ["Nothing was erased."]
    assert await all_rows(services) == before
    assert her.history[-2].buttons == []  # the question's buttons are gone
    replies = await her.say("/mydata")
    assert any(message.document for message in replies)


async def test_yes_erases_every_row_about_her_and_nothing_else(
    her: ChatDriver, other: ChatDriver, services: Services
) -> None:
    # give her a conversation row with sealed data too, and the other mother one as well
    await open_conversation(services, HER_ID, {"options": [BIRTH]})
    await open_conversation(services, OTHER_ID, {"options": [OTHER_BIRTH]})
    hers = await mother_row(services, HER_ID)
    theirs = await mother_row(services, OTHER_ID)
    before = await all_rows(services)
    assert any(row["mother_id"] == hers.id for row in before["conversations"])
    assert any(row["mother_id"] == hers.id for row in before["consents"])
    assert any(
        mentions(value, hers.id, HER_ID, BIRTH)
        for rows in before.values()
        for row in rows
        for value in row.values()
    )
    others_before = {
        name: [row for row in rows if theirs.id in (row.get("id"), row.get("mother_id"))]
        for name, rows in before.items()
    }
    assert others_before["mothers"]
    assert others_before["consents"]
    assert others_before["conversations"]

    await her.say("feeling a bit flat today")  # read by the triage, and kept for an hour
    assert _cached_message.cache_info().currsize > 0
    await her.say("/delete")
    replies = await her.tap("Yes, erase everything")
    assert [message.text for message in replies] == [
        "Everything about you has been erased. If you ever want to come back, send /start."
    ]
    assert _cached_message.cache_info().currsize == 0  # in memory too

    after = await all_rows(services)
    for name, rows in after.items():
        for row in rows:
            for column, value in row.items():
                assert not mentions(value, hers.id, HER_ID, BIRTH), (name, column, value)
    # the other mother's rows are exactly as they were
    assert {
        name: [row for row in rows if theirs.id in (row.get("id"), row.get("mother_id"))]
        for name, rows in after.items()
    } == others_before
    assert sum(len(rows) for rows in after.values()) == sum(
        len(rows) for rows in others_before.values()
    )
    async with services.db.session() as session:
        assert read_birth_date(await session.get(Mother, theirs.id), services.vault) == date(
            2026, 9, 1
        )

    # she is a stranger now
    replies = await her.say("/mydata")
    assert [message.document for message in replies] == [None]
    assert "I don't hold any data about you" in replies[0].text
    replies = await her.say("/delete")
    assert "nothing to erase" in replies[0].text
    assert replies[0].buttons == []


async def test_old_confirm_button_after_erasure_erases_nothing_more(
    her: ChatDriver, other: ChatDriver, services: Services
) -> None:
    await her.say("/delete")
    confirm = her.message_with("Yes, erase everything")
    await her.tap("Yes, erase everything")
    remaining = await all_rows(services)
    replies = await her.deliver(her.person.press_data(confirm, "del|yes"))
    assert "nothing to erase" in replies[-1].text
    assert await all_rows(services) == remaining


async def test_another_persons_tap_cannot_erase_her(
    her: ChatDriver, person_factory: Callable[..., ChatDriver], services: Services
) -> None:
    """The buttons act for whoever presses them: a stranger's tap erases no one."""
    await her.say("/delete")
    confirm = her.message_with("Yes, erase everything")
    before = await all_rows(services)
    stranger = person_factory(3003)
    await stranger.deliver(stranger.person.press_data(confirm, "del|yes"))
    assert await all_rows(services) == before


# --- at rest ----------------------------------------------------------------------------------


async def test_birth_date_is_encrypted_at_rest(her: ChatDriver, services: Services) -> None:
    rows = await all_rows(services)
    [row] = rows["mothers"]
    sealed = row["birth_date_sealed"]
    assert sealed is not None
    sealed = bytes(sealed)
    for needle in (BIRTH, "15/10/2026", "2026-10", "20261015"):
        assert needle.encode() not in sealed
    assert BIRTH not in repr(rows)
    # and it opens to the date for her row
    async with services.db.session() as session:
        stored = await session.get(Mother, row["id"])
        assert stored is not None
        assert read_birth_date(stored, services.vault) == date(2026, 10, 15)


async def test_sealed_values_do_not_open_on_another_row(
    her: ChatDriver, other: ChatDriver, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    async with services.db.session() as session:
        hers = await session.scalar(select(Mother).where(Mother.telegram_user_id == HER_ID))
        theirs = await session.scalar(select(Mother).where(Mother.telegram_user_id == OTHER_ID))
        assert hers is not None
        assert theirs is not None
        theirs.birth_date_sealed = hers.birth_date_sealed
    async with services.db.session() as session:
        moved = await session.get(Mother, theirs.id)
        assert moved is not None
        assert moved.birth_date_sealed == hers.birth_date_sealed
        context = moved.seal_context("birth_date_sealed")
        with pytest.raises(VaultError) as raised:
            services.vault.open(moved.birth_date_sealed, context=context)
        assert BIRTH not in str(raised.value)
        # read as unknown, and her export names it as unreadable, logged without the value
        assert read_birth_date(moved, services.vault) is None
        export = await export_mother(session, moved, services.vault)
        assert export["mother"]["birth_date"] is None
        assert export["unreadable"] == ["mothers.birth_date"]
        assert "event=sealed_value_unreadable table=mothers" in caplog.text
        assert BIRTH not in caplog.text
        assert "2026-10-15" not in caplog.text
        # her own row still opens
        original = await session.get(Mother, hers.id)
        assert original is not None
        assert read_birth_date(original, services.vault) == date(2026, 10, 15)


async def test_sealed_conversation_data_is_bound_to_its_row(
    her: ChatDriver, other: ChatDriver, services: Services
) -> None:
    for telegram_id in (HER_ID, OTHER_ID):
        await open_conversation(services, telegram_id, {"options": ["2026-04-03"]})
    async with services.db.session() as session:
        hers = await mother_row(services, HER_ID)
        theirs = await mother_row(services, OTHER_ID)
        mine = await session.get(Conversation, hers.id)
        their = await session.get(Conversation, theirs.id)
        assert mine is not None
        assert their is not None
        assert mine.data_sealed is not None
        assert read_conversation_data(mine, services.vault)
        assert b"2026-04-03" not in mine.data_sealed
        their.data_sealed = mine.data_sealed
        with pytest.raises(VaultError):
            read_conversation_data(their, services.vault)


async def test_write_birth_date_seals_with_the_row_context(
    her: ChatDriver, services: Services
) -> None:
    async with services.db.session() as session:
        stored = await session.scalar(select(Mother).where(Mother.telegram_user_id == HER_ID))
        assert stored is not None
        write_birth_date(stored, date(2026, 1, 2), services.vault)
        assert stored.birth_date_sealed is not None
        context = f'["mothers.birth_date_sealed","{stored.id}"]'
        assert services.vault.open(stored.birth_date_sealed, context=context) == "2026-01-02"
        write_birth_date(stored, None, services.vault)
        assert stored.birth_date_sealed is None
        assert read_birth_date(stored, services.vault) is None
        consents = (await session.scalars(select(Consent))).all()
        assert [consent.mother_id for consent in consents] == [stored.id]


async def test_erase_does_not_rely_on_cascading_deletes(
    her: ChatDriver, other: ChatDriver, services: Services
) -> None:
    """erase_mother deletes her child rows itself: with foreign keys off (no ON DELETE CASCADE)
    nothing about her is left behind either."""
    if services.db.dialect != "sqlite":
        pytest.skip("switching foreign keys off per connection is a SQLite pragma")
    await open_conversation(services, HER_ID, {"options": [BIRTH]})
    hers = await mother_row(services, HER_ID)
    async with services.db.session() as session:
        await session.execute(text("PRAGMA foreign_keys=OFF"))
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 0
        mother = await session.get(Mother, hers.id)
        assert mother is not None
        await erase_mother(session, mother)
    after = await all_rows(services)
    for name, rows in after.items():
        for row in rows:
            assert not any(mentions(value, hers.id, HER_ID, BIRTH) for value in row.values()), name
    assert len(after["mothers"]) == 1
    assert len(after["consents"]) == 1
