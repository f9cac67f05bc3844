"""`companion run`'s loop end to end: poller, inbox, handlers, sender and the tick job together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from companion.app import build_application, build_services, serve_polling
from companion.clock import SystemClock
from companion.config import Settings, load_settings
from companion.devtools.fake_telegram import FakeTelegram, Person


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling a fake that has no event to wait on
            await asyncio.sleep(0.02)


async def test_serve_polling_answers_a_mother_and_stops_cleanly(
    settings_values: dict[str, object],
) -> None:
    settings: Settings = load_settings({**settings_values, "tick_seconds": 1})
    telegram = FakeTelegram()
    services = build_services(settings, SystemClock())
    application = build_application(services, request=telegram)
    her = Person(application.bot, 1001)
    telegram.push_update(her.text("/start"))
    server = asyncio.create_task(serve_polling(application))
    try:
        await _until(lambda: len(telegram.sent_to(1001)) >= 2)
        assert telegram.sent_to(1001)[0].text.startswith("Hello, I'm companion.")
        await asyncio.sleep(0.3)
        assert len(telegram.sent_to(1001)) == 2  # each queued message sent once, never twice
        assert telegram.sent_to(1001)[1].button_labels == ["I agree", "Not now", "Español"]
        assert "setMyCommands" in telegram.methods()
        await _until(lambda: telegram.waiting_updates == [])  # confirmed by the next poll
    finally:
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)
    assert not application.running
