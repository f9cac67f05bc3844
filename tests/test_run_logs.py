"""The real `companion run` process, polling a Bot API over HTTP on 127.0.0.1 (the fake, served by
companion/devtools/http_api.py), while a mother onboards, checks in with a note and types a
crisis message, then while it idles, and after she erases her data with /delete: its log holds
events, and never SQL, her Telegram id, her name, her words, the token or the key, at INFO and at
DEBUG. tests/test_logs.py checks the same in process."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from asyncio.subprocess import Process
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from companion.devtools.fake_telegram import FakeTelegram, Person, SentMessage
from companion.devtools.http_api import serving
from tests.conftest import TEST_KEY

TOKEN = "532198764:AAHrunlogsTOKENnot4anyRealBot_xyz12"
HER = 730416289  # her Telegram user id, and her private chat's id
HER_NAME = "Ysoldine"
NOTE = "Rough night, the twins fed every hour and my husband shouted"
CRISIS = "I want to kill myself tonight, nobody would miss me"
SQL = (
    "SELECT ",
    "INSERT INTO",
    "UPDATE ",
    "DELETE FROM",
    "BEGIN (implicit)",
    "COMMIT",
    "ROLLBACK",
    "PRAGMA",
    "[generated in",
    "[cached since",
)
# The default suite's run: replies not paced (one second apart per chat by default), a schedule
# tick every second, a few seconds idle. The slow one keeps every default and idles a minute.
QUICK = {"COMPANION_TICK_SECONDS": "1", "COMPANION_CHAT_INTERVAL_S": "0"}
QUICK_IDLE_S = 4.0
AFTER_ERASURE_S = 2.0
FULL_IDLE_S = 60.0


def her_words() -> list[str]:
    """Every word of four letters or more she typed (shorter ones, "I", "me", "the", are in any
    log for other reasons)."""
    return sorted({w for w in re.findall(r"[A-Za-z]+", f"{NOTE} {CRISIS}") if len(w) >= 4})


def forbidden_in(line: str) -> list[str]:
    found = [s for s in (TOKEN, TOKEN.split(":")[1], TEST_KEY, str(HER), *SQL) if s in line]
    if "sqlalchemy" in line.lower():
        found.append("sqlalchemy")
    if re.search(r"\blane=", line):  # lane 0 is the crisis lane: a crisis reply went out then
        found.append("lane")
    words = [HER_NAME, *her_words()]
    found += [w for w in words if re.search(rf"\b{w}\b", line, re.IGNORECASE)]
    return found


class Her:
    """The mother at her phone: what she sends waits in the fake's getUpdates for the polling
    process; she waits until a reply shows what she expects."""

    def __init__(self, telegram: FakeTelegram, bot: Process) -> None:
        self.telegram, self.bot = telegram, bot
        self.person = Person(None, HER, first_name=HER_NAME, telegram=telegram)
        self.seen = 0

    async def say(self, text: str, expect: str) -> None:
        self.telegram.push_update(self.person.text(text))
        await self._until_shown(expect)

    async def tap(self, label: str, expect: str) -> None:
        message = next(m for m in reversed(self.history) if label in m.button_labels)
        self.telegram.push_update(self.person.press(message, label))
        await self._until_shown(expect)

    @property
    def history(self) -> list[SentMessage]:
        return self.telegram.sent_to(HER)

    @property
    def shown(self) -> list[tuple[str, list[str]]]:
        return [(m.text, m.button_labels) for m in self.history]

    async def _until_shown(self, expected: str, seconds: float = 60.0) -> None:
        """Generous: the first wait includes the process's start-up, on a loaded machine."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not any(
            expected in m.text or expected in m.button_labels for m in self.history[self.seen :]
        ):
            assert self.bot.returncode is None, f"companion run ended ({self.bot.returncode})"
            assert loop.time() < deadline, f"no {expected!r} after {seconds} s: {self.shown}"
            await asyncio.sleep(0.05)
        self.seen = len(self.history)


