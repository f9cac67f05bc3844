"""`companion demo`: the real Application and handlers in a terminal, over a fake Bot API.

Type as a mother; bot messages print with their buttons numbered; a number presses that button
on the latest message. Lines starting with ":" control the demo (":help" lists them): `:clinician`
and `:as` bring in more people (a clinician, a second mother), each in their own chat, so sharing,
alerts and digests can be played through. Every person's new messages, edits and button pop-ups
print as they would see them (companion.demo_screen). Works with piped standard input, so a
script can drive it.
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from companion.app import build_application, build_services
from companion.bot.clinician import JOIN_PREFIX
from companion.clock import ManualClock
from companion.config import load_settings
from companion.delivery.tick import run_tick
from companion.demo_screen import Screen
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.store.clinicians import invite_clinician
from companion.store.db import upgrade
from companion.vault import generate_key

DEMO_USER_ID = 1001
FIRST_NAME = "Demo"
CLINICIAN_USER_IDS = 5001  # the first clinician's Telegram id; mothers count up from 1001
NAME_LIMIT = 80
HELP = """Demo commands:
  <text>                type as the person you are (commands like /start work too)
  <number>              press that button on the latest message with buttons
  :location LAT LON     share a location (e.g. :location 51.5 -0.12)
  :sticker              send a sticker
  :clock +1d | +3h | +30m | 2026-11-21T09:00   move the demo clock
  :clinician NAME       the operator invites a clinician: prints the link they open
  :as NAME              be someone else: a clinician invited with :clinician, or a mother
                        (a new name is a new mother); :as alone lists everyone
  {link} {code}         in what you type: the last invitation shown (the link's start
                        parameter, or the code alone), e.g. /start {link} or /share {code}
  :help                 this list
  :quit                 leave (end of input works too)"""
_DELTA = re.compile(r"^\+(\d+)([dhm])$")


class Cast:
    """The people in the demo, each in a private chat with the bot; one acts at a time."""

    def __init__(self, application: Any, telegram: FakeTelegram, clock: ManualClock) -> None:
        self.application, self.telegram, self.clock = application, telegram, clock
        self.drivers: dict[str, ChatDriver] = {}
        self.kinds: dict[str, str] = {}
        self.current = self.add(FIRST_NAME, "mother")

    def add(self, name: str, kind: str) -> ChatDriver:
        taken = [d.person.user.id for n, d in self.drivers.items() if self.kinds[n] == kind]
        first = DEMO_USER_ID if kind == "mother" else CLINICIAN_USER_IDS
        user_id = max(taken, default=first - 1) + 1
        person = Person(
            self.application.bot,
            user_id,
            first_name=name,
            now=self.clock.now,
            telegram=self.telegram,
        )
        self.drivers[name.casefold()], self.kinds[name.casefold()] = (
            ChatDriver(self.application, self.telegram, person),
            kind,
        )
        return self.drivers[name.casefold()]

    def find(self, name: str) -> ChatDriver | None:
        return self.drivers.get(" ".join(name.split()).casefold())

    @property
    def chats(self) -> dict[int, str]:
        return {d.chat_id: d.person.user.first_name for d in self.drivers.values()}

    @property
    def prompt(self) -> str:
        name = self.current.person.user.first_name
        return "you> " if name == FIRST_NAME else f"{name}> "

    def listing(self) -> str:
        return ", ".join(
            f"{d.person.user.first_name} ({self.kinds[key]})" for key, d in self.drivers.items()
        )


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


async def handle_line(line: str, cast: Cast, screen: Screen, out: TextIO) -> bool:
    """Act on one line of input; False means the demo should end."""
    line = line.strip()
    if not line:
        return True
    if line in (":quit", ":exit", ":q"):
        return False
    if line == ":help":
        print(HELP, file=out)
        return True
    driver, command = cast.current, line.split()[0]
    try:
        if line.isdigit():
            await driver.tap_number(int(line))
        elif command == ":location":
            parts = line.split()
            await driver.share_location(float(parts[1]), float(parts[2]))
        elif line == ":sticker":
            await driver.send_sticker()
        elif command == ":clock":
            if not await _move_clock(line.removeprefix(":clock"), cast, out):
                return True
        elif command == ":as":
            _switch(line.removeprefix(":as"), cast, out)
        elif command == ":clinician":
            await _invite_clinician(line.removeprefix(":clinician"), cast, screen, out)
        elif line.startswith(":"):
            print("demo: unknown demo command; :help lists them", file=out)
            return True
        else:
            await driver.say(_fill_in(line, screen))
    except (LookupError, IndexError, ValueError) as problem:
        print(f"demo: {problem}", file=out)
    screen.show(cast.chats, driver.chat_id)
    return True


def _fill_in(line: str, screen: Screen) -> str:
    """{link} and {code}: the last invitation shown (its start parameter, or the code alone)."""
    if "{link}" not in line and "{code}" not in line:
        return line
    if screen.last_start is None:
        raise LookupError("no invitation has been shown yet")
    code = screen.last_start.split("_", 1)[-1]
    return line.replace("{link}", screen.last_start).replace("{code}", code)


async def _move_clock(argument: str, cast: Cast, out: TextIO) -> bool:
    moment = parse_clock(argument, cast.clock.now())
    if moment is None:
        print("demo: use :clock +1d, +3h, +30m or an ISO time", file=out)
        return False
    cast.clock.set(moment)
    print(f"demo: the clock is now {cast.clock.now():%Y-%m-%d %H:%M} UTC", file=out)
    services = cast.application.bot_data.services
    # What the JobQueue would have run meanwhile: a day found missed may leave a later one due
    # now (late, within the grace), which its next tick, a minute on, sends.
    if (await run_tick(services)).missed:
        await run_tick(services)
    await services.sender.drain()
    return True


def _switch(argument: str, cast: Cast, out: TextIO) -> None:
    name = " ".join(argument.split())
    if not name:
        print(f"demo: people here: {cast.listing()}", file=out)
        return
    if len(name) > NAME_LIMIT:
        raise ValueError(f"give a name of 1 to {NAME_LIMIT} characters")
    found = cast.find(name)
    if found is None:
        found = cast.add(name, "mother")
        print(f"demo: {name} is a new mother (Telegram user {found.person.user.id})", file=out)
    cast.current = found
    print(f"demo: you are now {found.person.user.first_name}", file=out)


async def _invite_clinician(argument: str, cast: Cast, screen: Screen, out: TextIO) -> None:
    """As `companion clinician invite --name NAME` does: the operator's one-time link."""
    name = " ".join(argument.split())
    if not name or len(name) > NAME_LIMIT:
        raise ValueError(f"give a name of 1 to {NAME_LIMIT} characters: :clinician Dr Rivera")
    if cast.find(name) is not None:
        raise ValueError(f"{name} is already someone here; choose another name")
    services = cast.application.bot_data.services
    async with services.db.session() as session:
        _, code = await invite_clinician(session, name, services.clock.now())
    cast.add(name, "clinician")
    start = f"{JOIN_PREFIX}{code}"
    screen.last_start = start
    link = f"https://t.me/{services.settings.bot_username}?start={start}"
    print(f"demo: the operator invited {name}: {link}", file=out)
    print(f"demo: to join, type :as {name}, then /start {start} (or /start {{link}})", file=out)


def _fresh_database(path: Path, url: str) -> None:
    path.unlink(missing_ok=True)  # the key is new each run, so old demo data could not be read
    upgrade(url)


async def run_demo(
    database: str = "companion-demo.db",
    start: str | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    pictures: str | None = None,
) -> int:
    """Play the demo; with `pictures`, every photo and document sent is saved in that folder."""
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
    cast = Cast(application, telegram, clock)
    screen = Screen(telegram, out, Path(pictures) if pictures else None)
    interactive = stdin.isatty()
    print(
        "companion demo: you are a new mother talking to the bot. Type /start to begin, "
        ":help for demo commands.",
        file=out,
    )
    try:
        while True:
            if interactive:
                print(cast.prompt, end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not interactive:
                print(f"{cast.prompt}{line.rstrip()}", file=out)
            if not await handle_line(line, cast, screen, out):
                break
    finally:
        await application.shutdown()
        await services.db.dispose()
    return 0
