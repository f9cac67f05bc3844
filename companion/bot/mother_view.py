"""How a mother's settings read back to her: summary lines, her local time, her crisis lines."""

from __future__ import annotations

from datetime import date, datetime

from companion.content import Content
from companion.core.clock_time import ClockTime
from companion.core.schedule import next_checkin_at
from companion.core.zones import country_names, tzinfo_for
from companion.resource_files import CountryResources, Line, abuse_lines
from companion.store.models import Mother, MotherStatus
from companion.store.mothers import read_birth_date
from companion.vault import Vault


def suggest_locale(language_code: str | None, content: Content) -> str:
    """Her Telegram app's language if companion speaks it, else the deployment's default."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in content.locales:
            return base
    return content.default_locale


def country_label(content: Content, locale: str, code: str | None) -> str:
    if not code:
        return content.text(locale, "common.not_given")
    key = f"names.country.{code}"
    return (
        content.text(locale, key) if content.has(locale, key) else country_names().get(code, code)
    )


def zone_label(content: Content, locale: str, zone: str | None) -> str:
    if not zone:
        return content.text(locale, "common.not_given")
    key = f"names.zone.{zone}"
    if content.has(locale, key):
        return content.text(locale, key)
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def format_date(content: Content, locale: str, value: date) -> str:
    """An unambiguous date in her language: "3 April 2026"."""
    month = content.text(locale, "names.months").split(",")[value.month - 1].strip()
    return content.text(locale, "names.date", day=value.day, month=month, year=value.year)


def summary(content: Content, mother: Mother, vault: Vault) -> str:
    locale = mother.locale
    birth = read_birth_date(mother, vault)
    not_given = content.text(locale, "common.not_given")
    return content.text(
        locale,
        "common.summary",
        language=content.text(locale, f"names.language.{locale}"),
        country=country_label(content, locale, mother.country),
        zone=zone_label(content, locale, mother.timezone),
        time=mother.checkin_time or not_given,
        birth_date=format_date(content, locale, birth) if birth else not_given,
        reminders=content.text(locale, "common.on" if mother.reminders else "common.off"),
        snippets=content.text(locale, f"common.snippets_{mother.snippets}"),
    )


def schedule_next(mother: Mother, now: datetime) -> None:
    """Set next_checkin_at from her zone and time, or clear it when she gets no check-ins."""
    if mother.status != MotherStatus.ACTIVE or not mother.timezone or not mother.checkin_time:
        mother.next_checkin_at = None
        return
    mother.next_checkin_at = next_checkin_at(
        now, tzinfo_for(mother.timezone), ClockTime.parse_stored(mother.checkin_time)
    )


def describe_when(content: Content, mother: Mother, moment: datetime, now: datetime) -> str:
    zone = tzinfo_for(mother.timezone or "UTC")
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    time_text = local.strftime("%H:%M")
    if local.date() == today:
        return content.text(mother.locale, "common.when_today", time=time_text)
    if (local.date() - today).days == 1:
        return content.text(mother.locale, "common.when_tomorrow", time=time_text)
    return content.text(
        mother.locale,
        "common.when_date",
        date=format_date(content, mother.locale, local.date()),
        time=time_text,
    )


def line_text(content: Content, locale: str, line: Line, icon: str) -> str:
    """One line: its name and kind, how to reach it, its hours and its note."""
    t = content.text
    ways = []
    if line.call:
        ways.append(t(locale, "help.crisis.call", number=content.local(line.call, locale)))
    if line.text:
        ways.append(t(locale, "help.crisis.text", number=content.local(line.text, locale)))
    if line.web:
        ways.append(t(locale, "help.crisis.web", url=line.web))
    return t(
        locale,
        "help.crisis.line",
        icon=icon,
        name=line.name,
        kind=t(locale, f"help.crisis.kind_{line.kind}"),
        how=t(locale, "help.crisis.joiner").join(ways),
        hours=content.local(line.hours, locale),
        note=content.local(line.notes, locale),
    )


def emergency_words(content: Content, locale: str, resources: CountryResources) -> str:
    """Her country's emergency number, or words for it where companion does not know it
    ("call {emergency}" reads well with both)."""
    return resources.emergency or content.text(locale, "crisis.local_emergency")


def abuse_block(content: Content, locale: str, resources: CountryResources) -> str | None:
    """Her country's domestic-abuse lines, one per line; None when her country has none."""
    lines = abuse_lines(resources)
    if not lines:
        return None
    return "\n".join(line_text(content, locale, line, "🤝") for line in lines)


def crisis_block(content: Content, locale: str, resources: CountryResources) -> str:
    """Emergency number first, then crisis lines, then support lines, each labelled as such.
    Never a domestic-abuse line: those have their own reply (content.abuse_lines)."""
    t = content.text
    parts = [t(locale, "help.crisis.header")]
    parts.append(
        t(locale, "help.crisis.emergency", number=resources.emergency)
        if resources.emergency
        else t(locale, "help.crisis.emergency_unknown")
    )
    order = {"crisis": 0, "support": 1, "directory": 2}
    icons = {"crisis": "☎️", "support": "🤝", "directory": "🌐"}
    shown = [line for line in resources.lines if line.kind in order]
    for line in sorted(shown, key=lambda line: order[line.kind]):
        parts.append(line_text(content, locale, line, icons[line.kind]))
    return "\n".join(parts)
