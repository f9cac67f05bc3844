"""`companion run`'s loop end to end: poller, inbox, handlers, sender and the tick job together."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from companion.app import build_application, build_services, serve_polling
from companion.clock import SystemClock
from companion.config import Settings, load_settings
from companion.devtools.fake_telegram import FakeTelegram, Person
from tests.signal_helpers import send_sigterm, sigterm_behind
from tests.waiting import until


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
        await until(lambda: len(telegram.sent_to(1001)) >= 2)
        assert telegram.sent_to(1001)[0].text.startswith("Hello, I'm companion.")
        await asyncio.sleep(0.3)
        assert len(telegram.sent_to(1001)) == 2  # each queued message sent once, never twice
        assert telegram.sent_to(1001)[1].button_labels == ["I agree", "Not now", "Español"]
        assert "setMyCommands" in telegram.methods()
        await until(lambda: telegram.waiting_updates == [])  # confirmed by the next poll
        # What start-up loaded is out of the collector's sight while serving (its full
        # collections paused the event loop for up to 0.4 s), and back in it afterwards.
        assert gc.get_freeze_count() > 0
    finally:
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)
    assert not application.running
    assert gc.get_freeze_count() == 0


async def test_sigterm_stops_serving_cleanly_as_ctrl_c_does(
    settings_values: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="companion")
    settings: Settings = load_settings({**settings_values, "tick_seconds": 1})
    telegram = FakeTelegram()
    services = build_services(settings, SystemClock())
    application = build_application(services, request=telegram)
    telegram.push_update(Person(application.bot, 1001).text("/start"))
    with sigterm_behind() as unhandled:
        server = asyncio.create_task(serve_polling(application))
        await until(lambda: len(telegram.sent_to(1001)) >= 2)
        send_sigterm()
        async with asyncio.timeout(10):
            await server  # it ends by itself, without an error: the process exits with 0
    assert unhandled == []
    assert not application.running
    assert "event=stopping signal=SIGTERM" in caplog.text
    assert len(telegram.sent_to(1001)) == 2
    # A clean stop lets the leadership go at INFO; only a real loss of the lock warns.
    released = [r for r in caplog.records if r.getMessage() == "event=leader_released"]
    assert [r.levelno for r in released] == [logging.INFO]
    # On a loaded machine a one-second tick can outlast its interval; APScheduler then skips a
    # run and warns: that is about load, not about stopping.
    warned = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING
        and "maximum number of running instances" not in r.getMessage()
    ]
    assert warned == []
