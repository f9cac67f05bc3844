"""Inbox before acknowledgement: stored before getUpdates confirms, handled once, never lost."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from companion.app import build_application, build_services
from companion.bot.context import CompanionApp, Services
from companion.clock import ManualClock
from companion.config import Settings
from companion.delivery import inbox
from companion.delivery.inbox import handle_stored, poll_once, prune_handled
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.store.models import InboxUpdate
from tests.chat_helpers import onboard, t
from tests.crisis_texts import URGENT_GB


async def inbox_rows(services: Services) -> list[InboxUpdate]:
    async with services.db.session() as session:
        return list((await session.scalars(select(InboxUpdate))).all())


async def test_updates_are_stored_before_the_next_get_updates_confirms_them(
    app: CompanionApp, services: Services, telegram: FakeTelegram, mother: ChatDriver
) -> None:
    update = mother.person.text("/help")
    telegram.push_update(update)
    offset = await poll_once(app, None, wait_seconds=0)
    assert offset == update.update_id + 1
    # Stored (sealed) but not yet confirmed to Telegram, and not yet handled.
    rows = await inbox_rows(services)
    assert [(r.update_id, r.telegram_user_id, r.handled_at) for r in rows] == [
        (update.update_id, 1001, None)
    ]
    assert rows[0].payload_sealed is not None
    assert b"/help" not in rows[0].payload_sealed
    assert telegram.waiting_updates != []  # Telegram still holds it until the next call

    assert await handle_stored(app) == 1
    await services.sender.drain()
    assert mother.new_messages()[0].text.startswith("companion keeps you company")
    await poll_once(app, offset, wait_seconds=0)
    assert telegram.waiting_updates == []  # confirmed by the offset
    handled = (await inbox_rows(services))[0]
    assert handled.handled_at is not None
    assert handled.payload_sealed is None  # her words are not kept once handled


async def test_a_redelivered_update_is_handled_once(
    app: CompanionApp, services: Services, telegram: FakeTelegram, mother: ChatDriver
) -> None:
    update = mother.person.text("/start")
    telegram.push_update(update)
    await poll_once(app, None, wait_seconds=0)
    await handle_stored(app)
    # Telegram sends it again (say our confirmation never reached it).
    await poll_once(app, None, wait_seconds=0)
    assert await handle_stored(app) == 0
    await services.sender.drain()
    intros = [m for m in mother.new_messages() if m.text.startswith("Hello, I'm companion.")]
    assert len(intros) == 1


async def test_a_crash_between_receipt_and_handling_loses_no_reply(
    settings: Settings, clock: ManualClock, telegram: FakeTelegram
) -> None:
    # First process: receives and stores the update, then dies before handling it.
    first = build_services(settings, clock)
    app_one = build_application(first, request=telegram)
    await app_one.initialize()
    her = Person(app_one.bot, 1001, now=clock.now)
    telegram.push_update(her.text("/start"))
    await poll_once(app_one, None, wait_seconds=0)
    await app_one.shutdown()
    await first.db.dispose()
    assert telegram.sent_to(1001) == []

    # The restarted process handles what was stored, before polling again.
    second = build_services(settings, clock)
    app_two = build_application(second, request=telegram)
    await app_two.initialize()
    try:
        assert await handle_stored(app_two) == 1
        await second.sender.drain()
        texts = [m.text for m in telegram.sent_to(1001)]
        assert texts[0] == t(second, "onboarding.intro")
        assert "I agree" in telegram.sent_to(1001)[-1].button_labels
    finally:
        await app_two.shutdown()
        await second.db.dispose()


async def test_updates_are_handled_in_order(
    app: CompanionApp, services: Services, telegram: FakeTelegram, mother: ChatDriver
) -> None:
    telegram.push_update(mother.person.text("/start"))
    await poll_once(app, None, wait_seconds=0)
    agree = mother.person.press((await _handled_messages(app, services, mother))[-1], "I agree")
    telegram.push_update(agree)
    telegram.push_update(mother.person.text("United Kingdom"))
    await poll_once(app, None, wait_seconds=0)
    assert await handle_stored(app) == 2
    await services.sender.drain()
    texts = [m.text for m in mother.new_messages()]
    assert texts[0] == t(services, "onboarding.agreed")
    assert texts[-2] == t(services, "onboarding.timezone.prompt")


async def _handled_messages(app: CompanionApp, services: Services, mother: ChatDriver):  # type: ignore[no-untyped-def]
    await handle_stored(app)
    await services.sender.drain()
    return mother.new_messages()


async def test_group_updates_are_never_stored(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    person_factory: Callable[..., ChatDriver],
) -> None:
    group = person_factory(3003, chat_type="group", chat_id=-100123)
    telegram.push_update(group.person.text("hello everyone, my baby was born today"))
    await poll_once(app, None, wait_seconds=0)
    assert await inbox_rows(services) == []
    assert telegram.left_chats == [-100123]


async def test_handled_rows_are_pruned_after_two_days(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    mother: ChatDriver,
    clock: ManualClock,
) -> None:
    from datetime import timedelta

    telegram.push_update(mother.person.text("/help"))
    await poll_once(app, None, wait_seconds=0)
    await handle_stored(app)
    await prune_handled(services, clock.now() + timedelta(days=1))
    assert len(await inbox_rows(services)) == 1
    await prune_handled(services, clock.now() + timedelta(days=2, seconds=1))
    assert await inbox_rows(services) == []


async def test_store_counts_only_new_updates(
    app: CompanionApp, services: Services, mother: ChatDriver
) -> None:
    from companion.delivery.inbox import store_updates

    raw = [mother.person.text("one").to_dict(), mother.person.text("two").to_dict()]
    assert await store_updates(services, raw) == 2
    assert await store_updates(services, raw) == 0  # redelivered: nothing new
    assert await store_updates(services, [*raw, mother.person.text("three").to_dict()]) == 1


async def test_an_unreadable_stored_update_is_set_aside_and_the_rest_handled(
    app: CompanionApp, services: Services, mother: ChatDriver, caplog
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update as sql_update

    from companion.delivery.inbox import store_updates

    bad, good = mother.person.text("one"), mother.person.text("/help")
    await store_updates(services, [bad.to_dict(), good.to_dict()])
    async with services.db.session() as session:  # as if sealed with a key since removed
        await session.execute(
            sql_update(InboxUpdate)
            .where(InboxUpdate.update_id == bad.update_id)
            .values(payload_sealed=b"\x01garbage-not-a-token-at-all-000000")
        )
    assert await handle_stored(app) == 2
    await services.sender.drain()
    assert mother.new_messages()[-1].text.startswith("companion keeps you company")
    assert f"event=inbox_unreadable update_id={bad.update_id}" in caplog.text
    assert all(row.handled_at is not None for row in await inbox_rows(services))


async def test_a_reply_that_lost_a_database_lock_is_handled_again_not_lost(
    app: CompanionApp,
    services: Services,
    mother: ChatDriver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await onboard(mother)
    real, calls = inbox.mark_handled, []

    async def locked_once(*args: Any, **kwargs: Any) -> bool:
        calls.append(args)
        if len(calls) == 1:  # the crisis reply's transaction loses the lock, and rolls back
            raise OperationalError(
                "UPDATE inbox", {}, sqlite3.OperationalError("database is locked")
            )
        return await real(*args, **kwargs)

    monkeypatch.setattr(inbox, "mark_handled", locked_once)
    replies = await mother.say("I want to die")
    assert [message.text for message in replies] == [URGENT_GB]  # not "something went wrong"
    assert len(calls) == 2
    assert "event=handler_lock_retry" in caplog.text
    assert "event=handler_error" not in caplog.text
    async with services.db.session() as session:
        assert (
            await session.scalar(select(InboxUpdate).where(InboxUpdate.handled_at.is_(None)))
            is None
        )
