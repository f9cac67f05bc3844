"""Several workers on one database: the inbox shares its updates out (one mother's in order, each
handled once), one worker leads the tick and the sender, and another takes over when it dies.

The inbox tests run on SQLite too (two engines on one file); leadership and the fan-outs need
PostgreSQL's advisory locks and run when COMPANION_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from companion.app import build_application, build_services
from companion.bot.context import CompanionApp, Services
from companion.clock import ManualClock
from companion.config import Settings, load_settings
from companion.delivery import inbox
from companion.delivery.inbox import handle_stored, poll_forever, store_updates
from companion.delivery.inbox_claims import LEASE, Claimed, claim, mark_handled
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.delivery.sender import SENDING_LEASE
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.models import Checkin, InboxUpdate, Lane, OutboxMessage
from tests.chat_helpers import t, texts
from tests.checkin_helpers import add_mother, answers_of, at, checkins_of, tick
from tests.conftest import PG_URL
from tests.workers_helpers import (
    FIRST_CHAT,
    Arrivals,
    Worker,
    add_mothers,
    cut_off,
    start_worker,
    until,
)

needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="several workers lead and send on PostgreSQL only"
)


@pytest.fixture
async def second(settings: Settings, clock: ManualClock, telegram: FakeTelegram, app: object):  # type: ignore[no-untyped-def]
    """Another worker on the same database: its own engine, sessions and Application."""
    services = build_services(settings, clock)
    application = build_application(services, request=telegram)
    await application.initialize()
    yield application
    await application.shutdown()
    await services.db.dispose()


async def inbox_rows(services: Services) -> dict[int, InboxUpdate]:
    async with services.db.session() as session:
        return {row.update_id: row for row in await session.scalars(select(InboxUpdate))}


# --- the inbox: shared out, in order, once -----------------------------------------------------


async def test_a_mothers_later_update_waits_while_another_worker_holds_her_earlier_one(
    services: Services, second: CompanionApp, person_factory, clock: ManualClock
) -> None:  # type: ignore[no-untyped-def]
    her, other = person_factory(1001), person_factory(1002)
    first, then, elsewhere = her.person.text("a"), her.person.text("b"), other.person.text("c")
    await store_updates(services, [u.to_dict() for u in (first, then, elsewhere)])
    db_two = second.bot_data.services.db

    held = await claim(services.db, "worker-a", clock.now(), limit=1)
    assert [row.update_id for row in held] == [first.update_id]
    # Worker B may take the other mother's update, but not hers while A holds her first one.
    taken = await claim(db_two, "worker-b", clock.now(), limit=100)
    assert [row.update_id for row in taken] == [elsewhere.update_id]
    rows = await inbox_rows(services)
    assert rows[then.update_id].claimed_by is None  # given back, not kept waiting on a lease

    async with services.db.session() as session:
        assert not await mark_handled(session, first.update_id, "worker-b", clock.now())
        assert await mark_handled(session, first.update_id, "worker-a", clock.now())
    taken = await claim(db_two, "worker-b", clock.now(), limit=100)
    assert [row.update_id for row in taken] == [then.update_id]


async def test_a_dead_workers_claim_is_taken_over_after_its_lease_and_its_late_reply_dropped(
    services: Services,
    app: CompanionApp,
    second: CompanionApp,
    mother: ChatDriver,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await store_updates(services, [mother.person.text("/help").to_dict()])
    [abandoned] = await claim(services.db, "crashed", clock.now(), limit=100)  # then it died

    assert await handle_stored(second) == 0  # the lease still holds
    clock.advance(LEASE + timedelta(seconds=1))
    assert await handle_stored(second) == 1
    await second.bot_data.services.sender.drain()
    answered = texts(mother.new_messages())
    assert answered[0].startswith("companion keeps you company")

    # The first worker was only stalled: it wakes and handles its old claim. Its answer is
    # rolled back, and so is the apology the error handler would add.
    await inbox._handle_one(app, "crashed", abandoned)
    await services.sender.drain()
    assert mother.new_messages() == []
    assert f"event=inbox_claim_lost update_id={abandoned.update_id}" in caplog.text
    row = (await inbox_rows(services))[abandoned.update_id]
    assert row.handled_at is not None
    assert row.claimed_by != "crashed"


async def test_two_workers_keep_one_mothers_quick_replies_in_order_each_handled_once(
    services: Services,
    app: CompanionApp,
    second: CompanionApp,
    mother: ChatDriver,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mother_id = await add_mother(services, 1001)
    await _prompted(services, mother)
    spans: list[tuple[int, str, str]] = []  # (update_id, "start" | "end", worker)
    handle_one = inbox._handle_one

    async def slowly(application: CompanionApp, worker: str, row: Claimed) -> None:
        spans.append((row.update_id, "start", worker))
        await asyncio.sleep(0.05)  # long enough for the other worker to try to claim
        await handle_one(application, worker, row)
        spans.append((row.update_id, "end", worker))

    monkeypatch.setattr(inbox, "_handle_one", slowly)
    replies = [mother.person.text(typed) for typed in ("3", "4", "2")]
    await store_updates(services, [replies[0].to_dict()])
    async with _polling(app, second):
        await until(lambda: bool(spans))
        await store_updates(services, [r.to_dict() for r in replies[1:]])
        await until(lambda: [kind for _, kind, _ in spans].count("end") == 3, 20)

    handled = [(update_id, kind) for update_id, kind, _ in spans]
    assert handled == [(r.update_id, kind) for r in replies for kind in ("start", "end")]
    [checkin] = await checkins_of(services, mother_id)
    assert await answers_of(services, checkin.id) == {"mood": "3", "sleep": "4", "anxiety": "2"}
    await services.sender.drain()
    assert texts(mother.new_messages()) == [
        t(services, f"checkin.{name}.prompt") for name in ("sleep", "anxiety", "closeness")
    ]


async def test_any_worker_handles_her_next_message_from_where_the_last_one_left_her(
    services: Services, app: CompanionApp, second: CompanionApp, mother: ChatDriver
) -> None:
    mother_id = await add_mother(services, 1001)
    await _prompted(services, mother)
    for typed, worker in (("3", app), ("4", second), ("2", app)):  # one worker, then the other
        await store_updates(services, [mother.person.text(typed).to_dict()])
        assert await handle_stored(worker) == 1
    [checkin] = await checkins_of(services, mother_id)
    assert await answers_of(services, checkin.id) == {"mood": "3", "sleep": "4", "anxiety": "2"}


async def test_polling_restarted_after_a_crash_handles_what_the_crashed_run_had_claimed(
    services: Services, app: CompanionApp, mother: ChatDriver, clock: ManualClock
) -> None:
    await store_updates(services, [mother.person.text("/help").to_dict()])
    await claim(services.db, "crashed", clock.now(), limit=100)  # then the process died
    polling = asyncio.create_task(poll_forever(app, wait_seconds=0))
    try:  # one getUpdates consumer per bot: no other worker can hold it, no lease to wait out
        async with asyncio.timeout(10):
            while not await services.sender.drain():  # noqa: ASYNC110 - no event to await
                await asyncio.sleep(0.02)
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
    assert mother.history[0].text.startswith("companion keeps you company")


async def _prompted(services: Services, mother: ChatDriver) -> None:
    services.clock.set(at(21, 9))  # type: ignore[attr-defined]
    await tick(services)  # the check-in prompt: she is at the mood question
    mother.new_messages()


class _polling:
    """Both workers handle the inbox over and over, as webhook workers would, until exit."""

    def __init__(self, *apps: CompanionApp) -> None:
        self.apps, self.tasks = apps, list[asyncio.Task[None]]()

    async def __aenter__(self) -> None:
        self.tasks = [asyncio.create_task(self._poll(app)) for app in self.apps]

    async def __aexit__(self, *_: object) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    @staticmethod
    async def _poll(app: CompanionApp) -> None:
        while True:
            await handle_stored(app)
            await asyncio.sleep(0.005)


# --- fan-outs over several workers (PostgreSQL) ------------------------------------------------

RATE = 300  # messages a second for all workers together (the default, 30, makes tests slow)


@pytest.fixture
def fanout_settings(settings_values: dict[str, object]) -> Settings:
    return load_settings(
        {**settings_values, "send_rate": RATE, "chat_interval_s": 1.0, "tick_batch": 40}
    )


@pytest.fixture
async def crew(fanout_settings: Settings, clock: ManualClock) -> AsyncIterator[list[Worker]]:
    workers: list[Worker] = []
    yield workers
    for worker in workers:
        await worker.stop()


async def _fan_out(
    crew: list[Worker], size: int, mothers: int, settings: Settings, clock: ManualClock
) -> tuple[Arrivals, list[int]]:
    arrivals = Arrivals()
    for name in (f"worker-{n}" for n in range(1, size + 1)):
        crew.append(await start_worker(name, settings, clock, arrivals))
    chats = await add_mothers(crew[0].services, mothers)
    clock.set(at(21, 9))
    for worker in crew:
        worker.start()
    return arrivals, chats


async def _owed(services: Services) -> int:
    async with services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def _assert_each_got_one_checkin(
    crew: list[Worker], arrivals: Arrivals, chats: list[int]
) -> None:
    services = next(worker for worker in crew if not worker.stopped).services
    await until(lambda: len(arrivals.seen) >= len(chats))
    while await _owed(services):  # noqa: ASYNC110 - outcomes are written down after the sends
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # a double would have arrived by now
    assert arrivals.per_chat() == dict.fromkeys(chats, 1)  # zero duplicates, zero misses
    greeting = t(services, "checkin.greeting")
    for worker in crew:
        assert all(
            m.text.startswith(greeting) for ms in worker.telegram.messages.values() for m in ms
        )
    async with services.db.session() as session:
        assert await session.scalar(select(func.count(func.distinct(Checkin.mother_id)))) == len(
            chats
        )
        assert await session.scalar(select(func.count()).select_from(Checkin)) == len(chats)
    assert arrivals.busiest_second() <= RATE * 1.1  # the one global rate, for all workers


@needs_postgres
@pytest.mark.parametrize("size", [2, 3])
async def test_several_workers_send_each_due_checkin_exactly_once_within_the_rate(
    crew: list[Worker], fanout_settings: Settings, clock: ManualClock, size: int
) -> None:
    arrivals, chats = await _fan_out(crew, size, 300, fanout_settings, clock)
    await _assert_each_got_one_checkin(crew, arrivals, chats)
    [leader] = [worker for worker in crew if worker.leads]
    assert set(arrivals.senders()) == {leader.name}  # followers neither send
    await until(lambda: sum(report.sent for report in leader.ticks) == len(chats))
    assert all(worker.ticks == [] for worker in crew if worker is not leader)  # nor tick


@needs_postgres
@pytest.mark.parametrize("death", ["exits", "cut-off"])
async def test_the_leader_dies_mid_fan_out_and_another_finishes_with_nothing_lost_or_doubled(
    crew: list[Worker], fanout_settings: Settings, clock: ManualClock, death: str
) -> None:
    arrivals, chats = await _fan_out(crew, 3, 300, fanout_settings, clock)
    await until(lambda: len(arrivals.seen) >= 60)
    [leader] = [worker for worker in crew if worker.leads]
    if death == "exits":  # its loops stop and its connections close
        await leader.stop()
        # The burst it had chosen but not sent comes free when its claim runs out.
        clock.advance(SENDING_LEASE + timedelta(seconds=1))
    else:  # its lock connection is cut while it runs on: it must notice and stop sending
        await cut_off(crew[0].services.db)
    await _assert_each_got_one_checkin(crew, arrivals, chats)
    assert len(arrivals.senders()) >= 2  # someone else finished the fan-out


@needs_postgres
@pytest.mark.slow
async def test_three_workers_lose_two_leaders_in_a_row_over_a_large_fan_out(
    crew: list[Worker], fanout_settings: Settings, clock: ManualClock
) -> None:
    arrivals, chats = await _fan_out(crew, 3, 1500, fanout_settings, clock)
    for sent in (300, 700):
        await until(lambda sent=sent: len(arrivals.seen) >= sent)  # type: ignore[misc]
        [leader] = [worker for worker in crew if worker.leads]
        await leader.stop()
        clock.advance(SENDING_LEASE + timedelta(seconds=1))
    await _assert_each_got_one_checkin(crew, arrivals, chats)


@needs_postgres
async def test_two_senders_draining_one_outbox_never_send_the_same_message(
    services: Services, second: CompanionApp, telegram: FakeTelegram, app: object
) -> None:
    """The claim on each burst, without leadership: what keeps an old leader that has not yet
    noticed it lost the lock and the new one from sending a row twice."""
    chats = range(800_000, 800_200)
    async with services.db.session() as session:
        for chat in chats:
            await enqueue(
                session,
                services.vault,
                chat_id=chat,
                replies=[Reply(f"to {chat}")],
                lane=Lane.REPLY,
                now=services.clock.now(),
            )
    sent = await asyncio.gather(services.sender.drain(), second.bot_data.services.sender.drain())
    assert sum(sent) == len(chats)
    assert all(len(telegram.sent_to(chat)) == 1 for chat in chats)
    assert await _owed(services) == 0


@needs_postgres
async def test_one_chats_messages_from_several_workers_keep_their_order_and_gap(
    crew: list[Worker], fanout_settings: Settings, clock: ManualClock
) -> None:
    arrivals = Arrivals()
    spaced = fanout_settings.model_copy(update={"chat_interval_s": 0.3})
    for name in ("worker-1", "worker-2", "worker-3"):
        crew.append(await start_worker(name, spaced, clock, arrivals))
    for worker in crew:
        worker.start()
    for number, worker in enumerate(crew):  # each worker's handler answers her once
        async with worker.services.db.session() as session:
            await enqueue(
                session,
                worker.services.vault,
                chat_id=FIRST_CHAT,
                replies=[Reply(f"reply {number}")],
                lane=Lane.REPLY,
                now=clock.now(),
            )
    await until(lambda: len(arrivals.seen) == 3)
    [leader] = [worker for worker in crew if worker.leads]
    assert texts(leader.telegram.sent_to(FIRST_CHAT)) == ["reply 0", "reply 1", "reply 2"]
    assert arrivals.shortest_gap(FIRST_CHAT) >= 0.3 * 0.95  # the per-chat gap, for all workers
