"""Groups and channels, and input companion can't use: stickers, huge texts, old or forged
buttons, edits, locations outside a question, and a handler that fails."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import ChatMemberAdministrator, ChatMemberBanned, ChatMemberLeft, User

from companion.bot import steps
from companion.bot.context import Services
from companion.bot.steps import Step, Turn
from companion.clock import ManualClock
from companion.core.triage_text import _cached_message
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.delivery.tick import run_tick
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import BOT_USER, FakeTelegram, SentMessage
from companion.devtools.telegram_limits import NOT_MODIFIED
from companion.store.models import Lane
from companion.store.mothers import read_birth_date
from tests.chat_helpers import (
    assert_nothing_stored,
    consent,
    load_mother,
    onboard,
    position,
    reach,
    snapshot,
    stored_counts,
    t,
    texts,
)

GROUP_ID = -1001234567890
FOREVER = datetime(2100, 1, 1, tzinfo=UTC)
BOT = User(int(BOT_USER["id"]), "companion", is_bot=True)  # type: ignore[call-overload]


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


# --- groups, supergroups and channels -----------------------------------------------------------


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
@pytest.mark.parametrize("said", ["hello everyone", "/start", "/help", "/settings"])
async def test_a_message_in_a_group_gets_the_refusal_and_companion_leaves(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    telegram: FakeTelegram,
    chat_type: str,
    said: str,
) -> None:
    group = person_factory(1001, chat_type=chat_type, chat_id=GROUP_ID)
    replies = await group.say(said)
    assert texts(replies) == [t(services, "common.group_refusal")]
    assert telegram.left_chats == [GROUP_ID]
    assert telegram.sent_to(1001) == []
    await assert_nothing_stored(services)


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_being_added_to_a_group_gets_the_refusal_and_companion_leaves(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    telegram: FakeTelegram,
    chat_type: str,
) -> None:
    group = person_factory(1001, chat_type=chat_type, chat_id=GROUP_ID)
    replies = await group.deliver(group.person.added_to_group())
    assert texts(replies) == [t(services, "common.group_refusal")]
    assert telegram.left_chats == [GROUP_ID]
    await assert_nothing_stored(services)


async def test_being_made_admin_of_a_group_still_leaves(
    person_factory: Callable[..., ChatDriver], services: Services, telegram: FakeTelegram
) -> None:
    group = person_factory(1001, chat_type="supergroup", chat_id=GROUP_ID)
    admin = ChatMemberAdministrator(
        BOT, True, False, False, False, False, False, False, False, False, False, False, False
    )
    replies = await group.deliver(group.person.added_to_group(admin))
    assert texts(replies) == [t(services, "common.group_refusal")]
    assert telegram.left_chats == [GROUP_ID]
    await assert_nothing_stored(services)


# The clinic's backup chat for repeated alerts may be a group: companion stays there, says what
# it is for, and reads nothing written in it. Every other group is still refused and left.
AS_BACKUP = [{"backup_chat_id": GROUP_ID}]


@pytest.mark.parametrize("settings_overrides", AS_BACKUP)
@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_the_clinics_backup_group_is_greeted_not_left_and_never_read(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    telegram: FakeTelegram,
    chat_type: str,
) -> None:
    group = person_factory(1001, chat_type=chat_type, chat_id=GROUP_ID)
    [greeting] = await group.deliver(group.person.added_to_group())
    assert greeting.text == t(services, "common.backup_group", minutes=15)
    assert "within 15 minutes, it is repeated here once" in greeting.text
    for said in ("hello everyone", "/start", "/help", "I want to die"):
        assert await group.say(said) == []
    assert telegram.left_chats == []
    assert telegram.sent_to(1001) == []
    await assert_nothing_stored(services)


@pytest.mark.parametrize("settings_overrides", AS_BACKUP)
async def test_with_a_backup_group_set_any_other_group_is_still_left(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="companion")
    other = person_factory(1001, chat_type="supergroup", chat_id=GROUP_ID - 1)
    replies = await other.deliver(other.person.added_to_group())
    assert texts(replies) == [t(services, "common.group_refusal")]
    assert telegram.left_chats == [GROUP_ID - 1]
    # The id a clinic needs to name its group as the backup chat is in the log.
    assert f"event=left_non_private_chat chat_type=supergroup chat_id={GROUP_ID - 1}" in caplog.text
    await assert_nothing_stored(services)


@pytest.mark.parametrize("settings_overrides", AS_BACKUP)
async def test_a_backup_group_upgraded_to_a_supergroup_is_followed_and_its_new_id_logged(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="companion")
    upgraded_id = GROUP_ID - 5
    upgraded = person_factory(1001, chat_type="supergroup", chat_id=upgraded_id)
    assert await upgraded.deliver(upgraded.person.moved_from(GROUP_ID)) == []
    assert telegram.left_chats == []
    assert f"event=backup_group_moved new_chat_id={upgraded_id}" in caplog.text

    telegram.upgrade_group(GROUP_ID, upgraded_id)  # Telegram's 400 with migrate_to_chat_id
    async with services.db.session() as session:
        await enqueue(
            session, services.vault, chat_id=GROUP_ID, replies=[Reply("A repeated alert")],
            lane=Lane.EMERGENCY, now=services.clock.now(),
        )  # fmt: skip
    await services.sender.drain()
    assert [m.text for m in telegram.sent_to(upgraded_id)] == ["A repeated alert"]
    assert telegram.sent_to(GROUP_ID) == []
    assert f"new_chat_id={upgraded_id}" in caplog.text.split("event=outbox_chat_moved")[1]


@pytest.mark.parametrize("gone", [ChatMemberLeft(BOT), ChatMemberBanned(BOT, until_date=FOREVER)])
async def test_being_removed_from_a_group_sends_nothing(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    telegram: FakeTelegram,
    gone: object,
) -> None:
    group = person_factory(1001, chat_type="group", chat_id=GROUP_ID)
    replies = await group.deliver(group.person.added_to_group(gone))
    assert replies == []
    assert telegram.left_chats == []
    assert "sendMessage" not in telegram.methods()
    await assert_nothing_stored(services)


async def test_a_channel_gets_no_message_but_is_left(
    person_factory: Callable[..., ChatDriver], services: Services, telegram: FakeTelegram
) -> None:
    channel = person_factory(1001, chat_type="channel", chat_id=GROUP_ID)
    assert await channel.say("a post") == []
    assert await channel.deliver(channel.person.added_to_group()) == []
    assert telegram.left_chats == [GROUP_ID, GROUP_ID]
    assert "sendMessage" not in telegram.methods()
    await assert_nothing_stored(services)


async def test_a_consent_button_pressed_in_a_group_enrols_nobody(
    person_factory: Callable[..., ChatDriver], services: Services, telegram: FakeTelegram
) -> None:
    group = person_factory(1001, chat_type="group", chat_id=GROUP_ID)
    shown = SentMessage(GROUP_ID, 1, "May companion store your settings?")
    replies = await group.deliver(group.person.press_data(shown, "consent|yes"))
    assert texts(replies) == [t(services, "common.group_refusal")]
    assert telegram.left_chats == [GROUP_ID]
    await assert_nothing_stored(services)


async def test_a_mother_writing_in_a_group_changes_nothing_about_her(
    person_factory: Callable[..., ChatDriver], services: Services, telegram: FakeTelegram
) -> None:
    private = person_factory(1001)
    await reach(private, "checkin_time")
    before = await snapshot(services)
    group = person_factory(1001, chat_type="group", chat_id=GROUP_ID)
    replies = await group.say("21:00")
    assert texts(replies) == [t(services, "common.group_refusal")]
    assert await snapshot(services) == before
    assert private.new_messages() == []


async def test_a_failing_leave_is_logged_not_raised(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(FakeTelegram, "_api_leaveChat")  # the fake answers 404 Not Found
    group = person_factory(1001, chat_type="group", chat_id=GROUP_ID)
    with caplog.at_level(logging.INFO):
        replies = await group.say("hello")
    assert texts(replies) == [t(services, "common.group_refusal")]
    assert any("event=leave_chat_failed" in record.getMessage() for record in caplog.records)
    assert errors_logged(caplog) == []
    await assert_nothing_stored(services)


# --- edited messages ----------------------------------------------------------------------------


async def test_an_edited_message_is_ignored(
    mother: ChatDriver,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await reach(mother, "country")
    before, calls = await snapshot(services), len(telegram.calls)
    replies = await mother.deliver(mother.person.edited("Germany"))
    assert replies == []
    assert len(telegram.calls) == calls
    assert await snapshot(services) == before
    assert await position(services) == ("ob", "country")
    assert errors_logged(caplog) == []


async def test_an_edited_command_before_consent_is_ignored(
    mother: ChatDriver, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    assert await mother.deliver(mother.person.edited("/start")) == []
    await assert_nothing_stored(services)
    assert errors_logged(caplog) == []


# --- stickers and other media -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "prompt_keys"),
    [
        ("country", ["onboarding.country.prompt"]),
        ("timezone", ["onboarding.timezone.prompt", "onboarding.timezone.location_hint"]),
        ("checkin_time", ["onboarding.checkin_time.prompt"]),
    ],
)
async def test_a_sticker_mid_question_asks_the_same_question_again(
    mother: ChatDriver, services: Services, step: str, prompt_keys: list[str]
) -> None:
    asked = await reach(mother, step)
    before = await snapshot(services)
    replies = await mother.send_sticker()
    assert texts(replies) == [
        t(services, "common.sticker_reprompt"),
        *[t(services, key) for key in prompt_keys],
    ]
    assert replies[1].button_labels == asked[-len(prompt_keys)].button_labels
    assert await snapshot(services) == before
    assert await position(services) == ("ob", step)


async def test_a_sticker_at_the_birth_date_asks_again_with_skip(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "birth_date")
    before = await snapshot(services)
    replies = await mother.send_sticker()
    assert texts(replies) == [
        t(services, "common.sticker_reprompt"),
        t(services, "onboarding.birth_date.prompt", example="23/04/2026"),
    ]
    assert replies[1].button_labels == ["Skip"]
    assert await snapshot(services) == before
    # The re-asked question's button works.
    replies = await mother.tap("Skip")
    assert replies[0].text == t(services, "onboarding.birth_date.skipped")


async def test_a_sticker_before_consent_gets_crisis_lines_and_stores_nothing(
    mother: ChatDriver, services: Services
) -> None:
    replies = await mother.send_sticker()
    assert len(replies) == 1
    assert replies[0].text.startswith("Thank you for sending this.")
    assert t(services, "help.crisis.emergency_unknown") in replies[0].text
    assert "https://findahelpline.com" in replies[0].text
    await assert_nothing_stored(services)


async def test_a_sticker_after_set_up_gets_her_countrys_crisis_lines(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    before = await snapshot(services)
    replies = await mother.send_sticker()
    assert len(replies) == 1
    assert replies[0].text.startswith("Thank you for sending this.")
    assert "🚨 Emergency: call 999" in replies[0].text
    assert "Samaritans" in replies[0].text
    assert await snapshot(services) == before


# --- text and locations outside a question ------------------------------------------------------


async def test_text_before_consent_points_to_start_with_an_emergency_line_and_stores_nothing(
    mother: ChatDriver, services: Services
) -> None:
    replies = await mother.say("rough night, feeling a bit flat")
    assert texts(replies) == [
        "Hello! Send /start to set up companion.\n"
        "If you ever feel unsafe, call your local emergency number."
    ]
    await assert_nothing_stored(services)


def cached_readings() -> int:
    return _cached_message.cache_info().currsize


async def test_text_after_set_up_gets_a_short_line_with_her_countrys_emergency_number(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboard(mother, "United States", "Eastern (New York)")
    before = await snapshot(services)
    replies = await mother.say("rough night, feeling a bit flat")
    assert len(replies) == 1
    assert replies[0].text.startswith("Thanks for your message. I can't chat, but here is what")
    assert replies[0].text.endswith("If you ever feel unsafe, call 911.")
    assert "988" not in replies[0].text  # every line only for worrying words
    # Kept (sealed) for an hour only, to be read with her next message; the tick then drops it.
    mother_row = await load_mother(services)
    assert mother_row is not None
    assert mother_row.recent_sealed is not None
    assert mother_row.recent_until == services.clock.now() + timedelta(hours=1)
    assert cached_readings() > 0  # the triage's in-memory readings, to spare a second read
    clock.advance(timedelta(hours=1))
    await run_tick(services)
    mother_row = await load_mother(services)
    assert mother_row is not None
    assert (mother_row.recent_sealed, mother_row.recent_until) == (None, None)
    assert cached_readings() == 0  # they do not outlive the sealed copy
    assert await snapshot(services) == before


async def test_a_location_outside_a_question_is_not_kept(
    mother: ChatDriver, services: Services
) -> None:
    replies = await mother.share_location(51.5, -0.12)
    assert texts(replies) == [t(services, "common.location_elsewhere")]
    await assert_nothing_stored(services)

    await onboard(mother)
    before = await snapshot(services)
    replies = await mother.share_location(40.71, -74.0)
    assert texts(replies) == [t(services, "common.location_elsewhere")]
    assert await snapshot(services) == before
    stored = await load_mother(services)
    assert stored is not None
    assert stored.timezone == "Europe/London"


# --- a huge text at a question ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "key"),
    [
        ("country", "onboarding.country.unknown"),
        ("timezone", "onboarding.timezone.unknown"),
        ("checkin_time", "onboarding.checkin_time.not_a_time"),
        ("birth_date", "onboarding.birth_date.not_a_date"),
    ],
)
@pytest.mark.parametrize("huge", ["a" * 4096, "9" * 4096, ("03/04/2026 " * 373)[:4096]])
async def test_a_huge_text_at_a_question_gets_the_kind_correction(
    mother: ChatDriver, services: Services, step: str, key: str, huge: str
) -> None:
    assert len(huge) == 4096
    await reach(mother, step)
    before = await snapshot(services, her_text_remembered=True)
    replies = await mother.say(huge)
    assert texts(replies) == [t(services, key, example="23/04/2026")]
    assert await snapshot(services, her_text_remembered=True) == before
    assert await position(services) == ("ob", step)


async def test_after_a_huge_text_onboarding_still_finishes_correctly(
    mother: ChatDriver, services: Services
) -> None:
    await consent(mother)
    huge = "x" * 4096
    await mother.say(huge)
    await mother.tap("United Kingdom")
    await mother.say(huge)
    await mother.tap("UK time (London)")
    await mother.say(huge)
    await mother.say("08:30")
    await mother.say(huge)
    await mother.say("12/05/2026")
    await mother.say(huge)
    replies = await mother.tap("No, thanks")
    assert replies[-1].text.startswith("You're all set.")
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.country, stored.timezone, stored.checkin_time) == (
        "active",
        "GB",
        "Europe/London",
        "08:30",
    )
    assert read_birth_date(stored, services.vault) is not None
    assert await stored_counts(services) == {"mothers": 1, "consents": 1}


# --- old and forged buttons ---------------------------------------------------------------------


async def test_an_old_button_from_an_earlier_question_is_stale(
    mother: ChatDriver, services: Services, telegram: FakeTelegram
) -> None:
    replies = await consent(mother)
    country_question = copy.deepcopy(replies[-1])
    await mother.tap("United Kingdom")
    before, answered = await snapshot(services), len(telegram.callback_answers)

    replies = await mother.tap_on(country_question, "Canada")
    assert replies == []
    assert len(telegram.callback_answers) == answered + 1
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert await snapshot(services) == before
    stored = await load_mother(services)
    assert stored is not None
    assert stored.country == "GB"
    assert await position(services) == ("ob", "timezone")


async def test_an_old_button_after_onboarding_is_stale(
    mother: ChatDriver, services: Services, telegram: FakeTelegram
) -> None:
    replies = await reach(mother, "birth_date")
    skip_question = copy.deepcopy(replies[-1])
    await mother.say("1 May 2026")
    before = await snapshot(services)
    assert await mother.tap_on(skip_question, "Skip") == []
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert await snapshot(services) == before
    stored = await load_mother(services)
    assert stored is not None
    assert read_birth_date(stored, services.vault) is not None


async def test_an_old_consent_button_after_declining_enrols_nobody(
    mother: ChatDriver, services: Services
) -> None:
    question = copy.deepcopy((await mother.say("/start"))[1])
    await mother.tap("Not now")
    # "Not now" again, from a copy of the question that still shows it: still nothing stored.
    replies = await mother.tap_on(question, "Not now")
    assert texts(replies) == [t(services, "onboarding.declined")]
    await assert_nothing_stored(services)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ("st|ob|country|ZZ", "onboarding.country.unknown"),
        ("st|ob|country|gb", "onboarding.country.unknown"),
        ("st|ob|country|" + "A" * 60, "onboarding.country.unknown"),
    ],
)
async def test_a_forged_button_for_the_open_question_is_checked_like_typing(
    mother: ChatDriver,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    data: str,
    key: str,
) -> None:
    replies = await consent(mother)
    question = replies[-1]
    before, answered = await snapshot(services), len(telegram.callback_answers)
    replies = await mother.deliver(mother.person.press_data(question, data))
    assert texts(replies) == [t(services, key)]
    assert len(telegram.callback_answers) == answered + 1
    assert await snapshot(services) == before
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    ("step", "data", "key"),
    [
        ("timezone", "st|ob|timezone|Mars/Olympus", "onboarding.timezone.unknown"),
        ("timezone", "st|ob|timezone|../../etc/passwd", "onboarding.timezone.unknown"),
        ("timezone", "st|ob|timezone|UTC+99:99", "onboarding.timezone.unknown"),
        ("timezone", "st|ob|timezone|", "onboarding.timezone.unknown"),
        ("checkin_time", "st|ob|checkin_time|99:99", "onboarding.checkin_time.out_of_range"),
        ("checkin_time", "st|ob|checkin_time|soon", "onboarding.checkin_time.not_a_time"),
        ("birth_date", "st|ob|birth_date|2030-01-01", "onboarding.birth_date.in_future"),
        ("birth_date", "st|ob|birth_date|2001-01-01", "onboarding.birth_date.too_old"),
        ("birth_date", "st|ob|birth_date|not-a-date", "onboarding.birth_date.prompt"),
    ],
)
async def test_forged_values_for_later_questions_are_refused(
    mother: ChatDriver,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    step: str,
    data: str,
    key: str,
) -> None:
    replies = await reach(mother, step)
    before = await snapshot(services)
    replies = await mother.deliver(mother.person.press_data(replies[-1], data))
    assert texts(replies) == [t(services, key, example="23/04/2026")]
    assert await snapshot(services) == before
    assert await position(services) == ("ob", step)
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "data",
    [
        "xyz",
        "",
        "st|",
        "st|ob|timezone|Europe/London",  # a later question than the open one
        "st|set|country|GB",  # the right question, in a flow she isn't in
        "st|ob|nosuchstep|1",
        "set|country",  # /settings before she has finished setting up
        "set|nosuchfield",
        "consent|maybe",
        "del|perhaps",
        "|||",
    ],
)
async def test_junk_or_forged_buttons_are_answered_politely_and_change_nothing(
    mother: ChatDriver,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    data: str,
) -> None:
    replies = await consent(mother)
    question = replies[-1]
    before, answered = await snapshot(services), len(telegram.callback_answers)
    replies = await mother.deliver(mother.person.press_data(question, data))
    assert replies == []
    assert len(telegram.callback_answers) == answered + 1
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert await snapshot(services) == before
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "data", ["", "st|ob|country|GB", "set|country", "xyz", "del|yes", "consent|yes "]
)
async def test_forged_buttons_from_someone_who_declined_store_nothing(
    mother: ChatDriver,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    data: str,
) -> None:
    question = copy.deepcopy((await mother.say("/start"))[1])
    await mother.tap("Not now")
    await mother.deliver(mother.person.press_data(question, data))
    assert len(telegram.callback_answers) == 2
    await assert_nothing_stored(services)
    assert errors_logged(caplog) == []


# --- the error handler --------------------------------------------------------------------------


def _explode(turn: Turn, text: str) -> steps.Outcome:
    raise ValueError(f"could not use {text}")


async def test_a_failing_handler_logs_no_health_text_and_apologises_with_crisis_lines(
    mother: ChatDriver,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await reach(mother, "checkin_time")
    before = await snapshot(services)
    # STEPS holds the functions themselves, so replace the step rather than the module attribute.
    failing = Step(steps.prompt_checkin_time, _explode, _explode)
    monkeypatch.setitem(steps.STEPS, "checkin_time", failing)

    update = mother.person.text("secret text")
    with caplog.at_level(logging.DEBUG):
        replies = await mother.deliver(update)

    records = [record for record in caplog.records if record.name.startswith("companion")]
    assert any(
        f"event=handler_error update_id={update.update_id} error=builtins.ValueError at "
        in record.getMessage()
        for record in records
    ), [record.getMessage() for record in records]
    for record in caplog.records:
        assert "secret text" not in record.getMessage()
        assert record.exc_info is None or "secret text" not in str(record.exc_info[1])
    assert "secret text" not in caplog.text

    assert len(replies) == 1
    assert replies[0].text.startswith("Sorry, something went wrong on my side.")
    assert "🚨 Emergency: call 999" in replies[0].text
    assert "☎️ Samaritans (crisis line)" in replies[0].text
    # The failed turn was rolled back: she is still on the same question.
    assert await snapshot(services) == before


async def test_a_failing_button_handler_also_apologises(
    mother: ChatDriver,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await reach(mother, "checkin_time")
    monkeypatch.setitem(
        steps.STEPS, "checkin_time", Step(steps.prompt_checkin_time, _explode, _explode)
    )
    answered = len(telegram.callback_answers)
    replies = await mother.tap("09:00")
    assert texts(replies)[-1].startswith("Sorry, something went wrong on my side.")
    assert "09:00" not in caplog.text
    assert await position(services) == ("ob", "checkin_time")
    # The button is answered, so its spinner stops, and the log names our failing frame.
    assert len(telegram.callback_answers) == answered + 1
    assert "answers.py:" in caplog.text
    assert "answer_step_button" in caplog.text


# --- buttons on messages Telegram won't let companion edit ------------------------------------


@pytest.fixture
def edits_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Telegram refuses to edit a message more than 48 hours old, or one already showing the
    same thing (a double tap): 400 Bad Request."""
    original = FakeTelegram.do_request

    async def do_request(
        self: FakeTelegram, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if url.rsplit("/", 1)[-1] in {"editMessageText", "editMessageReplyMarkup"}:
            body = {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message can't be edited",
            }
            return 400, json.dumps(body).encode()
        return await original(self, url, method, *args, **kwargs)

    monkeypatch.setattr(FakeTelegram, "do_request", do_request)


@pytest.mark.usefixtures("edits_refused")
async def test_answers_count_even_when_the_question_cannot_be_edited(
    mother: ChatDriver, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await mother.say("/start")
    replies = await mother.tap("I agree")
    assert texts(replies) == [
        t(services, "onboarding.agreed"),
        t(services, "onboarding.country.prompt"),
    ]
    replies = await mother.tap("United Kingdom")
    assert replies[0].text == t(services, "onboarding.country.saved", country="United Kingdom")
    await mother.tap("UK time (London)")
    await mother.tap("09:00")
    await mother.tap("Skip")
    replies = await mother.tap("No, thanks")
    assert replies[-1].text.startswith("You're all set.")

    await mother.say("/settings")
    replies = await mother.tap("Check-in time")
    assert texts(replies) == [t(services, "onboarding.checkin_time.prompt")]
    assert errors_logged(caplog) == []
    stored = await load_mother(services)
    assert stored is not None
    assert stored.status == "active"


@pytest.mark.usefixtures("edits_refused")
async def test_a_double_tap_on_i_agree_is_quiet(
    mother: ChatDriver, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    question = copy.deepcopy((await mother.say("/start"))[1])
    await mother.tap_on(question, "I agree")
    replies = await mother.tap_on(question, "I agree")
    assert replies == []
    assert errors_logged(caplog) == []
    assert await stored_counts(services) == {"mothers": 1, "consents": 1, "conversations": 1}


async def test_a_double_tap_meets_telegrams_not_modified_and_stays_quiet(
    mother: ChatDriver,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No patched refusal: the strict fake answers the second edit as Telegram does ("message
    is not modified": the same text and no buttons), and her consent is taken once."""
    caplog.set_level(logging.INFO, logger="companion")
    question = copy.deepcopy((await mother.say("/start"))[1])  # as her phone shows it
    await mother.tap_on(question, "I agree")
    shown = telegram.find(mother.chat_id, question.message_id)
    after_first = (shown.text, shown.buttons)
    assert after_first[0].startswith(question.text)
    assert after_first[1] == []
    assert await mother.tap_on(question, "I agree") == []
    assert (shown.text, shown.buttons) == after_first
    assert telegram.refused == [("editMessageText", NOT_MODIFIED)]
    assert errors_logged(caplog) == []
    assert await stored_counts(services) == {"mothers": 1, "consents": 1, "conversations": 1}
