"""The check-in as she lives it: answers, /checkin and yesterday's back-fill, snoozes, /history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

import pytest

from companion.bot import answers
from companion.bot.context import Services
from companion.bot.steps import Outcome
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from tests.chat_helpers import load_mother, onboard, position, snapshot, t, texts
from tests.checkin_helpers import (
    add_mother,
    answer_rows,
    answers_of,
    assert_prompt,
    at,
    checkin_on,
    checkins_of,
    mood_labels,
    onboarded,
    opened,
    tick,
    tick_and_read,
)

FIRST_DAY = date(2026, 11, 21)  # her first scheduled check-in (onboarded the 20th at 12:00 UTC)


async def prompted(
    mother: ChatDriver, services: Services, clock: ManualClock, moment: datetime
) -> tuple[str, SentMessage]:
    """Onboard, then the scheduled prompt at `moment`; returns her id and the prompt."""
    mother_id = await onboarded(mother, services)
    clock.set(moment)
    [prompt] = await tick_and_read(services, mother)
    return mother_id, prompt


def question(services: Services, name: str) -> str:
    return t(services, f"checkin.{name}.prompt")


def labels(services: Services, name: str, values: range) -> list[str]:
    return [t(services, f"checkin.{name}.button.{value}") for value in values]


SKIP_DONE = ["Skip", "Done for today"]


def first_offer(services: Services) -> str:
    """The questionnaire offered after her first check-in: PHQ-9 and GAD-7 are due at enrolment
    (tests/test_questionnaires.py follows it)."""
    return t(services, "screening.offer", count=9 + 7)


def thanks_with_history(services: Services, message: SentMessage) -> None:
    assert message.text == t(services, "checkin.thanks")
    assert message.button_labels == [t(services, "checkin.button.history")]
    assert message.button_data(t(services, "checkin.button.history")) == "hist|30"


# --- 7. answering ---------------------------------------------------------------------------------


async def test_answering_every_question_stores_each_answer_sealed_with_its_time(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id, prompt = await prompted(mother, services, clock, at(21, 9))
    [checkin] = await checkins_of(services, mother_id)
    asked = prompt.text

    clock.set(at(21, 9, 10))
    replies = await mother.tap("🙂")
    assert texts(replies) == [question(services, "sleep")]
    assert [[b["text"] for b in row] for row in replies[0].buttons] == [
        labels(services, "sleep", range(1, 4)),
        labels(services, "sleep", range(4, 6)),
        SKIP_DONE,
    ]
    shown = mother.telegram.find(mother.chat_id, prompt.message_id)
    assert shown.text == asked + "\n\n✓ 🙂"  # her choice under the question
    assert shown.buttons == []  # and the mood and snooze buttons gone
    assert await answers_of(services, checkin.id) == {"mood": "4"}
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.status == "started"
    assert await position(services) == ("ci", "sleep")

    clock.set(at(21, 9, 11))
    replies = await mother.tap("Well")
    assert texts(replies) == [question(services, "anxiety")]
    assert replies[0].button_labels == [*labels(services, "anxiety", range(4)), *SKIP_DONE]
    clock.set(at(21, 9, 12))
    replies = await mother.tap("Quite a bit")
    assert texts(replies) == [question(services, "closeness")]
    assert replies[0].button_labels == [*labels(services, "closeness", range(1, 6)), *SKIP_DONE]
    clock.set(at(21, 9, 13))
    replies = await mother.tap("Very close")
    assert texts(replies) == [question(services, "support")]
    assert replies[0].button_labels == [*labels(services, "support", range(3)), *SKIP_DONE]
    clock.set(at(21, 9, 14))
    replies = await mother.tap("Some")
    assert texts(replies) == [question(services, "note")]
    assert replies[0].button_labels == ["Skip"]

    note = "Rough night, the baby fed every two hours and I cried at 4am"
    clock.set(at(21, 9, 20))
    replies = await mother.say(note)
    assert texts(replies) == [
        t(services, "checkin.note_saved"),
        t(services, "checkin.thanks"),
        first_offer(services),
    ]
    thanks_with_history(services, replies[1])

    rows = await answer_rows(services, checkin.id)
    assert {q: opened(services, a) for q, a in rows.items()} == {
        "mood": "4",
        "sleep": "4",
        "anxiety": "2",
        "closeness": "5",
        "support": "1",
        "note": note,
    }
    assert {q: a.answered_at for q, a in rows.items()} == {
        "mood": at(21, 9, 10),
        "sleep": at(21, 9, 11),
        "anxiety": at(21, 9, 12),
        "closeness": at(21, 9, 13),
        "support": at(21, 9, 14),
        "note": at(21, 9, 20),
    }
    assert all(a.mother_id == mother_id for a in rows.values())
    assert note.encode() not in rows["note"].value_sealed
    assert b"cried" not in rows["note"].value_sealed
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.status, checkin.completed_at, checkin.remind_at) == (
        "done",
        at(21, 9, 20),
        None,
    )
    assert await position(services) is None


async def test_skip_moves_on_without_storing_and_done_for_today_finishes(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id, _ = await prompted(mother, services, clock, at(21, 9))
    await mother.tap("😐")
    replies = await mother.tap("Skip")  # sleep
    assert texts(replies) == [question(services, "anxiety")]
    clock.set(at(21, 9, 30))
    replies = await mother.tap("Done for today")
    assert len(replies) == 1  # "Done for today" means nothing more today: no questionnaire offer
    thanks_with_history(services, replies[0])
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.status, checkin.completed_at) == ("done", at(21, 9, 30))
    assert await answers_of(services, checkin.id) == {"mood": "3"}
    assert await position(services) is None


async def test_skipping_the_note_finishes_the_checkin(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id, _ = await prompted(mother, services, clock, at(21, 9))
    await mother.tap("😄")
    for _ in ("sleep", "anxiety", "closeness", "support"):
        await mother.tap("Skip")
    replies = await mother.tap_on(mother.latest_with_buttons(), "Skip")  # type: ignore[arg-type]
    assert texts(replies)[1:] == [first_offer(services)]
    thanks_with_history(services, replies[0])
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.status == "done"
    assert await answers_of(services, checkin.id) == {"mood": "5"}


@pytest.mark.parametrize("step", ["mood", "sleep", "note"])
async def test_a_sticker_during_a_question_asks_that_question_again(
    mother: ChatDriver, services: Services, clock: ManualClock, step: str
) -> None:
    mother_id, _ = await prompted(mother, services, clock, at(21, 9))
    if step != "mood":
        await mother.tap("🙂")
    if step == "note":
        for _ in range(4):
            await mother.tap("Skip")
    before = await answers_of(services, (await checkins_of(services, mother_id))[0].id)
    replies = await mother.send_sticker()
    assert texts(replies) == [t(services, "common.sticker_reprompt"), question(services, step)]
    if step == "mood":
        assert replies[1].button_labels == mood_labels(services)
    assert await position(services) == ("ci", step)
    [checkin] = await checkins_of(services, mother_id)
    assert await answers_of(services, checkin.id) == before
    replies = await mother.tap_on(replies[1], replies[1].button_labels[0])
    assert await position(services) != ("ci", step)  # the re-asked question works


async def test_a_question_that_cannot_read_her_words_does_not_keep_help_from_her(
    mother: ChatDriver, services: Services, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong in a step's reading of her text, her words are read for risk."""
    await prompted(mother, services, clock, at(21, 9))

    def unreadable(_turn: object, _text: str) -> Outcome:
        raise ValueError("a step that fails")

    real = answers.step_for
    monkeypatch.setattr(answers, "step_for", lambda name: replace(real(name), on_text=unreadable))
    replies = await mother.say("I want to die")
    assert replies[0].text.startswith("Thank you for telling me.")
    assert not [text for text in texts(replies) if text.startswith("Sorry, something went wrong")]
    assert await position(services) == ("ci", "mood")


