"""/mydata sends her everything stored about her; /delete erases it after a confirmation."""

from __future__ import annotations

import io
import json
import logging

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from companion.bot.context import Ctx, pressed, sender
from companion.bot.flows import mark_answered
from companion.bot.mother_view import suggest_locale
from companion.bot.mydata_csv import answers_csv
from companion.bot.mydata_words import readable
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.core.triage import clear_cache as clear_triage_cache
from companion.core.zones import tzinfo_for
from companion.delivery.inbox import handling
from companion.store.personal_data import erase_mother, export_mother

log = logging.getLogger(__name__)

DELETE_YES = "del|yes"
DELETE_NO = "del|no"


async def send_my_data(update: Update, context: Ctx) -> None:
    """/mydata: a JSON document of every row about her, decrypted for her eyes, with the words of
    her answers beside them and times in her time zone; then her answers as a CSV table."""
    services = context.services
    user, chat = sender(update)
    content = services.content
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        zone = tzinfo_for(mother.timezone or "UTC") if mother else None
        export = await export_mother(session, mother, services.vault, zone) if mother else None
    if mother is None or export is None:
        locale = suggest_locale(user.language_code, content)
        await send(context, chat.id, [Reply(content.text(locale, "data.mydata.nothing"))])
        return
    locale = mother.locale
    export["exported_at"] = services.clock.now().astimezone(zone).isoformat()
    readable(content, locale, export)
    payload = json.dumps(export, indent=2, ensure_ascii=False).encode("utf-8")
    files = (
        (payload, "companion-my-data.json", "data.mydata.caption"),
        (
            answers_csv(content, locale, export),
            "companion-my-answers.csv",
            "data.mydata.csv_caption",
        ),
    )
    for body, filename, caption in files:
        await context.bot.send_document(
            chat.id,
            InputFile(io.BytesIO(body), filename=filename),
            caption=content.text(locale, caption),
            protect_content=True,
        )


async def ask_delete(update: Update, context: Ctx) -> None:
    """/delete: ask once more, with buttons."""
    services = context.services
    user, chat = sender(update)
    content = services.content
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
    if mother is None:
        locale = suggest_locale(user.language_code, content)
        await send(context, chat.id, [Reply(content.text(locale, "data.delete.nothing"))])
        return
    locale = mother.locale
    buttons = [
        [Button(content.text(locale, "data.delete.button.yes"), DELETE_YES)],
        [Button(content.text(locale, "data.delete.button.no"), DELETE_NO)],
    ]
    await send(context, chat.id, [Reply(content.text(locale, "data.delete.confirm"), buttons)])


async def answer_delete(update: Update, context: Ctx) -> None:
    """The confirmation buttons: erase every row about the person pressing, or nothing."""
    query, data, user, chat = pressed(update)
    services, content = context.services, context.services.content
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        locale = mother.locale if mother else suggest_locale(user.language_code, content)
        if mother is None:
            key = "data.delete.nothing"
        elif data == DELETE_YES:
            answering = handling.get()
            await erase_mother(session, mother, answering.update_id if answering else None)
            log.info("event=mother_erased mother=%s", mother.id)
            key = "data.delete.done"
        else:
            key = "data.delete.cancelled"
        # In the erase's own transaction: erased and confirmed, or neither.
        await send(context, chat.id, [Reply(content.text(locale, key))], session=session)
    if key == "data.delete.done":
        clear_triage_cache()  # its in-memory readings of her recent messages go too
        if not await services.db.scrub():
            log.warning("event=erase_scrub_deferred")
    await query.answer()
    await mark_answered(update, None)


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [
        CommandHandler("mydata", send_my_data),
        CommandHandler("delete", ask_delete),
        CallbackQueryHandler(answer_delete, pattern=r"^del\|(yes|no)$"),
    ]
