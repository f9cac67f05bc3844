"""Learning snippets: /learn's topic menu, the short read after a check-in (as often as she chose:
daily, every few days or never), and the message when her mood was low on most of two weeks."""

from __future__ import annotations

from datetime import date, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.help import callback_buttons
from companion.bot.mother_view import format_date, suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, rows, send
from companion.content import Content
from companion.core import snippets as core
from companion.core.numbers import ascii_number
from companion.core.snippets import Snippet
from companion.core.tiers import Tier
from companion.core.trends import MOOD_RANGE, DayPoint, last_days
from companion.core.zones import tzinfo_for
from companion.store.checkins import answers_since
from companion.store.learn import Reading, Seen, Via, reading, record_seen
from companion.store.models import Mother
from companion.store.mothers import read_birth_date
from companion.store.screenings import results

MENU = "learn|menu"
SHARE_HOW = "learnshare"  # outside PATTERN: not a topic
PATTERN = r"^learn\|(menu|[a-z][a-z0-9_]*)(\|[a-z][a-z0-9_]*)?$"


# --- what she sees ----------------------------------------------------------------------------


def snippet_text(content: Content, locale: str, snippet: Snippet) -> str:
    return content.text(
        locale,
        "learn.snippet",
        title=snippet.title,
        text=snippet.text,
        source=snippet.source,
        reviewed=format_date(content, locale, snippet.reviewed),
    )


def menu_reply(content: Content, locale: str) -> Reply:
    buttons = [
        Button(content.text(locale, f"learn.button.topic.{topic}"), f"learn|{topic}")
        for topic in core.topics(content.library(locale))
    ]
    return Reply(content.text(locale, "learn.menu"), rows(buttons, 2))


def _more(content: Content, locale: str) -> list[Button]:
    return [Button(content.text(locale, "learn.button.more"), MENU)]


def topic_reply(content: Content, locale: str, snippet: Snippet) -> Reply:
    """A snippet opened from the menu, with "another on this topic" when there is one."""
    buttons = []
    if sum(s.topic == snippet.topic for s in content.library(locale)) > 1:
        another = f"learn|{snippet.topic}|{snippet.id}"
        buttons.append(Button(content.text(locale, "learn.button.another"), another))
    buttons.append(Button(content.text(locale, "learn.button.menu"), MENU))
    return Reply(snippet_text(content, locale, snippet), [buttons])


# --- after a check-in -------------------------------------------------------------------------


async def clinician_offer(
    services: Services, session: AsyncSession, mother: Mother
) -> list[list[Button]]:
    """Under the two-week low-mood message: with a clinician linked (who already sees her
    summary), the button asking them to contact her; without one, how to share her summary."""
    linked_buttons = await callback_buttons(services, session, mother)
    if linked_buttons:
        return linked_buttons
    return [[Button(services.content.text(mother.locale, "learn.button.share"), SHARE_HOW)]]


async def explain_sharing(update: Update, context: Ctx) -> None:
    """ "Share my summary with a clinician": how sharing works (nothing is shared by the tap)."""
    query, _, user, chat = pressed(update)
    services = context.services
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    locale = mother.locale if mother else suggest_locale(user.language_code, services.content)
    await query.answer()
    await send(context, chat.id, [Reply(services.content.text(locale, "learn.share_how"))])


async def after_checkin(services: Services, session: AsyncSession, mother: Mother) -> list[Reply]:
    """The two-week low-mood message when it is due (to every mother), else a learning snippet
    when her chosen frequency allows one. Nothing on a day her prompts rest after a crisis."""
    now = services.clock.now()
    if mother.prompts_paused_until is not None and now < mother.prompts_paused_until:
        return []
    content, locale, vault = services.content, mother.locale, services.vault
    library = content.library(locale)
    zone = tzinfo_for(mother.timezone or "UTC")
    today = now.astimezone(zone).date()
    seen = await reading(session, vault, mother.id)
    window = await mood_window(services, session, mother, today)
    week = core.postpartum_week(read_birth_date(mother, vault), today)
    trend_ids = frozenset(s.id for s in library if core.TREND in s.triggers)
    told = seen.last(via=Via.CHECKIN, among=trend_ids)
    chosen, opening = None, ""
    if core.trend_due(window, _day(told, zone), today):
        chosen = core.choose(library, week=week, shown=seen.counts(), trigger=core.TREND)
        if chosen is not None:
            opening = content.text(locale, "learn.trend", days=core.low_days(window))
    if chosen is None:
        if not core.snippet_due(mother.snippets, _day(seen.last(via=Via.CHECKIN), zone), today):
            return []
        tier = await latest_tier(services, session, mother)
        wanted = core.signals(window, tier)
        chosen = core.choose(library, week=week, shown=seen.counts(), signals=wanted)
    if chosen is None:
        return []
    record_seen(session, vault, mother_id=mother.id, snippet_id=chosen.id, via=Via.CHECKIN, now=now)
    text = snippet_text(content, locale, chosen)
    if opening:
        buttons = await clinician_offer(services, session, mother)
        return [Reply(f"{opening}\n\n{text}", [*buttons, _more(content, locale)])]
    return [Reply(text, [_more(content, locale)])]


