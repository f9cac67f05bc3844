"""Safety end to end: what she sees and what is stored when her words suggest risk, the
"are you safe now?" follow-up, the clarifying question, prompts resting for the day, and risk
spread over several messages. Builds on test_crisis_reply.py (the reply's wording)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from telegram import Update

from companion.bot.context import Services
from companion.bot.crisis import read_words, triage_lexicons
from companion.clock import ManualClock
from companion.core.triage import triage
from companion.delivery.tick import run_tick
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.store.flags import read_detail
from companion.store.models import Lane, Mother, OutboxMessage
from companion.store.safety_models import Flag
from tests.chat_helpers import (
    assert_nothing_stored,
    load_mother,
    onboard,
    position,
    snapshot,
    t,
    texts,
)
from tests.checkin_helpers import (
    add_mother,
    at,
    checkins_of,
    onboarded,
    tick,
    tick_and_read,
    update_mother,
)
from tests.crisis_texts import (
    CLARIFY_GB,
    CLARIFY_NO_GB,
    CONCERN_GB,
    EMERGENCY_GB,
    FOLLOWUP_MISREAD_GB,
    FOLLOWUP_SAFE_GB,
    NO_ANSWER_GB,
    URGENT_GB,
    URGENT_NO_COUNTRY_ANONYMOUS,
)
from tests.flag_helpers import StoredFlag, stored_flags

START = at(20, 12)  # the clock fixture's start: Friday 12:00 UTC, noon in London
SPREAD = ["I'm so tired", "I can't do this anymore", "my baby deserves a better mum"]
# Everything typed in this module: none of it may reach the log.
SAID = [
    "I took all the pills",
    "some days I think about ending it",
    "I want to die",
    "not suicidal just tired",
    "I want to end my life",
    "i want to kill myself",
    "my friend said she wanted to kill herself",
    "i havent eaten properly in days, just not hungry at all",
    *SPREAD,
    "me quiero morir",
    "ya no quiero vivir",
    "me tomé todas las pastillas",
]
OPENINGS = ("Thank you for telling me. Thoughts like these", "I'm worried about your safety")


@pytest.fixture(autouse=True)
def _nothing_said_is_logged_and_nothing_threatens(
    caplog: pytest.LogCaptureFixture, telegram: FakeTelegram
) -> Iterator[None]:
    """Privacy and wording, for every test here: no typed text in any log record, and no reply
    ever implies a child could be taken away."""
    caplog.set_level(logging.INFO)  # libraries at INFO (PTB's DEBUG echoes API calls)
    caplog.set_level(logging.DEBUG, logger="companion")
    yield
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}"
        for phase in ("setup", "call")
        for record in caplog.get_records(phase)  # type: ignore[arg-type]
    ).lower()
    assert not [said for said in SAID if said.lower() in logged]
    shown = [m.text for chat in telegram.messages.values() for m in chat]
    assert not [text for text in shown if "taken" in text.lower()]


def is_crisis(message: SentMessage) -> bool:
    return message.text.startswith(OPENINGS)


async def lanes(services: Services, chat_id: int) -> list[int]:
    """The lanes of the messages waiting for this chat, in the order they were queued."""
    async with services.db.session() as session:
        query = select(OutboxMessage.lane).where(OutboxMessage.chat_id == chat_id)
        return list((await session.scalars(query.order_by(OutboxMessage.id))).all())


async def queued(driver: ChatDriver, update: Update) -> tuple[list[int], list[SentMessage]]:
    """Handle one update, read the lanes of what it queued, then deliver and return it."""
    services: Services = driver.application.bot_data.services
    await driver.handle(update)
    waiting = await lanes(services, driver.chat_id)
    await services.sender.drain()
    return waiting, driver.new_messages()


async def flags(services: Services) -> list[StoredFlag]:
    return await stored_flags(services)


def responses(services: Services, flag: Flag) -> list[str]:
    return [answer for answer, _ in read_detail(flag, services.vault).responses]


async def followup_shown(mother: ChatDriver, services: Services, clock: ManualClock) -> SentMessage:
    """Onboarded; an urgent message at noon; the follow-up 90 minutes later."""
    await onboard(mother)
    await mother.say("I want to die")
    clock.advance(timedelta(minutes=90))
    assert (await tick(services)).followups == 1
    [shown] = mother.new_messages()
    return shown


# --- 1. help first, ahead of everyone's queue -----------------------------------------------------


async def test_an_emergency_goes_out_before_thirty_queued_check_ins(
    mother: ChatDriver, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    await onboard(mother)  # her own check-in is tomorrow at 09:00
    others = [5000 + n for n in range(30)]
    for user_id in others:
        await add_mother(services, user_id, at="13:00")
    clock.set(at(20, 13))
    assert (await run_tick(services)).sent == 30  # queued; the sender has not run yet
    mark = len(telegram.calls)

    replies = await mother.say("I took all the pills")
    sent = [c.params for c in telegram.calls[mark:] if c.method == "sendMessage"]
    assert [int(p["chat_id"]) for p in sent] == [mother.chat_id, *others]
    assert texts(replies) == [EMERGENCY_GB]
    shown = replies[0].text
    assert shown.startswith("I'm worried about your safety right now. Please call 999 now")
    assert shown.index("999") < shown.index("Samaritans")
    assert "What happens next" in shown
    assert "in about 90 minutes" in shown


# --- 2. an urgent note mid check-in ---------------------------------------------------------------


async def test_an_urgent_note_is_answered_first_and_stored_as_an_open_flag(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    await mother.say("/checkin")
    for label in ("😕", "Skip", "Skip", "Skip", "Skip"):
        await mother.tap(label)
    assert await position(services) == ("ci", "note")
    waiting, replies = await queued(mother, mother.person.text("some days I think about ending it"))
    assert waiting == [Lane.EMERGENCY]  # the crisis reply alone: nothing talks over it
    assert texts(replies) == [URGENT_GB]
    assert await position(services) is None  # the check-in is over; her note is kept

    [flag] = await flags(services)
    stored = await load_mother(services)
    assert stored is not None
    assert flag.mother_id == stored.id
    assert (flag.level, flag.source, flag.status) == ("urgent", "note", "open")
    detail = read_detail(flag, services.vault)
    assert detail.reasons == ("suicidal_ideation",)
    lines = [line.id for line in services.content.resources_for("GB").lines]
    assert lines
    assert detail.sent == ("crisis.urgent", "crisis.next_no_clinician", *lines)
    assert detail.responses == ()
    assert (flag.raised_at, flag.followup_sent_at) == (START, None)
    assert flag.followup_at == START + timedelta(minutes=90)
    assert stored.prompts_paused_until == at(21, 0)  # London's next midnight (GMT in November)


# --- 3. the follow-up -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said_at",
    [START, at(20, 22)],  # noon, and 22:00 in London: the follow-up falls in quiet hours
    ids=["noon", "quiet-hours"],
)
async def test_the_follow_up_comes_after_ninety_minutes_once_in_the_emergency_lane(
    mother: ChatDriver, services: Services, clock: ManualClock, said_at: datetime
) -> None:
    await onboard(mother)
    clock.set(said_at)
    await mother.say("I want to die")
    [flag] = await flags(services)
    clock.set(said_at + timedelta(minutes=89))
    assert (await tick(services)).followups == 0
    assert mother.new_messages() == []

    clock.set(said_at + timedelta(minutes=90))
    assert (await run_tick(services)).followups == 1
    assert await lanes(services, mother.chat_id) == [Lane.EMERGENCY]
    await services.sender.drain()
    [asked] = mother.new_messages()
    assert asked.text == t(services, "crisis.followup.ask")
    assert [[(b["text"], b["callback_data"]) for b in row] for row in asked.buttons] == [
        [(t(services, f"crisis.button.{answer}"), f"safe|{flag.id}|{answer}")]
        for answer in ("safe", "unsafe", "misread")
    ]
    assert asked.button_labels == ["I'm safe now", "I'm not safe", "You misunderstood me"]
    [flag] = await flags(services)
    assert (flag.followup_sent_at, flag.status) == (clock.now(), "open")

    for later in (91, 180, 600):
        clock.set(said_at + timedelta(minutes=later))
        assert (await tick(services)).followups == 0
        # Asked once; left unanswered, only the "no answer" message follows (an hour later).
        assert texts(mother.new_messages()) == ([NO_ANSWER_GB] if later == 180 else [])


async def test_two_flags_in_a_row_get_one_follow_up_after_the_latest(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboard(mother)
    await mother.say("I want to die")
    clock.set(START + timedelta(minutes=30))
    await mother.say("I want to kill myself")
    first, second = await flags(services)
    assert (first.followup_at, second.followup_at) == (None, START + timedelta(minutes=120))

    clock.set(START + timedelta(minutes=90))
    assert (await tick(services)).followups == 0
    clock.set(START + timedelta(minutes=120))
    assert (await tick(services)).followups == 1
    [asked] = mother.new_messages()
    assert asked.button_data("I'm safe now") == f"safe|{second.id}|safe"
    clock.set(START + timedelta(hours=5))
    assert (await tick(services)).followups == 0
    # Left unanswered: one "no answer" message, an hour after the follow-up, nothing more.
    assert texts(mother.new_messages()) == [NO_ANSWER_GB]


# --- 4. her answer to the follow-up ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "recorded", "lane", "reply"),
    [
        ("I'm safe now", "safe:safe", Lane.REPLY, FOLLOWUP_SAFE_GB),
        ("You misunderstood me", "safe:misread", Lane.REPLY, FOLLOWUP_MISREAD_GB),
        ("I'm not safe", "safe:unsafe", Lane.EMERGENCY, EMERGENCY_GB),
    ],
)
async def test_her_answer_to_the_follow_up_is_recorded_and_never_closes_the_flag(
    mother: ChatDriver,
    services: Services,
    clock: ManualClock,
    label: str,
    recorded: str,
    lane: int,
    reply: str,
) -> None:
    asked = await followup_shown(mother, services, clock)
    waiting, replies = await queued(mother, mother.person.press(asked, label))
    assert waiting == [lane]
    first, *new = await flags(services)
    assert (first.level, first.status) == ("urgent", "open")  # nothing she says closes it
    assert responses(services, first) == [recorded]
    assert texts(replies) == [reply]
    if lane == Lane.EMERGENCY:  # "I'm not safe": the emergency reply at once, and a new flag
        assert [(f.level, f.source, f.status) for f in new] == [("emergency", "followup", "open")]
        assert read_detail(new[0], services.vault).reasons == ("safe_unsafe",)
        assert new[0].followup_at == clock.now() + timedelta(minutes=90)
    else:
        assert not any(is_crisis(m) for m in replies)  # no crisis text repeated
        assert new == []


@pytest.mark.parametrize("answer", ["safe", "unsafe", "misread"])
async def test_a_follow_up_button_forged_by_another_mother_is_refused(
    mother: ChatDriver,
    services: Services,
    telegram: FakeTelegram,
    clock: ManualClock,
    person_factory: Callable[..., ChatDriver],
    answer: str,
) -> None:
    asked = await followup_shown(mother, services, clock)
    [flag] = await flags(services)
    other = person_factory(1002)
    await onboard(other)
    before = await snapshot(services)
    replies = await other.deliver(other.person.press_data(asked, f"safe|{flag.id}|{answer}"))
    assert replies == []
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert mother.new_messages() == []
    assert await snapshot(services) == before


# --- 5. prompts rest for the rest of her day ------------------------------------------------------


async def test_after_a_crisis_reply_that_days_check_in_is_held_and_the_next_comes(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await update_mother(services, 1001, checkin_time="18:00", next_checkin_at=at(20, 18))
    await mother.say("I want to die")
    clock.set(at(20, 13, 30))
    assert texts(await tick_and_read(services, mother)) == [t(services, "crisis.followup.ask")]
    await mother.tap("I'm safe now")  # answered: no "no answer" message either

    clock.set(at(20, 18))
    report = await run_tick(services)
    assert (report.held, report.sent, report.queued) == (1, 0, 0)
    assert await lanes(services, mother.chat_id) == []
    [held] = await checkins_of(services, mother_id)
    assert held.status == "held"

    clock.set(at(21, 18))
    report = await tick(services)
    assert (report.held, report.sent) == (0, 1)
    assert texts(mother.new_messages())[0].startswith(t(services, "checkin.greeting"))


async def test_after_a_crisis_reply_that_days_reminder_is_not_sent(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await update_mother(services, 1001, reminders=True)
    clock.set(at(21, 9))
    await tick_and_read(services, mother)  # today's prompt; the reminder is due at 13:00
    clock.set(at(21, 11))
    await mother.say("I want to die")
    clock.set(at(21, 13))
    report = await tick(services)
    assert (report.reminded, report.queued) == (0, 1)  # only the follow-up, due 12:30
    assert texts(mother.new_messages()) == [t(services, "crisis.followup.ask")]
    await mother.tap("I'm safe now")
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.status, checkin.remind_at) == ("sent", None)

    clock.set(at(22, 9))
    assert texts(await tick_and_read(services, mother))[0].startswith(
        t(services, "checkin.greeting")
    )


async def test_her_check_in_already_queued_is_not_sent_after_the_crisis_reply(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboarded(mother, services)
    clock.set(at(21, 9))
    assert (await run_tick(services)).sent == 1  # queued behind a busy morning, not yet sent
    replies = await mother.deliver(mother.person.edited("I want to end my life"))
    assert "I won't send your usual check-in questions" in replies[0].text
    assert texts(replies) == [URGENT_GB]


async def test_risk_typed_at_the_mood_question_is_not_followed_by_the_check_in(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboarded(mother, services)
    clock.set(at(21, 9))
    assert len(await tick_and_read(services, mother)) == 1  # "How are you feeling today?"
    replies = await mother.say("I want to die")
    assert replies[0].text == URGENT_GB
    later = texts(replies[1:])
    assert not [text for text in later if t(services, "checkin.mood.prompt") in text]
    assert t(services, "checkin.tap_please") not in later


# --- 6. the clarifying question -------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["Yes, I am", "No, I'm not"])
async def test_the_clarifying_question_and_its_answers(
    mother: ChatDriver, services: Services, answer: str
) -> None:
    """A clear denial is none by the clinical facts: she is asked directly all the same, and the
    question waits on a record no clinician is shown; "yes" raises an urgent flag of its own."""
    text = "not suicidal just tired"
    found = triage(text, services.lexicon)
    assert (found.level, found.ask_clarifying) == ("none", True)
    await onboard(mother)
    [asked] = await mother.say(text)
    assert asked.text == CLARIFY_GB
    assert [[b["text"] for b in row] for row in asked.buttons] == [["Yes, I am", "No, I'm not"]]
    [question] = await flags(services)
    assert (question.level, question.source, question.followup_at) == ("none", "message", None)
    assert question.status == "question"  # not an open flag: no clinician sees it
    assert "negated_needs_clarifying" in read_detail(question, services.vault).reasons

    waiting, replies = await queued(mother, mother.person.press(asked, answer))
    stored = await load_mother(services)
    assert stored is not None
    found_flags = await flags(services)
    question = next(f for f in found_flags if f.id == question.id)
    assert question.status == "question"
    if answer == "Yes, I am":
        assert waiting == [Lane.EMERGENCY]
        assert texts(replies) == [URGENT_GB]
        [urgent] = [f for f in found_flags if f.id != question.id]
        assert (urgent.level, urgent.source, urgent.status) == ("urgent", "clarify", "open")
        assert responses(services, question) == ["clar:yes"]
        assert stored.prompts_paused_until == at(21, 0)
    else:
        assert waiting == [Lane.REPLY]
        assert texts(replies) == [CLARIFY_NO_GB]
        assert [f.level for f in found_flags] == ["none"]
        assert responses(services, question) == ["clar:no"]
        assert stored.prompts_paused_until is None


async def test_a_concern_offers_short_reads_on_support_and_treatment(
    mother: ChatDriver, services: Services
) -> None:
    text = "i havent eaten properly in days, just not hungry at all"  # the model's: appetite
    found = triage(text, services.lexicon)
    assert (found.level, found.ask_clarifying) == ("concern", False)
    assert [reason.split(" ")[0] for reason in found.reasons] == ["model:appetite"]
    await onboard(mother)
    [reply] = await mother.say(text)
    assert reply.text == CONCERN_GB
    support = t(services, "learn.button.topic.support")
    assert reply.button_labels == [support, t(services, "learn.button.topic.treatment")]
    [read] = await mother.tap(support)
    assert read.text.startswith("📖 ")
    assert [f.level for f in await flags(services)] == ["concern"]


# --- 7. words after a command, and edited messages ------------------------------------------------


@pytest.mark.parametrize(
    ("said", "command"),
    [
        ("/help I want to die", "/help"),
        ("/checkin i want to kill myself", "/checkin"),
        ("/mydata I want to die", "/mydata"),
    ],
)
async def test_words_after_a_command_get_the_crisis_reply_instead_of_the_command(
    mother: ChatDriver, services: Services, said: str, command: str
) -> None:
    await onboard(mother)
    waiting, replies = await queued(mother, mother.person.text(said))
    assert waiting == [Lane.EMERGENCY]
    # Only the crisis reply: a check-in or an export now would talk over it.
    assert texts(replies) == [URGENT_GB]
    assert texts(await mother.say(command))  # the command itself still works when sent again
    [flag] = await flags(services)
    assert (flag.level, flag.source) == ("urgent", "command")


async def test_a_message_edited_into_risk_gets_the_crisis_reply(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    waiting, replies = await queued(mother, mother.person.edited("I want to end my life"))
    assert waiting == [Lane.EMERGENCY]
    assert texts(replies) == [URGENT_GB]
    [flag] = await flags(services)
    assert (flag.level, flag.source, flag.status) == ("urgent", "edited", "open")


# --- 8. someone who never set up companion --------------------------------------------------------


async def test_someone_who_never_consented_gets_help_and_nothing_is_stored(
    mother: ChatDriver, services: Services
) -> None:
    replies = await mother.say("I want to die")
    assert texts(replies) == [URGENT_NO_COUNTRY_ANONYMOUS]
    assert "you haven't set up companion" in replies[0].text
    await assert_nothing_stored(services)


# --- 9. risk spread over several messages ---------------------------------------------------------


@pytest.mark.parametrize(("gap", "urgent"), [(20, True), (61, False)])
async def test_risk_spread_over_messages_within_the_hour_gets_the_crisis_reply(
    mother: ChatDriver, services: Services, clock: ManualClock, gap: int, urgent: bool
) -> None:
    lexicon = services.lexicon  # each alone is below urgent; together they are urgent
    assert all(triage(text, lexicon).level in ("none", "concern") for text in SPREAD)
    assert triage(SPREAD[-1], lexicon, SPREAD[:-1]).level == "urgent"
    await onboard(mother)
    shown: list[SentMessage] = []
    for text in SPREAD:
        clock.advance(timedelta(minutes=gap))
        shown += await mother.say(text)
    last = shown[-1]
    assert [is_crisis(m) for m in shown] == [False] * (len(shown) - 1) + [urgent]
    assert (last.text == URGENT_GB) is urgent
    found = await flags(services)
    assert ("urgent" in [f.level for f in found]) is urgent
    reasons = read_detail(found[-1], services.vault).reasons
    assert ("combined_recent_messages" in reasons) is urgent


# --- codes are not words ------------------------------------------------------------------------

# A real invitation code that the triage, reading it as text, rates urgent: split at "_" its
# letters contain "kMS". Codes after /start and /share are machine-made, so they are never read.
CODE_THAT_SPELLS_SLANG = "TF9s4H3kMS8UcD9Pk9Mt7w"


@pytest.mark.parametrize(
    "said", [f"/start p_{CODE_THAT_SPELLS_SLANG}", f"/share {CODE_THAT_SPELLS_SLANG}"]
)
async def test_an_invitation_code_is_not_read_for_risk(
    mother: ChatDriver, services: Services, said: str
) -> None:
    assert triage(f"p_{CODE_THAT_SPELLS_SLANG}", services.lexicon).level == "urgent"
    await onboard(mother)
    replies = await mother.say(said)
    assert not [text for text in texts(replies) if text.startswith("Thank you for telling me")]
    assert await flags(services) == []


# --- 10. her language ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "language_code", "read_with"),
    [
        ("en", "en", ["en"]),  # English alone: one read, as before
        ("en", "es-MX", ["es", "en"]),  # her Telegram app is in Spanish
        ("es", "en", ["es", "en"]),  # she chose Spanish
        ("es", None, ["es", "en"]),
        (None, "es", ["es", "en"]),  # not set up yet: her Telegram app's language
        (None, "fr", ["en"]),  # no French lexicon: English
        (None, None, ["en"]),
    ],
)
def test_her_words_are_read_in_her_language_and_in_english(
    services: Services, locale: str | None, language_code: str | None, read_with: list[str]
) -> None:
    mother = Mother(locale=locale) if locale else None
    lexicons = triage_lexicons(services, mother, language_code)
    assert [lexicon.locale for lexicon in lexicons] == read_with


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("me quiero morir", "urgent"),  # only the Spanish lexicon knows it
        ("I want to die", "urgent"),  # only the English one does
        ("me tomé todas las pastillas", "emergency"),
        ("me muero por un café", None),
    ],
)
def test_a_mother_who_chose_spanish_is_read_in_both(
    services: Services, text: str, level: str | None
) -> None:
    risk = read_words(services, Mother(locale="es"), text, "message", remember=False)
    assert risk is not None
    assert (risk.level if risk.level != "none" else None) == level


async def test_someone_whose_telegram_is_in_spanish_gets_help_for_spanish_words(
    person_factory: Callable[..., ChatDriver], services: Services
) -> None:
    someone = person_factory(2002, language_code="es-MX")
    waiting, replies = await queued(someone, someone.person.text("me quiero morir"))
    assert waiting == [Lane.EMERGENCY]
    assert len(replies) == 1
    await assert_nothing_stored(services)


async def test_an_english_mother_writing_spanish_gets_the_crisis_reply_and_a_flag(
    person_factory: Callable[..., ChatDriver], services: Services
) -> None:
    await add_mother(services, 2003)  # English, as set up; her Telegram app is in Spanish
    mother = person_factory(2003, language_code="es")
    waiting, replies = await queued(mother, mother.person.text("ya no quiero vivir"))
    assert waiting == [Lane.EMERGENCY]
    assert texts(replies) == [URGENT_GB]
    [flag] = await flags(services)
    assert (flag.level, flag.source) == ("urgent", "message")
    assert read_detail(flag, services.vault).reasons == ("suicidal_ideation",)


async def test_spanish_after_a_command_is_read_too(
    person_factory: Callable[..., ChatDriver], services: Services
) -> None:
    await add_mother(services, 2004)
    mother = person_factory(2004, language_code="es-US")
    waiting, replies = await queued(mother, mother.person.text("/help me tomé todas las pastillas"))
    assert waiting == [Lane.EMERGENCY]
    assert texts(replies) == [EMERGENCY_GB]
    [flag] = await flags(services)
    assert (flag.level, flag.source) == ("emergency", "command")
