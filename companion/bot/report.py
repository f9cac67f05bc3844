"""/report: a PDF of her check-ins to send or show to her doctor, midwife or therapist.

She picks the period with a button (4 weeks, 3 months, everything) and may tick "include my
notes" first. Her copy is the one message not protected from forwarding and saving: its purpose
is to be shared, and the offer says so. A clinician she shares with gets the same report (3
months) from a button under her /summary, with her notes only if her share includes them;
theirs is protected, as everything a clinician receives is.
"""

from __future__ import annotations

import asyncio
import io
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.clinician_press import pressed_share
from companion.bot.context import Ctx, Services, pressed, sender
from companion.bot.history import set_up_sender
from companion.bot.mother_view import format_date
from companion.bot.patient_facts import clinician_locale
from companion.bot.presence import find_sender
from companion.bot.reaching import shown_name
from companion.bot.replies import Button, Reply, send
from companion.bot.report_data import report_data, report_words
from companion.core.clinician_summary import SUMMARY_DAYS
from companion.pictures.report import ReportData, build_report
from companion.store.clinicians import audit
from companion.store.models import MotherStatus

log = logging.getLogger(__name__)
REPORT = "rep"  # rep|<28, 90, all or notes>|<0 or 1: her notes in>
CLINICIAN_REPORT = "rpc"  # rpc|<share id>
PERIODS = {"28": 28, "90": 90, "all": None}
PERIOD_WORDS = {"28": "weeks", "90": "months", "all": "everything"}


def offer_buttons(services: Services, locale: str, notes: bool) -> list[list[Button]]:
    content, flag = services.content, "1" if notes else "0"
    periods = [
        Button(content.text(locale, f"report.button.{PERIOD_WORDS[key]}"), f"{REPORT}|{key}|{flag}")
        for key in PERIODS
    ]
    tick = "report.button.notes_on" if notes else "report.button.notes_off"
    toggle = Button(content.text(locale, tick), f"{REPORT}|notes|{'0' if notes else '1'}")
    return [periods, [toggle]]


async def offer_report(update: Update, context: Ctx) -> None:
    """/report: what the PDF is, that it can be forwarded, and the period buttons."""
    services = context.services
    mother = await set_up_sender(update, context)
    if mother is None:
        return
    locale = mother.locale
    text = services.content.text(locale, "report.offer")
    reply = Reply(text, offer_buttons(services, locale, notes=False))
    await send(context, sender(update)[1].id, [reply], mother_id=mother.id)


async def press_report(update: Update, context: Ctx) -> None:
    """A period button (the report, as a document she may forward) or the notes tick."""
    query, data, user, chat = pressed(update)
    services = context.services
    _, kind, flag = data.split("|")
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        if mother is None or mother.status == MotherStatus.ONBOARDING:
            await query.answer()
            return
        if kind == "notes":
            await query.answer()
            await _retick(query, services, mother.locale, notes=flag == "1")
            return
        found = await report_data(
            services, session, mother, mother.locale, days=PERIODS[kind], notes=flag == "1"
        )
    await query.answer()
    if found is None:
        nothing = Reply(services.content.text(mother.locale, "report.nothing"))
        await send(context, chat.id, [nothing], mother_id=mother.id)
        return
    caption = _caption(services, mother.locale, found, "report.caption")
    await _send_pdf(context, chat.id, services, mother.locale, found, caption, protect=False)


async def _retick(query: object, services: Services, locale: str, *, notes: bool) -> None:
    rows = offer_buttons(services, locale, notes)
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )
    try:
        await query.edit_message_reply_markup(markup)  # type: ignore[attr-defined]
    except BadRequest as error:  # a double tap: it already shows this
        log.info("event=report_tick_not_edited error=%s", type(error).__name__)


def _caption(services: Services, locale: str, data: ReportData, key: str) -> str:
    content = services.content
    first, last = format_date(content, locale, data.first), format_date(content, locale, data.last)
    return content.text(locale, key, first=first, last=last, name=data.name)


async def _send_pdf(
    context: Ctx,
    chat_id: int,
    services: Services,
    locale: str,
    data: ReportData,
    caption: str,
    *,
    protect: bool,
) -> None:
    words = report_words(services.content, locale, data)
    pdf = await asyncio.to_thread(build_report, data, words)  # CPU-bound: about a second
    name = services.content.text(locale, "report.filename", date=data.made.isoformat())
    await context.bot.send_document(
        chat_id, InputFile(io.BytesIO(pdf), filename=name), caption=caption, protect_content=protect
    )


def clinician_report_button(services: Services, locale: str, share_id: str, name: str) -> Button:
    label = services.content.text(locale, "report.button.clinician", name=name)
    return Button(label, f"{CLINICIAN_REPORT}|{share_id}")


async def press_clinician_report(update: Update, context: Ctx) -> None:
    """The report button under a patient's /summary: her last 3 months, if she shares now."""
    query, _, _, chat = pressed(update)
    services, content = context.services, context.services.content
    async with services.db.session() as session:
        found_share = await pressed_share(update, services, session)
        if found_share is None:
            return
        clinician, share, mother = found_share
        locale = clinician_locale(content, clinician)
        now = services.clock.now()
        audit(session, "report_made", now, clinician_id=clinician.id, mother_id=mother.id)
        found = await report_data(
            services, session, mother, locale, days=SUMMARY_DAYS, notes=share.include_notes,
            name=shown_name(services, locale, share),
        )  # fmt: skip
    await query.answer()
    if found is None:
        name = shown_name(services, locale, share)
        nothing = content.text(locale, "report.nothing_clinician", name=name)
        await send(context, chat.id, [Reply(nothing, protect=True)])
        return
    caption = _caption(services, locale, found, "report.caption_clinician")
    await _send_pdf(context, chat.id, services, locale, found, caption, protect=True)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("report", offer_report),
        CallbackQueryHandler(press_report, pattern=rf"^{REPORT}\|(28|90|all|notes)\|[01]$"),
        *clinician_handlers(),
    ]


def clinician_handlers() -> list[BaseHandler[Update, Ctx, None]]:
    """The clinician's button; companion.bot.clinician's router lets these through to it."""
    pattern = rf"^{CLINICIAN_REPORT}\|[^|]{{1,60}}$"
    return [CallbackQueryHandler(press_clinician_report, pattern=pattern)]
