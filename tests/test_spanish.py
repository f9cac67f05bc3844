"""A Spanish-speaking mother end to end, through the real Application: the introduction and
consent in Spanish, set-up, a check-in, /learn, a questionnaire's safety item and a message that
needs the crisis reply, each answered in Spanish with her country's lines (988 in Spanish)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from companion.bot.context import Services
from companion.bot.mother_view import crisis_block
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import SentMessage
from tests.chat_helpers import load_mother, texts
from tests.checkin_helpers import tick_and_read

ENGLISH_WORDS = ("Thank you", "please", "Skip", "today", "your ", "Source:")


def es(services: Services, key: str, **params: object) -> str:
    return services.content.text("es", key, **params)


@pytest.fixture
def ana(person_factory: Callable[..., ChatDriver]) -> ChatDriver:
    """A mother whose Telegram app is set to Spanish (Mexico)."""
    return person_factory(2001, language_code="es-MX")


def assert_spanish(messages: list[SentMessage]) -> None:
    for message in messages:
        for word in ENGLISH_WORDS:
            assert word not in message.text, (word, message.text)


async def set_up_in_spanish(ana: ChatDriver, services: Services) -> None:
    shown = await ana.say("/start")
    assert texts(shown) == [
        es(services, "onboarding.intro"),
        es(services, "onboarding.consent_question", version="1.0"),
    ]
    assert shown[-1].button_labels == ["Acepto", "Ahora no", "English"]
    replies = await ana.tap("Acepto")
    assert replies[-1].text == es(services, "onboarding.country.prompt")
    await ana.tap("Estados Unidos")
    await ana.tap("Centro (Chicago)")
    await ana.tap("09:00")
    await ana.tap(es(services, "onboarding.birth_date.button.skip"))
    replies = await ana.tap(es(services, "settings.snippets.button.daily"))
    assert replies[-1].text.startswith("Todo listo.")
    assert_spanish(ana.history)


async def test_set_up_in_spanish_stores_spanish_and_speaks_it(
    ana: ChatDriver, services: Services
) -> None:
    await set_up_in_spanish(ana, services)
    stored = await load_mother(services, 2001)
    assert stored is not None
    assert (stored.locale, stored.country, stored.timezone) == ("es", "US", "America/Chicago")
    assert_spanish(ana.history)


async def test_a_spanish_check_in_and_its_learning_snippet(
    ana: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await set_up_in_spanish(ana, services)
    clock.set(clock.now().replace(hour=15))  # 09:00 in Chicago
    [prompt] = await tick_and_read(services, ana)
    assert prompt.text.startswith(es(services, "checkin.greeting"))
    assert prompt.button_labels[-2:] == ["En 1 h", "En 3 h"]
    await ana.tap("🙂")
    for _ in range(4):
        await ana.tap("Omitir")
    replies = await ana.tap("Omitir")  # the note
    [snippet] = [message for message in replies if message.text.startswith("📖 ")]
    assert "Fuente:" in snippet.text
    assert replies[-1].text == es(services, "screening.offer", count=16)  # PHQ-9 + GAD-7
    assert_spanish(replies)


async def test_learn_in_spanish(ana: ChatDriver, services: Services) -> None:
    replies = await ana.say("/learn")  # before set-up too: her app's language
    assert replies[0].text == es(services, "learn.menu")
    topic = es(services, "learn.button.topic.blues")
    replies = await ana.tap(topic)
    assert replies[0].text.startswith("📖 ")
    assert_spanish(replies)


async def test_a_spanish_message_gets_the_spanish_crisis_reply_with_988_in_spanish(
    ana: ChatDriver, services: Services
) -> None:
    await set_up_in_spanish(ana, services)
    replies = await ana.say("ya no quiero vivir")
    lines = crisis_block(services.content, "es", services.content.resources_for("US"))
    assert replies[0].text.startswith(
        es(services, "crisis.urgent", crisis=lines, emergency="911")[:40]
    )
    assert lines in replies[0].text
    assert "marca 2" in replies[0].text  # 988 in Spanish
    assert "911" in replies[0].text
    assert es(services, "crisis.next_no_clinician", minutes=90) in replies[0].text
    assert_spanish(replies)


async def test_the_spanish_phq9_safety_item_gets_the_spanish_crisis_reply(
    ana: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await set_up_in_spanish(ana, services)
    clock.set(clock.now().replace(hour=15))
    await tick_and_read(services, ana)
    await ana.tap("😕")
    for _ in range(5):
        await ana.tap("Omitir")
    replies = await ana.tap(es(services, "screening.button.start"))
    phq9 = services.content.instrument("es", "phq9")
    assert phq9.items[0].text in replies[-1].text
    for _ in range(8):
        replies = await ana.tap("Ningún día")
    assert "mejor muerto(a)" in replies[-1].text  # item 9, in its official Spanish wording
    replies = await ana.tap("Varios días")
    assert replies[0].text.startswith(
        es(services, "crisis.urgent", crisis="", emergency="911")[:40]
    )
    assert "marca 2" in replies[0].text
    assert_spanish(replies)
