"""The clinician's chart of one patient: her window (90 days, or from her first check-in,
questionnaire or flag when that is more recent), each questionnaire on its own scale with its
bands and cut-offs as set, and her flags marked by level."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.context import Services
from companion.bot.mother_view import format_date
from companion.bot.patient_facts import say
from companion.clinician_charts import Scale, SummaryLabels, summary_chart
from companion.content import Content
from companion.core.clinician_summary import FLAG_LEVELS, SUMMARY_DAYS, PatientFacts, ScoreFact
from companion.core.trends import DayPoint, last_days
from companion.core.zones import tzinfo_for
from companion.pictures.scales import scales_for
from companion.store.flags import flags_since, read_detail
from companion.store.models import Mother
from companion.vault import Vault


@dataclass(frozen=True)
class ChartView:
    window: list[DayPoint]
    scores: tuple[ScoreFact, ...]
    flags: tuple[tuple[date, str], ...]  # (her local day, level)
    scales: dict[str, Scale]
    labels: SummaryLabels
    since: date | None  # the window's first day, when fitted to her data


def fitted_days(today: date, starts: list[date], days: int = SUMMARY_DAYS) -> int:
    """`days`, or fewer when her first data (check-in, questionnaire, flag) is more recent."""
    first = min(starts, default=today)
    return max(1, min(days, (today - first).days + 1))


async def flag_days(
    session: AsyncSession, vault: Vault, mother: Mother, first: date
) -> tuple[tuple[date, str], ...]:
    """Her flags raised on or after her local day `first`, open or closed: (day, level). A
    flag whose sealed level does not open (companion.store.sealed) is not drawn."""
    zone = tzinfo_for(mother.timezone or "UTC")
    found = await flags_since(session, mother.id, datetime.combine(first, time(), tzinfo=zone))
    days = (
        (flag.raised_at.astimezone(zone).date(), read_detail(flag, vault).level) for flag in found
    )
    return tuple((day, level) for day, level in days if day >= first and level in FLAG_LEVELS)


def summary_labels(content: Content, locale: str, title: str) -> SummaryLabels:
    return SummaryLabels(
        title=title,
        mood=say(content, locale, "chart.mood"),
        missing_note=say(content, locale, "chart.missing_note"),
        month_names=[m.strip() for m in content.text(locale, "names.months").split(",")],
        flag_levels={level: say(content, locale, f"chart.flag.{level}") for level in FLAG_LEVELS},
    )


async def chart_view(
    services: Services, session: AsyncSession, locale: str, facts: PatientFacts, mother: Mother
) -> ChartView:
    content = services.content
    earliest = facts.today - timedelta(days=SUMMARY_DAYS - 1)
    flags = await flag_days(session, services.vault, mother, earliest)
    starts = [p.day for p in facts.days if p.answered and p.day >= earliest]
    starts += [s.local_date for s in facts.scores if s.local_date >= earliest]
    starts += [day for day, _ in flags]
    days = fitted_days(facts.today, starts)
    window = last_days(facts.days, facts.today, days)
    since = window[0].day if days < SUMMARY_DAYS else None
    if since is None:
        title = say(content, locale, "chart.title", name=facts.name)
    else:
        day = format_date(content, locale, since)
        title = say(content, locale, "chart.title_since", name=facts.name, date=day)
    scores = tuple(s for s in facts.scores if window[0].day <= s.local_date <= facts.today)
    thresholds = services.settings.thresholds
    scales = scales_for(content, locale, (s.instrument for s in scores), thresholds)
    labels = summary_labels(content, locale, title)
    return ChartView(window, scores, flags, scales, labels, since)


async def chart_image(view: ChartView) -> bytes:
    return await asyncio.to_thread(
        summary_chart,
        view.window,
        view.scores,
        labels=view.labels,
        scales=view.scales,
        flags=view.flags,
    )
