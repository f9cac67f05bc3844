"""Crashes at named points of the polling path, then a restart over the same database.

A morning: four mothers are due their check-in and each has sent /help, which Telegram holds.
One process serves the morning and dies at a named point (an exception that nothing catches, or
its task cancelled while it waits there). A fresh process over the same database file serves
until idle. Telegram also loses the response to the second message sent (delivered, then a
time-out). Every reply and every check-in must arrive, at most one message may be repeated for
the crash (the one sent whose sending was not yet written down) and one for the lost response,
and each mother's check-in must carry on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import func, select

from companion.app import build_application, build_services
from companion.bot import replies
from companion.bot.context import CompanionApp, Services
from companion.bot.mother_view import crisis_block
from companion.clock import ManualClock
from companion.config import Settings
from companion.delivery import inbox, outbox, tick_batch
from companion.delivery.inbox import handle_stored, poll_once
from companion.delivery.sender import SENDING_LEASE, Sender
from companion.delivery.tick import run_tick
from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.devtools.telegram_faults import LoseResponses
from companion.store.models import Checkin, InboxUpdate, OutboxMessage
from tests.chat_helpers import t
from tests.checkin_helpers import add_mother, at, prompt_text

MOTHERS = (2001, 2002, 2003, 2004)


class Crash(BaseException):
    """The process dies here: no handler catches it, nothing after it runs."""


@dataclass(frozen=True)
class Point:
    """A function the polling path calls at a named moment; the crash happens at its n-th call,
    before the function runs or just after it returns."""

    owner: ModuleType | type
    name: str
    call: int
    after: bool = False


POINTS = {
    "received, not stored": Point(inbox, "store_updates", 1),
    "stored, not handled": Point(inbox, "store_updates", 1, after=True),
    "handling, reply not committed": Point(replies, "mark_with_reply", 2),
    "tick, second batch not committed": Point(tick_batch, "_write", 2, after=True),
    "tick, between batches": Point(tick_batch, "_claim", 2),
    "queued, not sent": Point(Sender, "_deliver", 3),
    "sent, not written down": Point(outbox, "mark_done", 3),
}
SETTINGS = {"tick_batch": 2, "quiet_hours": "00:00-00:00"}


@dataclass
class Process:
    services: Services
    app: CompanionApp


async def start(settings: Settings, clock: ManualClock, telegram: FakeTelegram) -> Process:
    services = build_services(settings, clock)
    app = build_application(services, request=telegram)
    await app.initialize()
    return Process(services, app)


async def stop(process: Process) -> None:
    await process.app.shutdown()
    await process.services.db.dispose()


async def serve_morning(process: Process) -> None:
    """One round of what poll_forever, the tick job and the sender do."""
    offset = await poll_once(process.app, None, wait_seconds=0)
    while await handle_stored(process.app):
        pass
    await run_tick(process.services)
    await process.services.sender.drain()
    await poll_once(process.app, offset, wait_seconds=0)


async def serve_until_idle(process: Process, telegram: FakeTelegram, clock: ManualClock) -> None:
    """A restarted process: first what a crash left in the inbox, then rounds until idle, each
    a little later (a send that timed out is tried again 2 s on)."""
    while await handle_stored(process.app):
        pass
    for _ in range(3):
        await serve_morning(process)
        clock.advance(timedelta(seconds=2))
    assert telegram.waiting_updates == []
    async with process.services.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        unhandled = select(func.count()).where(InboxUpdate.handled_at.is_(None))
        assert await session.scalar(unhandled) == 0


def install(patch: pytest.MonkeyPatch, point: Point, mode: str) -> asyncio.Event:
    """Replace the function at `point`: on the chosen call it raises Crash ("raise") or waits
    forever to be cancelled ("cancel"). Returns an event set when the point is reached."""
    real: Callable[..., Awaitable[Any]] = getattr(point.owner, point.name)
    reached, calls = asyncio.Event(), 0

    async def die() -> None:
        reached.set()
        if mode == "raise":
            raise Crash
        await asyncio.Event().wait()

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == point.call and not point.after:
            await die()
        result = await real(*args, **kwargs)
        if calls == point.call and point.after:
            await die()
        return result

    patch.setattr(point.owner, point.name, wrapper)
    return reached


async def crash_during(work: Callable[[], Awaitable[None]], point: Point, mode: str) -> None:
    """Run `work` until it dies at `point`; then stop everything it started, as a dead process
    would (its uncommitted transactions roll back)."""
    before = asyncio.all_tasks()
    with pytest.MonkeyPatch.context() as patch:
        reached = install(patch, point, mode)
        task = asyncio.create_task(work())
        if mode == "cancel":
            await asyncio.wait_for(reached.wait(), timeout=10)
            task.cancel()
        with pytest.raises(asyncio.CancelledError if mode == "cancel" else Crash):
            await task
        assert reached.is_set()
        await kill(asyncio.all_tasks() - before)


async def kill(tasks: set[asyncio.Task[Any]]) -> None:
    """Cancel what companion still had running (say, another mother's update being handled
    alongside). The database driver's own clean-up of a connection cancelled mid-query is let
    run a moment, then cancelled too: SQLAlchemy's shielded close of an aiosqlite connection
    can wait forever on a worker thread that has already stopped (a race in the driver, which
    a dead process would not notice)."""
    for task in tasks:
        code = getattr(task.get_coro(), "cr_code", None)
        if code is not None and "/companion/" in code.co_filename:
            task.cancel()
    if not tasks:
        return
    _, stuck = await asyncio.wait(tasks, timeout=2)
    for task in stuck:
        task.cancel()
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=10)


async def morning(settings: Settings, clock: ManualClock, telegram: FakeTelegram) -> None:
    """Four mothers due at 09:00 London time, each with a /help waiting at Telegram."""
    setup = await start(settings, clock, telegram)
    for user_id in MOTHERS:
        await add_mother(setup.services, user_id)
        telegram.push_update(Person(setup.app.bot, user_id, now=clock.now).text("/help"))
    await stop(setup)
    clock.set(at(21, 9))


async def checkins_per_mother(services: Services) -> Counter[int]:
    async with services.db.session() as session:
        rows = await session.execute(select(Checkin.mother_id, Checkin.local_date))
        return Counter(mother_id for mother_id, _ in rows.all())


def help_text(services: Services) -> str:
    content = services.content
    crisis = crisis_block(content, "en", content.resources_for("GB"))
    return content.text("en", "help.text", crisis=crisis)


def repeats(telegram: FakeTelegram, expected: dict[int, list[str]]) -> int:
    """Messages sent beyond the expected ones; fails if an expected one never arrived."""
    extra = 0
    for chat_id, wanted in expected.items():
        seen = Counter(message.text for message in telegram.sent_to(chat_id))
        for text in wanted:
            assert seen[text] >= 1, f"chat {chat_id} never got {text[:30]!r}"
        extra += sum(seen.values()) - len(wanted)
    return extra


@pytest.mark.parametrize("mode", ["raise", "cancel"])
@pytest.mark.parametrize("where", list(POINTS))
@pytest.mark.parametrize("settings_overrides", [SETTINGS])
async def test_a_crash_loses_no_reply_and_no_checkin_and_repeats_at_most_one(
    settings: Settings, clock: ManualClock, telegram: FakeTelegram, where: str, mode: str
) -> None:
    await morning(settings, clock, telegram)
    telegram.fault = LoseResponses({2})
    first = await start(settings, clock, telegram)
    await crash_during(lambda: serve_morning(first), POINTS[where], mode)
    await stop(first)
    # The restart comes a little later, after the dead sender's claim on the messages it had
    # picked (PostgreSQL's outbox claim, for several workers) has run out.
    clock.advance(SENDING_LEASE + timedelta(seconds=1))

    second = await start(settings, clock, telegram)
    try:
        await serve_until_idle(second, telegram, clock)
        services = second.services
        expected = {user_id: [help_text(services), prompt_text(services)] for user_id in MOTHERS}
        [lost] = telegram.lost_responses  # delivered, then retried after the time-out
        copies = [m.text for m in telegram.sent_to(int(lost.params["chat_id"]))]
        assert copies.count(lost.params["text"]) >= 2
        assert repeats(telegram, expected) <= 1 + 1  # one for the crash, one for the loss
        assert sorted((await checkins_per_mother(services)).values()) == [1] * len(MOTHERS)
        await each_mother_carries_on(second, telegram, clock)
    finally:
        await stop(second)


async def each_mother_carries_on(
    process: Process, telegram: FakeTelegram, clock: ManualClock
) -> None:
    """Her check-in survived the crash: her mood answer gets the sleep question, once."""
    services = process.services
    before = {user_id: len(telegram.sent_to(user_id)) for user_id in MOTHERS}
    for user_id in MOTHERS:
        prompt = next(m for m in telegram.sent_to(user_id) if m.text == prompt_text(services))
        her = Person(process.app.bot, user_id, now=clock.now)
        telegram.push_update(her.press_data(prompt, "st|ci|mood|4"))
    await serve_until_idle(process, telegram, clock)
    sleep_question = t(services, "checkin.sleep.prompt")
    for user_id in MOTHERS:
        fresh = [m.text for m in telegram.sent_to(user_id)[before[user_id] :]]
        assert fresh == [sleep_question]
