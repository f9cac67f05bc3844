"""Paid broadcasts (COMPANION_PAID_BROADCAST): scheduled messages go with allow_paid_broadcast,
paced at the paid ceiling; crisis replies and conversation never pay and never wait for them."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Callable

import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from companion.bot.context import CompanionApp, Services
from companion.config import ConfigError, load_settings
from companion.delivery.outbox import pending_count
from companion.delivery.outgoing import Button, Reply, markup
from companion.delivery.pacer import Pacer
from companion.delivery.sender import Sender
from companion.devtools.fake_telegram import FakeTelegram, flood
from companion.store.models import Lane
from tests.test_sender import queue

LANES = {"crisis": Lane.EMERGENCY, "reply": Lane.REPLY, "digest": Lane.CLINICIAN}


def paid_flags(telegram: FakeTelegram) -> dict[str, object]:
    """Each sent text, and the allow_paid_broadcast it went with (None: not sent at all)."""
    return {
        str(call.params["text"]): call.params.get("allow_paid_broadcast")
        for call in telegram.calls
        if call.method == "sendMessage"
    }


async def queue_every_lane(services: Services) -> None:
    for index, (text, lane) in enumerate(LANES.items()):
        await queue(services, 6000 + index, text, lane)
    for chat in range(3):
        await queue(services, 5000 + chat, f"check-in {chat}", Lane.SCHEDULED)


class FakeTime:
    """The sender's and the pacers' clock: a sleep moves it on at once."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def flood_first_checkin(refused: list[object]) -> Callable[[str, dict[str, object]], object]:
    """A fault for the fake Bot API: a 429 (retry after 30 s) for "check-in 0", once; what it
    refused is appended to `refused`."""

    def fault(method: str, params: dict[str, object]) -> object:
        if params.get("text") == "check-in 0" and not refused:
            refused.append(params["text"])
            return flood(30)
        return None

    return fault


def paced_sender(app: CompanionApp, services: Services, time: FakeTime, **kw: float) -> Sender:
    sender = Sender(
        services.db,
        services.vault,
        services.clock,
        rate=kw.get("rate", 10),
        chat_interval=kw.get("chat_interval", 1.0),
        paid_rate=kw.get("paid_rate", 100),
        monotonic=time.monotonic,
        sleep=time.sleep,
    )
    sender.bot = app.bot
    return sender


@pytest.mark.parametrize("settings_overrides", [{"paid_broadcast": True}])
async def test_with_paid_broadcasts_on_only_scheduled_messages_are_paid(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    await queue_every_lane(services)
    assert await services.sender.drain() == 6
    assert paid_flags(telegram) == {
        "crisis": None,
        "reply": None,
        "digest": None,
        "check-in 0": True,
        "check-in 1": True,
        "check-in 2": True,
    }
    async with services.db.session() as session:
        assert await pending_count(session) == 0


async def test_with_paid_broadcasts_off_nothing_is_paid(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    assert services.settings.paid_broadcast is False  # the default
    await queue_every_lane(services)
    assert await services.sender.drain() == 6
    assert set(paid_flags(telegram).values()) == {None}


async def test_scheduled_messages_are_paced_at_the_paid_rate_the_others_at_the_free_one(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    time = FakeTime()
    sender = paced_sender(app, services, time, rate=10, paid_rate=100)
    for chat in range(50):
        await queue(services, 5000 + chat, f"check-in {chat}", Lane.SCHEDULED)
    assert await sender.drain() == 50
    # 50 paid sends at 100 a second (less 1.5% headroom): about half a second, not five.
    assert 0.45 < time.now < 0.55
    for chat in range(5):
        await queue(services, 6000 + chat, f"reply {chat}", Lane.REPLY)
    started = time.now
    assert await sender.drain() == 5
    assert time.now - started >= 0.4  # 10 a second: the free rate still holds for replies


async def test_a_crisis_reply_never_waits_for_a_paused_paid_fanout(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    """A 429 on a paid check-in pauses the paid fan-out for its retry_after; the crisis reply
    queued next goes at once, unpaid, and the check-ins wait out the pause."""
    time = FakeTime()
    # One message a burst (a quarter of a second of the paid rate), so the crisis reply can be
    # queued between the check-ins' bursts.
    sender = paced_sender(app, services, time, rate=1, paid_rate=4)
    refused: list[object] = []
    telegram.fault = flood_first_checkin(refused)  # type: ignore[assignment]
    for chat in range(3):
        await queue(services, 5000 + chat, f"check-in {chat}", Lane.SCHEDULED)
    assert await sender.drain(max_messages=1) == 1  # refused: the paid pacer pauses 30 s
    await queue(services, 7000, "crisis", Lane.EMERGENCY)
    assert await sender.drain(max_messages=1) == 1
    assert list(paid_flags(telegram)) == ["check-in 0", "crisis"]
    assert time.now < 1  # the crisis reply did not wait out the fan-out's 30 s
    assert await sender.drain() == 2  # the other check-ins: after the pause
    assert time.now >= 30


async def test_one_chat_still_gets_at_most_one_paid_message_a_second(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    time = FakeTime()
    sender = paced_sender(app, services, time, chat_interval=1.0)
    await queue(services, 42, "first", Lane.SCHEDULED)
    await queue(services, 42, "second", Lane.SCHEDULED)
    await sender.drain()
    assert [m.text for m in telegram.sent_to(42)] == ["first"]
    time.now += 1.0
    await sender.drain()
    assert [m.text for m in telegram.sent_to(42)] == ["first", "second"]


@pytest.mark.parametrize(("catch_up", "kept_up"), [(0.05, True), (0.0, False)])
async def test_a_pacer_with_catch_up_keeps_its_rate_when_each_sleep_ends_late(
    catch_up: float, kept_up: bool
) -> None:
    """A busy machine wakes each sleep late (here 1.5 ms, and every 100th 40 ms). Catching up
    the slots missed keeps 1,000 a second; without it every other send loses the lateness."""
    now = [0.0]
    starts: list[float] = []

    async def late_sleep(seconds: float) -> None:
        now[0] += seconds + (0.04 if len(starts) % 100 == 99 else 0.0015)

    pacer = Pacer(1000, lambda: now[0], late_sleep, catch_up=catch_up)
    for _ in range(3000):
        await pacer.acquire()
        starts.append(now[0])
    assert (now[0] < 3.1) is kept_up  # within 3% of 3 s; without catch-up, over 4 s
    # However the slots bunch after a late wake-up, no second holds more than 1,000 sends.
    assert max(bisect_left(starts, t + 1.0) - i for i, t in enumerate(starts)) <= 1000


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply("how?", buttons=[[Button("😊", "m:5"), Button("🙂", "m:4")]]),
            InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton("😊", callback_data="m:5"),
                        InlineKeyboardButton("🙂", callback_data="m:4"),
                    ]
                ]
            ),
        ),
        (
            Reply("where?", ask_location="Share"),
            ReplyKeyboardMarkup(
                [[KeyboardButton("Share", request_location=True)]],
                resize_keyboard=True,
                one_time_keyboard=True,
            ),
        ),
        (
            Reply("phone?", ask_contact="Share my number"),
            ReplyKeyboardMarkup(
                [[KeyboardButton("Share my number", request_contact=True)]],
                resize_keyboard=True,
                one_time_keyboard=True,
            ),
        ),
        (Reply("done", remove_keyboard=True), ReplyKeyboardRemove()),
        (Reply("plain"), None),
    ],
    ids=["buttons", "location", "contact", "remove", "none"],
)
def test_keyboards_are_sent_as_the_json_ptb_would_send(reply: Reply, expected: object) -> None:
    assert markup(reply) == (None if expected is None else expected.to_dict())  # type: ignore[attr-defined]


