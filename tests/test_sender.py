"""The outbox and its sender: lane order, per-chat order and pacing, and Telegram's errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram.error import TimedOut

from companion.bot.context import CompanionApp, Services
from companion.clock import ManualClock
from companion.delivery.outbox import enqueue, pending_count
from companion.delivery.outgoing import Reply
from companion.delivery.pacer import Pacer
from companion.delivery.sender import Sender
from companion.devtools.fake_telegram import FakeTelegram, bad_request, blocked, flood
from companion.devtools.telegram_faults import LoseResponses
from companion.store.models import Lane, Mother, MotherStatus, OutboxMessage
from tests.chat_helpers import load_mother, onboard


async def queue(services: Services, chat_id: int, text: str, lane: int, **kw: object) -> None:
    async with services.db.session() as session:
        await enqueue(
            session,
            services.vault,
            chat_id=chat_id,
            replies=[Reply(text)],
            lane=lane,
            now=services.clock.now(),
            **kw,  # type: ignore[arg-type]
        )


def sent_texts(telegram: FakeTelegram) -> list[str]:
    return [str(call.params["text"]) for call in telegram.calls if call.method == "sendMessage"]


async def test_lanes_go_out_in_priority_order(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    # Queued lowest priority first, so only the lane can explain the order they leave in.
    for chat in range(10):
        await queue(services, 5000 + chat, f"scheduled {chat}", Lane.SCHEDULED)
    await queue(services, 6001, "digest", Lane.CLINICIAN)
    await queue(services, 6002, "reply", Lane.REPLY)
    await queue(services, 6003, "crisis", Lane.EMERGENCY)
    assert await services.sender.drain() == 13
    texts = sent_texts(telegram)
    assert texts[:3] == ["crisis", "reply", "digest"]
    assert texts[3:] == [f"scheduled {chat}" for chat in range(10)]
    async with services.db.session() as session:
        assert await pending_count(session) == 0  # sent messages leave no row behind


async def test_an_emergency_queued_mid_fanout_goes_before_the_waiting_scheduled_ones(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    now = [0.0]

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    # 20 sends a second: bursts of 5, so the fan-out is still mid-way after the first burst.
    sender = Sender(
        services.db,
        services.vault,
        services.clock,
        rate=20,
        chat_interval=1.0,
        monotonic=lambda: now[0],
        sleep=fake_sleep,
    )
    sender.bot = app.bot
    for chat in range(50):
        await queue(services, 5000 + chat, f"scheduled {chat}", Lane.SCHEDULED)
    assert await sender.drain(max_messages=5) == 5
    await queue(services, 7000, "crisis", Lane.EMERGENCY)
    assert await sender.drain() == 46
    texts = sent_texts(telegram)
    assert texts[:5] == ["scheduled 0", "scheduled 1", "scheduled 2", "scheduled 3", "scheduled 4"]
    assert texts[5] == "crisis"  # right after the burst already sent, before the 45 waiting
    assert texts[6:] == [f"scheduled {chat}" for chat in range(5, 50)]


async def test_one_chats_messages_keep_their_order_but_a_higher_lane_overtakes(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    for index in range(3):
        await queue(services, 42, f"reply {index}", Lane.REPLY)
    await queue(services, 42, "crisis", Lane.EMERGENCY)
    await services.sender.drain()
    assert sent_texts(telegram) == ["crisis", "reply 0", "reply 1", "reply 2"]


async def test_429_is_retried_after_retry_after_and_nothing_is_lost(
    app: CompanionApp, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    refused = []

    def first_call_floods(method: str, params: dict[str, object]) -> object:
        if method == "sendMessage" and not refused:
            refused.append(params["text"])
            return flood(7)
        return None

    telegram.fault = first_call_floods  # type: ignore[assignment]
    await queue(services, 42, "hello", Lane.REPLY)
    assert await services.sender.drain() == 1
    assert sent_texts(telegram) == ["hello"]  # the refused attempt
    async with services.db.session() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
        assert row.attempts == 1
        assert row.not_before == clock.now() + timedelta(seconds=7)
    assert await services.sender.drain() == 0  # not before retry_after has passed
    clock.advance(timedelta(seconds=7))
    services.sender.pacer._next = 0.0  # the pacer's own pause is tested on its own below
    assert await services.sender.drain() == 1
    assert sent_texts(telegram) == ["hello", "hello"]
    async with services.db.session() as session:
        assert await pending_count(session) == 0


async def test_a_mother_who_blocked_the_bot_is_paused_and_her_data_kept(
    mother,
    services: Services,
    telegram: FakeTelegram,  # type: ignore[no-untyped-def]
) -> None:
    await onboard(mother)
    telegram.fault = lambda method, params: blocked() if method == "sendMessage" else None
    await queue(services, 1001, "one", Lane.SCHEDULED)
    await queue(services, 1001, "two", Lane.SCHEDULED)
    await services.sender.drain()
    stored = await load_mother(services)
    assert stored is not None
    assert stored.status == MotherStatus.BLOCKED
    assert stored.next_checkin_at is None
    assert stored.country == "GB"  # her data stays
    async with services.db.session() as session:
        assert await pending_count(session) == 0  # nothing more is tried for her


async def test_a_bad_request_is_dropped_and_logged_by_id_only(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    telegram.fault = lambda method, params: bad_request() if params.get("text") == "oops" else None
    await queue(services, 42, "oops", Lane.REPLY)
    await queue(services, 42, "fine", Lane.REPLY)
    await services.sender.drain()
    assert sent_texts(telegram) == ["oops", "fine"]
    assert "event=outbox_bad_request id=" in caplog.text
    assert "oops" not in caplog.text
    async with services.db.session() as session:
        assert await pending_count(session) == 0


async def test_timeouts_are_retried_with_growing_backoff(
    app: CompanionApp, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    failures = 3
    telegram.fault = lambda method, params: (  # type: ignore[assignment]
        TimedOut() if method == "sendMessage" and len(sent_texts(telegram)) <= failures else None
    )
    await queue(services, 42, "hello", Lane.REPLY)
    waits = []
    for _ in range(failures):
        await services.sender.drain()
        async with services.db.session() as session:
            row = (await session.scalars(select(OutboxMessage))).one()
        waits.append(row.not_before - clock.now())
        clock.set(row.not_before)
    assert waits == [timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8)]
    assert await services.sender.drain() == 1
    async with services.db.session() as session:
        assert await pending_count(session) == 0


@pytest.mark.parametrize("lost", [{1}, {1, 2}], ids=["one-lost", "two-lost"])
async def test_a_message_delivered_whose_response_was_lost_is_repeated_once_per_loss(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    clock: ManualClock,
    lost: set[int],
) -> None:
    """Telegram delivered it, then the response was lost (TimedOut): the sender cannot know it
    arrived, so it sends again after its backoff. One repeat per lost response, no more."""
    telegram.fault = LoseResponses(lost)  # the first send, or the first and its retry
    await queue(services, 42, "hello", Lane.REPLY)
    for _ in range(5):
        await services.sender.drain()
        clock.advance(timedelta(seconds=10))
    assert len(telegram.lost_responses) == len(lost)
    assert [m.text for m in telegram.sent_to(42)] == ["hello"] * (1 + len(lost))
    async with services.db.session() as session:
        assert await pending_count(session) == 0


async def test_pacer_spaces_sends_at_the_configured_rate_and_obeys_pauses() -> None:
    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(30, monotonic=lambda: now[0], sleep=fake_sleep)
    for _ in range(31):
        await pacer.acquire()
    assert now[0] == pytest.approx(101.0)  # 31 sends, 30 gaps of 1/30 s
    pacer.pause(5)
    await pacer.acquire()
    assert now[0] == pytest.approx(106.0)


async def test_one_chat_waits_its_gap_while_other_chats_go(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    now = [0.0]
    sender = Sender(
        services.db,
        services.vault,
        services.clock,
        rate=1000,
        chat_interval=1.0,
        monotonic=lambda: now[0],
    )
    sender.bot = app.bot
    await queue(services, 42, "first to 42", Lane.REPLY)
    await queue(services, 42, "second to 42", Lane.REPLY)
    await queue(services, 43, "to 43", Lane.REPLY)
    await sender.drain()
    assert sent_texts(telegram) == ["first to 42", "to 43"]
    now[0] = 0.99
    assert await sender.drain() == 0
    now[0] = 1.0
    assert await sender.drain() == 1
    assert sent_texts(telegram)[-1] == "second to 42"


async def test_queued_text_is_sealed_at_rest(app: CompanionApp, services: Services) -> None:
    await queue(services, 42, "I feel awful today", Lane.REPLY)
    async with services.db.session() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
    assert b"awful" not in row.payload_sealed


async def test_erasing_a_mother_removes_messages_still_queued_for_her(
    mother,
    services: Services,  # type: ignore[no-untyped-def]
) -> None:
    await onboard(mother)
    await mother.say("/delete")
    # Queued after the last drain, by chat only (no mother_id): still waiting when she erases.
    await queue(services, mother.chat_id, "still owed", Lane.SCHEDULED)
    async with services.db.session() as session:
        waiting = (await session.scalars(select(OutboxMessage.chat_id))).all()
        assert waiting == [mother.chat_id]
    await mother.tap("Yes, erase everything")
    assert "still owed" not in [message.text for message in mother.history]
    async with services.db.session() as session:
        assert (await session.scalars(select(OutboxMessage))).all() == []
        assert (await session.scalars(select(Mother))).all() == []


async def test_blocking_is_noticed_and_coming_back_resumes_check_ins(
    mother,
    services: Services,
    clock: ManualClock,  # type: ignore[no-untyped-def]
) -> None:
    from telegram import ChatMemberBanned, ChatMemberMember, User

    await onboard(mother)
    bot_user = User(700000001, "companion", is_bot=True)
    await mother.deliver(mother.person.added_to_group(ChatMemberBanned(bot_user, 0)))
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.next_checkin_at) == (MotherStatus.BLOCKED, None)
    assert stored.country == "GB"

    await mother.deliver(mother.person.added_to_group(ChatMemberMember(bot_user)))
    await mother.say("/help")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.status == MotherStatus.ACTIVE
    assert stored.next_checkin_at is not None
    assert stored.next_checkin_at > clock.now()


async def test_a_failed_write_after_sending_never_sends_twice(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from companion.delivery import outbox as outbox_module
    from companion.delivery import outcomes as outcomes_module

    real_mark_done = outbox_module.mark_done
    failures = {"left": 5}

    async def flaky_mark_done(session: object, *message_ids: int) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("database is locked")
        await real_mark_done(session, *message_ids)  # type: ignore[arg-type]

    monkeypatch.setattr(outcomes_module, "RECORD_RETRIES", (0.0, 0.0, 0.0))
    monkeypatch.setattr(outbox_module, "mark_done", flaky_mark_done)
    await queue(services, 42, "only once", Lane.REPLY)
    await services.sender.drain()  # sent; three writes fail; the outcome is kept in memory
    await services.sender.drain()  # two more failures, then written; nothing re-sent
    await services.sender.drain()
    assert sent_texts(telegram) == ["only once"]
    async with services.db.session() as session:
        assert await pending_count(session) == 0
    assert "event=outbox_record_failed" in caplog.text


@pytest.mark.parametrize(("interval", "refusals"), [(1.0, 0), (0.5, 1)], ids=["kept", "too-short"])
async def test_the_sender_keeps_the_per_chat_gap_telegram_enforces(
    app: CompanionApp, services: Services, telegram: FakeTelegram, interval: float, refusals: int
) -> None:
    """The fake refuses (429) a second send to a chat within 1 s, as Telegram may: a sender
    keeping a 1 s gap is never refused; one keeping half of it is, and retries."""
    now = [0.0]
    telegram.chat_gap_s, telegram.monotonic = 1.0, lambda: now[0]
    sender = Sender(
        services.db,
        services.vault,
        services.clock,
        rate=1000,
        chat_interval=interval,
        monotonic=lambda: now[0],
    )
    sender.bot = app.bot
    await queue(services, 42, "first to 42", Lane.REPLY)
    await queue(services, 42, "second to 42", Lane.REPLY)
    await queue(services, 43, "to 43", Lane.REPLY)
    await sender.drain()
    now[0] = 0.5
    await sender.drain()
    now[0] = 1.0
    await sender.drain()
    gaps = [r for r in telegram.refused if r[1].startswith("Too Many Requests")]
    assert len(gaps) == refusals
    delivered = [m.text for m in telegram.sent_to(42)]
    assert delivered == (["first to 42", "second to 42"] if refusals == 0 else ["first to 42"])
