"""One mother as a clinician she shares with sees her: the summary card.

The same function renders the card for the clinician and the preview a mother agrees to, so what
she is shown before agreeing is exactly what the clinician will see. It reads only what the card
shows: her last check-in date, her mood over the last 14 days, her latest questionnaire results,
how many flags are open, and her check-in notes only when the share includes them.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.context import Services
from companion.bot.mother_view import format_date
from companion.content import Content
from companion.core.trends import DayPoint, last_days, summarise
from companion.core.zones import tzinfo_for
from companion.store.checkins import answers_since
from companion.store.clinician_models import Clinician, Share
from companion.store.clinicians import read_display_name
from companion.store.flags import open_flags
from companion.store.models import Answer, Checkin, Mother
from companion.store.screenings import Result, results

WINDOW_DAYS = 14
SPARK = {1: "▁", 2: "▃", 3: "▄", 4: "▆", 5: "█"}  # mood 1 (very low) .. 5 (very good)
NO_ANSWER = "·"
NOTES_SHOWN = 5  # the newest notes in the window
NOTE_LENGTH = 200  # characters of each note, so even her preview stays one Telegram message


async def patient_card(
    services: Services, session: AsyncSession, share: Share, mother: Mother
) -> str:
    """The card for this share, in its clinician's language, with dates in her calendar."""
    clinician = await session.get(Clinician, share.clinician_id)
    locale = clinician.locale if clinician else services.content.default_locale
    content = services.content
    today = services.clock.now().astimezone(tzinfo_for(mother.timezone or "UTC")).date()
    first = today - timedelta(days=WINDOW_DAYS - 1)
    by_day = await answers_since(session, services.vault, mother.id, first)
    last = await _last_checkin(session, mother.id)
    lines = [
        content.text(locale, "clinician.card.name", name=read_display_name(share, services.vault))
    ]
    lines.append(
        content.text(locale, "clinician.card.last_checkin", date=format_date(content, locale, last))
        if last
        else content.text(locale, "clinician.card.no_checkin")
    )
    lines += _mood_lines(content, locale, by_day, today)
    lines += _result_lines(services, locale, await results(session, services.vault, mother.id))
    flags = len(await open_flags(session, mother.id))
    lines.append(content.text(locale, "clinician.card.flags", count=flags))
    lines += _note_lines(content, locale, by_day) if share.include_notes else []
    if not share.include_notes:
        lines.append(content.text(locale, "clinician.card.notes_not_shared"))
    return "\n".join(lines)


async def _last_checkin(session: AsyncSession, mother_id: str) -> date | None:
    """The latest day she answered at least one check-in question."""
    query = (
        select(func.max(Checkin.local_date))
        .join(Answer, Answer.checkin_id == Checkin.id)
        .where(Checkin.mother_id == mother_id)
    )
    return await session.scalar(query)


def _number(answers: dict[str, str], question: str) -> int | None:
    value = answers.get(question)
    return int(value) if value is not None and value.isdigit() else None


def _mood_lines(
    content: Content, locale: str, by_day: dict[date, dict[str, str]], today: date
) -> list[str]:
    points = [
        DayPoint(day, _number(a, "mood"), _number(a, "sleep"), _number(a, "anxiety"))
        for day, a in by_day.items()
    ]
    window = last_days(points, today, WINDOW_DAYS)
    trend = summarise(window)
    spark = "".join(SPARK[p.mood] if p.mood else NO_ANSWER for p in window)
    t = content.text
    return [
        t(locale, "clinician.card.mood", days=WINDOW_DAYS, spark=spark),
        t(
            locale,
            "clinician.card.answered",
            answered=trend.answered_days,
            days=WINDOW_DAYS,
            low=trend.low_mood_days,
        ),
        t(
            locale,
            "clinician.card.means",
            recent=_mean(content, locale, trend.mood_recent_mean),
            earlier=_mean(content, locale, trend.mood_earlier_mean),
        ),
        t(locale, f"clinician.card.{trend.direction}"),  # better, worse, steady or unknown
    ]


def _mean(content: Content, locale: str, value: float | None) -> str:
    return content.text(locale, "clinician.card.no_mean") if value is None else f"{value:.1f}"


def _result_lines(services: Services, locale: str, done: list[Result]) -> list[str]:
    """The newest result of each questionnaire she completed, newest first."""
    content = services.content
    latest: dict[str, Result] = {}
    for result in done:  # oldest first, so the newest of each wins
        latest[result.instrument] = result
    if not latest:
        return [content.text(locale, "clinician.card.no_results")]
    lines = [content.text(locale, "clinician.card.results")]
    for result in sorted(latest.values(), key=lambda r: r.local_date, reverse=True):
        instrument = content.instrument(locale, result.instrument)
        band = instrument.band_for(result.total) if result.band else None
        lines.append(
            content.text(
                locale,
                "clinician.card.result",
                instrument=instrument.name,
                total=result.total,
                max_total=result.max_total,
                band=content.text(locale, "clinician.card.result_band", band=band.label)
                if band and band.label
                else "",
                date=format_date(content, locale, result.local_date),
            )
        )
    return lines


def _note_lines(content: Content, locale: str, by_day: dict[date, dict[str, str]]) -> list[str]:
    notes = sorted(((day, a["note"]) for day, a in by_day.items() if a.get("note")), reverse=True)
    if not notes:
        return [content.text(locale, "clinician.card.no_notes", days=WINDOW_DAYS)]
    lines = [content.text(locale, "clinician.card.notes", days=WINDOW_DAYS)]
    for day, text in notes[:NOTES_SHOWN]:
        shown = text if len(text) <= NOTE_LENGTH else text[: NOTE_LENGTH - 1] + "…"
        lines.append(
            content.text(
                locale, "clinician.card.note", date=format_date(content, locale, day), text=shown
            )
        )
    return lines
