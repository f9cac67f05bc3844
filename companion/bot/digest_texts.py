"""The words of the clinician's daily digest and of the weekly summary, from facts already
gathered (companion/delivery/digests.py queues them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from companion.bot.alert_text import typed_reasons
from companion.bot.context import Services
from companion.bot.patient_facts import (
    K,
    age_words,
    day_count,
    level_word,
    say,
    score_words,
    source_words,
    when,
)
from companion.content import Content
from companion.core.clinician_summary import Digest, WeekSummary, pack
from companion.delivery.alert_repeats import alert_buttons
from companion.delivery.outgoing import Reply
from companion.store.alerts import CALLBACK
from companion.store.clinician_models import Alert

# Flags raised by words she typed: their reasons are the triage's, named in the digest.
TYPED_SOURCES = frozenset({"message", "note", "caption", "command", "edited"})

TEXT_LIMIT = 4000  # below Telegram's 4,096
WAITING_WITH_BUTTONS = 5  # unacknowledged alerts repeated with their buttons after a digest


@dataclass(frozen=True)
class Waiting:
    """An alert nobody has acknowledged yet, as her clinician's digest names it."""

    alert: Alert
    name: str  # the name she chose to show this clinician
    level: str | None  # the flag's; None for a call-back request


def _what(content: Content, locale: str, waiting: Waiting) -> str:
    kind = "callback" if waiting.alert.kind == CALLBACK else waiting.level or ""
    if content.has(locale, f"{K}digest.what.{kind}"):
        return say(content, locale, f"digest.what.{kind}")
    return level_word(content, locale, kind)


def _waiting_words(services: Services, locale: str, waiting: Waiting) -> dict[str, str]:
    content, now = services.content, services.clock.now()
    return {
        "name": waiting.name,
        "what": _what(content, locale, waiting),
        "age": age_words(content, locale, waiting.alert.created_at, now),
    }


def waiting_buttons(services: Services, locale: str, waiting: list[Waiting]) -> list[Reply]:
    """After the digest, the oldest few waiting alerts again, each with its buttons, so she can
    acknowledge without scrolling back to the alert."""
    return [
        Reply(
            say(
                services.content,
                locale,
                "digest.waiting_buttons",
                **_waiting_words(services, locale, one),
            ),
            alert_buttons(services, locale, one.alert),
            protect=True,
        )
        for one in waiting[:WAITING_WITH_BUTTONS]
    ]


def digest_texts(
    services: Services, locale: str, digest: Digest, today: date, waiting: Sequence[Waiting] = ()
) -> list[str]:
    """The digest as one or more texts: title, alerts nobody has acknowledged, open flags, new
    results of note, silent mothers (or the all-quiet line), the caveat when a PHQ-9 is
    listed, the commands."""
    content, now = services.content, services.clock.now()
    silent_days = services.settings.silent_days
    lines = [say(content, locale, "digest.title", date=when(content, locale, today)), ""]
    if waiting:
        lines.append(say(content, locale, "digest.waiting", count=len(waiting)))
        for one in waiting:
            lines.append(
                say(content, locale, "digest.waiting_line", **_waiting_words(services, locale, one))
            )
        if len(waiting) > WAITING_WITH_BUTTONS:
            more = len(waiting) - WAITING_WITH_BUTTONS
            lines.append(say(content, locale, "digest.waiting_more", count=more))
        lines.append("")
    if digest.flags:
        lines.append(say(content, locale, "digest.flags", count=len(digest.flags)))
        for line in digest.flags:
            flag_words = {
                "name": line.name,
                "level": level_word(content, locale, line.flag.level),
                "source": source_words(content, locale, line.flag.source),
                "age": age_words(content, locale, line.flag.raised_at, now),
            }
            if line.flag.source in TYPED_SOURCES and line.flag.reasons:
                why = typed_reasons(services, locale, line.flag.reasons)
                lines.append(say(content, locale, "digest.flag_why", reasons=why, **flag_words))
            else:
                lines.append(say(content, locale, "digest.flag", **flag_words))
        lines.append("")
    if digest.results:
        lines.append(say(content, locale, "digest.results"))
        for result in digest.results:
            score = score_words(content, locale, result.score)
            lines.append(say(content, locale, "digest.result", name=result.name, score=score))
        lines.append("")
    if digest.silent:
        days = day_count(content, locale, silent_days)
        lines.append(say(content, locale, "digest.silent", days=days))
        for silent in digest.silent:
            status = ""
            if content.has(locale, f"clinician_summary.status.{silent.status}"):
                words = say(content, locale, f"status.{silent.status}")
                status = say(content, locale, "digest.silent_status", status=words)
            count = day_count(content, locale, silent.days)
            if silent.last_checkin is None:
                key, extra = "digest.silent_never", {}
            else:
                key, extra = (
                    "digest.silent_line",
                    {"date": when(content, locale, silent.last_checkin)},
                )
            lines.append(
                say(content, locale, key, name=silent.name, days=count, status=status, **extra)
            )
        lines.append("")
    if digest.quiet and not waiting:
        lines += [
            say(content, locale, "digest.quiet", days=day_count(content, locale, silent_days)),
            "",
        ]
    if digest.caveat:
        lines += [say(content, locale, "caveat"), ""]
    lines.append(say(content, locale, "digest.footer"))
    return pack(lines, TEXT_LIMIT)


def weekly_texts(content: Content, locale: str, week: WeekSummary) -> list[str]:
    t = content.text
    k = "clinician_summary.weekly."
    first, last = when(content, locale, week.first), when(content, locale, week.last)
    lines = [t(locale, k + "title", name=week.name, first=first, last=last)]
    lines.append(t(locale, k + "checkins", answered=week.week.answered_days))
    if week.week.mood_mean is None:
        lines.append(t(locale, k + "mood_none"))
    else:
        direction = say(content, locale, f"direction.{week.direction}")
        mean = f"{week.week.mood_mean:.1f}"
        lines.append(
            t(locale, k + "mood", mean=mean, low=week.week.low_mood_days, direction=direction)
        )
    sleep, anxiety = week.week.poor_sleep_days, week.week.anxious_days
    lines.append(t(locale, k + "sleep_anxiety", sleep=sleep, anxiety=anxiety))
    if week.scores:
        scores = "; ".join(score_words(content, locale, score) for score in week.scores)
        lines.append(t(locale, k + "scores", scores=scores))
    else:
        lines.append(t(locale, k + "scores_none"))
    if week.open_flags:
        level = level_word(content, locale, week.top_flag or "")
        lines.append(t(locale, k + "flags", count=week.open_flags, level=level))
    else:
        lines.append(t(locale, k + "flags_none"))
    if week.notes:
        lines += ["", t(locale, k + "notes")]
        for day, note in week.notes:
            lines.append(t(locale, k + "note", date=when(content, locale, day), text=note))
    if week.caveat:
        lines += ["", say(content, locale, "caveat")]
    return pack(lines, TEXT_LIMIT)
