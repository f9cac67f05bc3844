"""The facts and words of one mother's PDF report (companion.pictures.report), read from the
database: her check-ins over a period, her questionnaire results and flags in it, and her notes
only when asked for (by her tick, or by a share that includes them)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.context import Services
from companion.bot.history import chart_labels, day_points, scale_words
from companion.bot.mother_view import format_date
from companion.bot.patient_facts import her_scores, level_word, local_today
from companion.bot.summary_chart import flag_days, summary_labels
from companion.content import Content
from companion.core.trends import last_days, summarise
from companion.pictures.report import InstrumentInfo, ReportData, ReportWords
from companion.pictures.scales import scales_for
from companion.store.checkins import answers_since, first_answered_day
from companion.store.models import Mother

DISTANT_PAST = date(2000, 1, 1)


async def report_data(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    locale: str,
    *,
    days: int | None,
    notes: bool,
    name: str = "",
) -> ReportData | None:
    """The last `days` days (everything when None), from her first check-in, questionnaire or
    flag if that is later; None when the period holds none of them."""
    today = local_today(mother, services.clock.now())
    earliest = DISTANT_PAST if days is None else today - timedelta(days=days - 1)
    answered = await first_answered_day(session, mother.id)
    scores = await her_scores(session, services, mother.id, locale)
    flags = await flag_days(session, services.vault, mother, earliest)
    starts = [day for day in (answered,) if day is not None]
    starts += [s.local_date for s in scores] + [day for day, _ in flags]
    if not starts:
        return None
    first = max(earliest, min(starts))
    if first > today:
        return None
    by_day = await answers_since(session, services.vault, mother.id, first)
    window = last_days(day_points(by_day), today, (today - first).days + 1)
    scores = [s for s in scores if first <= s.local_date <= today]
    flags = tuple((day, level) for day, level in flags if first <= day <= today)
    if not (scores or flags or any(point.answered for point in window)):
        return None
    kept = sorted((day, a["note"]) for day, a in by_day.items() if "note" in a and day <= today)
    ids = list(dict.fromkeys(s.instrument for s in scores))
    return ReportData(
        first=first,
        last=today,
        made=today,
        name=name,
        window=window,
        scores=scores,
        flags=flags,
        notes=kept if notes else None,
        instruments=_instruments(services.content, locale, ids),
        scales=scales_for(services.content, locale, ids, services.settings.thresholds),
    )


def _instruments(content: Content, locale: str, ids: list[str]) -> list[InstrumentInfo]:
    found = []
    for instrument_id in ids:
        try:
            instrument = content.instrument(locale, instrument_id)
        except KeyError:  # a licensed file since removed: its results still show
            continue
        found.append(
            InstrumentInfo(
                id=instrument.id,
                name=instrument.name,
                recall=instrument.recall,
                items=len(instrument.items),
                max_total=instrument.max_total,
                bands=tuple((b.low, b.high, b.label) for b in instrument.bands),
            )
        )
    return found


def report_words(content: Content, locale: str, data: ReportData) -> ReportWords:
    def say(key: str, **params: object) -> str:
        return content.text(locale, "report.pdf." + key, **params)

    def when(day: date) -> str:
        return format_date(content, locale, day)

    first, last = when(data.first), when(data.last)
    title = say("chart_title", first=first, last=last)
    return ReportWords(
        say=say,
        when=when,
        level=lambda level: level_word(content, locale, level),
        scale_words=scale_words(content, locale),
        chart=chart_labels(content, locale, title, summarise(data.window)),
        scores_chart=summary_labels(content, locale, say("questionnaires")),
    )
