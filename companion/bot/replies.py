"""What handlers send: plain replies with optional buttons, in the mother's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from companion.bot.context import Ctx


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: Sequence[Sequence[Button]] = ()
    ask_location: str | None = None  # label of a one-off "share location" keyboard button
    remove_keyboard: bool = False
    extra: dict[str, object] = field(default_factory=dict)


def rows(buttons: Sequence[Button], per_row: int) -> list[list[Button]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def _markup(
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


async def send(context: Ctx, chat_id: int, replies: Sequence[Reply]) -> None:
    """Send replies in order. (The outbox with priority lanes replaces this direct send.)"""
    for reply in replies:
        await context.bot.send_message(chat_id, reply.text, reply_markup=_markup(reply))
