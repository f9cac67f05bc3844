"""/patients and /summary: what a clinician sees of the mothers sharing with her now.

Only active clinicians get answers (anyone else gets the unknown-command reply), and only shares in
force are shown: a mother who revoked is gone at once. Buttons carry the share's opaque id and are
checked against the clinician pressing them. Everything sent is protected (no forwarding, no
saving) and goes in the reply lane: it answers her own command.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.clinician_press import pressed_share
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.digest_texts import TEXT_LIMIT
from companion.bot.flag_closing import summary_flags
from companion.bot.help import answer_unknown_command
from companion.bot.patient_facts import (
    clinician_locale,
    gather,
    patient_block,
    say,
    when,
)
from companion.bot.reaching import shown_name
from companion.bot.replies import Button, Reply, rows, send
from companion.bot.report import clinician_report_button
from companion.bot.summary_chart import chart_image, chart_view
from companion.content import Content
from companion.core.clinician_summary import (
    SUMMARY_DAYS,
    TREND_DAYS,
    PatientFacts,
    PatientRow,
    TableRow,
    by_concern,
    pack,
    patient_row,
    table_rows,
)
from companion.store.clinician_models import Clinician, Share
from companion.store.clinicians import (
    audit,
    clinician_by_user,
    read_display_name,
    read_sealed,
    shared_with,
)
from companion.store.models import Mother

SUMMARY = "sum"  # sum|<share id>
NAME_ON_BUTTON = 40  # characters of her display name on a button


async def list_patients(update: Update, context: Ctx) -> None:
    """/patients: a short block per mother sharing with her, open flags first."""
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        clinician = await clinician_by_user(session, user.id)
        if clinician is not None:
            locale = clinician_locale(services.content, clinician)
            pairs = await shared_with(session, clinician.id)
            facts = await gather(services, session, pairs, locale=locale, days=TREND_DAYS)
            silent_days = services.settings.silent_days
            found = by_concern(patient_row(one, silent_days=silent_days) for one in facts)
            await send(
                context, chat.id, _patients_replies(services, locale, found), session=session
            )
    if clinician is None:
        await answer_unknown_command(update, context)


def _patients_replies(services: Services, locale: str, found: list[PatientRow]) -> list[Reply]:
    content = services.content
    if not found:
        return [Reply(say(content, locale, "patients.none"), protect=True)]
    header = say(content, locale, "patients.header", count=len(found))
    footer = [say(content, locale, "patients.footer")]
    if any(row.caveat for row in found):
        footer.insert(0, say(content, locale, "caveat"))
    replies: list[Reply] = []
    text = header
    buttons: list[Button] = []
    for row in found:
        block = patient_block(content, locale, row, caveat=False)
        if len(text) + len(block) + 2 > TEXT_LIMIT - 1000:  # room for the footer
            replies.append(Reply(text, rows(buttons, 2), protect=True))
            text, buttons = "", []
        text = f"{text}\n\n{block}" if text else block
        buttons.append(_summary_button(services, locale, row.share_id, row.name))
    text += "\n\n" + "\n\n".join(footer)
    replies.append(Reply(text, rows(buttons, 2), protect=True))
    return replies


def _summary_button(services: Services, locale: str, share_id: str, name: str) -> Button:
    short = name if len(name) <= NAME_ON_BUTTON else name[: NAME_ON_BUTTON - 1] + "…"
    label = say(services.content, locale, "button.summary", name=short)
    return Button(label, f"{SUMMARY}|{share_id}")


def _plain(name: str) -> str:
    return " ".join(name.split()).casefold()


def matching(
    named: list[tuple[Share, Mother, str]], wanted: str, labels: dict[str, str] | None = None
) -> list[tuple[Share, Mother]]:
    """Her display name or the clinician's label for her (by share id), ignoring case and
    spacing: exact matches if any, else names that contain what was typed."""
    wanted, labels = _plain(wanted), labels or {}

    def names(share: Share, name: str) -> list[str]:
        return [_plain(one) for one in (name, labels.get(share.id, "")) if one]

    exact = [(share, mother) for share, mother, name in named if wanted in names(share, name)]
    if exact:
        return exact
    return [
        (share, mother)
        for share, mother, name in named
        if any(wanted in one for one in names(share, name))
    ]


async def show_summary(update: Update, context: Ctx) -> None:
    """/summary NAME: her chart and table; several matches get a button each."""
    services = context.services
    user, chat = sender(update)
    wanted = " ".join(context.args or [])
    async with services.db.session() as session:
        clinician = await clinician_by_user(session, user.id)
        if clinician is not None:
            locale = clinician_locale(services.content, clinician)
            pairs = await shared_with(session, clinician.id)
            named = [(s, m, read_display_name(s, services.vault)) for s, m in pairs]
            labels = {s.id: read_sealed(s, "label_sealed", services.vault) or "" for s, _ in pairs}
            found = matching(named, wanted, labels) if wanted.strip() else []
            if len(found) == 1:
                [(share, mother)] = found
                replies = await summary_replies(services, session, clinician, share, mother)
            else:
                shown = [(s, m, shown_name(services, locale, s)) for s, m in pairs]
                replies = [_choose(services, locale, shown, found, wanted)]
            await send(context, chat.id, replies, session=session)
    if clinician is None:
        await answer_unknown_command(update, context)


def _choose(
    services: Services,
    locale: str,
    named: list[tuple[Share, Mother, str]],
    found: list[tuple[Share, Mother]],
    wanted: str,
) -> Reply:
    content = services.content
    if not named:
        return Reply(say(content, locale, "patients.none"), protect=True)
    if wanted.strip() and not found:
        return Reply(say(content, locale, "summary.no_match", name=wanted.strip()), protect=True)
    chosen = {share.id for share, _ in found}
    offered = [(s, name) for s, _, name in named if not chosen or s.id in chosen]
    offered.sort(key=lambda pair: pair[1].casefold())
    key = "summary.several" if found else "summary.usage"
    buttons = [_summary_button(services, locale, share.id, name) for share, name in offered]
    return Reply(say(content, locale, key, name=wanted.strip()), rows(buttons, 2), protect=True)


async def press_summary(update: Update, context: Ctx) -> None:
    """A "sum|<share id>" button: her summary, if that share is this clinician's and in force."""
    query, _, _, chat = pressed(update)
    services = context.services
    async with services.db.session() as session:
        found = await pressed_share(update, services, session, refused="summary_refused")
        if found is None:
            return
        clinician, share, mother = found
        replies = await summary_replies(services, session, clinician, share, mother)
        await send(context, chat.id, replies, session=session)
    await query.answer()