async def converse(her: Her) -> None:
    await her.say("/start", expect="I agree")
    await her.tap("I agree", expect="United Kingdom")
    await her.tap("United Kingdom", expect="UK time (London)")
    await her.tap("UK time (London)", expect="09:00")
    await her.tap("09:00", expect="Skip")  # her baby's birth date
    await her.tap("Skip", expect="No, thanks")  # the learning snippets
    await her.tap("No, thanks", expect="You're all set.")
    await her.say("/checkin", expect="🙂")
    await her.tap("🙂", expect="Skip")
    for _ in range(3):
        await her.tap("Skip", expect="Skip")
    await her.tap("Skip", expect="Anything you want to tell me?")
    await her.say(NOTE, expect="it's saved with today's check-in")
    await her.say(CRISIS, expect="Samaritans")


def run_environment(
    base_url: str, database_url: str, level: str, settings: dict[str, str]
) -> dict[str, str]:
    """This environment without companion's settings or proxies, plus the run's own."""
    own = ("COMPANION_", "TELEGRAM_", "DATABASE_URL")
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(own) and "proxy" not in name.lower()
    }
    return {
        **kept,
        "NO_PROXY": "127.0.0.1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "TELEGRAM_BASE_FILE_URL": base_url.replace("/bot", "/file/bot"),  # nothing leaves 127.0.0.1
        "DATABASE_URL": database_url,
        "COMPANION_ENCRYPTION_KEYS": TEST_KEY,
        "COMPANION_LOG_LEVEL": level,
        **settings,
    }


async def run_and_read_log(
    tmp_path: Path, database_url: str, level: str, idle_s: float, settings: dict[str, str]
) -> tuple[FakeTelegram, str]:
    """Start `companion run`; she talks to it, it idles, she erases her data with /delete, it is
    stopped with SIGTERM. Its output."""
    telegram = FakeTelegram()
    output = tmp_path / "companion.log"
    async with (
        serving(telegram, TOKEN) as base_url,
        companion_run(
            run_environment(base_url, database_url, level, settings), tmp_path, output
        ) as process,
    ):
        her = Her(telegram, process)
        await converse(her)
        await asyncio.sleep(idle_s)
        await her.say("/delete", expect="Yes, erase everything")
        await her.tap("Yes, erase everything", expect="Everything about you has been erased.")
        await asyncio.sleep(AFTER_ERASURE_S)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            assert await process.wait() == 0
    return telegram, output.read_text()


@asynccontextmanager
async def companion_run(env: dict[str, str], folder: Path, output: Path) -> AsyncIterator[Process]:
    """`companion run` writing stdout and stderr to one file (cwd: a folder with no .env);
    killed if the test ends without stopping it. A failure shows what it wrote."""
    with output.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "companion", "run", env=env, cwd=folder, stdout=sink, stderr=sink
        )
    try:
        yield process
    except (AssertionError, TimeoutError) as failure:
        wrote = await asyncio.to_thread(output.read_text)
        raise AssertionError(f"{failure}\n`companion run` wrote:\n{wrote}") from failure
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def check_the_log(telegram: FakeTelegram, logged: str) -> None:
    replies = [m.text for m in telegram.sent_to(HER)]
    assert any("Samaritans" in text for text in replies), replies  # the crisis reply arrived
    lines = logged.splitlines()
    assert "event=starting mode=polling" in logged, logged
    # She is named by companion's own id, the same from onboarding to erasure.
    onboarded = re.findall(r"event=mother_onboarded mother=(\S+)$", logged, re.MULTILINE)
    erased = re.findall(r"event=mother_erased mother=(\S+)$", logged, re.MULTILINE)
    assert len(onboarded) == 1, logged
    assert erased == onboarded, logged
    assert "event=stopping signal=SIGTERM" in logged, logged
    leaks = [(forbidden_in(line), line) for line in lines if forbidden_in(line)]
    shown = "\n".join(f"{found} in {line[:200]}" for found, line in leaks[:10])
    assert leaks == [], f"{len(leaks)} of {len(lines)} lines leak, among them:\n{shown}"


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_companion_run_logs_no_sql_id_or_words_of_hers(
    level: str, tmp_path: Path, database_url: str
) -> None:
    telegram, logged = await run_and_read_log(tmp_path, database_url, level, QUICK_IDLE_S, QUICK)
    check_the_log(telegram, logged)


@pytest.mark.slow
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_companion_run_idle_for_a_minute_logs_nothing_of_hers(
    level: str, tmp_path: Path, database_url: str
) -> None:
    telegram, logged = await run_and_read_log(tmp_path, database_url, level, FULL_IDLE_S, {})
    check_the_log(telegram, logged)
