"""What a log file reveals: event names and companion's own ids. Never her Telegram id, her
words, SQL or the bot token, at any COMPANION_LOG_LEVEL, in a message or in a traceback."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.config import Settings
from companion.devtools.driver import ChatDriver
from companion.logs import configure_logging
from tests.checkin_helpers import at, onboarded, tick_and_read

HER = 730416289  # a Telegram id no timestamp or counter would contain by chance
NOTE = "my husband shouts at the baby"
CRISIS = "I want to kill myself tonight"
LIBRARIES = (
    "telegram",
    "sqlalchemy",
    "sqlalchemy.engine",
    "aiosqlite",
    "httpx",
    "httpcore",
    "apscheduler",
)
SQL = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "BEGIN (implicit)", "[generated in")


@pytest.fixture
def log_file() -> Iterator[Callable[[str, list[str]], io.StringIO]]:
    """Configure logging as `companion run` does, writing to a buffer; restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in LIBRARIES}

    def configure(log_level: str, secrets: list[str]) -> io.StringIO:
        configure_logging(log_level, secrets)
        written = io.StringIO()
        for handler in root.handlers:
            assert isinstance(handler, logging.StreamHandler)
            handler.setStream(written)
        return written

    yield configure
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_log_file_holds_no_telegram_id_her_words_sql_or_token(
    level: str,
    log_file: Callable[[str, list[str]], io.StringIO],
    person_factory: Callable[..., ChatDriver],
    services: Services,
    settings: Settings,
    clock: ManualClock,
) -> None:
    token = settings.telegram_bot_token or ""
    written = log_file(level, [token])
    her = person_factory(HER)
    her_id = await onboarded(her, services)
    clock.set(at(21, 9))
    await tick_and_read(services, her)
    await her.tap("🙂")
    for _ in range(4):
        await her.tap("Skip")
    await her.say(NOTE)
    await her.say(CRISIS)
    await services.sender.drain()
    await her.say("/delete")
    confirmed = await her.tap("Yes, erase everything")
    assert [message.text for message in confirmed] == [
        "Everything about you has been erased. If you ever want to come back, send /start."
    ]

    logged = written.getvalue()
    # she is named by companion's own id
    assert f"event=mother_onboarded mother={her_id}" in logged
    assert f"event=mother_erased mother={her_id}" in logged
    found = [word for word in (str(HER), NOTE, CRISIS, token, *SQL) if word in logged]
    assert found == [], logged


def test_a_traceback_in_a_log_file_holds_no_secret(
    log_file: Callable[[str, list[str]], io.StringIO],
) -> None:
    token = "123456789:TESTTOKENtesttokenTESTTOKEN"
    written = log_file("INFO", [token])
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/sendMessage failed")
    except RuntimeError:
        logging.getLogger("companion.test").exception("event=request_failed")
    logged = written.getvalue()
    assert "event=request_failed" in logged
    assert "RuntimeError: POST https://api.telegram.org/bot[redacted]/sendMessage" in logged
    assert token not in logged
