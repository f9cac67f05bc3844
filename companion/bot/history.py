"""/history: a chart of her last 30 days (mood, sleep, anxiety; gaps where she didn't answer),
or of the days since her first check-in when that was more recent."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.checkin import local_now
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.flows import HISTORY_BUTTON
from companion.bot.mother_view import format_date, suggest_locale
from companion.bot.patient_facts import her_scores
from companion.bot.presence import find_sender
from companion.bot.replies import Reply, send
from companion.charts import ChartLabels, history_chart
from companion.content import Content
from companion.core.clinician_summary import ScoreFact
from companion.core.numbers import ascii_number
from companion.core.trends import (
    ANXIETY_RANGE,
    SLEEP_RANGE,
    DayPoint,
    TrendSummary,
    last_days,
    summarise,
)
from companion.store.checkins import answers_since, first_answered_day
from companion.store.models import Mother, MotherStatus

WINDOW_DAYS = 30


@dataclass(frozen=True)
class HistoryView:
    """What /history draws: the window (from her first check-in if that is more recent than 30
    days ago), the chart's words, and her questionnaire results in the window."""

    window: list[DayPoint]
    labels: ChartLabels
    scores: tuple[ScoreFact, ...]
    summary: TrendSummary
    since: date | None  # her first check-in, when the window starts there


def _number(answers: dict[str, str], question: str) -> int | None:
    value = answers.get(question)
    return ascii_number(value) if value is not None else None


def words(content: Content, locale: str, key: str) -> list[str]:
    """A comma-separated list of words in the locale's files, trimmed."""
    return [word.strip() for word in content.text(locale, key).split(",")]


def scale_words(content: Content, locale: str) -> dict[str, list[str]]:
    """The words of her check-in's answers, lowest value first, for a chart's axes."""
    return {
        "mood": words(content, locale, "history.chart.mood_words"),
        "sleep": [content.text(locale, f"checkin.sleep.button.{n}") for n in SLEEP_RANGE],
        "anxiety": [content.text(locale, f"checkin.anxiety.button.{n}") for n in ANXIETY_RANGE],
    }


def chart_labels(
    content: Content, locale: str, title: str, summary: TrendSummary | None = None
) -> ChartLabels:
    """The words of her chart (also the report's and the weekly summary's)."""
    scales = scale_words(content, locale)
    line = ""
    if summary is not None:
        line = content.text(
            locale,
            "history.chart.summary",
            answered=summary.answered_days,
            days=summary.window_days,
            low=summary.low_mood_days,
            sleep=summary.poor_sleep_days,
            anxious=summary.anxious_days,
        )
    return ChartLabels(
        title=title,
        mood=content.text(locale, "history.chart.mood"),
        sleep=content.text(locale, "history.chart.sleep"),
        anxiety=content.text(locale, "history.chart.anxiety"),
        missing_note=content.text(locale, "history.chart.missing_note"),
        month_names=words(content, locale, "names.months"),
        mood_words=scales["mood"],
        sleep_words=scales["sleep"],
        anxiety_words=scales["anxiety"],
        questionnaires=content.text(locale, "history.chart.questionnaires"),
        summary=line,
    )


def day_points(by_day: dict[date, dict[str, str]]) -> list[DayPoint]:
    return [
        DayPoint(day, _number(a, "mood"), _number(a, "sleep"), _number(a, "anxiety"))
        for day, a in by_day.items()
    ]


def in_window(scores: Sequence[ScoreFact], window: Sequence[DayPoint]) -> tuple[ScoreFact, ...]:
    first, last = window[0].day, window[-1].day
    return tuple(score for score in scores if first <= score.local_date <= last)


async def history_view(services: Services, mother: Mother) -> HistoryView:
    today = local_now(services, mother).date()
    async with services.db.session() as session:
        started = await first_answered_day(session, mother.id)
        first = today - timedelta(days=WINDOW_DAYS - 1)
        since = started if started is not None and started > first else None
        by_day = await answers_since(session, services.vault, mother.id, since or first)
        scores = await her_scores(session, services, mother.id, mother.locale)
    days = WINDOW_DAYS if since is None else (today - since).days + 1
    window = last_days(day_points(by_day), today, days)
    summary = summarise(window)
    content, locale = services.content, mother.locale
    title = content.text(locale, "history.chart.title")
    if since is not None:
        title = content.text(
            locale, "history.chart.title_since", date=format_date(content, locale, since)
        )
    labels = chart_labels(content, locale, title, summary)
    return HistoryView(window, labels, in_window(scores, window), summary, since)


async def history_reply(services: Services, mother: Mother) -> Reply:
    view = await history_view(services, mother)
    summary, content, locale = view.summary, services.content, mother.locale
    if summary.answered_days == 0:
        return Reply(content.text(locale, "history.none_yet"))
    image = await asyncio.to_thread(  # CPU-bound
        history_chart, view.window, labels=view.labels, scores=view.scores
    )
    counts = {
        "answered": summary.answered_days,
        "days": summary.window_days,
        "low": summary.low_mood_days,
    }
    if view.since is None:
        first_line = content.text(locale, "history.answered", **counts)
    else:
        since = format_date(content, locale, view.since)
        first_line = content.text(locale, "history.answered_since", date=since, **counts)
    caption = "\n".join([first_line, content.text(locale, f"history.{summary.direction}")])
    return Reply(caption, photo=image, protect=True)


async def set_up_sender(update: Update, context: Ctx) -> Mother | None:
    """The mother who sent this command, once set up; before that, she is told to /start."""
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    if mother is None or mother.status == MotherStatus.ONBOARDING:
        locale = suggest_locale(user.language_code, services.content)
        await send(context, chat.id, [Reply(services.content.text(locale, "common.not_set_up"))])
        return None
    return mother


async def show_history(update: Update, context: Ctx) -> None:
    """/history: the chart and a two-line summary."""
    mother = await set_up_sender(update, context)
    if mother is not None:
        reply = await history_reply(context.services, mother)
        await send(context, sender(update)[1].id, [reply], mother_id=mother.id)


async def press_history(update: Update, context: Ctx) -> None:
    """The "See my last 30 days" button after a check-in."""
    query, _, _, _ = pressed(update)
    await query.answer()
    await show_history(update, context)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("history", show_history),
        CallbackQueryHandler(press_history, pattern="^" + re.escape(HISTORY_BUTTON) + "$"),
    ]
