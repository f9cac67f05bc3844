"""/settings, /pause, /resume, /stop, /help and unknown commands, through the real Application."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.store.mothers import read_birth_date
from tests.chat_helpers import (
    assert_nothing_stored,
    consent,
    load_mother,
    onboard,
    position,
    reach,
    snapshot,
    summary_text,
    t,
    texts,
)
from tests.checkin_helpers import update_mother
from tests.clinician_helpers import add_clinician, add_share

MENU_BUTTONS = [
    "Language",
    "Country",
    "Time zone",
    "Check-in time",
    "Baby's birth date",
    "Reminders",
    "Learning snippets",
    "Done",
]
LONDON_TOMORROW_9 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
STILL = {
    "en": "What you shared stays visible to Dr Okafor, Dr Rivera (your summary, and an alert if "
    "you tell me you may be in danger) until you stop sharing: /sharing does that.",
    "es": "Lo que compartiste sigue visible para Dr Okafor, Dr Rivera (tu resumen, y una alerta "
    "si me dices que podrías estar en peligro) hasta que dejes de compartir: /sharing lo hace.",
}


def saved_text(services: Services, when: str | None, **summary: str) -> str:
    text = t(services, "settings.saved", summary=summary_text(services, **summary))
    if when is None:
        return text + "\n\n" + t(services, "settings.paused_note")
    return text + "\n\n" + t(services, "settings.next_checkin", when=when)


async def open_field(mother: ChatDriver, label: str) -> list[SentMessage]:
    await mother.say("/settings")
    return await mother.tap(label)


# --- /settings ----------------------------------------------------------------------------------


async def test_settings_before_onboarding_says_she_is_not_set_up(
    mother: ChatDriver, services: Services
) -> None:
    replies = await mother.say("/settings")
    assert texts(replies) == [t(services, "common.not_set_up")]
    assert replies[0].buttons == []
    await assert_nothing_stored(services)


async def test_settings_mid_onboarding_says_she_is_not_set_up_and_keeps_her_place(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "checkin_time")
    before = await snapshot(services)
    replies = await mother.say("/settings")
    assert texts(replies) == [t(services, "common.not_set_up")]
    assert await snapshot(services) == before
    assert await position(services) == ("ob", "checkin_time")


async def test_settings_menu_shows_her_settings_and_a_button_for_each(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    replies = await mother.say("/settings")
    assert texts(replies) == [t(services, "settings.menu", summary=summary_text(services))]
    assert replies[0].button_labels == MENU_BUTTONS
    assert [len(row) for row in replies[0].buttons] == [2, 2, 2, 2]


async def test_settings_done_closes_the_menu_and_changes_nothing(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    menu = (await mother.say("/settings"))[0]
    before = await snapshot(services)
    replies = await mother.tap("Done")
    assert replies == []
    assert menu.buttons == []
    assert await snapshot(services) == before


async def test_new_country_without_her_zone_asks_the_time_zone_again(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    replies = await open_field(mother, "Country")
    assert texts(replies) == [t(services, "onboarding.country.prompt")]
    assert await position(services) == ("set", "country")

    replies = await mother.tap("United States")
    assert texts(replies) == [
        t(services, "onboarding.country.saved", country="United States"),
        t(services, "onboarding.timezone.prompt"),
        t(services, "onboarding.timezone.location_hint"),
    ]
    assert replies[1].button_labels == [
        "Eastern (New York)",
        "Central (Chicago)",
        "Mountain (Denver)",
        "Arizona (Phoenix)",
        "Pacific (Los Angeles)",
        "Alaska (Anchorage)",
        "Hawaii (Honolulu)",
        "Somewhere else",
    ]
    assert await position(services) == ("set", "timezone")
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.country, stored.timezone) == ("US", "Europe/London")

    replies = await mother.tap("Pacific (Los Angeles)")
    # Los Angeles is UTC-8 in November: 04:00 there now, so 09:00 is still to come today.
    assert texts(replies) == [
        t(services, "onboarding.timezone.saved", zone="Pacific (Los Angeles)", local_time="04:00"),
        saved_text(
            services, "today at 09:00", country="United States", zone="Pacific (Los Angeles)"
        ),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.country, stored.timezone, stored.status) == (
        "US",
        "America/Los_Angeles",
        "active",
    )
    assert stored.next_checkin_at == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert await position(services) is None


async def test_new_country_ireland_offers_dublin(mother: ChatDriver, services: Services) -> None:
    await onboard(mother)
    await open_field(mother, "Country")
    replies = await mother.tap("Ireland")
    assert replies[1].button_labels == ["Irish time (Dublin)", "Somewhere else"]
    await mother.tap("Irish time (Dublin)")
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.country, stored.timezone) == ("IE", "Europe/Dublin")


async def test_same_country_is_saved_without_asking_the_time_zone(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    await open_field(mother, "Country")
    replies = await mother.say("uk")
    assert texts(replies) == [
        t(services, "onboarding.country.saved", country="United Kingdom"),
        saved_text(services, "tomorrow at 09:00"),
    ]
    assert await position(services) is None


async def test_new_country_keeps_a_fixed_offset_zone(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "timezone")
    await mother.say("UTC+5:30")
    await mother.tap("09:00")
    await mother.tap("Skip")
    await mother.tap("No, thanks")
    await open_field(mother, "Country")
    replies = await mother.say("Germany")
    assert texts(replies) == [
        t(services, "onboarding.country.saved", country="Germany"),
        saved_text(services, "tomorrow at 09:00", country="Germany", zone="UTC+05:30"),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.country, stored.timezone) == ("DE", "UTC+05:30")


async def test_change_time_zone_by_location_recomputes_the_next_check_in(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    replies = await open_field(mother, "Time zone")
    assert texts(replies) == [
        t(services, "onboarding.timezone.prompt"),
        t(services, "onboarding.timezone.location_hint"),
    ]
    replies = await mother.share_location(40.71, -74.0)
    assert texts(replies) == [
        t(services, "onboarding.timezone.saved", zone="Eastern (New York)", local_time="07:00"),
        saved_text(services, "today at 09:00", zone="Eastern (New York)"),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.timezone == "America/New_York"
    assert stored.next_checkin_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


async def test_change_time_zone_typed(mother: ChatDriver, services: Services) -> None:
    await onboard(mother)
    await open_field(mother, "Time zone")
    await mother.tap("Somewhere else")
    replies = await mother.say("Berlin")
    assert replies[-1].text == saved_text(services, "tomorrow at 09:00", zone="Berlin")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


async def test_change_check_in_time(mother: ChatDriver, services: Services) -> None:
    await onboard(mother)
    replies = await open_field(mother, "Check-in time")
    assert texts(replies) == [t(services, "onboarding.checkin_time.prompt")]
    assert await position(services) == ("set", "checkin_time")

    replies = await mother.say("25:00")
    assert texts(replies) == [t(services, "onboarding.checkin_time.out_of_range")]
    assert await position(services) == ("set", "checkin_time")

    replies = await mother.say("7pm")
    assert texts(replies) == [
        t(services, "onboarding.checkin_time.saved", time="19:00"),
        saved_text(services, "today at 19:00", time="19:00"),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.checkin_time == "19:00"
    assert stored.next_checkin_at == datetime(2026, 11, 20, 19, 0, tzinfo=UTC)
    assert await position(services) is None


async def test_change_check_in_time_by_button(mother: ChatDriver, services: Services) -> None:
    await onboard(mother)
    await open_field(mother, "Check-in time")
    replies = await mother.tap("07:00")
    assert replies[-1].text == saved_text(services, "tomorrow at 07:00", time="07:00")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)


async def test_change_birth_date(mother: ChatDriver, services: Services) -> None:
    await onboard(mother)
    replies = await open_field(mother, "Baby's birth date")
    assert texts(replies) == [t(services, "onboarding.birth_date.prompt", example="23/04/2026")]
    replies = await mother.say("1 March 2026")
    assert texts(replies) == [
        t(services, "onboarding.birth_date.saved", date="1 March 2026"),
        saved_text(services, "tomorrow at 09:00", birth_date="1 March 2026"),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert read_birth_date(stored, services.vault) == date(2026, 3, 1)
    assert stored.next_checkin_at == LONDON_TOMORROW_9

    # And again, through the ambiguous-date buttons.
    await open_field(mother, "Baby's birth date")
    await mother.say("05/06/2026")
    replies = await mother.tap("6 May 2026")
    assert replies[-1].text == saved_text(services, "tomorrow at 09:00", birth_date="6 May 2026")
    stored = await load_mother(services)
    assert stored is not None
    assert read_birth_date(stored, services.vault) == date(2026, 5, 6)


async def test_settings_again_closes_an_open_settings_question(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    await open_field(mother, "Check-in time")
    replies = await mother.say("/settings")
    assert texts(replies) == [t(services, "settings.menu", summary=summary_text(services))]
    assert await position(services) is None
    # Typed text is no longer taken as a check-in time.
    replies = await mother.say("8pm")
    assert replies[0].text.startswith("Thanks for your message. I can't chat")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.checkin_time == "09:00"


async def test_an_onboarding_button_during_settings_is_stale(
    mother: ChatDriver, services: Services, telegram: FakeTelegram
) -> None:
    replies = await reach(mother, "checkin_time")
    old_question = copy.deepcopy(replies[-1])
    await mother.tap("09:00")
    await mother.tap("Skip")
    await mother.tap("No, thanks")
    await open_field(mother, "Check-in time")
    before = await snapshot(services)
    assert await mother.tap_on(old_question, "21:00") == []
    assert telegram.callback_answers[-1]["text"] == t(services, "common.stale_button")
    assert await snapshot(services) == before
    assert await position(services) == ("set", "checkin_time")


async def test_settings_while_paused_says_check_ins_are_paused(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    await mother.say("/pause")
    await open_field(mother, "Check-in time")
    replies = await mother.tap("08:00")
    assert replies[-1].text == saved_text(services, None, time="08:00")
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.checkin_time, stored.next_checkin_at) == ("paused", "08:00", None)
    replies = await mother.say("/resume")
    assert texts(replies) == [t(services, "settings.resume.done", when="tomorrow at 08:00")]


# --- /pause, /resume, /stop ---------------------------------------------------------------------


async def test_pause_and_resume(mother: ChatDriver, services: Services, clock: ManualClock) -> None:
    await onboard(mother)
    replies = await mother.say("/pause")
    assert texts(replies) == [t(services, "settings.pause.done")]
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.next_checkin_at) == ("paused", None)
    assert stored.updated_at == clock.now()

    replies = await mother.say("/pause")
    assert texts(replies) == [t(services, "settings.pause.already")]

    # A day and a half later, the next check-in is counted from the new "now".
    clock.set(datetime(2026, 11, 22, 0, 0, tzinfo=UTC))
    replies = await mother.say("/resume")
    assert texts(replies) == [t(services, "settings.resume.done", when="today at 09:00")]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.status == "active"
    assert stored.next_checkin_at == datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    replies = await mother.say("/resume")
    assert texts(replies) == [t(services, "settings.resume.already", when="today at 09:00")]


async def test_stop_then_resume(mother: ChatDriver, services: Services) -> None:
    await onboard(mother)
    replies = await mother.say("/stop")
    assert texts(replies) == [t(services, "settings.stop.done")]
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.next_checkin_at) == ("stopped", None)
    # Data is kept.
    assert (stored.country, stored.timezone, stored.checkin_time) == (
        "GB",
        "Europe/London",
        "09:00",
    )

    replies = await mother.say("/start")
    assert texts(replies) == [t(services, "onboarding.stopped_welcome")]

    replies = await mother.say("/resume")
    assert texts(replies) == [t(services, "settings.resume.done", when="tomorrow at 09:00")]
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.next_checkin_at) == ("active", LONDON_TOMORROW_9)


@pytest.mark.parametrize("locale", ["en", "es"])
async def test_stop_tells_her_that_her_clinicians_still_see_what_she_shared(
    mother: ChatDriver, services: Services, locale: str
) -> None:
    await onboard(mother)
    stored = await load_mother(services)
    assert stored is not None
    await update_mother(services, 1001, locale=locale)
    for name in ("Dr Rivera", "Dr Okafor"):
        await add_share(services, stored.id, await add_clinician(services, name))
    replies = await mother.say("/stop")
    assert texts(replies) == [services.content.text(locale, "settings.stop.done"), STILL[locale]]


async def test_pause_from_stopped_and_stop_from_paused(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    await mother.say("/stop")
    replies = await mother.say("/pause")
    assert texts(replies) == [t(services, "settings.pause.done")]
    replies = await mother.say("/stop")
    assert texts(replies) == [t(services, "settings.stop.done")]
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.next_checkin_at) == ("stopped", None)


@pytest.mark.parametrize("command", ["/pause", "/resume", "/stop"])
async def test_status_commands_before_consent_store_nothing(
    mother: ChatDriver, services: Services, command: str
) -> None:
    replies = await mother.say(command)
    assert texts(replies) == [t(services, "common.not_set_up")]
    await assert_nothing_stored(services)


@pytest.mark.parametrize("command", ["/pause", "/resume", "/stop"])
async def test_status_commands_mid_onboarding_ask_her_to_finish_first(
    mother: ChatDriver, services: Services, command: str
) -> None:
    await reach(mother, "timezone")
    replies = await mother.say(command)
    assert texts(replies) == [
        t(services, "settings.resume.finish_setup"),
        t(services, "onboarding.timezone.prompt"),
        t(services, "onboarding.timezone.location_hint"),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.next_checkin_at) == ("onboarding", None)
    assert await position(services) == ("ob", "timezone")


# --- /help and unknown commands -----------------------------------------------------------------


def help_intro(services: Services) -> str:
    return t(services, "help.text", crisis="").rstrip()


async def test_help_in_the_uk_shows_999_and_samaritans(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    replies = await mother.say("/help")
    assert len(replies) == 1
    text = replies[0].text
    assert text.startswith(help_intro(services))
    assert t(services, "help.crisis.header") in text
    assert "🚨 Emergency: call 999" in text
    assert "☎️ Samaritans (crisis line): call 116 123 (24/7, free)." in text
    assert "🤝 PANDAS Foundation helpline (support line, not an emergency service)" in text
    # Crisis lines come before support lines; the emergency number comes first of all.
    assert text.index("999") < text.index("Samaritans") < text.index("PANDAS")
    assert "911" not in text
    assert "findahelpline" not in text


async def test_help_in_the_us_shows_911_and_988(mother: ChatDriver, services: Services) -> None:
    await onboard(mother, "United States", "Eastern (New York)")
    text = (await mother.say("/help"))[0].text
    assert "🚨 Emergency: call 911" in text
    assert "☎️ 988 Suicide & Crisis Lifeline (crisis line): call 988, text 988 (24/7)." in text
    assert "999" not in text


async def test_help_in_an_eu_country_shows_112(mother: ChatDriver, services: Services) -> None:
    await consent(mother)
    await mother.say("Germany")
    text = (await mother.say("/help"))[0].text
    assert "🚨 Emergency: call 112" in text
    assert "https://findahelpline.com" in text


@pytest.mark.parametrize("country", ["Brazil", "Japan"])
async def test_help_in_a_country_without_resources_points_to_findahelpline(
    mother: ChatDriver, services: Services, country: str
) -> None:
    await consent(mother)
    await mother.say(country)
    text = (await mother.say("/help"))[0].text
    assert t(services, "help.crisis.emergency_unknown") in text
    assert "🌐 Find A Helpline (helpline directory): https://findahelpline.com" in text
    assert "999" not in text
    assert "911" not in text
    assert "112" not in text


async def test_help_before_consent_stores_nothing(
    person_factory: Callable[..., ChatDriver], services: Services
) -> None:
    stranger = person_factory(3003, language_code=None)
    replies = await stranger.say("/help")
    assert len(replies) == 1
    assert replies[0].text.startswith(help_intro(services))
    assert t(services, "help.crisis.emergency_unknown") in replies[0].text
    assert "https://findahelpline.com" in replies[0].text
    await assert_nothing_stored(services)


@pytest.mark.parametrize("command", ["/foo", "/frobnicate", "/start_over", "/HELP2"])
async def test_unknown_command(mother: ChatDriver, services: Services, command: str) -> None:
    replies = await mother.say(command)
    assert texts(replies) == [t(services, "common.unknown_command")]
    await assert_nothing_stored(services)


async def test_unknown_command_mid_question_keeps_her_place(
    mother: ChatDriver, services: Services
) -> None:
    await reach(mother, "checkin_time")
    before = await snapshot(services)
    replies = await mother.say("/later")
    assert texts(replies) == [t(services, "common.unknown_command")]
    assert await snapshot(services) == before


async def test_commands_with_a_bot_username_and_arguments(
    mother: ChatDriver, services: Services
) -> None:
    replies = await mother.say("/help@companion_bot")
    assert replies[0].text.startswith(help_intro(services))
    replies = await mother.say("/start please")
    assert texts(replies)[1] == t(services, "onboarding.consent_question", version="1.0")


@pytest.mark.parametrize(("label", "stored"), [("Yes, remind me", True), ("No reminders", False)])
async def test_reminders_can_be_switched_in_settings(
    mother: ChatDriver, services: Services, label: str, stored: bool
) -> None:
    await onboard(mother)
    await mother.say("/settings")
    replies = await mother.tap("Reminders")
    assert replies[0].text == t(services, "settings.reminders.prompt", hours="4")
    replies = await mother.tap(label)
    assert replies[0].text == t(services, f"settings.reminders.saved_{'on' if stored else 'off'}")
    assert "Reminders: " + ("on" if stored else "off") in replies[-1].text
    saved = await load_mother(services)
    assert saved is not None
    assert saved.reminders is stored


# --- typed answers in either language -------------------------------------------------------------


async def onboard_in_spanish(mother: ChatDriver) -> None:
    await mother.say("/start")
    await mother.tap("Español")
    await mother.tap("Acepto")
    await mother.say("Reino Unido")  # not among the Spanish buttons: typed
    for label in ("Hora del Reino Unido (Londres)", "09:00", "Omitir"):
        await mother.tap(label)
    await mother.tap("No, gracias")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("sí", True),
        ("Si", True),
        ("¡Sí!", True),
        ("sí, recuérdame", True),  # her button's label, typed
        ("yes", True),
        ("on", True),
        ("no", False),
        ("Sin recordatorios", False),
        ("off", False),
    ],
)
async def test_reminders_typed_by_a_spanish_speaking_mother(
    mother: ChatDriver, services: Services, typed: str, stored: bool
) -> None:
    await onboard_in_spanish(mother)
    mine = await load_mother(services)
    assert mine is not None
    assert mine.locale == "es"
    await mother.say("/settings")
    replies = await mother.tap("Recordatorios")
    prompt = services.content.text("es", "settings.reminders.prompt", hours="4")
    assert replies[0].text == prompt
    await mother.say("no" if stored else "sí")  # start from the other answer
    await mother.say("/settings")
    await mother.tap("Recordatorios")
    replies = await mother.say(typed)
    saved_key = f"settings.reminders.saved_{'on' if stored else 'off'}"
    assert replies[0].text == services.content.text("es", saved_key)
    saved = await load_mother(services)
    assert saved is not None
    assert saved.reminders is stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("yes", True), ("Yes, remind me", True), ("sí", True), ("No", False), ("nope", False)],
)
async def test_reminders_typed_in_english(
    mother: ChatDriver, services: Services, typed: str, stored: bool
) -> None:
    await onboard(mother)
    await open_field(mother, "Reminders")
    replies = await mother.say(typed)
    assert replies[0].text == t(services, f"settings.reminders.saved_{'on' if stored else 'off'}")
    saved = await load_mother(services)
    assert saved is not None
    assert saved.reminders is stored


async def test_an_answer_that_is_neither_yes_nor_no_asks_again(
    mother: ChatDriver, services: Services
) -> None:
    await onboard_in_spanish(mother)
    await mother.say("/settings")
    await mother.tap("Recordatorios")
    before = await snapshot(services, her_text_remembered=True)
    replies = await mother.say("quizás")
    assert replies[0].text == services.content.text("es", "settings.reminders.prompt", hours="4")
    assert replies[0].button_labels == ["Sí, recuérdame", "Sin recordatorios"]
    assert await snapshot(services, her_text_remembered=True) == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("todos los dias", "daily"),
        ("Cada pocos días", "few_days"),
        ("no", "off"),
        ("No gracias", "off"),
    ],
)
async def test_snippets_typed_by_a_spanish_speaking_mother(
    mother: ChatDriver, services: Services, typed: str, stored: str
) -> None:
    await onboard_in_spanish(mother)
    await mother.say("/settings")
    await mother.tap("Lecturas breves")
    replies = await mother.say(typed)
    assert replies[0].text == services.content.text("es", f"settings.snippets.saved_{stored}")
    saved = await load_mother(services)
    assert saved is not None
    assert saved.snippets == stored
