"""Paid broadcasts while serving (Sender.run): the paid fan-out and the other lanes never hold
each other up, a 429's pause included."""

from __future__ import annotations

import asyncio

from companion.bot.context import CompanionApp, Services
from companion.delivery.outbox import pending_count
from companion.delivery.sender import Sender
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.models import Lane
from tests.test_paid_broadcast import flood_first_checkin, paid_flags
from tests.test_sender import queue
from tests.waiting import until


async def test_the_paid_fanout_is_not_held_behind_replies_waiting_for_the_free_rate(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    """Serving (run): three replies at a free rate of 2 a second need a second between the first
    and the third; the ten check-ins queued behind them in lane order go meanwhile, each reply
    waiting for its free slot on its own."""
    sender = Sender(
        services.db, services.vault, services.clock, rate=2, chat_interval=0, paid_rate=1000
    )
    sender.bot = app.bot
    for chat in range(3):
        await queue(services, 6000 + chat, f"reply {chat}", Lane.REPLY)
    for chat in range(10):
        await queue(services, 5000 + chat, f"check-in {chat}", Lane.SCHEDULED)
    running = asyncio.create_task(sender.run(poll_seconds=0.05))
    try:
        await until(lambda: len(paid_flags(telegram)) == 13)  # all 13 out
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await sender.wait_idle()
    order = list(paid_flags(telegram))
    assert order.index("check-in 9") < order.index("reply 2")
    assert paid_flags(telegram)["reply 2"] is None


async def test_serving_a_crisis_reply_goes_while_a_429_pauses_the_paid_fanout(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    """Serving (run): a 429 on a check-in pauses the paid fan-out for its 30 s; the crisis
    reply queued meanwhile goes at once, and the check-ins stay queued, none lost."""
    sender = Sender(
        services.db, services.vault, services.clock, rate=30, chat_interval=0, paid_rate=1000
    )
    sender.bot = app.bot
    refused: list[object] = []
    telegram.fault = flood_first_checkin(refused)  # type: ignore[assignment]
    for chat in range(300):  # more than a burst, so the loop meets the pause mid-burst
        await queue(services, 5000 + chat, f"check-in {chat}", Lane.SCHEDULED)
    running = asyncio.create_task(sender.run(poll_seconds=0.05))
    try:
        await until(lambda: bool(refused), seconds=5)  # the 429
        await queue(services, 7000, "crisis", Lane.EMERGENCY)
        sender.wake()
        await until(lambda: "crisis" in paid_flags(telegram), seconds=5)  # the pause is 30 s
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await sender.wait_idle()
    assert paid_flags(telegram)["crisis"] is None
    async with services.db.session() as session:
        waiting = await pending_count(session)
    tried = sum(1 for text in paid_flags(telegram) if text.startswith("check-in"))
    assert waiting == 300 - (tried - 1)  # all but the ones sent; the refused one is retried
    assert waiting > 0  # the paused check-ins wait in the outbox, none lost
