"""/digest and /timezone: when a clinician's daily summary comes, at her own local time.

Her zone is None until she says, and her digest comes at UTC meanwhile. `/digest 07:30` without a
zone saves the time and asks once which zone she is in: the question is a column
(clinicians.zone_asked_at), and companion.bot.clinician hands her next plain message here while
it is open (ZONE_QUESTION_HOURS). `/digest 07:30 New York` and `/timezone New York` set it at
once. A zone is read as a mother's is in her set-up (core.zones: a city, in her language's words
or tzdata's, or a UTC offset), and the next digest moves to her clock, DST as for check-ins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from companion.bot.context import Ctx, Services, sender
from companion.bot.help import answer_unknown_command
from companion.bot.mother_view import zone_label
from companion.bot.patient_facts import clinician_locale, say
from companion.bot.replies import Reply, send
from companion.core.clock_time import ClockTime, TimeProblem, TimeWords, parse_clock_time
from companion.core.schedule import next_checkin_at
from companion.core.zones import parse_zone, tzinfo_for
from companion.store.clinician_models import Clinician
from companion.store.clinicians import clinician_by_user

ZONE_QUESTION_HOURS = 24  # how long her next message is read as the zone she was asked for
TYPED_SHOWN = 40  # characters of an unknown zone said back to her

ReplyFor = Callable[[Services, Clinician, str], Reply]


def awaiting_zone(clinician: Clinician, now: datetime) -> bool:
    """Whether she was asked for her zone and has not answered yet."""
    asked = clinician.zone_asked_at
    return asked is not None and now - asked < timedelta(hours=ZONE_QUESTION_HOURS)


async def set_digest_time(update: Update, context: Ctx) -> None:
    """/digest [HH:MM [ZONE]]: when her daily summary comes; /digest alone says when."""
    await _answer(update, context, digest_reply)


async def set_timezone(update: Update, context: Ctx) -> None:
    """/timezone [ZONE]: her zone for the daily summary; /timezone alone says it and asks."""
    await _answer(update, context, timezone_reply)


async def _answer(update: Update, context: Ctx, reply_for: ReplyFor) -> None:
    services = context.services
    user, chat = sender(update)
    typed = " ".join(context.args or []).strip()
    async with services.db.session() as session:
        clinician = await clinician_by_user(session, user.id)
        if clinician is not None:
            await send(context, chat.id, [reply_for(services, clinician, typed)], session=session)
    if clinician is None:
        await answer_unknown_command(update, context)


def digest_reply(services: Services, clinician: Clinician, typed: str) -> Reply:
    content, locale = services.content, clinician_locale(services.content, clinician)
    if not typed:
        time = clinician.digest_time
        if clinician.timezone is None:
            return Reply(say(content, locale, "digest_time.current_no_zone", time=time))
        label = zone_label(content, locale, clinician.timezone)
        return Reply(say(content, locale, "digest_time.current", time=time, zone=label))
    parsed, rest = split_time(typed, content.words(locale).time)
    if parsed is TimeProblem.OUT_OF_RANGE:
        return Reply(say(content, locale, "digest_time.out_of_range"))
    if not isinstance(parsed, ClockTime):
        return Reply(say(content, locale, "digest_time.not_a_time"))
    zone = read_zone(services, locale, rest) if rest else clinician.timezone
    if rest and zone is None:
        shown = rest[:TYPED_SHOWN]
        return Reply(say(content, locale, "digest_time.zone_unknown_with_time", typed=shown))
    clinician.digest_time, clinician.timezone = str(parsed), zone
    when = _reschedule(services, clinician, locale)
    if zone is None:
        clinician.zone_asked_at = services.clock.now()
        return Reply(say(content, locale, "digest_time.ask_zone", time=str(parsed)))
    clinician.zone_asked_at = None
    label = zone_label(content, locale, zone)
    text = say(content, locale, "digest_time.saved", time=str(parsed), zone=label, when=when)
    return Reply(_with_offset_note(services, locale, zone, text))


def timezone_reply(services: Services, clinician: Clinician, typed: str) -> Reply:
    content, locale = services.content, clinician_locale(services.content, clinician)
    if not typed:
        clinician.zone_asked_at = services.clock.now()
        if clinician.timezone is None:
            time = clinician.digest_time
            return Reply(say(content, locale, "digest_time.zone_ask_none", time=time))
        label = zone_label(content, locale, clinician.timezone)
        local_time = _local_time(services, clinician.timezone)
        text = say(content, locale, "digest_time.zone_current", zone=label, local_time=local_time)
        return Reply(text)
    zone = read_zone(services, locale, typed)
    if zone is None:
        return Reply(say(content, locale, "digest_time.zone_unknown", typed=typed[:TYPED_SHOWN]))
    return save_zone(services, clinician, zone)


def answer_zone(services: Services, clinician: Clinician, typed: str) -> Reply:
    """Her message after she was asked for her zone: saved, or asked again kindly."""
    content, locale = services.content, clinician_locale(services.content, clinician)
    zone = read_zone(services, locale, typed)
    if zone is None:
        shown = " ".join(typed.split())[:TYPED_SHOWN]
        return Reply(say(content, locale, "digest_time.zone_unknown", typed=shown))
    return save_zone(services, clinician, zone)


def save_zone(services: Services, clinician: Clinician, zone: str) -> Reply:
    content, locale = services.content, clinician_locale(services.content, clinician)
    clinician.timezone, clinician.zone_asked_at = zone, None
    when = _reschedule(services, clinician, locale)
    text = say(
        content,
        locale,
        "digest_time.zone_saved",
        zone=zone_label(content, locale, zone),
        local_time=_local_time(services, zone),
        time=clinician.digest_time,
        when=when,
    )
    return Reply(_with_offset_note(services, locale, zone, text))


def split_time(typed: str, words: TimeWords) -> tuple[ClockTime | TimeProblem, str]:
    """The longest start of `typed` that is a time of day, and what follows it (her zone):
    "7:30 pm New York" -> 19:30, "New York". Else why the start is not a time."""
    tokens = typed.split()
    problems: list[TimeProblem] = []
    for end in range(len(tokens), 0, -1):
        parsed = parse_clock_time(" ".join(tokens[:end]), words)
        if isinstance(parsed, ClockTime):
            return parsed, " ".join(tokens[end:])
        problems.append(parsed)
    out_of_range = TimeProblem.OUT_OF_RANGE in problems
    return (TimeProblem.OUT_OF_RANGE if out_of_range else TimeProblem.NOT_A_TIME), ""


def read_zone(services: Services, locale: str, typed: str) -> str | None:
    """A zone from a city (her language's names first), a zone name or a UTC offset."""
    return parse_zone(typed, services.content.words(locale).cities)


def _reschedule(services: Services, clinician: Clinician, locale: str) -> str:
    """Her next digest by her clock now, and when that is in words ("tomorrow at 07:30")."""
    now, zone = services.clock.now(), tzinfo_for(clinician.zone)
    chosen = ClockTime.parse_stored(clinician.digest_time)
    due = next_checkin_at(now, zone, chosen)
    clinician.next_digest_at = due
    same_day = due.astimezone(zone).date() == now.astimezone(zone).date()
    key = "common.when_today" if same_day else "common.when_tomorrow"
    return services.content.text(locale, key, time=str(chosen))


def _local_time(services: Services, zone: str) -> str:
    return f"{services.clock.now().astimezone(tzinfo_for(zone)):%H:%M}"


def _with_offset_note(services: Services, locale: str, zone: str, text: str) -> str:
    """A fixed offset does not follow daylight saving: say so, once, where she chose it."""
    if not zone.startswith("UTC") or zone == "UTC":
        return text
    return text + "\n\n" + say(services.content, locale, "digest_time.fixed_offset_note")


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("digest", set_digest_time),
        CommandHandler("timezone", set_timezone),
    ]
