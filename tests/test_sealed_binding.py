"""Each sealed value is bound to its mother (and its question, check-in, clinician) as well as
its row (issue 19): moved to another mother, copied into her row or relabelled, it is refused,
and what reads it goes on kindly: her export names it unreadable, an alert still goes out without
naming the wrong woman, key rotation leaves it and carries on (taking row locks on PostgreSQL)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine, make_url

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.config import load_settings
from companion.delivery.tick import run_tick
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.checkins import answers_since, save_answer
from companion.store.clinician_models import Share
from companion.store.models import Answer, Checkin, CheckinStatus, Conversation, new_id
from companion.store.rotation import rotate_keys
from companion.store.safety_models import Flag
from companion.vault import LEGACY_VERSION, VERSION, Vault, VaultError, generate_key
from tests.alert_helpers import BACKUP, START, A, B, World, make_world
from tests.conftest import PG_URL
from tests.test_personal_data import open_conversation

DAY = date(2026, 11, 20)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"backup_chat_id": BACKUP}


@pytest.fixture
async def world(services: Services, person_factory: Callable[..., ChatDriver]) -> World:
    return await make_world(services, person_factory)


async def answer(services: Services, mother_id: str, question: str, value: str) -> str:
    """Her answer to one question of today's check-in, stored as the app stores it."""
    async with services.db.session() as session:
        checkin = await session.scalar(
            select(Checkin).where(Checkin.mother_id == mother_id, Checkin.local_date == DAY)
        )
        if checkin is None:
            checkin = Checkin(
                id=new_id(),
                mother_id=mother_id,
                local_date=DAY,
                status=CheckinStatus.SENT,
                due_at=START,
                created_at=START,
            )
            session.add(checkin)
            await session.flush()
        await save_answer(
            session, services.vault, checkin=checkin, question=question, value=value, now=START
        )
    return checkin.id


async def answer_row(services: Services, mother_id: str, question: str) -> Answer:
    async with services.db.session() as session:
        found = await session.scalar(
            select(Answer).where(Answer.mother_id == mother_id, Answer.question == question)
        )
        assert found is not None
        return found


def refused(services: Services, row: Any, column: str) -> bool:
    try:
        services.vault.open(getattr(row, column), context=row.seal_context(column))
    except VaultError:
        return True
    return False


async def exported(driver: ChatDriver) -> dict[str, Any]:
    """What /mydata sends her: the JSON document."""
    replies = await driver.say("/mydata")
    documents = [m.document for m in replies if m.document is not None]
    assert documents, [m.text for m in replies]
    return dict(json.loads(documents[0].decode("utf-8")))