async def test_a_typed_number_answers_the_mood_question(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id, _ = await prompted(mother, services, clock, at(21, 9))
    replies = await mother.say(" 4 ")
    assert texts(replies) == [question(services, "sleep")]
    [checkin] = await checkins_of(services, mother_id)
    assert await answers_of(services, checkin.id) == {"mood": "4"}
    replies = await mother.say("2")  # sleep
    assert texts(replies) == [question(services, "anxiety")]
    assert await answers_of(services, checkin.id) == {"mood": "4", "sleep": "2"}


@pytest.mark.parametrize(
    ("step", "typed"),
    [
        ("mood", "hello"),
        ("mood", "9"),
        ("mood", "0"),
        ("sleep", "hello"),
        ("anxiety", "4"),
        # only ASCII digits answer: not a superscript (int() refuses it) nor another script's
        ("mood", "²"),
        ("mood", "٣"),
        ("sleep", "³"),
    ],
)
async def test_other_text_at_a_button_question_asks_for_a_tap(
    mother: ChatDriver, services: Services, clock: ManualClock, step: str, typed: str
) -> None:
    mother_id, _ = await prompted(mother, services, clock, at(21, 9))
    for _ in ("sleep", "anxiety")[: ("mood", "sleep", "anxiety").index(step)]:
        await mother.say("3")
    [checkin] = await checkins_of(services, mother_id)
    before = await answers_of(services, checkin.id)
    replies = await mother.say(typed)
    # The mood question has no Skip, so its words don't offer one.
    please = {
        "mood": "Please tap the answer above that fits best.",
        "sleep": "Please tap one of the buttons above, or Skip.",
        "anxiety": "Please tap one of the buttons above, or Skip.",
    }[step]
    assert texts(replies) == [please, question(services, step)]
    assert ("Skip" in replies[1].button_labels) == (step != "mood")
    assert replies[1].buttons == mother.latest_with_buttons().buttons  # type: ignore[union-attr]
    assert await position(services) == ("ci", step)
    assert await answers_of(services, checkin.id) == before


async def test_a_button_from_an_answered_question_changes_nothing(
    mother: ChatDriver, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    _, prompt = await prompted(mother, services, clock, at(21, 9))
    await mother.tap("🙂")
    await mother.tap("Done for today")
    before = await snapshot(services)
    replies = await mother.deliver(mother.person.press_data(prompt, "st|ci|mood|1"))
    assert replies == []
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert await snapshot(services) == before


# --- 8. /checkin ---------------------------------------------------------------------------------


async def test_checkin_command_starts_todays_checkin_at_any_time(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    clock.set(at(20, 18))
    replies = await mother.say("/checkin")
    assert texts(replies) == [question(services, "mood")]
    assert replies[0].button_labels == mood_labels(services)
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.local_date, checkin.status, checkin.backfill) == (
        date(2026, 11, 20),
        "started",
        False,
    )
    assert checkin.due_at == at(20, 18)
    assert await position(services) == ("ci", "mood")
    await mother.tap("😕")
    assert await answers_of(services, checkin.id) == {"mood": "2"}


async def test_checkin_command_after_the_prompt_uses_the_same_checkin_and_cancels_its_reminder(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await mother.say("/settings")
    await mother.tap("Reminders")
    await mother.tap("Yes, remind me")
    clock.set(at(21, 9))
    await tick_and_read(services, mother)
    clock.set(at(21, 10))
    replies = await mother.say("/checkin")
    assert texts(replies) == [question(services, "mood")]
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.status, checkin.remind_at) == ("sent", None)
    clock.set(at(21, 13))
    assert await tick_and_read(services, mother) == []


async def test_the_prompt_does_not_come_when_she_checked_in_earlier_that_day(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    clock.set(at(21, 7))
    await mother.say("/checkin")
    await mother.tap("🙂")
    clock.set(at(21, 9))
    report = await tick(services)
    assert (report.sent, report.duplicates) == (0, 1)
    assert mother.new_messages() == []
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.status == "started"


async def test_checkin_command_when_already_done_says_so(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    clock.set(at(20, 15))
    await mother.say("/checkin")
    await mother.tap("🙂")
    await mother.tap("Done for today")
    before = await snapshot(services)
    replies = await mother.say("/checkin")
    assert texts(replies) == [t(services, "checkin.already_done")]
    assert await snapshot(services) == before
    assert len(await checkins_of(services, mother_id)) == 1


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (
            "/pause",
            "Check-ins are paused at the moment. Send /resume to start them again, then /checkin.",
        ),
        (
            "/stop",
            "Check-ins are stopped at the moment. Send /resume to start them again, then /checkin.",
        ),
    ],
)
async def test_checkin_command_when_paused_says_checkins_are_off(
    mother: ChatDriver, services: Services, clock: ManualClock, command: str, said: str
) -> None:
    mother_id = await onboarded(mother, services)
    await mother.say(command)
    replies = await mother.say("/checkin")
    assert texts(replies) == [said]
    assert await checkins_of(services, mother_id) == []
    assert await position(services) is None


async def test_checkin_command_before_setting_up_says_so(
    mother: ChatDriver, services: Services
) -> None:
    replies = await mother.say("/checkin")
    assert texts(replies) == [t(services, "common.not_set_up")]
    assert await load_mother(services) is None


async def test_an_unanswered_yesterday_is_offered_and_can_be_filled_in(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id, _ = await prompted(mother, services, clock, at(21, 9))  # not answered
    clock.set(at(22, 8))
    replies = await mother.say("/checkin")
    assert texts(replies) == [t(services, "checkin.which_day")]
    assert replies[0].button_labels == ["Today", "Yesterday"]
    assert len(await checkins_of(services, mother_id)) == 1  # nothing new until she chooses

    clock.set(at(22, 8, 1))
    replies = await mother.tap("Yesterday")
    assert texts(replies) == [
        t(services, "checkin.backfill_intro", date="21 November 2026"),
        "How were you feeling yesterday?\n😞 very low · 😕 low · 😐 okay · 🙂 good · 😄 very good",
    ]
    assert replies[1].button_labels == mood_labels(services)
    [yesterday] = await checkins_of(services, mother_id)
    assert (yesterday.local_date, yesterday.backfill) == (FIRST_DAY, True)
    replies = await mother.tap("😕")
    assert texts(replies) == ["How did you sleep the night before yesterday?"]
    await mother.tap("Done for today")
    yesterday = await checkin_on(services, mother_id, FIRST_DAY)  # type: ignore[assignment]
    assert (yesterday.status, yesterday.completed_at) == ("done", at(22, 8, 1))
    assert await answers_of(services, yesterday.id) == {"mood": "2"}

    replies = await mother.say("/checkin")  # yesterday is filled in now: today's
    assert texts(replies) == [question(services, "mood")]
    today = await checkin_on(services, mother_id, date(2026, 11, 22))
    assert today is not None
    assert (today.status, today.backfill) == ("started", False)


@pytest.mark.parametrize("moment", [at(20, 18), at(21, 8), at(22, 10)])
async def test_a_forged_yesterday_press_is_refused_unless_yesterday_was_missed(
    mother: ChatDriver,
    services: Services,
    clock: ManualClock,
    telegram: FakeTelegram,
    moment: datetime,
) -> None:
    """Set up on the 20th at noon (09:00 check-ins): on the 20th and the 21st before 09:00 there
    is no missed day; on the 22nd, the 21st was answered."""
    mother_id = await onboarded(mother, services)
    if moment.day == 22:
        clock.set(at(21, 9))
        await tick_and_read(services, mother)
        await mother.tap("🙂")
        await mother.tap("Done for today")
    clock.set(moment)
    before = await snapshot(services)
    [help_reply] = await mother.say("/help")
    replies = await mother.deliver(mother.person.press_data(help_reply, "cin|yesterday"))
    assert replies == []
    assert telegram.callback_answers[-1]["text"] == (
        "That question has already been answered. /settings changes any of your answers."
    )
    assert await snapshot(services) == before
    assert len(await checkins_of(services, mother_id)) == (1 if moment.day == 22 else 0)


async def test_a_yesterday_without_any_row_is_offered_and_created_as_a_backfill(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    clock.set(at(22, 19))  # no tick ran on the 21st
    replies = await mother.say("/checkin")
    assert texts(replies) == [t(services, "checkin.which_day")]
    replies = await mother.tap("Yesterday")
    assert replies[0].text == t(services, "checkin.backfill_intro", date="21 November 2026")
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.local_date, checkin.status, checkin.backfill) == (FIRST_DAY, "started", True)
    assert checkin.due_at == at(22, 19)


async def test_choosing_today_starts_todays_checkin(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id, _ = await prompted(mother, services, clock, at(21, 9))
    clock.set(at(22, 8))
    await mother.say("/checkin")
    replies = await mother.tap("Today")
    assert texts(replies) == [question(services, "mood")]
    checkins = await checkins_of(services, mother_id)
    assert [(c.local_date, c.status, c.backfill) for c in checkins] == [
        (FIRST_DAY, "sent", False),
        (date(2026, 11, 22), "started", False),
    ]
    await mother.tap("🙂")
    assert await answers_of(services, checkins[1].id) == {"mood": "4"}


async def test_the_day_she_set_up_after_her_time_is_not_offered_as_missed(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    """Onboarded at 12:00 with 09:00: her first check-in was the next day, so nothing was
    missed the day she set up."""
    mother_id = await onboarded(mother, services)
    clock.set(at(21, 8))
    replies = await mother.say("/checkin")
    assert texts(replies) == [question(services, "mood")]
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.local_date, checkin.backfill) == (FIRST_DAY, False)


async def test_the_day_she_set_up_before_her_time_counts_when_unanswered(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    clock.set(at(20, 7))
    await onboarded(mother, services)
    clock.set(at(20, 9))
    assert len(await tick_and_read(services, mother)) == 1
    clock.set(at(21, 8))
    replies = await mother.say("/checkin")
    assert texts(replies) == [t(services, "checkin.which_day")]


async def test_an_answered_yesterday_is_not_offered(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await prompted(mother, services, clock, at(21, 9))
    await mother.tap("🙂")  # started, not finished: still answered
    clock.set(at(22, 8))
    replies = await mother.say("/checkin")
    assert texts(replies) == [question(services, "mood")]


# --- 10. snooze ----------------------------------------------------------------------------------


async def test_snooze_one_hour_asks_again_an_hour_later_without_reminders_on(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id, prompt = await prompted(mother, services, clock, at(21, 9))
    [checkin] = await checkins_of(services, mother_id)
    clock.set(at(21, 9, 10))
    replies = await mother.tap("Snooze 1 h")
    assert texts(replies) == [t(services, "checkin.snoozed", time="10:10")]
    assert mother.telegram.find(mother.chat_id, prompt.message_id).buttons == []
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.status, checkin.remind_at) == ("sent", at(21, 10, 10))

    clock.set(at(21, 10, 9))
    assert await tick_and_read(services, mother) == []
    clock.set(at(21, 10, 10))
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1
    assert_prompt(services, replies[0], checkin.id, reminder=True)
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.remind_at is None
    clock.set(at(21, 12))
    assert await tick_and_read(services, mother) == []

    clock.set(at(21, 10, 20))  # she can snooze the reminder too
    replies = await mother.tap("Snooze 3 h")
    assert texts(replies) == [t(services, "checkin.snoozed", time="13:20")]
    clock.set(at(21, 13, 20))
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1
    assert_prompt(services, replies[0], checkin.id, reminder=True)


async def test_snooze_times_are_her_local_times(
    person_factory: Callable[..., ChatDriver], services: Services, clock: ManualClock
) -> None:
    her = person_factory(4001)
    mother_id = await add_mother(services, 4001, zone="America/New_York", country="US")
    clock.set(at(20, 14))  # 09:00 EST
    assert len(await tick_and_read(services, her)) == 1
    clock.set(at(20, 14, 5))
    replies = await her.tap("Snooze 3 h")
    assert texts(replies) == [t(services, "checkin.snoozed", time="12:05")]
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.remind_at == at(20, 17, 5)
    clock.set(at(20, 17, 5))
    assert len(await tick_and_read(services, her)) == 1


@pytest.mark.parametrize(
    ("checkin_time", "snoozed_at", "button", "promised"),
    [
        pytest.param("09:00", at(21, 21, 30), "Snooze 1 h", "09:00", id="late-evening"),
        pytest.param("09:00", at(21, 20), "Snooze 3 h", "09:00", id="evening-3h"),
        pytest.param("07:00", at(21, 19, 5), "Snooze 3 h", "07:00", id="checkin-at-7"),
    ],
)
async def test_a_snooze_into_the_night_promises_her_next_checkin_and_keeps_it(
    mother: ChatDriver,
    services: Services,
    clock: ManualClock,
    checkin_time: str,
    snoozed_at: datetime,
    button: str,
    promised: str,
) -> None:
    """Quiet hours run 22:00-07:00 and a day's reminder never comes the next day, so a snooze
    into the night is answered with the time she will really be asked: her next check-in."""
    mother_id = await onboarded(mother, services, time=checkin_time)
    clock.set(at(21, int(checkin_time[:2])))
    await tick_and_read(services, mother)
    clock.set(snoozed_at)
    replies = await mother.tap(button)
    assert texts(replies) == [
        f"Okay. That would be during the night, so I'll ask at your next check-in, tomorrow at "
        f"{promised}."
    ]
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.remind_at is None
    stored = await load_mother(services)
    assert stored is not None
    assert stored.unanswered == 0  # she snoozed it: not a silence towards the nudge
    for moment in (at(21, 22, 30), at(22, 0, 30), at(22, 6, 59)):
        clock.set(moment)
        assert await tick_and_read(services, mother) == []
    clock.set(at(22, int(promised[:2])))
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1  # asked, as promised, exactly once
    assert replies[0].text.startswith(t(services, "checkin.greeting"))


@pytest.mark.parametrize("settings_overrides", [{"quiet_hours": "12:30-14:00"}])
async def test_a_snooze_into_a_daytime_quiet_window_asks_when_it_ends(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id, _ = await prompted(mother, services, clock, at(21, 9))
    clock.set(at(21, 12))
    replies = await mother.tap("Snooze 1 h")
    assert texts(replies) == [t(services, "checkin.snoozed_quiet", time="14:00")]
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.remind_at == at(21, 14)
    clock.set(at(21, 13, 59))
    assert await tick_and_read(services, mother) == []
    clock.set(at(21, 14))
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1
    assert_prompt(services, replies[0], checkin.id, reminder=True)


async def test_a_snooze_for_another_mothers_checkin_is_refused(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    clock: ManualClock,
    telegram: FakeTelegram,
) -> None:
    first, second = person_factory(1001), person_factory(1002)
    await onboard(first)
    await onboard(second)
    clock.set(at(21, 9))
    await tick(services)
    [first_prompt], [second_prompt] = first.new_messages(), second.new_messages()
    first_id = first_prompt.button_data("Snooze 1 h").split("|")[1]
    before = await snapshot(services)
    replies = await second.deliver(second.person.press_data(second_prompt, f"snz|{first_id}|1"))
    assert replies == []
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert await snapshot(services) == before


async def test_a_snooze_after_she_answered_is_refused(
    mother: ChatDriver, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    _, prompt = await prompted(mother, services, clock, at(21, 9))
    snooze = prompt.button_data("Snooze 1 h")
    await mother.tap("🙂")
    before = await snapshot(services)
    replies = await mother.deliver(mother.person.press_data(prompt, snooze))
    assert replies == []
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert await snapshot(services) == before


async def test_a_snooze_on_yesterdays_prompt_is_refused(
    mother: ChatDriver, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    """Yesterday's reminder would never come (a day's reminder is dropped the next day), so
    the button must not promise one."""
    _, prompt = await prompted(mother, services, clock, at(21, 9))
    clock.set(at(22, 8))
    before = await snapshot(services)
    replies = await mother.tap_on(prompt, "Snooze 1 h")
    assert replies == []
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert await snapshot(services) == before


async def test_a_snooze_while_paused_promises_nothing(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id, _ = await prompted(mother, services, clock, at(21, 9))
    await mother.say("/pause")
    clock.set(at(21, 10))
    replies = await mother.tap("Snooze 1 h")
    assert texts(replies) == [t(services, "checkin.not_active")]
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.remind_at is None


# --- 12. /history ---------------------------------------------------------------------------------


async def check_in_today(mother: ChatDriver, services: Services, mood: str) -> list[SentMessage]:
    replies = await mother.say("/checkin")
    if texts(replies) == [t(services, "checkin.which_day")]:
        replies = await mother.tap("Today")
    assert texts(replies)[-1] == question(services, "mood")
    await mother.tap_on(replies[-1], mood)
    return await mother.tap("Done for today")


def assert_history(services: Services, message: SentMessage, caption: list[str]) -> None:
    assert message.photo is not None
    assert message.photo.startswith(b"\x89PNG\r\n\x1a\n")
    assert message.protect_content is True
    assert message.text == "\n".join(caption)


@pytest.mark.parametrize(
    ("earlier", "recent", "direction", "low"),
    [
        pytest.param("😕", "🙂", "better", 3, id="better"),
        pytest.param("🙂", "😞", "worse", 3, id="worse"),
        pytest.param("😐", "😐", "steady", 0, id="steady"),
    ],
)
async def test_history_shows_a_chart_and_two_lines_about_her_last_30_days(
    mother: ChatDriver,
    services: Services,
    clock: ManualClock,
    earlier: str,
    recent: str,
    direction: str,
    low: int,
) -> None:
    await onboarded(mother, services)
    # /history on 3 December: the last 7 days are 27 Nov - 3 Dec, the 7 before 20-26 Nov.
    for day, mood in ((20, earlier), (22, earlier), (24, earlier)):
        clock.set(at(day, 18))
        await check_in_today(mother, services, mood)
    for day, month, mood in ((28, 11, recent), (30, 11, recent), (2, 12, recent)):
        clock.set(at(day, 18, month=month))
        await check_in_today(mother, services, mood)
    clock.set(at(3, 10, month=12))
    replies = await mother.say("/history")
    assert len(replies) == 1
    assert_history(
        services,
        replies[0],
        [
            t(
                services,
                "history.answered_since",
                date="20 November 2026",
                answered=6,
                days=14,
                low=low,
            ),
            t(services, f"history.{direction}"),
        ],
    )


async def test_history_with_one_day_has_no_trend_yet_and_the_button_shows_the_same(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    _, _ = await prompted(mother, services, clock, at(21, 9))
    await mother.tap("😞")
    replies = await mother.tap("Done for today")
    caption = [
        t(services, "history.answered_since", date="21 November 2026", answered=1, days=1, low=1),
        t(services, "history.unknown"),
    ]
    pressed = await mother.tap_on(replies[0], t(services, "checkin.button.history"))
    assert len(pressed) == 1
    assert_history(services, pressed[0], caption)
    typed = await mother.say("/history")
    assert len(typed) == 1
    assert_history(services, typed[0], caption)
    assert typed[0].photo == pressed[0].photo


async def test_history_counts_a_filled_in_yesterday_on_its_own_day(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await prompted(mother, services, clock, at(21, 9))
    clock.set(at(22, 8))
    await mother.say("/checkin")
    await mother.tap("Yesterday")
    await mother.tap("😄")
    await mother.tap("Done for today")
    replies = await mother.say("/history")
    first = t(
        services, "history.answered_since", date="21 November 2026", answered=1, days=2, low=0
    )
    assert replies[0].text.startswith(first)
    assert replies[0].photo is not None


async def test_history_without_answers_says_none_yet_and_sends_no_photo(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await prompted(mother, services, clock, at(21, 9))  # asked, never answered
    replies = await mother.say("/history")
    assert texts(replies) == [t(services, "history.none_yet")]
    assert replies[0].photo is None


async def test_history_before_setting_up_says_so(mother: ChatDriver, services: Services) -> None:
    replies = await mother.say("/history")
    assert texts(replies) == [t(services, "common.not_set_up")]
    assert replies[0].photo is None
