"""Typed answers to safety questions count as taps, in English and Spanish, and nothing talks over
a waiting safety question: the clarifying question, "are you safe now?" and a questionnaire's
safety item. What she sees, and what is stored on the flag."""

from __future__ import annotations

from datetime import timedelta

import pytest

from companion.bot.context import Services
from companion.bot.mother_view import crisis_block
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.store.flags import read_detail
from companion.store.models import Lane
from companion.store.screenings import read_answers
from tests.chat_helpers import load_mother, onboard, position, t, texts
from tests.checkin_helpers import at, onboarded, tick, tick_and_read
from tests.crisis_texts import (
    CLARIFY_GB,
    CLARIFY_NO_GB,
    EMERGENCY_GB,
    FOLLOWUP_MISREAD_GB,
    FOLLOWUP_SAFE_GB,
    URGENT_GB,
)
from tests.test_questionnaires import (
    NOT_AT_ALL,
    SEVERAL_DAYS,
    answer_items,
    finish_checkin,
    screenings,
)
from tests.test_safety import flags, followup_shown, queued, responses

UNCLEAR_EN = "not suicidal just tired"  # the lexicon's clarifying question
UNCLEAR_ES = "ya no puedo más"  # exhaustion with nothing more: ask directly
# What each keeps the question on: a clear denial is none by the clinical facts, so its question
# waits on a record no clinician is shown; exhaustion with nothing more is a concern, asked.
KEPT = {UNCLEAR_EN: ("none", "question"), UNCLEAR_ES: ("concern", "open")}


def es(services: Services, key: str, **params: object) -> str:
    return services.content.text("es", key, **params)


async def onboard_in_spanish(mother: ChatDriver) -> None:
    await mother.say("/start")
    await mother.tap("Español")
    await mother.tap("Acepto")
    await mother.say("Reino Unido")  # typed, in Spanish
    await mother.say("Londres")
    for label in ("09:00", "Omitir", "No, gracias"):
        await mother.tap(label)


async def asked_to_clarify(mother: ChatDriver, services: Services, text: str = UNCLEAR_EN) -> str:
    """Her unclear words draw the clarifying question; returns its flag's id."""
    [asked] = await mother.say(text)
    assert asked.button_labels[0] in ("Yes, I am", "Sí, los tengo")
    [flag] = await flags(services)
    assert (flag.level, flag.status, flag.asked) == (*KEPT[text], "clar")
    return flag.id


# --- the clarifying question ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["yes", "Yes", "y", "yeah", "yep", "Yes I am", "sometimes", "not sure", "YES!!"]
)
async def test_a_typed_yes_to_the_clarifying_question_gets_the_urgent_reply_and_a_flag(
    mother: ChatDriver, services: Services, typed: str
) -> None:
    await onboard(mother)
    concern_id = await asked_to_clarify(mother, services)
    waiting, replies = await queued(mother, mother.person.text(typed))
    assert waiting == [Lane.EMERGENCY]
    assert texts(replies) == [URGENT_GB]
    assert "What happens next" in replies[0].text
    concern, urgent = await flags(services)
    assert concern.id == concern_id
    assert responses(services, concern) == ["clar:yes:typed"]
    assert concern.asked is None  # answered: no longer waiting
    assert (urgent.level, urgent.source, urgent.status) == ("urgent", "clarify", "open")
    assert read_detail(urgent, services.vault).reasons == ("clar_yes",)


@pytest.mark.parametrize("typed", ["no", "No", "nope", "nah", "No, I'm not", "not really"])
async def test_a_typed_no_to_the_clarifying_question_is_thanked_and_recorded(
    mother: ChatDriver, services: Services, typed: str
) -> None:
    await onboard(mother)
    await asked_to_clarify(mother, services)
    waiting, replies = await queued(mother, mother.person.text(typed))
    assert waiting == [Lane.REPLY]
    assert texts(replies) == [CLARIFY_NO_GB]
    [concern] = await flags(services)
    assert responses(services, concern) == ["clar:no:typed"]
    assert (concern.status, concern.asked) == ("question", None)  # kept, no longer waiting