def _day(entry: Seen | None, zone: tzinfo) -> date | None:
    return None if entry is None else entry.seen_at.astimezone(zone).date()


async def mood_window(
    services: Services, session: AsyncSession, mother: Mother, today: date
) -> list[DayPoint]:
    """Her moods over the last two weeks, a DayPoint per day (empty where she didn't answer)."""
    first = today - timedelta(days=core.TREND_DAYS - 1)
    by_day = await answers_since(session, services.vault, mother.id, first)
    points = [
        DayPoint(day, mood=ascii_number(answers["mood"]))
        for day, answers in by_day.items()
        if ascii_number(answers.get("mood", "")) in MOOD_RANGE
    ]
    return last_days(points, today, core.TREND_DAYS)


async def latest_tier(services: Services, session: AsyncSession, mother: Mother) -> Tier | None:
    done = await results(session, services.vault, mother.id)
    return done[-1].tier if done else None


# --- /learn -----------------------------------------------------------------------------------


async def open_learn(update: Update, context: Ctx) -> None:
    """/learn: the topic menu, at any time (before setting up too)."""
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    locale = mother.locale if mother else suggest_locale(user.language_code, services.content)
    await send(context, chat.id, [menu_reply(services.content, locale)])


async def show_topic(update: Update, context: Ctx) -> None:
    """A topic button (learn|<topic>, or learn|<topic>|<id> for another one), or All topics."""
    query, data, user, chat = pressed(update)
    services, content = context.services, context.services.content
    _, topic, *rest = data.split("|")
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        locale = mother.locale if mother else suggest_locale(user.language_code, content)
        library = content.library(locale)
        if topic == "menu":
            replies = [menu_reply(content, locale)]
        elif topic not in core.topics(library):
            await query.answer(content.text(locale, "common.stale_button"))
            return
        else:
            chosen = await _pick(services, session, mother, library, topic, rest[0] if rest else "")
            replies = [topic_reply(content, locale, chosen)]
        await send(context, chat.id, replies, session=session)
    await query.answer()


async def _pick(
    services: Services,
    session: AsyncSession,
    mother: Mother | None,
    library: tuple[Snippet, ...],
    topic: str,
    after: str,
) -> Snippet:
    """The topic's snippet she has seen least (stored for her; nothing stored before consent).
    After `after` ("another on this topic"), a different one."""
    seen, week = Reading(()), None
    if mother is not None:
        zone = tzinfo_for(mother.timezone or "UTC")
        today = services.clock.now().astimezone(zone).date()
        seen = await reading(session, services.vault, mother.id)
        week = core.postpartum_week(read_birth_date(mother, services.vault), today)
    in_topic = [s for s in library if s.topic == topic]
    others = [s for s in in_topic if s.id != after] or in_topic
    if after and mother is None:  # nothing remembered: simply the next one along
        ids = [s.id for s in in_topic]
        others = in_topic[ids.index(after) + 1 :] + in_topic if after in ids else in_topic
    chosen = core.in_topic(others, topic, week=week, shown=seen.counts())
    assert chosen is not None  # the topic is in the library
    if mother is not None:
        now, vault = services.clock.now(), services.vault
        record_seen(
            session, vault, mother_id=mother.id, snippet_id=chosen.id, via=Via.MENU, now=now
        )
    return chosen


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("learn", open_learn),
        CallbackQueryHandler(explain_sharing, pattern=f"^{SHARE_HOW}$"),
        CallbackQueryHandler(show_topic, pattern=PATTERN),
    ]
