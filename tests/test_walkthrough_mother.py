"""Issue 17, the mother's rough edges: /stop stops, stray words get a short kind answer, and
questions rested by a crisis reply stay rested. Expected texts are written out here, as she
reads them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.store.safety_models import Screening
from companion.store.screenings import read_answers
from tests.chat_helpers import position, texts
from tests.checkin_helpers import (
    answers_of,
    at,
    checkins_of,
    onboarded,
    skip_to_the_end,
    tick_and_read,
)
from tests.flag_helpers import StoredFlag, stored_flags

STRAY_UK = (
    "Thanks for your message. I can't chat, but here is what I can do: /checkin to tell me how "
    "you are today, /learn for short reads about life after a birth, /help for everything else.\n"
    "If you ever feel unsafe, call 999."
)
OFF_UK = (
    "Thanks for your message. Check-ins are off at the moment: /resume starts them again, /learn "
    "has short reads whenever you like, and /help lists the rest.\n"
    "If you ever feel unsafe, call 999."
)
RESTING_UK = (
    "Thank you for writing. Your check-in questions rest for today. If you feel unsafe at any "
    "moment, call 999 or one of the lines I sent you."
)
MOOD = "How are you feeling today?\n😞 very low · 😕 low · 😐 okay · 🙂 good · 😄 very good"


async def flags_of(services: Services) -> list[StoredFlag]:
    return await stored_flags(services)


async def screenings(services: Services, mother_id: str) -> list[Screening]:
    async with services.db.session() as session:
        query = select(Screening).where(Screening.mother_id == mother_id)
        return list((await session.scalars(query)).all())


async def prompted(mother: ChatDriver, services: Services, clock: ManualClock) -> str:
    """Onboarded in London (09:00), then the first scheduled check-in: the mood question."""
    mother_id = await onboarded(mother, services)
    clock.set(at(21, 9))
    [prompt] = await tick_and_read(services, mother)
    assert prompt.text.endswith(MOOD)
    return mother_id


# --- 1. /stop stops -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/stop", "/pause"])
async def test_after_stop_or_pause_mid_checkin_a_word_does_not_ask_the_question_again(
    mother: ChatDriver, services: Services, clock: ManualClock, command: str
) -> None:
    await prompted(mother, services, clock)
    await mother.say(command)
    assert await position(services) is None
    replies = await mother.say("hello")
    assert texts(replies) == [OFF_UK]
    assert replies[0].buttons == []


async def test_a_questionnaire_stopped_half_way_keeps_her_answers_and_continues_after_resume(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await prompted(mother, services, clock)
    await mother.tap("🙂")
    await skip_to_the_end(mother)
    await mother.tap("Start")
    await mother.tap("Several days")  # PHQ-9 item 1
    await mother.say("/stop")
    assert await position(services) is None
    assert texts(await mother.say("2")) == [OFF_UK]  # not taken as item 2's answer
    [row] = await screenings(services, mother_id)
    assert row.status == "open"
    assert list(read_answers(row, services.vault)) == ["interest"]
    await mother.say("/resume")
    clock.set(at(22, 9))
    await tick_and_read(services, mother)
    await mother.tap("🙂")
    offered = await skip_to_the_end(mother)
    assert offered[-1].text == (
        "You started a questionnaire earlier. Would you like to carry on where you left off?"
    )
    replies = await mother.tap("Continue")
    assert replies[-1].text.startswith("PHQ-9 · 2 of 9\n")


# --- 5. stray words -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ok", "Atlantis", "hello there"])
async def test_words_outside_any_question_get_one_short_line_and_her_emergency_number(
    mother: ChatDriver, services: Services, clock: ManualClock, typed: str
) -> None:
    await onboarded(mother, services)
    replies = await mother.say(typed)
    assert texts(replies) == [STRAY_UK]
    assert "Samaritans" not in replies[0].text


async def test_a_spanish_speaker_in_mexico_is_told_her_own_number(
    mother: ChatDriver, services: Services
) -> None:
    await mother.say("/start")
    await mother.tap("Español")
    await mother.tap("Acepto")
    for label in ("México", "Ciudad de México", "09:00", "Omitir", "No, gracias"):
        await mother.tap(label)
    replies = await mother.say("hola")
    assert texts(replies) == [
        "Gracias por tu mensaje. No puedo conversar, pero esto es lo que puedo hacer: /checkin "
        "para contarme cómo estás hoy, /learn para lecturas breves sobre la vida después del "
        "parto, /help para todo lo demás.\nSi alguna vez no te sientes a salvo, llama al 911."
    ]


async def test_someone_not_set_up_is_pointed_to_start(
    person_factory: Callable[..., ChatDriver],
) -> None:
    stranger = person_factory(4242)
    replies = await stranger.say("hello")
    assert texts(replies) == [
        "Hello! Send /start to set up companion.\n"
        "If you ever feel unsafe, call your local emergency number."
    ]


async def test_worrying_words_outside_any_question_still_get_every_line(
    mother: ChatDriver, services: Services
) -> None:
    await onboarded(mother, services)
    replies = await mother.say("I cry every day and feel nothing for my baby")
    shown = "\n".join(texts(replies))
    assert "Samaritans" in shown
    assert STRAY_UK not in texts(replies)


async def test_a_stray_word_mid_checkin_asks_the_open_question_again(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await prompted(mother, services, clock)
    replies = await mother.say("ok")
    assert texts(replies) == ["Please tap the answer above that fits best.", MOOD]
    assert len(replies[1].button_labels) == 5
    assert await position(services) == ("ci", "mood")


# --- 6. after a crisis reply, her questions rest ------------------------------------------------


async def test_after_a_crisis_reply_mid_checkin_ok_does_not_ask_a_question_again(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await prompted(mother, services, clock)
    prompt = mother.latest_with_buttons()
    assert prompt is not None
    crisis = await mother.say("I want to kill myself")
    assert any("999" in message.text for message in crisis)
    replies = await mother.say("ok")
    assert texts(replies) == [RESTING_UK]
    assert MOOD not in "\n".join(texts(replies))
    assert await position(services) == ("ci", "mood")
    # A tap on the question's buttons still counts: nothing she gives is refused.
    await mother.tap_on(prompt, "😐")
    [checkin] = await checkins_of(services, mother_id)
    assert await answers_of(services, checkin.id) == {"mood": "3"}


# --- 10. an unwanted thought she is horrified by ------------------------------------------------

BABY_THOUGHTS_UK = (
    "Thank you for telling me; that takes courage. Unwanted thoughts or pictures of your baby "
    "coming to harm are very common after a birth, and having them is not a sign that you will "
    "act on them."
)


@pytest.mark.parametrize(
    "typed",
    [
        "Thoughts of dropping the baby keep coming, I would never do it",
        "I keep picturing the baby falling down the stairs and it terrifies me",
    ],
)
async def test_unwanted_thoughts_of_the_baby_coming_to_harm_are_urgent_and_said_to_be_common(
    mother: ChatDriver, services: Services, typed: str
) -> None:
    await onboarded(mother, services)
    [reply] = await mother.say(typed)
    assert reply.text.startswith(BABY_THOUGHTS_UK)
    assert "Samaritans" in reply.text
    assert reply.text.index("very common") < reply.text.index("call 999")
    [flag] = await flags_of(services)
    assert flag.level == "urgent"


@pytest.mark.parametrize("typed", ["I want to hurt my baby", "I want to kill myself"])
async def test_intent_or_thoughts_of_suicide_keep_their_own_replies(
    mother: ChatDriver, services: Services, typed: str
) -> None:
    await onboarded(mother, services)
    [reply] = await mother.say(typed)
    assert not reply.text.startswith(BABY_THOUGHTS_UK)
    assert reply.text.startswith(("I'm worried about your safety", "Thank you for telling me."))


async def test_you_misunderstood_me_after_a_questionnaire_answer_speaks_of_the_answer(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    """Issue 17 (10): not "the message could have been about safety" when there was none."""
    await prompted(mother, services, clock)
    await mother.tap("🙂")
    await skip_to_the_end(mother)
    await mother.tap("Start")
    for _ in range(8):
        await mother.tap("Not at all")
    await mother.tap("Several days")  # PHQ-9 item 9
    clock.set(at(21, 10, 31))  # the follow-up comes 90 minutes after the crisis reply
    await tick_and_read(services, mother)  # "are you safe now?"
    replies = await mother.tap("You misunderstood me")
    assert replies[0].text.startswith(
        "Thank you for telling me, and I'm sorry if I got it wrong. I've noted what you said. "
        "Because that questionnaire answer was about safety, I keep a private note of it."
    )