async def test_a_typed_no_with_worse_words_gets_the_crisis_reply(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    await asked_to_clarify(mother, services)
    replies = await mother.say("no, I just want to die")
    assert texts(replies) == [URGENT_GB]
    concern, urgent = await flags(services)
    assert responses(services, concern) == ["clar:no:typed"]
    assert urgent.level == "urgent"


async def test_other_words_ask_the_question_again_and_it_stays_open(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    flag_id = await asked_to_clarify(mother, services)
    [again] = await mother.say("hello")
    assert again.text == t(services, "crisis.ask_again.clar")
    assert again.button_data("Yes, I am") == f"clar|{flag_id}|yes"
    assert again.button_data("No, I'm not") == f"clar|{flag_id}|no"
    [concern] = await flags(services)
    assert (concern.asked, responses(services, concern)) == ("clar", [])
    replies = await mother.say("yes")  # still heard afterwards
    assert texts(replies) == [URGENT_GB]


async def test_spanish_typed_si_and_no_count_as_taps(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboard_in_spanish(mother)
    await asked_to_clarify(mother, services, UNCLEAR_ES)
    waiting, replies = await queued(mother, mother.person.text("sí"))
    assert waiting == [Lane.EMERGENCY]
    assert replies[0].text.startswith(es(services, "crisis.urgent", crisis="", emergency="")[:30])
    concern, urgent = await flags(services)
    assert responses(services, concern) == ["clar:yes:typed"]
    assert (urgent.level, urgent.source) == ("urgent", "clarify")

    clock.advance(timedelta(days=2))
    [asked] = await mother.say(UNCLEAR_ES)
    assert asked.button_labels == ["Sí, los tengo", "No, no los tengo"]
    replies = await mother.say("No")
    resources = services.content.resources_for("GB")
    assert texts(replies) == [
        es(services, "crisis.clarify_no", crisis=crisis_block(services.content, "es", resources))
    ]
    assert responses(services, (await flags(services))[-1]) == ["clar:no:typed"]


async def test_a_question_asked_later_takes_her_words(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    """Tomorrow's check-in is newer than yesterday's unanswered question: "yes" there is not
    read as an answer to the clarifying question."""
    await onboarded(mother, services)
    clock.set(at(20, 18))
    await asked_to_clarify(mother, services)
    clock.set(at(21, 9))
    assert len(await tick_and_read(services, mother)) == 1  # "How are you feeling today?"
    replies = await mother.say("yes")
    assert "Please tap the answer above that fits best." in texts(replies)  # the mood question
    assert [f.level for f in await flags(services)] == ["none"]


# --- nothing talks over it ----------------------------------------------------------------------


async def test_a_note_that_draws_the_question_holds_the_check_ins_closing_until_she_answers(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboarded(mother, services)
    clock.set(at(21, 9))
    await tick_and_read(services, mother)
    for label in ("🙂", "Skip", "Skip", "Skip", "Skip"):
        await mother.tap(label)
    replies = await mother.say(UNCLEAR_EN)
    assert texts(replies) == [CLARIFY_GB]
    replies = await mother.say("no")
    shown = texts(replies)
    assert shown[0] == CLARIFY_NO_GB
    assert shown[1] == t(services, "checkin.thanks")  # the closing follows her answer


async def test_unclear_words_at_the_mood_question_are_not_talked_over_and_it_resumes(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboarded(mother, services)
    clock.set(at(21, 9))
    await tick_and_read(services, mother)
    replies = await mother.say(UNCLEAR_EN)
    assert texts(replies) == [CLARIFY_GB]
    replies = await mother.say("nope")
    assert texts(replies) == [
        CLARIFY_NO_GB,
        t(services, "checkin.mood.prompt"),
    ]
    assert replies[1].button_labels[0] == t(services, "checkin.mood.button.1")


async def test_a_tapped_answer_resumes_too(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboarded(mother, services)
    clock.set(at(21, 9))
    await tick_and_read(services, mother)
    [asked] = await mother.say(UNCLEAR_EN)
    replies = await mother.deliver(mother.person.press(asked, "No, I'm not"))
    assert texts(replies)[1] == t(services, "checkin.mood.prompt")
    [concern] = await flags(services)
    assert concern.asked is None


# --- "are you safe now?" ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "recorded", "lane"),
    [
        ("no", "safe:unsafe:typed", Lane.EMERGENCY),
        ("not safe", "safe:unsafe:typed", Lane.EMERGENCY),
        ("im not ok", "safe:unsafe:typed", Lane.EMERGENCY),
        ("yes im safe", "safe:safe:typed", Lane.REPLY),
        ("I’m ok", "safe:safe:typed", Lane.REPLY),
        ("yes", "safe:safe:typed", Lane.REPLY),
        ("you misunderstood me", "safe:misread:typed", Lane.REPLY),
    ],
)
async def test_a_typed_answer_to_are_you_safe_is_recorded_and_answered(
    mother: ChatDriver,
    services: Services,
    clock: ManualClock,
    typed: str,
    recorded: str,
    lane: int,
) -> None:
    await followup_shown(mother, services, clock)
    waiting, replies = await queued(mother, mother.person.text(typed))
    assert waiting == [lane]
    first, *new = await flags(services)
    assert responses(services, first) == [recorded]
    assert (first.status, first.asked) == ("open", None)
    if lane == Lane.EMERGENCY:
        assert texts(replies) == [EMERGENCY_GB]
        assert [(f.level, f.source) for f in new] == [("emergency", "followup")]
    else:
        answer = {"safe": FOLLOWUP_SAFE_GB, "misread": FOLLOWUP_MISREAD_GB}
        assert texts(replies) == [answer[recorded.split(":")[1]]]
        assert new == []


async def test_an_unclear_answer_to_are_you_safe_asks_again(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await followup_shown(mother, services, clock)
    [again] = await mother.say("no im fine")  # says both: asked again, not guessed
    assert again.text == t(services, "crisis.ask_again.safe")
    assert again.button_labels == ["I'm safe now", "I'm not safe", "You misunderstood me"]
    [flag] = await flags(services)
    assert flag.asked == "safe"


@pytest.mark.parametrize(
    ("typed", "emergency"), [("no", True), ("no estoy bien", True), ("estoy bien", False)]
)
async def test_spanish_answers_to_are_you_safe(
    mother: ChatDriver, services: Services, clock: ManualClock, typed: str, emergency: bool
) -> None:
    await onboard_in_spanish(mother)
    await mother.say("me quiero morir")
    clock.advance(timedelta(minutes=90))
    assert (await tick(services)).followups == 1
    [asked] = mother.new_messages()
    assert asked.text == es(services, "crisis.followup.ask")
    replies = await mother.say(typed)
    _, *new = await flags(services)
    if emergency:
        assert replies[0].text.startswith(
            es(services, "crisis.emergency", crisis="", emergency="")[:25]
        )
        assert [f.level for f in new] == ["emergency"]
    else:
        assert replies[0].text.startswith(es(services, "crisis.followup.safe", crisis="")[:20])
        assert new == []
    stored = await load_mother(services)
    assert stored is not None
    assert stored.locale == "es"


# --- a questionnaire's safety item ----------------------------------------------------------------


async def at_item_9(mother: ChatDriver, services: Services, clock: ManualClock) -> str:
    mother_id = await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    await answer_items(mother, [NOT_AT_ALL] * 8)
    return mother_id


async def test_a_typed_no_at_item_9_is_not_at_all(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await at_item_9(mother, services, clock)
    replies = await mother.say("no")
    assert replies[0].text.startswith("Your PHQ-9 score is 0 out of 27")
    assert await flags(services) == []
    [phq9, *_] = await screenings(services, mother_id)
    assert read_answers(phq9, services.vault)["harm"] == 0


@pytest.mark.parametrize("typed", ["yes", "sometimes", "Yes"])
async def test_a_typed_yes_at_item_9_gets_the_crisis_reply_and_the_item_stays_open(
    mother: ChatDriver, services: Services, clock: ManualClock, typed: str
) -> None:
    mother_id = await at_item_9(mother, services, clock)
    waiting, replies = await queued(mother, mother.person.text(typed))
    assert waiting == [Lane.EMERGENCY]
    assert texts(replies) == [URGENT_GB]  # nothing talks over it
    [flag] = await flags(services)
    assert (flag.level, flag.source) == ("urgent", "phq9")
    assert read_detail(flag, services.vault).reasons == ("phq9.harm",)
    assert await position(services) == ("q", "phq9.harm")  # she can still say how often
    replies = await mother.tap(SEVERAL_DAYS)
    assert any(m.text.startswith("Your PHQ-9 score is 1 out of 27") for m in replies)
    assert mother_id
