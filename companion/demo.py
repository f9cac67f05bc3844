"""`companion demo`: the real Application and handlers in a terminal, over a fake Bot API.

Type as a mother; bot messages print with their buttons numbered; a number presses that button
on the latest message. Lines starting with ":" control the demo (":help" lists them). Works with
piped standard input, so a script can drive it.
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from companion.app import build_application, build_services
from companion.clock import ManualClock
from companion.config import load_settings
from companion.delivery.tick import run_tick
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, Person, SentMessage
from companion.store.db import upgrade
from companion.vault import generate_key

DEMO_USER_ID = 1001
HELP = """Demo commands:
  <text>                type as the mother (commands like /start work too)
  <number>              press that button on the latest message with buttons
  :location LAT LON     share a location (e.g. :location 51.5 -0.12)
  :sticker              send a sticker
  :clock +1d | +3h | +30m | 2026-11-21T09:00   move the demo clock
  :help                 this list
  :quit                 leave (end of input works too)"""
_DELTA = re.compile(r"^\+(\d+)([dhm])$")


def render(message: SentMessage, out: TextIO) -> None:
    if message.document is not None:
        print(f"companion> [document {message.filename}, {len(message.document)} bytes]", file=out)
        for line in message.document.decode("utf-8", "replace").splitlines():
            print(f"           {line}", file=out)
    if message.photo is not None:
        print(f"companion> [picture, {len(message.photo)} bytes]", file=out)
    for line in message.text.splitlines() or [""]:
        print(f"companion> {line}", file=out)
    labels = message.button_labels
    if labels:
        print(
            "           " + "  ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)),
            file=out,
        )
    for row in message.keyboard:
        for key in row:
            if key.get("request_location"):
                print(f"           ({key['text']}: type :location LAT LON)", file=out)


def parse_clock(argument: str, now: datetime) -> datetime | None:
    if match := _DELTA.match(argument.strip()):
        amount, unit = int(match[1]), match[2]
        step = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}[unit]
        return now + amount * step
    try:
        moment = datetime.fromisoformat(argument.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def handle_line(line: str, driver: ChatDriver, clock: ManualClock, out: TextIO) -> bool:
    """Act on one line of input; False means the demo should end."""
    line = line.strip()
    if not line:
        return True
    if line in (":quit", ":exit", ":q"):
        return False
    if line == ":help":
        print(HELP, file=out)
        return True
    try:
        if line.isdigit():
            replies = await driver.tap_number(int(line))
        elif line.startswith(":location"):
            parts = line.split()
            replies = await driver.share_location(float(parts[1]), float(parts[2]))
        elif line == ":sticker":
            replies = await driver.send_sticker()
        elif line.startswith(":clock"):
            moment = parse_clock(line.removeprefix(":clock"), clock.now())
            if moment is None:
                print("demo: use :clock +1d, +3h, +30m or an ISO time", file=out)
                return True
            clock.set(moment)
            print(f"demo: the clock is now {clock.now():%Y-%m-%d %H:%M} UTC", file=out)
            services = driver.application.bot_data.services
            # What the JobQueue would have run meanwhile: a day found missed may leave a later
            # one due now (late, within the grace), which its next tick, a minute on, sends.
            if (await run_tick(services)).missed:
                await run_tick(services)
            await services.sender.drain()
            replies = driver.new_messages()
        elif line.startswith(":"):
            print("demo: unknown demo command; :help lists them", file=out)
            return True
        else:
            replies = await driver.say(line)
    except (LookupError, IndexError, ValueError) as problem:
        print(f"demo: {problem}", file=out)
        return True
    for message in replies:
        render(message, out)
    return True


def _fresh_database(path: Path, url: str) -> None:
    path.unlink(missing_ok=True)  # the key is new each run, so old demo data could not be read
    upgrade(url)


async def run_demo(
    database: str = "companion-demo.db",
    start: str | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:
    stdin, out = stdin or sys.stdin, out or sys.stdout
    # A terminal has no flood limits: send at once, so each reply prints before the next prompt.
    settings = load_settings(
        {
            "database_url": f"sqlite:///{database}",
            "encryption_keys": generate_key(),
            "send_rate": 1000,
            "chat_interval_s": 0,
        }
    )
    await asyncio.to_thread(_fresh_database, Path(database), settings.database_url)
    clock = ManualClock(
        (parse_clock(start, datetime.now(UTC)) if start else None) or datetime.now(UTC)
    )
    telegram = FakeTelegram(now=clock.now)
    services = build_services(settings, clock)
    application = build_application(services, request=telegram)
    await application.initialize()
    person = Person(
        application.bot, DEMO_USER_ID, first_name="Demo", now=clock.now, telegram=telegram
    )
    driver = ChatDriver(application, telegram, person)
    interactive = stdin.isatty()
    print(
        "companion demo: you are a new mother talking to the bot. Type /start to begin, "
        ":help for demo commands.",
        file=out,
    )
    try:
        while True:
            if interactive:
                print("you> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not interactive:
                print(f"you> {line.rstrip()}", file=out)
            if not await handle_line(line, driver, clock, out):
                break
    finally:
        await application.shutdown()
        await services.db.dispose()
    return 0
