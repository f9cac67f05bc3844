"""Words that suggest risk get help at once, in the emergency lane, wherever she types them."""

from __future__ import annotations

import re

import pytest

from companion.bot.context import Services
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.models import Lane
from tests.chat_helpers import load_mother, onboard, reach
from tests.checkin_helpers import answer_rows, checkins_of, opened

URGENT = [
    "I don't want to be here anymore",
    "I want to die lol",
    "everyone would be better off without me",
]
EMERGENCY = ["I took all the pills", "I have a plan to end it tonight"]


async def _queued_lanes(services: Services) -> list[int]:
    from sqlalchemy import select

    from companion.store.models import OutboxMessage

    async with services.db.session() as session:
        return list((await session.scalars(select(OutboxMessage.lane))).all())


@pytest.mark.parametrize("text", URGENT)
async def test_urgent_words_outside_a_question_get_the_crisis_reply(
    mother: ChatDriver, services: Services, text: str
) -> None:
    await onboard(mother)
    replies = await mother.say(text)
    assert len(replies) == 1
    shown = replies[0].text
    assert shown.startswith("Thank you for telling me. Thoughts like these are more common")
    assert "🚨 Emergency: call 999" in shown
    assert "Samaritans (crisis line)" in shown
    assert "taken" not in shown.lower()  # never imply her baby could be taken away


@pytest.mark.parametrize("text", EMERGENCY)
async def test_emergency_words_put_the_emergency_number_first(
    mother: ChatDriver, services: Services, text: str
) -> None:
    await onboard(mother, country="United States", zone="Eastern (New York)")
    replies = await mother.say(text)
    shown = replies[0].text
    assert shown.startswith("I'm worried about your safety right now. Please call 911 now")
    assert "put your baby somewhere safe" in shown
    assert "988 Suicide & Crisis Lifeline (crisis line)" in shown
    assert "support line, not an emergency service" in shown  # TLC-MAMA labelled as support


async def test_a_worrying_check_in_note_is_saved_and_answered_with_help_alone(
    mother: ChatDriver, services: Services, telegram: FakeTelegram
) -> None:
    await onboard(mother)
    await mother.say("/checkin")
    for label in ("😕", "Skip", "Skip", "Skip", "Skip"):
        await mother.tap(label)
    note = "some days I think about ending it"
    replies = await mother.say(note)
    texts = [m.text for m in replies]
    assert texts[0].startswith("Thank you for telling me. Thoughts like these")
    # Nothing talks over the crisis reply: no "it's saved", thanks, snippet or questionnaire.
    assert len(texts) == 1
    mother_row = await load_mother(services)
    assert mother_row is not None
    [checkin] = await checkins_of(services, mother_row.id)
    assert checkin.status == "done"  # the check-in is complete and her note is kept
    rows = await answer_rows(services, checkin.id)
    assert opened(services, rows["note"]) == note


async def test_the_crisis_reply_is_queued_in_the_emergency_lane(
    mother: ChatDriver, services: Services, telegram: FakeTelegram
) -> None:
    await onboard(mother)
    telegram.fault = lambda method, params: (  # type: ignore[assignment]
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "wait",
                "parameters": {"retry_after": 30},
            },
        )
        if method == "sendMessage"
        else None
    )
    await mother.say("I want to die")
    assert Lane.EMERGENCY in await _queued_lanes(services)


@pytest.mark.parametrize("text", ["dying for coffee", "this baby is killing me lol", "09:00"])
async def test_idioms_and_ordinary_answers_get_no_crisis_reply(
    mother: ChatDriver, services: Services, text: str
) -> None:
    await onboard(mother)
    replies = await mother.say(text)
    assert not any(
        m.text.startswith(("Thank you for telling me. Thoughts", "I'm worried")) for m in replies
    )


async def test_negated_thoughts_get_a_gentle_clarifying_question(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    replies = await mother.say("I would never hurt my baby")
    assert replies[0].text.startswith("Thank you for telling me. Can I check, gently")


async def test_risk_typed_at_a_set_up_question_still_gets_help(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "timezone")
    replies = await mother.say("I want to kill myself")
    assert replies[0].text.startswith("Thank you for telling me. Thoughts like these")
    assert replies[-1].text.startswith("I couldn't work out a time zone")  # question kept


async def test_a_caption_on_a_photo_is_read_too(mother: ChatDriver, services: Services) -> None:
    await onboard(mother)
    replies = await mother.deliver(mother.person.photo(caption="I want to die"))
    assert replies[0].text.startswith("Thank you for telling me. Thoughts like these")
    assert "🚨 Emergency: call 999" in replies[0].text


# --- a Spanish-speaking mother ------------------------------------------------------------------

ENGLISH_IN_LINES = ("free", "see", "then", "option", "English", "Spanish", "directory", "hours")


async def _onboard_in_spanish(mother: ChatDriver, country: str, zone: str) -> None:
    await mother.say("/start")
    await mother.tap("Español")
    await mother.tap("Acepto")
    await mother.say(country)  # typed, in Spanish
    await mother.say(zone)
    for label in ("09:00", "Omitir", "No, gracias"):
        await mother.tap(label)


@pytest.mark.parametrize(
    ("country", "zone", "shown"),
    [
        ("Reino Unido", "Londres", ["llama al 999", "llama al 116 123 (24/7, gratis)"]),
        ("EE. UU.", "Nueva York", ["llama al 911", "mensaje de texto: envía HOME al 741741"]),
        ("Irlanda", "Dublín", ["llama al 112 / 999", "https://findahelpline.com (directorio)"]),
        ("Alemania", "Berlín", ["llama al 112", "(directorio)"]),
        ("México", "Ciudad de México", ["llama al 911", "Línea de la Vida (línea de crisis)"]),
        ("Cuba", "La Habana", ["número de emergencias de tu país", "(directorio)"]),
    ],
)
async def test_the_spanish_crisis_reply_reads_in_spanish_only(
    mother: ChatDriver, services: Services, country: str, zone: str, shown: list[str]
) -> None:
    await _onboard_in_spanish(mother, country, zone)
    replies = await mother.say("I want to die")
    text = replies[0].text
    assert text.startswith(
        services.content.text("es", "crisis.urgent", crisis="", emergency="")[:20]
    )
    for words in shown:
        assert words in text
    for word in ENGLISH_IN_LINES:
        assert not re.search(rf"\b{word}\b", text, flags=re.I), (word, text)