def test_the_paid_rate_is_within_telegrams_ceiling() -> None:
    base = {"encryption_keys": "", "paid_broadcast": "true"}
    assert load_settings({**base, "paid_broadcast_rate": "1000"}).paid_broadcast is True
    for rate in ("1001", "0"):
        with pytest.raises(ConfigError, match="COMPANION_PAID_BROADCAST_RATE"):
            load_settings({**base, "paid_broadcast_rate": rate})


@pytest.mark.parametrize("first_write_fails", [False, True], ids=["written", "retried"])
async def test_sends_that_finish_together_are_written_down_together_each_once(
    services: Services, monkeypatch: pytest.MonkeyPatch, first_write_fails: bool
) -> None:
    """At 1,000 sends a second a transaction per sent row cost more than the sends: the rows
    that finish while one write runs go in the next, in one statement. A failed write leaves
    every row in it reserved and is tried again; each row is written once."""
    from companion.delivery import outbox as outbox_module
    from companion.delivery import outcomes as outcomes_module

    real_mark_done = outbox_module.mark_done
    writes: list[tuple[int, ...]] = []

    async def watched_mark_done(session: object, *ids: int) -> None:
        writes.append(ids)
        if first_write_fails and len(writes) == 1:
            raise RuntimeError("database is locked")
        await real_mark_done(session, *ids)  # type: ignore[arg-type]

    monkeypatch.setattr(outcomes_module, "RECORD_RETRIES", (0.0, 0.0, 0.0))
    monkeypatch.setattr(outbox_module, "mark_done", watched_mark_done)
    for chat in range(5):
        await queue(services, 5000 + chat, f"check-in {chat}", Lane.SCHEDULED)
    async with services.db.session() as session:
        ids = [row.id for row in await outbox_module.ready_heads(session, services.clock.now(), 9)]
    outcomes = outcomes_module.Outcomes(services.db)
    outcomes.reserved.update(ids)
    await asyncio.gather(*(outcomes.record(i, outbox_module.mark_done, (i,)) for i in ids))
    written = [row for write in writes[1 if first_write_fails else 0 :] for row in write]
    assert sorted(written) == sorted(ids)  # each row written once (after the failure, too)
    if not first_write_fails:  # the first alone, at once; those that came meanwhile together
        assert writes == [(ids[0],), tuple(ids[1:])]
    assert outcomes.reserved == set()
    assert outcomes.leftovers == {}
    async with services.db.session() as session:
        assert await pending_count(session) == 0
