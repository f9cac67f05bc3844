"""The words of an alert, from plain data (no database, no Telegram): what a clinician reads,
what the clinic's backup chat reads, and the names joined for a mother's message. Every
sentence comes from messages/<locale>/alerts.toml."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from companion.bot.context import Services
from companion.bot.mother_view import emergency_words, format_date
from companion.core.triage_model import MODEL_PREFIX
from companion.core.zones import tzinfo_for
from companion.store.models import Mother
from companion.store.screenings import Result

WORDS_SHOWN = 500  # characters of her own words, where her share includes them


@dataclass(frozen=True)
class Facts:
    """What every copy of one alert is made from, read once."""

    level: str | None  # urgent | emergency; None for her call-back request
    source: str  # the flag's source ("message", "phq9", ...); "" for a call-back request
    at: datetime  # when the flag was raised, or she asked
    reasons: tuple[str, ...]
    answers: dict[str, int]  # questionnaire safety item reason ("phq9.harm") -> option tapped
    results: list[Result]


def join_names(services: Services, locale: str, names: list[str]) -> str:
    """Names as a sentence gives them: "Dr Rivera", "Dr Rivera and Dr Okafor", "A, B and C"."""
    t = services.content.text
    if len(names) < 2:
        return "".join(names)
    head = t(locale, "alerts.mother.joiner").join(names[:-1])
    return head + t(locale, "alerts.mother.last_joiner") + names[-1]


def emergency_number(services: Services, mother: Mother) -> str:
    resources = services.content.resources_for(mother.country)
    return emergency_words(services.content, mother.locale, resources)


def clock_time(at: datetime, zone: str | None) -> str:
    return f"{at.astimezone(tzinfo_for(zone or 'UTC')):%H:%M}"


def when_text(services: Services, locale: str, mother: Mother, at: datetime) -> str:
    """When, in her time zone: "20 November 12:00 (her time)"."""
    local = at.astimezone(tzinfo_for(mother.timezone or "UTC"))
    month = services.content.text(locale, "names.months").split(",")[local.month - 1].strip()
    return services.content.text(
        locale, "alerts.clinician.when", day=local.day, month=month, time=f"{local:%H:%M}"
    )


def scores_text(services: Services, locale: str, found: list[Result]) -> tuple[str, str]:
    """Her latest result of each questionnaire, newest first; and the PHQ-9 caveat when a
    PHQ-9 score is shown."""
    content = services.content
    latest = {result.instrument: result for result in found}  # oldest first: the last wins
    shown = []
    for result in sorted(latest.values(), key=lambda r: r.local_date, reverse=True):
        try:
            instrument = content.instrument(locale, result.instrument)
        except KeyError:  # a file no longer installed
            name, band = result.instrument, None
        else:
            name, band = instrument.name, instrument.band_for(result.total)
        values = {
            "instrument": name,
            "total": result.total,
            "max_total": result.max_total,
            "date": format_date(content, locale, result.local_date),
        }
        if band is not None and band.label:
            shown.append(content.text(locale, "alerts.clinician.score", band=band.label, **values))
        else:
            shown.append(content.text(locale, "alerts.clinician.score_unbanded", **values))
    scores = content.text(locale, "alerts.clinician.score_joiner").join(shown)
    caveat = content.text(locale, "alerts.clinician.phq9_caveat") if "phq9" in latest else ""
    return scores or content.text(locale, "alerts.clinician.no_scores"), caveat


def typed_reasons(services: Services, locale: str, reasons: Sequence[str]) -> str:
    """Reasons of a flag her typed words raised, in clinical words, saying which the language
    model found; a code with no words yet is shown as the code (never her text)."""
    content = services.content
    phrases = []
    for reason in reasons:
        if reason.startswith(MODEL_PREFIX):
            phrases.append(_model_phrase(services, locale, reason))
        elif content.has(locale, f"alerts.reason.{reason}"):
            phrases.append(content.text(locale, f"alerts.reason.{reason}"))
        else:
            phrases.append(reason)
    return content.text(locale, "alerts.reason.joiner").join(phrases)


# Sources whose reasons already say where they came from ("answered ... to the safety follow-up").
ANSWERS = frozenset({"followup", "clarify"})


def reason_text(services: Services, locale: str, facts: Facts) -> str:
    """The flag's reasons and where they came from, in clinical words (a code with no words yet
    is shown as the code: never her text)."""
    content = services.content
    phrases = []
    for reason in facts.reasons:
        instrument_id, _, item_id = reason.partition(".")
        if item_id and not reason.startswith(MODEL_PREFIX):
            phrases.append(_item_phrase(services, locale, instrument_id, item_id, facts))
        else:
            phrases.append(typed_reasons(services, locale, [reason]))
    what = content.text(locale, "alerts.reason.joiner").join(phrases)
    if facts.source in ANSWERS or not content.has(locale, f"alerts.source.{facts.source}"):
        return what  # her answer to a question, or a questionnaire's item, says where itself
    where = content.text(locale, f"alerts.source.{facts.source}")
    return content.text(locale, "alerts.reason.with_source", what=what, where=where)


def _model_phrase(services: Services, locale: str, reason: str) -> str:
    """A reason the learned model found ("model:ipv 0.81"): what, and that no keyword did."""
    content = services.content
    code, _, chance = reason.removeprefix(MODEL_PREFIX).partition(" ")
    key = f"alerts.reason.{code}"
    what = content.text(locale, key) if content.has(locale, key) else code
    return content.text(locale, "alerts.reason.model", what=what, probability=chance or "?")


def _item_phrase(
    services: Services, locale: str, instrument_id: str, item_id: str, facts: Facts
) -> str:
    """A safety item in clinical words: PHQ-9 item 9 (its topic) answered “Several days”."""
    content = services.content
    topic_key = f"alerts.item.{instrument_id}.{item_id}"
    if not content.has(locale, topic_key):
        topic_key = "alerts.item.default"
    topic = content.text(locale, topic_key)
    try:
        instrument = content.instrument(locale, instrument_id)
        item = instrument.item(item_id)
    except (KeyError, ValueError):
        return f"{instrument_id}.{item_id} ({topic})"
    number = instrument.item_ids.index(item_id) + 1
    values = {"instrument": instrument.name, "number": number, "topic": topic}
    chosen = facts.answers.get(f"{instrument_id}.{item_id}")
    if chosen is None or not 0 <= chosen < len(item.options):
        return content.text(locale, "alerts.reason.item_unanswered", **values)
    return content.text(locale, "alerts.reason.item", answer=item.options[chosen].label, **values)


def alert_text(
    services: Services,
    locale: str,
    facts: Facts,
    mother: Mother,
    name: str,
    *,
    words: str | None = None,
    repeat: bool = False,
    reach: str = "",
) -> str:
    """One clinician's copy; `name` is the display name her share with them carries, `reach` how
    they may reach her (companion.bot.reaching.reach_text)."""

    def t(key: str, **params: object) -> str:
        return services.content.text(locale, f"alerts.{key}", **params)

    scores, caveat = scores_text(services, locale, facts.results)
    when = when_text(services, locale, mother, facts.at)
    if facts.level is None:
        return t(
            "clinician.callback", name=name, when=when, scores=scores, caveat=caveat, reach=reach
        )
    minutes = services.settings.alert_repeat_minutes
    if repeat:
        level = t("clinician.repeat_level", level=t(f"level.{facts.level}"))
        following = t("clinician.repeat_note", minutes=minutes)
    else:
        level = t(f"level.{facts.level}")
        backup = t("clinician.backup_note") if services.settings.backup_chat_id is not None else ""
        following = t("clinician.first_note", minutes=minutes, backup=backup)
    return t(
        "clinician.flag",
        level=level,
        name=name,
        reason=reason_text(services, locale, facts),
        when=when,
        scores=scores,
        caveat=caveat,
        words=t("clinician.words", text=words[:WORDS_SHOWN]) if words else "",
        reach=reach,
        expect=t(f"expect.{facts.level}"),
        next=following,
    )


def backup_text(services: Services, facts: Facts, mother: Mother, name: str) -> str:
    """The backup chat's copy: only her display name, the tier, the time and that nobody has
    acknowledged."""
    locale, t = services.content.default_locale, services.content.text
    level = t(locale, f"alerts.level.{facts.level}")
    return t(
        locale,
        "alerts.clinician.backup",
        level=t(locale, "alerts.clinician.repeat_level", level=level),
        name=name,
        when=when_text(services, locale, mother, facts.at),
        minutes=services.settings.alert_repeat_minutes,
    )


def taken_text(
    services: Services,
    locale: str,
    facts: Facts,
    mother: Mother,
    name: str,
    presser: str,
    *,
    will_call: bool,
) -> str:
    """For the clinicians who did not press: who took it."""
    t = services.content.text
    when = when_text(services, locale, mother, facts.at)
    if will_call:
        return t(locale, "alerts.clinician.will_call_by", clinician=presser, name=name, when=when)
    if facts.level is None:
        key = "alerts.clinician.acknowledged_by_callback"
        return t(locale, key, clinician=presser, name=name, when=when)
    level = t(locale, f"alerts.level.{facts.level}")
    key = "alerts.clinician.acknowledged_by"
    return t(locale, key, level=level, clinician=presser, name=name, when=when)
