"""Long polling through a failing getUpdates: 429s, 5xx, time-outs before the call arrived, and
responses lost after Telegram sent them, and a restart part-way (Telegram sends again what was not
confirmed). Every message is still answered exactly once: stored before confirmation, a
redelivery recognised by its update_id."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from companion.bot.context import CompanionApp, Services
from companion.delivery import inbox
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.devtools.telegram_faults import FaultResult, RandomFaults

PEOPLE = range(3001, 3011)
MESSAGES_EACH = 4
WELCOME = "companion keeps you company"
KINDS = {"429", "5xx", "timeout", "lost"}


class Crash(BaseException):
    """The process dies: nothing in the polling loop catches this."""


class CrashBeforeConfirming:
    """Telegram's faults, and once the process dies just as it would confirm a batch it has
    stored: the next getUpdates (whose offset would confirm it) never arrives."""

    def __init__(self, faults: RandomFaults) -> None:
        self.faults = faults
        self.crashed = False

    def __call__(self, method: str, params: dict[str, Any]) -> FaultResult:
        if method == "getUpdates" and params.get("offset") and not self.crashed:
            self.crashed = True
            raise Crash
        return self.faults(method, params)


class QuickAsyncio:
    """asyncio as the polling loop sees it, with its back-off sleeps cut to a yield."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(_seconds: float) -> None:
        await asyncio.sleep(0)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_polling_through_get_updates_faults_answers_every_message_once(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    person_factory: Callable[..., ChatDriver],
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:
    monkeypatch.setattr(inbox, "asyncio", QuickAsyncio())
    faults = RandomFaults(0.4, seed, methods=frozenset({"getUpdates"}))
    telegram.fault = crash = CrashBeforeConfirming(faults)
    people = [person_factory(user_id) for user_id in PEOPLE]
    waves = [[person.person.text("/help") for person in people] for _ in range(MESSAGES_EACH)]

    polling = asyncio.create_task(inbox.poll_forever(app, wait_seconds=0))
    restarted = False
    try:
        for _ in range(2000):
            if waves:  # her messages keep arriving while the faults go on
                for update in waves.pop(0):
                    telegram.push_update(update)
            await services.sender.drain()
            if polling.done() and isinstance(polling.exception(), Crash) and not restarted:
                # It starts again: its offset is gone, so Telegram sends again whatever it had
                # not been told was received, and the inbox recognises what it already stored.
                polling = asyncio.create_task(inbox.poll_forever(app, wait_seconds=0))
                restarted = True
            answered = sum(len(person.history) for person in people)
            every_kind = set(faults.injected) >= KINDS
            if answered == len(people) * MESSAGES_EACH and restarted and every_kind:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)  # anything handled twice would be queued by now
        await services.sender.drain()
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)

    assert crash.crashed
    assert restarted
    assert set(faults.injected) >= KINDS, faults.injected
    for person in people:
        replies = [message.text for message in person.history]
        assert len(replies) == MESSAGES_EACH, person.chat_id
        assert all(reply.startswith(WELCOME) for reply in replies)
