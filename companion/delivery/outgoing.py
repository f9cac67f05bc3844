"""What the bot sends, as plain data: stored in the outbox, turned into Bot API calls on sending."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Bot, LinkPreviewOptions, MessageEntity
from telegram.warnings import PTBUserWarning

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_NO_PREVIEW_JSON = NO_PREVIEW.to_dict()
# deliver calls sendMessage through do_api_request on purpose (see there), which PTB warns of.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class TextLink:
    """Words of a reply's text made into a link (their last occurrence in the text)."""

    words: str
    url: str


@dataclass(frozen=True)
class Reply:
    """One message: text (the caption when there is a photo), optional buttons or keyboard."""

    text: str
    buttons: Sequence[Sequence[Button]] = ()
    ask_location: str | None = None  # label of a one-off "share location" keyboard button
    ask_contact: str | None = None  # label of a one-off "share my phone number" keyboard button
    link: TextLink | None = None
    remove_keyboard: bool = False
    photo: bytes | None = None
    protect: bool = False
    # Help for a worrying answer: queued in the emergency lane, ahead of everything waiting.
    # Not part of the stored payload: the lane is the outbox row's.
    urgent: bool = False


def rows(buttons: Sequence[Button], per_row: int) -> list[list[Button]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def encode(reply: Reply) -> str:
    payload: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        payload["buttons"] = [[[b.label, b.data] for b in row] for row in reply.buttons]
    if reply.ask_location:
        payload["ask_location"] = reply.ask_location
    if reply.ask_contact:
        payload["ask_contact"] = reply.ask_contact
    if reply.link is not None:
        payload["link"] = [reply.link.words, reply.link.url]
    if reply.remove_keyboard:
        payload["remove_keyboard"] = True
    if reply.photo is not None:
        payload["photo"] = base64.b64encode(reply.photo).decode()
    if reply.protect:
        payload["protect"] = True
    return json.dumps(payload, ensure_ascii=False)


def decode(raw: str) -> Reply:
    payload = json.loads(raw)
    photo = payload.get("photo")
    link = payload.get("link")
    return Reply(
        text=payload["text"],
        buttons=[
            [Button(label, data) for label, data in row] for row in payload.get("buttons", [])
        ],
        ask_location=payload.get("ask_location"),
        ask_contact=payload.get("ask_contact"),
        link=TextLink(link[0], link[1]) if link else None,
        remove_keyboard=bool(payload.get("remove_keyboard")),
        photo=base64.b64decode(photo) if photo else None,
        protect=bool(payload.get("protect")),
    )


def markup(reply: Reply) -> dict[str, Any] | None:
    """The reply's keyboard as the Bot API's JSON (what PTB's markup objects serialise to,
    built directly: at hundreds of sends a second, building and serialising those objects
    cost more than anything else a send does)."""
    if reply.buttons:
        return {
            "inline_keyboard": [
                [{"text": b.label, "callback_data": b.data} for b in row] for row in reply.buttons
            ]
        }
    for label, request in ((reply.ask_location, "location"), (reply.ask_contact, "contact")):
        if label:
            return {
                "keyboard": [[{"text": label, f"request_{request}": True}]],
                "resize_keyboard": True,
                "one_time_keyboard": True,
            }
    if reply.remove_keyboard:
        return {"remove_keyboard": True}
    return None


def entities(reply: Reply) -> list[MessageEntity] | None:
    """The reply's link as a text link entity (offsets count UTF-16 code units, as Telegram's
    do); None when it has none, or its words are not in the text."""
    if reply.link is None or not reply.link.words:
        return None
    start = reply.text.rfind(reply.link.words)
    if start < 0:
        return None

    def units(text: str) -> int:
        return len(text.encode("utf-16-le")) // 2

    offset, length = units(reply.text[:start]), units(reply.link.words)
    return [MessageEntity(MessageEntity.TEXT_LINK, offset, length, url=reply.link.url)]


async def deliver(bot: Bot, chat_id: int, reply: Reply, *, paid: bool = False) -> int:
    """Send one reply; return Telegram's id of the message. `paid`: as a paid broadcast
    (allow_paid_broadcast; Telegram charges Stars for it)."""
    keyboard = markup(reply)
    params: dict[str, object] = {} if keyboard is None else {"reply_markup": keyboard}
    if paid:
        params["allow_paid_broadcast"] = True
    if reply.protect:
        params["protect_content"] = True
    if reply.photo is not None:
        photo = await bot.send_photo(
            chat_id, reply.photo, caption=reply.text or None, api_kwargs=params
        )
        return photo.message_id
    # Text goes by do_api_request, PTB's call without a typed result: the sender needs only
    # the message id, and building PTB's Message from each answer cost more than the rest of a
    # send together (about half the CPU of a fan-out at 1,000 a second).
    sent = await bot.do_api_request(
        "sendMessage",
        api_kwargs={
            "chat_id": chat_id,
            "text": reply.text,
            "entities": entities(reply),
            # A name she chose or her words may hold a link; its page must not be fetched.
            "link_preview_options": _NO_PREVIEW_JSON,
            **params,
        },
    )
    return int(sent["message_id"])
