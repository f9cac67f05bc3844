"""With a second locale installed, onboarding and /settings ask for the language."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from companion.app import build_application, build_services
from companion.bot.context import Services
from companion.clock import ManualClock
from companion.config import load_settings
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.resources import messages_dir
from tests.chat_helpers import load_mother


def _add_test_locale(root: Path) -> None:
    """A copy of English as locale "xx" ("Testish"), with a note for it on every resource line."""
    shutil.copytree(messages_dir(), root)
    shutil.copytree(root / "en", root / "xx")
    for locale in ("en", "xx"):
        names = root / locale / "names.toml"
        names.write_text(
            names.read_text().replace('en = "English"', 'en = "English"\nxx = "Testish"')
        )
    for path in (root / "resources").glob("*.toml"):
        path.write_text(path.read_text().replace("note = { en = ", 'note = { xx = "x", en = '))


@pytest.fixture
async def two_locale_services(
    settings_values: dict[str, object], clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Services]:
    root = tmp_path / "messages"
    _add_test_locale(root)
    services = build_services(load_settings({**settings_values, "messages_dir": root}), clock)
    yield services
    await services.db.dispose()


@pytest.fixture
async def her(two_locale_services: Services, clock: ManualClock) -> AsyncIterator[ChatDriver]:
    telegram = FakeTelegram(now=clock.now)
    application = build_application(two_locale_services, request=telegram)
    await application.initialize()
    yield ChatDriver(application, telegram, Person(application.bot, 1001, now=clock.now))
    await application.shutdown()


async def test_onboarding_asks_the_language_first(
    her: ChatDriver, two_locale_services: Services
) -> None:
    await her.say("/start")
    replies = await her.tap("I agree")
    assert replies[-1].text == "Which language would you like me to use?"
    assert replies[-1].button_labels == ["English", "Testish"]
    replies = await her.tap("Testish")
    assert replies[0].text == "Language: Testish."
    assert replies[-1].text.startswith("Which country are you in?")
    stored = await load_mother(two_locale_services)
    assert stored is not None
    assert stored.locale == "xx"


async def test_language_can_be_typed_and_changed_in_settings(
    her: ChatDriver, two_locale_services: Services
) -> None:
    await her.say("/start")
    await her.tap("I agree")
    replies = await her.say("klingon")
    assert replies[-1].button_labels == ["English", "Testish"]  # asked again
    await her.say("english")
    await her.tap("United Kingdom")
    await her.tap("UK time (London)")
    await her.tap("09:00")
    await her.tap("Skip")
    await her.tap("No, thanks")
    replies = await her.say("/settings")
    assert "Language" in replies[0].button_labels
    await her.tap("Language")
    replies = await her.tap("Testish")
    assert replies[-1].text.startswith("Saved.")
    stored = await load_mother(two_locale_services)
    assert stored is not None
    assert stored.locale == "xx"