async def summary_replies(
    services: Services, session: AsyncSession, clinician: Clinician, share: Share, mother: Mother
) -> list[Reply]:
    """Her summary as this clinician sees it (summary_view, with a Close flag button for each
    open flag), recorded in the audit log."""
    audit(
        session,
        "summary_viewed",
        services.clock.now(),
        clinician_id=clinician.id,
        mother_id=mother.id,
    )
    locale = clinician_locale(services.content, clinician)
    return await summary_view(services, session, locale, share, mother, closing=True)


async def summary_view(
    services: Services,
    session: AsyncSession,
    locale: str,
    share: Share,
    mother: Mother,
    *,
    closing: bool = False,
    notes: bool = True,
) -> list[Reply]:
    """Her chart (mood and questionnaire totals, 90 days), then her block and a plain table,
    then her notes if she chose to share them (and `notes`), then her open flags (with
    `closing`, each with its Close flag button). The one full view of a mother a clinician gets
    (/summary, a name in /patients, See summary), and the preview she agrees to before sharing
    (which shows her notes apart, under its consent message: note_lines)."""
    content = services.content
    [facts] = await gather(services, session, [(share, mother)], locale=locale, days=SUMMARY_DAYS)
    row = patient_row(facts, silent_days=services.settings.silent_days)
    table = table_rows(facts)
    lines = [patient_block(content, locale, row, caveat=False), ""]
    replies = []
    if table:
        view = await chart_view(services, session, locale, facts, mother)
        image = await chart_image(view)
        if view.since is None:
            caption = say(content, locale, "summary.caption", name=facts.name)
        else:
            since = when(content, locale, view.since)
            caption = say(content, locale, "summary.caption_since", name=facts.name, date=since)
        replies.append(Reply(caption, photo=image, protect=True))
        lines += [say(content, locale, "summary.table_header")]
        lines += [_table_line(services, locale, table_row) for table_row in table]
    else:
        lines.append(say(content, locale, "summary.nothing", name=facts.name))
    if any(score.needs_caveat for score in facts.scores):
        lines += ["", say(content, locale, "caveat")]
    if notes and facts.notes:
        lines += ["", *_note_lines(content, locale, facts)]
    texts = pack(lines, TEXT_LIMIT)
    replies += [Reply(text, protect=True) for text in texts[:-1]]
    offer = [[clinician_report_button(services, locale, share.id, facts.name)]]
    replies.append(Reply(texts[-1], offer if closing and table else (), protect=True))
    return replies + await summary_flags(services, session, locale, share, mother, closing)


async def note_lines(
    services: Services, session: AsyncSession, locale: str, share: Share, mother: Mother
) -> list[str]:
    """Her notes as summary_view lists them for this share (a heading, then one line each), or
    nothing when she has none in its 90 days or the share leaves them out."""
    [facts] = await gather(services, session, [(share, mother)], locale=locale, days=SUMMARY_DAYS)
    return _note_lines(services.content, locale, facts) if facts.notes else []


def _note_lines(content: Content, locale: str, facts: PatientFacts) -> list[str]:
    first = facts.today - timedelta(days=SUMMARY_DAYS - 1)
    return [say(content, locale, "summary.notes")] + [
        say(content, locale, "summary.note", date=when(content, locale, day), text=note)
        for day, note in facts.notes
        if day >= first
    ]


def _table_line(services: Services, locale: str, row: TableRow) -> str:
    content = services.content
    blank = say(content, locale, "summary.blank")
    scores = "; ".join(
        say(content, locale, "score.short", name=score.name, total=score.total)
        for score in row.scores
    )
    values = (row.mood, row.sleep, row.anxiety)
    mood, sleep, anxiety = (blank if value is None else str(value) for value in values)
    return say(
        content,
        locale,
        "summary.row",
        date=row.day.isoformat(),
        mood=mood,
        sleep=sleep,
        anxiety=anxiety,
        scores=scores or blank,
    )


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("patients", list_patients),
        CommandHandler("summary", show_summary),
        CallbackQueryHandler(press_summary, pattern="^" + re.escape(SUMMARY) + r"\|[^|]{1,60}$"),
    ]
