"""/history: a chart of her last 30 days (mood, sleep, anxiety; gaps where she didn't answer)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.checkin import local_now
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.flows import HISTORY_BUTTON
from companion.bot.mother_view import suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Reply, send
from companion.charts import ChartLabels, history_chart
from companion.core.numbers import ascii_number
from companion.core.trends import DayPoint, last_days, summarise
from companion.store.checkins import answers_since
from companion.store.models import Mother, MotherStatus

WINDOW_DAYS = 30


def _number(answers: dict[str, str], question: str) -> int | None:
    value = answers.get(question)
    return ascii_number(value) if value is not None else None


async def history_reply(services: Services, mother: Mother) -> Reply:
    today = local_now(services, mother).date()
    first = today - timedelta(days=WINDOW_DAYS - 1)
    async with services.db.session() as session:
        by_day = await answers_since(session, services.vault, mother.id, first)
    points = [
        DayPoint(day, _number(a, "mood"), _number(a, "sleep"), _number(a, "anxiety"))
        for day, a in by_day.items()
    ]
    window = last_days(points, today, WINDOW_DAYS)
    summary = summarise(window)
    content, locale = services.content, mother.locale
    if summary.answered_days == 0:
        return Reply(content.text(locale, "history.none_yet"))
    labels = ChartLabels(
        title=content.text(locale, "history.chart.title"),
        mood=content.text(locale, "history.chart.mood"),
        sleep=content.text(locale, "history.chart.sleep"),
        anxiety=content.text(locale, "history.chart.anxiety"),
        missing_note=content.text(locale, "history.chart.missing_note"),
        month_names=[m.strip() for m in content.text(locale, "names.months").split(",")],
    )
    image = await asyncio.to_thread(history_chart, window, labels=labels)  # CPU-bound
    caption = "\n".join(
        [
            content.text(
                locale,
                "history.answered",
                answered=summary.answered_days,
                days=summary.window_days,
                low=summary.low_mood_days,
            ),
            content.text(locale, f"history.{summary.direction}"),
        ]
    )
    return Reply(caption, photo=image, protect=True)


async def show_history(update: Update, context: Ctx) -> None:
    """/history: the chart and a two-line summary."""
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    if mother is None or mother.status == MotherStatus.ONBOARDING:
        locale = suggest_locale(user.language_code, services.content)
        await send(context, chat.id, [Reply(services.content.text(locale, "common.not_set_up"))])
        return
    await send(context, chat.id, [await history_reply(services, mother)], mother_id=mother.id)


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
