"""The set-up questions (language, country, time zone, check-in time, birth date, reminders,
learning snippets) as a table.

Onboarding asks them in order; /settings asks one. Each step prompts, and accepts a button value,
typed text or (time zone only) a shared location. A step that accepts writes to the mother row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from companion.bot.context import Services
from companion.bot.mother_view import country_label, format_date, zone_label
from companion.bot.replies import Button, Reply, rows
from companion.core.birth_date import AmbiguousDate, DateProblem, check_birth_date, parse_birth_date
from companion.core.clock_time import ClockTime, TimeProblem, parse_clock_time
from companion.core.folding import fold_answer
from companion.core.quiet import QuietHours
from companion.core.snippets import FREQUENCIES
from companion.core.typed_words import TypedWords
from companion.core.zones import (
    country_from_text,
    country_names,
    distinct_zones_for_country,
    is_valid_zone,
    parse_zone,
    tzinfo_for,
    zone_for_location,
    zones_for_country,
)
from companion.store.models import Mother
from companion.store.mothers import write_birth_date

CHECKIN_TIMES = ("07:00", "08:00", "09:00", "12:00", "13:00", "18:00", "19:00", "20:00", "21:00")
MAX_ZONE_BUTTONS = 8


@dataclass
class Turn:
    """Everything a step needs for one turn: services, the mother, and how to label buttons."""

    services: Services
    mother: Mother
    flow: str
    data: dict[str, Any] = field(default_factory=dict)

    def t(self, key: str, **params: object) -> str:
        return self.services.content.text(self.mother.locale, key, **params)

    def button(self, step: str, label: str, value: str) -> Button:
        return Button(label, f"st|{self.flow}|{step}|{value}")

    @property
    def words(self) -> TypedWords:
        return self.services.content.words(self.mother.locale)

    def typed_choice(self, text: str, labels: dict[str, str]) -> str | None:
        """The value whose button label (value -> message key) or value she typed."""
        typed = fold_answer(text)
        for value, key in labels.items():
            if typed in {fold_answer(value), fold_answer(self.t(key))}:
                return value
        return None


@dataclass(frozen=True)
class Outcome:
    """accepted: move on; finish: end the flow now. Otherwise stay on the step, with `data`
    kept for the next turn. `answers` are check-in answers to store (question -> value)."""

    replies: list[Reply]
    accepted: bool = False
    data: dict[str, Any] | None = None
    finish: bool = False
    answers: dict[str, str] = field(default_factory=dict)


def _stay(*replies: Reply, data: dict[str, Any] | None = None) -> Outcome:
    return Outcome(list(replies), accepted=False, data=data)


# --- language ---------------------------------------------------------------------------------


def prompt_language(turn: Turn) -> list[Reply]:
    locales = turn.services.content.locales
    buttons = [turn.button("language", turn.t(f"names.language.{code}"), code) for code in locales]
    return [Reply(turn.t("onboarding.language.prompt"), rows(buttons, 2))]


def accept_language(turn: Turn, value: str) -> Outcome:
    if value not in turn.services.content.locales:
        return _stay(*prompt_language(turn))
    turn.mother.locale = value
    return Outcome(
        [Reply(turn.t("onboarding.language.saved", language=turn.t(f"names.language.{value}")))],
        accepted=True,
    )


def type_language(turn: Turn, text: str) -> Outcome:
    codes = turn.services.content.locales
    chosen = turn.typed_choice(text, {code: f"names.language.{code}" for code in codes})
    return accept_language(turn, chosen) if chosen else _stay(*prompt_language(turn))


# --- country ----------------------------------------------------------------------------------


def prompt_country(turn: Turn) -> list[Reply]:
    content = turn.services.content
    buttons = [
        turn.button("country", country_label(content, turn.mother.locale, code), code)
        for code in content.offered_countries(turn.mother.locale)
    ]
    buttons.append(turn.button("country", turn.t("onboarding.country.button.other"), "other"))
    return [Reply(turn.t("onboarding.country.prompt"), rows(buttons, 2))]


def accept_country(turn: Turn, value: str) -> Outcome:
    if value == "other":
        return _stay(Reply(turn.t("onboarding.country.other_prompt")))
    if value not in country_names():
        return _stay(Reply(turn.t("onboarding.country.unknown")))
    turn.mother.country = value
    label = country_label(turn.services.content, turn.mother.locale, value)
    return Outcome([Reply(turn.t("onboarding.country.saved", country=label))], accepted=True)


def type_country(turn: Turn, text: str) -> Outcome:
    code = country_from_text(text, turn.words.countries)
    if code is None:
        return _stay(Reply(turn.t("onboarding.country.unknown")))
    return accept_country(turn, code)


# --- time zone --------------------------------------------------------------------------------


def zone_choices(services: Services, country: str | None) -> list[str]:
    curated = services.content.resources_for(country).timezones
    if curated:
        return list(curated)
    # A country with few zones gets them as buttons, leaving out a zone that keeps another's
    # clock all year (Germany's Busingen); one with many (Brazil) is typed or located instead.
    from_tzdata = zones_for_country(country) if country else []
    if not 0 < len(from_tzdata) <= MAX_ZONE_BUTTONS:
        return []
    return distinct_zones_for_country(country or "")


def prompt_timezone(turn: Turn) -> list[Reply]:
    choices = zone_choices(turn.services, turn.mother.country)
    location = Reply(
        turn.t("onboarding.timezone.location_hint"),
        ask_location=turn.t("onboarding.timezone.button.share_location"),
    )
    if not choices:
        return [Reply(turn.t("onboarding.timezone.prompt_type")), location]  # the question first
    buttons = [
        turn.button("timezone", zone_label(turn.services.content, turn.mother.locale, zone), zone)
        for zone in choices
    ]
    buttons.append(turn.button("timezone", turn.t("onboarding.timezone.button.other"), "other"))
    return [Reply(turn.t("onboarding.timezone.prompt"), rows(buttons, 2)), location]


def accept_timezone(turn: Turn, value: str) -> Outcome:
    if value == "other":
        return _stay(Reply(turn.t("onboarding.timezone.type_prompt")))
    if not is_valid_zone(value):
        return _stay(Reply(turn.t("onboarding.timezone.unknown")))
    turn.mother.timezone = value
    local_now = turn.services.clock.now().astimezone(tzinfo_for(value)).strftime("%H:%M")
    label = zone_label(turn.services.content, turn.mother.locale, value)
    text = turn.t("onboarding.timezone.saved", zone=label, local_time=local_now)
    if value.startswith("UTC") and value != "UTC":
        text += "\n" + turn.t("onboarding.timezone.fixed_offset_note")
    return Outcome([Reply(text, remove_keyboard=True)], accepted=True)


def type_timezone(turn: Turn, text: str) -> Outcome:
    country = turn.mother.country
    zone = parse_zone(text, turn.words.cities, zones_for_country(country) if country else ())
    if zone is None:
        return _stay(Reply(turn.t("onboarding.timezone.unknown")))
    return accept_timezone(turn, zone)


def locate_timezone(turn: Turn, latitude: float, longitude: float) -> Outcome:
    zone = zone_for_location(latitude, longitude)
    if zone is None:
        return _stay(Reply(turn.t("onboarding.timezone.location_unknown")))
    return accept_timezone(turn, zone)


# --- check-in time ----------------------------------------------------------------------------


def _quiet(turn: Turn) -> QuietHours:
    return QuietHours.parse(turn.services.settings.quiet_hours)


def prompt_checkin_time(turn: Turn) -> list[Reply]:
    quiet = _quiet(turn)
    allowed = [v for v in CHECKIN_TIMES if not quiet.contains(time.fromisoformat(v))]
    buttons = [turn.button("checkin_time", value, value) for value in allowed]
    return [Reply(turn.t("onboarding.checkin_time.prompt"), rows(buttons, 3))]


def type_checkin_time(turn: Turn, text: str) -> Outcome:
    parsed = parse_clock_time(text, turn.words.time)
    if parsed is TimeProblem.OUT_OF_RANGE:
        return _stay(Reply(turn.t("onboarding.checkin_time.out_of_range")))
    if not isinstance(parsed, ClockTime):
        return _stay(Reply(turn.t("onboarding.checkin_time.not_a_time")))
    quiet = _quiet(turn)
    if quiet.contains(time(parsed.hour, parsed.minute)):
        # Nothing is sent in quiet hours, so a check-in then would never arrive.
        return _stay(
            Reply(
                turn.t(
                    "onboarding.checkin_time.quiet",
                    quiet=turn.services.settings.quiet_hours,
                    opens=quiet.end.strftime("%H:%M"),
                    closes=quiet.start.strftime("%H:%M"),
                )
            )
        )
    turn.mother.checkin_time = str(parsed)
    return Outcome(
        [Reply(turn.t("onboarding.checkin_time.saved", time=str(parsed)))], accepted=True
    )


# --- birth date -------------------------------------------------------------------------------


def _today(turn: Turn) -> date:
    zone = tzinfo_for(turn.mother.timezone or "UTC")
    return turn.services.clock.now().astimezone(zone).date()


def _month_first(turn: Turn) -> bool:
    return turn.services.content.resources_for(turn.mother.country).month_first


def _date_example(turn: Turn) -> str:
    return "04/23/2026" if _month_first(turn) else "23/04/2026"


def _skip_row(turn: Turn) -> list[list[Button]]:
    return [[turn.button("birth_date", turn.t("onboarding.birth_date.button.skip"), "skip")]]


def prompt_birth_date(turn: Turn) -> list[Reply]:
    return [
        Reply(turn.t("onboarding.birth_date.prompt", example=_date_example(turn)), _skip_row(turn))
    ]


def _save_birth_date(turn: Turn, value: date | DateProblem) -> Outcome:
    problems = {
        DateProblem.IN_FUTURE: "onboarding.birth_date.in_future",
        DateProblem.TOO_OLD: "onboarding.birth_date.too_old",
        DateProblem.NOT_A_DATE: "onboarding.birth_date.not_a_date",
    }
    if isinstance(value, DateProblem):
        return _stay(Reply(turn.t(problems[value], example=_date_example(turn)), _skip_row(turn)))
    write_birth_date(turn.mother, value, turn.services.vault)
    shown = format_date(turn.services.content, turn.mother.locale, value)
    return Outcome([Reply(turn.t("onboarding.birth_date.saved", date=shown))], accepted=True)


def accept_birth_date(turn: Turn, value: str) -> Outcome:
    if value == "skip":
        return Outcome([Reply(turn.t("onboarding.birth_date.skipped"))], accepted=True)
    try:
        chosen = date.fromisoformat(value)
    except ValueError:
        return _stay(*prompt_birth_date(turn))
    return _save_birth_date(turn, check_birth_date(chosen, _today(turn)))


def type_birth_date(turn: Turn, text: str) -> Outcome:
    parsed = parse_birth_date(
        text, _today(turn), month_first=_month_first(turn), words=turn.words.dates
    )
    if isinstance(parsed, AmbiguousDate):
        content, locale = turn.services.content, turn.mother.locale
        buttons = [
            turn.button("birth_date", format_date(content, locale, option), option.isoformat())
            for option in parsed.options
        ]
        key = "ambiguous" if len(buttons) > 1 else "confirm"
        return _stay(Reply(turn.t(f"onboarding.birth_date.{key}"), [buttons, *_skip_row(turn)]))
    return _save_birth_date(turn, parsed)


# --- reminders ------------------------------------------------------------------------------


def prompt_reminders(turn: Turn) -> list[Reply]:
    hours = f"{turn.services.settings.reminder_after_hours:g}"
    buttons = [
        turn.button("reminders", turn.t("settings.reminders.button.on"), "on"),
        turn.button("reminders", turn.t("settings.reminders.button.off"), "off"),
    ]
    return [Reply(turn.t("settings.reminders.prompt", hours=hours), [buttons])]


def accept_reminders(turn: Turn, value: str) -> Outcome:
    if value not in ("on", "off"):
        return _stay(*prompt_reminders(turn))
    turn.mother.reminders = value == "on"
    return Outcome([Reply(turn.t(f"settings.reminders.saved_{value}"))], accepted=True)


def type_reminders(turn: Turn, text: str) -> Outcome:
    """A button label, "on"/"off", or a yes or no in any language."""
    labels = {value: f"settings.reminders.button.{value}" for value in ("on", "off")}
    chosen = turn.typed_choice(text, labels)
    if chosen is None and (answer := turn.words.yes_or_no(text)) is not None:
        chosen = "on" if answer else "off"
    return accept_reminders(turn, chosen or "")


# --- learning snippets -------------------------------------------------------------------------


def prompt_snippets(turn: Turn) -> list[Reply]:
    """How often a short read follows her check-in; "No, thanks" is one tap."""
    buttons = [
        turn.button("snippets", turn.t(f"settings.snippets.button.{value}"), value)
        for value in FREQUENCIES
    ]
    return [Reply(turn.t("settings.snippets.prompt"), [buttons])]


def accept_snippets(turn: Turn, value: str) -> Outcome:
    if value not in FREQUENCIES:
        return _stay(*prompt_snippets(turn))
    turn.mother.snippets = value
    return Outcome([Reply(turn.t(f"settings.snippets.saved_{value}"))], accepted=True)


def type_snippets(turn: Turn, text: str) -> Outcome:
    """A button label or value, or a no in any language (a yes does not say how often)."""
    labels: dict[str, str] = {value: f"settings.snippets.button.{value}" for value in FREQUENCIES}
    chosen = turn.typed_choice(text, labels)
    if chosen is None and turn.words.yes_or_no(text) is False:
        chosen = "off"
    return accept_snippets(turn, chosen) if chosen else _stay(*prompt_snippets(turn))


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    prompt: Callable[[Turn], list[Reply]]
    on_button: Callable[[Turn, str], Outcome]
    on_text: Callable[[Turn, str], Outcome]
    on_location: Callable[[Turn, float, float], Outcome] | None = None


STEPS: dict[str, Step] = {
    "language": Step(prompt_language, accept_language, type_language),
    "country": Step(prompt_country, accept_country, type_country),
    "timezone": Step(prompt_timezone, accept_timezone, type_timezone, locate_timezone),
    "checkin_time": Step(prompt_checkin_time, type_checkin_time, type_checkin_time),
    "birth_date": Step(prompt_birth_date, accept_birth_date, type_birth_date),
    "reminders": Step(prompt_reminders, accept_reminders, type_reminders),
    "snippets": Step(prompt_snippets, accept_snippets, type_snippets),
}
