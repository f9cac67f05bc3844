"""A Telegram user who writes to the bot (the Updates her actions would produce), and the bot's
messages as she sees them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from telegram import (
    CallbackQuery,
    Chat,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    Contact,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Location,
    Message,
    MessageEntity,
    PhotoSize,
    Sticker,
    Update,
    User,
)

if TYPE_CHECKING:
    from companion.devtools.fake_telegram import FakeTelegram

BOT_USER = {"id": 700000001, "is_bot": True, "first_name": "companion", "username": "companion_bot"}


@dataclass
class SentMessage:
    """A message the bot sent (or its latest edit), as a person would see it."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    document: bytes | None = None
    filename: str | None = None
    photo: bytes | None = None
    protect_content: bool = False
    entities: list[dict[str, Any]] = field(default_factory=list)
    removes_keyboard: bool = False
    sent_at: datetime | None = None

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    def button_data(self, label: str) -> str:
        for row in self.buttons:
            for button in row:
                if button["text"] == label:
                    return str(button["callback_data"])
        raise KeyError(f"no button {label!r}; buttons are {self.button_labels}")


def query_id(serial: int, pressed: datetime) -> str:
    """A callback query's id. Telegram's are opaque; these carry the moment of the press (in
    milliseconds) so the fake can refuse an answer that comes too late."""
    return f"cb{serial}@{int(pressed.timestamp() * 1000)}"


def pressed_at(query: str) -> datetime | None:
    _, _, millis = query.rpartition("@")
    return datetime.fromtimestamp(int(millis) / 1000, UTC) if millis.isdigit() else None


class Person:
    """Her updates, built as Telegram would; with `telegram`, the fake also learns of each
    message she sends (so it can be deleted, as in her private chat with the bot)."""

    _update_ids = itertools.count(1)
    _query_ids = itertools.count(1)  # unique across people, as Telegram's are

    def __init__(
        self,
        bot: Any,
        user_id: int,
        *,
        first_name: str = "Ana",
        language_code: str | None = "en",
        chat_type: str = Chat.PRIVATE,
        chat_id: int | None = None,
        now: Callable[[], datetime] | None = None,
        telegram: FakeTelegram | None = None,
    ) -> None:
        self.bot = bot
        self.user = User(user_id, first_name, is_bot=False, language_code=language_code)
        self.chat = Chat(
            chat_id if chat_id is not None else user_id,
            chat_type,
            title=None if chat_type == Chat.PRIVATE else "A group",
        )
        self._now = now or (lambda: datetime.now(UTC))
        self._message_ids = itertools.count(10_000)
        self.telegram = telegram

    def _message(self, **fields: Any) -> Message:
        message = Message(
            next(self._message_ids), self._now(), self.chat, from_user=self.user, **fields
        )
        message.set_bot(self.bot)
        if self.telegram is not None:
            self.telegram.receive(message)
        return message

    def _update(self, **fields: Any) -> Update:
        update = Update(next(self._update_ids), **fields)
        update.set_bot(self.bot)
        return update

    def text(self, text: str) -> Update:
        entities = None
        if text.startswith("/"):
            command = text.split()[0]
            entities = [MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command))]
        return self._update(message=self._message(text=text, entities=entities))

    def edited(self, text: str) -> Update:
        return self._update(edited_message=self._message(text=text, edit_date=self._now()))

    def location(self, latitude: float, longitude: float) -> Update:
        return self._update(message=self._message(location=Location(longitude, latitude)))

    def contact(self, phone_number: str, user_id: int | None) -> Update:
        """A contact sent with the "share my phone number" button (user_id: whose number)."""
        shared = Contact(phone_number, self.user.first_name, user_id=user_id)
        return self._update(message=self._message(contact=shared))

    def sticker(self) -> Update:
        sticker = Sticker("stk", "stk-u", 512, 512, False, False, Sticker.REGULAR, emoji="🙂")
        return self._update(message=self._message(sticker=sticker))

    def photo(self, caption: str | None = None) -> Update:
        picture = [PhotoSize("ph", "ph-u", 90, 90)]
        return self._update(message=self._message(photo=picture, caption=caption))

    def press(self, message: SentMessage, label: str) -> Update:
        return self.press_data(message, message.button_data(label))

    def press_data(self, message: SentMessage, data: str) -> Update:
        shown = Message(
            message.message_id,
            self._now(),
            self.chat,
            from_user=bot_user(),
            text=message.text,
            entities=[MessageEntity.de_json(e, None) for e in message.entities] or None,
            reply_markup=_inline_markup(message.buttons),
        )
        shown.set_bot(self.bot)
        serial = next(self._query_ids)
        query = CallbackQuery(
            query_id(serial, self._now()), self.user, chat_instance="ci", message=shown, data=data
        )
        query.set_bot(self.bot)
        return self._update(callback_query=query)

    def moved_from(self, old_chat_id: int) -> Update:
        """The service message a supergroup gets when a group is upgraded into it."""
        return self._update(message=self._message(migrate_from_chat_id=old_chat_id))

    def added_to_group(self, status_member: Any = None) -> Update:
        bot = bot_user()
        change = ChatMemberUpdated(
            self.chat,
            self.user,
            self._now(),
            ChatMemberLeft(bot),
            status_member or ChatMemberMember(bot),
        )
        return self._update(my_chat_member=change)


def bot_user() -> User:
    return User(
        int(str(BOT_USER["id"])),
        str(BOT_USER["first_name"]),
        is_bot=True,
        username=str(BOT_USER["username"]),
    )


def _inline_markup(buttons: list[list[dict[str, Any]]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b.get("callback_data")) for b in row]
            for row in buttons
        ]
    )
