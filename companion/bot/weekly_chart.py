"""The weekly summary's picture: her seven days (mood, sleep and anxiety in words, anxiety turned
so that up is calmer, that week's questionnaires with their band), as the mother's own /history
chart draws them, in the clinician's language. Sent just before the summary's text."""

from __future__ import annotations

import asyncio

from companion.bot.history import chart_labels
from companion.bot.patient_facts import when
from companion.charts import ChartLabels, history_chart
from companion.content import Content
from companion.core.clinician_summary import PatientFacts, WeekSummary
from companion.core.trends import WEEK, DayPoint, last_days
from companion.delivery.outgoing import Reply


def weekly_caption(content: Content, locale: str, week: WeekSummary) -> str:
    first, last = when(content, locale, week.first), when(content, locale, week.last)
    return content.text(
        locale, "clinician_summary.weekly.title", name=week.name, first=first, last=last
    )


def weekly_parts(
    content: Content, locale: str, facts: PatientFacts, week: WeekSummary
) -> tuple[list[DayPoint], ChartLabels]:
    """The seven days drawn and the chart's words."""
    window = last_days(facts.days, week.last, WEEK)
    labels = chart_labels(content, locale, weekly_caption(content, locale, week), week.week)
    return window, labels


async def weekly_chart(
    content: Content, locale: str, facts: PatientFacts, week: WeekSummary
) -> Reply:
    """Her week as a photo, captioned with the summary's title (protected)."""
    window, labels = weekly_parts(content, locale, facts, week)
    image = await asyncio.to_thread(history_chart, window, labels=labels, scores=week.scores)
    return Reply(labels.title, photo=image, protect=True)
