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
    """A copy of English as locale "xx" ("Testish"), its introduction marked "[xx]", with a text
    for it in every per-language field of the resource lines (notes, hours...)."""
    shutil.copytree(messages_dir(), root)
    shutil.copytree(root / "en", root / "xx")
    for names in root.glob("*/names.toml"):
        names.write_text(
            names.read_text().replace('en = "English"', 'en = "English"\nxx = "Testish"')
        )
    intro = root / "xx" / "onboarding.toml"
    intro.write_text(intro.read_text().replace('intro = """Hello', 'intro = """[xx] Hello'))
    for path in (root / "resources").glob("*.toml"):
        path.write_text(path.read_text().replace(" = { en = ", ' = { xx = "x", en = '))


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


async def test_the_introduction_offers_the_other_language_before_consent(
    her: ChatDriver, two_locale_services: Services
) -> None:
    shown = await her.say("/start")
    assert shown[-1].button_labels[:2] == ["I agree", "Not now"]
    assert "Testish" in shown[-1].button_labels  # every other installed language
    assert "English" not in shown[-1].button_labels
    shown = await her.tap("Testish")
    assert shown[0].text.startswith("[xx] Hello")  # the introduction again, in Testish
    assert shown[-1].button_labels[:3] == ["I agree", "Not now", "English"]
    assert "Testish" not in shown[-1].button_labels
    assert await load_mother(two_locale_services) is None  # nothing stored before consent
    replies = await her.tap("I agree")
    assert replies[-1].text.startswith("Which country are you in?")
    stored = await load_mother(two_locale_services)
    assert stored is not None
    assert stored.locale == "xx"


async def test_telegram_language_suggests_the_first_language_shown(
    two_locale_services: Services, clock: ManualClock
) -> None:
    telegram = FakeTelegram(now=clock.now)
    application = build_application(two_locale_services, request=telegram)
    await application.initialize()
    person = Person(application.bot, 1002, now=clock.now, language_code="xx-YY")
    her = ChatDriver(application, telegram, person)
    shown = await her.say("/start")
    assert shown[0].text.startswith("[xx] Hello")
    assert "English" in shown[-1].button_labels
    shown = await her.tap("English")
    assert shown[0].text.startswith("Hello")
    await her.tap("I agree")
    stored = await load_mother(two_locale_services, 1002)
    assert stored is not None
    assert stored.locale == "en"
    await application.shutdown()


async def test_a_language_button_after_consent_changes_nothing(
    her: ChatDriver, two_locale_services: Services
) -> None:
    await her.say("/start")
    stale = her.message_with("Testish")
    await her.tap("I agree")
    await her.deliver(her.person.press_data(stale, "intro|xx"))  # a copy still showing it
    stored = await load_mother(two_locale_services)
    assert stored is not None
    assert stored.locale == "en"
    stale_text = two_locale_services.content.text("en", "common.stale_button")
    assert her.telegram.callback_answers[-1].get("text") == stale_text


async def test_language_can_be_changed_in_settings(
    her: ChatDriver, two_locale_services: Services
) -> None:
    await her.say("/start")
    await her.tap("I agree")
    await her.tap("United Kingdom")
    await her.tap("UK time (London)")
    await her.tap("09:00")
    await her.tap("Skip")
    await her.tap("No, thanks")
    replies = await her.say("/settings")
    assert "Language" in replies[0].button_labels
    await her.tap("Language")
    replies = await her.say("klingon")
    assert {"English", "Testish"} <= set(replies[-1].button_labels)  # asked again
    replies = await her.say("testish")
    assert replies[-1].text.startswith("Saved.")
    stored = await load_mother(two_locale_services)
    assert stored is not None
    assert stored.locale == "xx"
