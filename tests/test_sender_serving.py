"""The sender while serving (Sender.run): a message of a higher lane queued during a burst of
check-ins goes before the rest of that burst, not after it."""

from __future__ import annotations

import asyncio

import pytest

from companion.bot.context import CompanionApp, Services
from companion.delivery.sender import Sender
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.models import Lane
from tests.test_sender import queue, sent_texts
from tests.waiting import until


async def test_a_crisis_reply_queued_mid_burst_goes_before_the_rest_of_the_burst(
    app: CompanionApp, services: Services, telegram: FakeTelegram
) -> None:
    if services.db.dialect != "sqlite":
        pytest.skip("the sender looks ahead during a burst on SQLite only (see _look_ahead)")
    """40 sends a second: bursts of 10 check-ins, 25 ms apart. The crisis reply is queued (and
    the sender woken, as a handler's commit does) after the first two; it goes out within the
    burst already chosen, ahead of its other check-ins, and every check-in still goes once."""
    sender = Sender(services.db, services.vault, services.clock, rate=40, chat_interval=0)
    sender.bot = app.bot
    for chat in range(30):
        await queue(services, 5000 + chat, f"check-in {chat}", Lane.SCHEDULED)
    running = asyncio.create_task(sender.run(poll_seconds=0.05))
    try:
        await until(lambda: len(sent_texts(telegram)) >= 2, every=0.005)
        await queue(services, 7000, "crisis", Lane.EMERGENCY)
        sender.wake()
        await until(lambda: len(sent_texts(telegram)) == 31, every=0.005)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await sender.wait_idle()
    texts = sent_texts(telegram)
    assert texts.index("crisis") < 10  # before the first burst's last check-in
    assert sorted(texts) == sorted(["crisis", *(f"check-in {chat}" for chat in range(30))])
    check_ins = [text for text in texts if text != "crisis"]
    assert check_ins == [f"check-in {chat}" for chat in range(30)]  # their order unchanged