async def test_an_answer_moved_to_another_mother_does_not_open_and_her_export_says_so(
    world: World, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await answer(services, world.ids["A"], "sleep", "1")
    b_checkin = await answer(services, world.ids["B"], "mood", "4")
    moved = await answer_row(services, world.ids["A"], "sleep")
    async with services.db.session() as session:  # given to B, on B's check-in
        await session.execute(
            update(Answer)
            .where(Answer.id == moved.id)
            .values(mother_id=world.ids["B"], checkin_id=b_checkin)
        )
    row = await answer_row(services, world.ids["B"], "sleep")
    assert refused(services, row, "value_sealed")
    async with services.db.session() as session:
        assert await answers_since(session, services.vault, world.ids["B"], DAY) == {
            DAY: {"mood": "4"}  # hers only: A's answer is left out
        }
    export = await exported(world.b)
    assert sorted((a["question"], a["value"]) for a in export["answers"]) == [
        ("mood", 4),
        ("sleep", None),
    ]
    assert export["unreadable"] == ["answers.value"]
    assert "event=sealed_value_unreadable table=answers column=value_sealed" in caplog.text


async def test_a_token_copied_into_another_mothers_answer_or_relabelled_is_refused(
    world: World, services: Services
) -> None:
    await answer(services, world.ids["A"], "sleep", "1")
    await answer(services, world.ids["A"], "energy", "3")
    await answer(services, world.ids["B"], "sleep", "3")
    hers = await answer_row(services, world.ids["A"], "sleep")
    theirs = await answer_row(services, world.ids["B"], "sleep")
    async with services.db.session() as session:
        await session.execute(
            update(Answer).where(Answer.id == theirs.id).values(value_sealed=hers.value_sealed)
        )
    assert refused(services, await answer_row(services, world.ids["B"], "sleep"), "value_sealed")

    # Relabelled: her "energy" answer said to answer another question (its own row, its own
    # mother) does not open either.
    energy = await answer_row(services, world.ids["A"], "energy")
    async with services.db.session() as session:
        await session.execute(update(Answer).where(Answer.id == energy.id).values(question="mood"))
    relabelled = await answer_row(services, world.ids["A"], "mood")
    assert refused(services, relabelled, "value_sealed")
    # and what was not touched still opens
    assert not refused(
        services, await answer_row(services, world.ids["A"], "sleep"), "value_sealed"
    )


async def test_a_share_moved_to_another_mother_never_names_the_first_in_her_alert(
    world: World, services: Services
) -> None:
    """A's share with Dr Rivera (her chosen name "Ana R.") given to C: C's crisis still reaches
    Dr Rivera, naming the share by its short id, never as Ana."""
    async with services.db.session() as session:
        share = await session.scalar(select(Share).where(Share.mother_id == world.ids["A"]))
        assert share is not None
        await session.execute(
            update(Share).where(Share.id == share.id).values(mother_id=world.ids["C"])
        )
    await world.c.say("I want to die")
    await services.sender.drain()
    [alert] = world.rivera.new_messages()
    assert alert.text.startswith(f"⚠️ URGENT — #{share.id[:6]}")
    assert "Ana" not in alert.text


async def test_a_flag_moved_to_another_mother_does_not_open(
    world: World, services: Services, telegram: FakeTelegram
) -> None:
    await world.a.say("I want to die")
    async with services.db.session() as session:
        flag = await session.scalar(select(Flag).where(Flag.mother_id == world.ids["A"]))
        assert flag is not None
        assert not refused(services, flag, "detail_sealed")
        flag.mother_id = world.ids["C"]
    async with services.db.session() as session:
        moved = await session.get(Flag, flag.id)
        assert refused(services, moved, "detail_sealed")


async def test_a_flag_whose_seal_does_not_open_is_said_unknown_and_its_alert_stays_urgent(
    world: World, services: Services, clock: ManualClock
) -> None:
    """Its level is sealed (migration 0013): altered, the flag still heads her clinician's list
    as "level unknown", never left out, and the repeat of its alert still says URGENT."""
    await world.a.say("I want to die")
    await services.sender.drain()
    [_first] = world.rivera.new_messages()
    async with services.db.session() as session:
        flag = await session.scalar(select(Flag).where(Flag.mother_id == world.ids["A"]))
        assert flag is not None
        altered = bytearray(flag.detail_sealed)
        altered[-1] ^= 0x01
        flag.detail_sealed = bytes(altered)
    *_, flags = await world.rivera.say("/summary Ana R.")
    assert "1. level unknown (its record could not be read), from " in flags.text
    clock.set(START + timedelta(minutes=15))
    await run_tick(services)
    await services.sender.drain()
    [again] = world.rivera.new_messages()
    assert again.text.startswith("🔁 REPEAT, NOT YET ACKNOWLEDGED: ⚠️ URGENT — Ana R.\n")


async def test_rotation_leaves_a_moved_value_and_locks_what_it_rewrites(
    world: World, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await answer(services, world.ids["A"], "sleep", "1")
    await answer(services, world.ids["B"], "sleep", "3")
    moved = await answer_row(services, world.ids["A"], "sleep")
    async with services.db.session() as session:
        await session.execute(
            update(Answer).where(Answer.id == moved.id).values(mother_id=world.ids["C"])
        )
    new_key = generate_key()
    old_key = services.settings.encryption_keys[0]
    settings = load_settings(
        {"database_url": services.settings.database_url, "encryption_keys": f"{new_key},{old_key}"}
    )
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        with caplog.at_level(logging.WARNING):
            resealed = await rotate_keys(settings)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert "event=sealed_value_unreadable table=answers" in caplog.text
    assert await rotate_keys(settings) == 0  # all that opens is done; the moved one is left
    only_new = Vault(load_settings({"encryption_keys": new_key}).key_bytes)
    b_sleep = await answer_row(services, world.ids["B"], "sleep")
    assert only_new.open(b_sleep.value_sealed, context=b_sleep.seal_context("value_sealed")) == "3"
    assert resealed >= 2  # B's answer and Dr Rivera's share names at least
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    if PG_URL:
        assert any("FOR UPDATE" in s for s in selects if "FROM answers" in s)


def test_a_version_1_token_is_refused_and_its_version_byte_cannot_be_changed() -> None:
    """Only migration 0011 opens the old format; a version 1 token relabelled as 2 (or the
    reverse) does not open either, because version 2 binds its version byte."""
    vault = Vault(load_settings({"encryption_keys": generate_key()}).key_bytes)
    context = '["answers.value_sealed","a1"]'
    old = vault.seal("4", context=context, version=LEGACY_VERSION)
    assert old[:1] == LEGACY_VERSION
    with pytest.raises(VaultError, match="older format"):
        vault.open(old, context=context)
    assert vault.open(old, context=context, version=LEGACY_VERSION) == "4"
    with pytest.raises(VaultError):
        vault.open(VERSION + old[1:], context=context)
    new = vault.seal("4", context=context)
    assert new[:1] == VERSION
    with pytest.raises(VaultError):
        vault.open(LEGACY_VERSION + new[1:], context=context, version=LEGACY_VERSION)


async def test_on_sqlite_no_write_slips_between_rotations_read_and_rewrite(
    world: World, services: Services
) -> None:
    """While a batch of answers is read for re-sealing, another writer (the bot) is kept out:
    its new value cannot be overwritten by the old one re-sealed."""
    if services.db.dialect != "sqlite":
        pytest.skip("PostgreSQL: FOR UPDATE, checked above")
    await answer(services, world.ids["A"], "sleep", "1")
    row = await answer_row(services, world.ids["A"], "sleep")
    path = make_url(services.settings.database_url).database
    assert path is not None
    tried: list[str] = []

    def bot_writes(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM answers" in statement and not tried:
            other = sqlite3.connect(path, timeout=0)
            try:
                other.execute("UPDATE answers SET question = 'x' WHERE id = ?", (row.id,))
                other.commit()
                tried.append("written")
            except sqlite3.OperationalError as error:
                tried.append(str(error))
            finally:
                other.close()

    settings = load_settings(
        {
            "database_url": services.settings.database_url,
            "encryption_keys": f"{generate_key()},{services.settings.encryption_keys[0]}",
        }
    )
    event.listen(Engine, "before_cursor_execute", bot_writes)
    try:
        await rotate_keys(settings)
    finally:
        event.remove(Engine, "before_cursor_execute", bot_writes)
    assert tried == ["database is locked"]


async def test_her_step_data_that_does_not_open_does_not_stop_the_risk_check(
    world: World, services: Services
) -> None:
    """B's sealed step data copied into A's conversation: A's words are still read for risk, her
    help and Dr Rivera's alert go out (before, the VaultError came first: only an apology)."""
    for telegram_id in (A, B):
        await open_conversation(services, telegram_id, {"options": ["2026-04-03"]})
    async with services.db.session() as session:
        theirs = await session.get(Conversation, world.ids["B"])
        assert theirs is not None
        await session.execute(
            update(Conversation)
            .where(Conversation.mother_id == world.ids["A"])
            .values(data_sealed=theirs.data_sealed)
        )
    [reply] = await world.a.say("I want to die")
    assert "I've sent an alert to Dr Rivera" in reply.text
    await services.sender.drain()
    [alert] = world.rivera.new_messages()
    assert alert.text.startswith("⚠️ URGENT — Ana R.")
