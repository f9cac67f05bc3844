"""What the bot sends, as plain data: stored in the outbox, turned into Bot API calls on sending."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    """One message: text (the caption when there is a photo), optional buttons or keyboard."""

    text: str
    buttons: Sequence[Sequence[Button]] = ()
    ask_location: str | None = None  # label of a one-off "share location" keyboard button
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
    return Reply(
        text=payload["text"],
        buttons=[
            [Button(label, data) for label, data in row] for row in payload.get("buttons", [])
        ],
        ask_location=payload.get("ask_location"),
        remove_keyboard=bool(payload.get("remove_keyboard")),
        photo=base64.b64decode(photo) if photo else None,
        protect=bool(payload.get("protect")),
    )


def markup(
    reply: Reply,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.buttons:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                for row in reply.buttons
            ]
        )
    if reply.ask_location:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(reply.ask_location, request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None
