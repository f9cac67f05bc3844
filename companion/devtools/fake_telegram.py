"""A fake Bot API behind PTB's BaseRequest: it answers the methods companion uses and records
what was sent, so the real Application runs with no network (httpx's MockTransport, for PTB).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    Contact,
    Location,
    Message,
    MessageEntity,
    PhotoSize,
    Sticker,
    Update,
    User,
)
from telegram.error import TimedOut
from telegram.request import RequestData

from companion.devtools.local_api import LocalBotApi

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

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    def button_data(self, label: str) -> str:
        for row in self.buttons:
            for button in row:
                if button["text"] == label:
                    return str(button["callback_data"])
        raise KeyError(f"no button {label!r}; buttons are {self.button_labels}")


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]


Fault = Callable[[str, dict[str, Any]], "FaultResult"]
FaultResult = tuple[int, dict[str, Any]] | BaseException | None


def flood(retry_after: int) -> tuple[int, dict[str, Any]]:
    """Telegram's answer past its limits: 429 with a retry_after."""
    return 429, {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }


def blocked() -> tuple[int, dict[str, Any]]:
    return 403, {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }


def bad_request(
    description: str = "Bad Request: message text is empty",
) -> tuple[int, dict[str, Any]]:
    return 400, {"ok": False, "error_code": 400, "description": description}


def server_error(status: int = 502) -> tuple[int, dict[str, Any]]:
    return status, {"ok": False, "error_code": status, "description": "Bad Gateway"}


SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
SERVING = SENDS | {"answerCallbackQuery", "editMessageText", "editMessageReplyMarkup"}


class RandomFaults:
    """A `fault` that fails a share of calls as Telegram can: a 429 with retry_after, a 5xx, a
    time-out, or Forbidden on a send, after which that chat stays blocked (she blocked the bot).

    Seeded, and decided per (method, chat, that chat's call count) rather than by the order of
    calls, so concurrent handling cannot change which calls fail: a run repeats exactly.
    """

    def __init__(
        self, rate: float, seed: int, methods: frozenset[str] = SERVING, retry_after: int = 1
    ) -> None:
        self.rate, self.seed, self.methods, self.retry_after = rate, seed, methods, retry_after
        self.blocked: set[int] = set()
        self.injected: Counter[str] = Counter()
        self._calls: Counter[tuple[str, str]] = Counter()

    def __call__(self, method: str, params: dict[str, Any]) -> FaultResult:
        if method not in self.methods:
            return None
        chat = params.get("chat_id")
        if method in SENDS and chat is not None and int(chat) in self.blocked:
            return blocked()
        key = (method, str(chat if chat is not None else params.get("callback_query_id")))
        self._calls[key] += 1
        dice = random.Random(f"{self.seed}:{key[0]}:{key[1]}:{self._calls[key]}")  # noqa: S311
        if dice.random() >= self.rate:
            return None
        kind = dice.choice(["429", "5xx", "timeout", *(["403"] if method in SENDS else [])])
        self.injected[kind] += 1
        if kind == "429":
            return flood(self.retry_after)
        if kind == "5xx":
            return server_error(dice.choice([500, 502, 503]))
        if kind == "timeout":
            return TimedOut()
        self.blocked.add(int(params["chat_id"]))  # every send names its chat
        return blocked()


class FakeTelegram(LocalBotApi):
    """Answers Bot API calls in memory. `calls` keeps every call; `messages` each chat's view.

    `fault`, when set, is asked before each call and may answer with an error (an HTTP status
    and body, or an exception such as telegram.error.TimedOut) instead of the normal result.
    """

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self.fault: Fault | None = None
        self.waiting_updates: list[dict[str, Any]] = []
        self.calls: list[ApiCall] = []
        self.messages: dict[int, list[SentMessage]] = {}
        self.left_chats: list[int] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.deleted: list[tuple[int, int]] = []  # (chat, message) deleteMessage removed
        self.webhook: dict[str, Any] | None = None  # setWebhook's parameters, while one is set
        self._now = now or (lambda: datetime.now(UTC))
        self._message_ids = itertools.count(1)
        self._chat_types: dict[int, str] = {}

    # -- the Bot API ----------------------------------------------------------------------------
    async def answer(
        self, api_method: str, params: dict[str, Any], request_data: RequestData | None
    ) -> tuple[int, bytes]:
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        self.calls.append(ApiCall(api_method, params))
        if self.fault is not None:
            injected = self.fault(api_method, params)
            if isinstance(injected, BaseException):
                raise injected
            if injected is not None:
                return self._reply(injected[1], injected[0])
        handler = getattr(self, f"_api_{api_method}", None)
        if handler is None:
            return self._reply({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        result = (
            await handler(params, files) if api_method == "getUpdates" else handler(params, files)
        )
        return self._reply({"ok": True, "result": result})

    @staticmethod
    def _reply(payload: dict[str, Any], status: int = 200) -> tuple[int, bytes]:
        return status, json.dumps(payload).encode()

    # -- Bot API methods -----------------------------------------------------------------------
    def _api_getMe(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_setMyCommands(self, params: dict[str, Any], files: Any) -> bool:
        return True

    def _api_deleteWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook = None
        return True

    def _api_setWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook = params
        return True

    def push_update(self, update: Update) -> None:
        """Make an update available to getUpdates, as Telegram would hold it."""
        self.waiting_updates.append(update.to_dict())

    async def _api_getUpdates(self, params: dict[str, Any], files: Any) -> list[Any]:
        # Telegram's rule: an offset confirms (forgets) every update below it.
        offset = int(params.get("offset") or 0)
        self.waiting_updates = [u for u in self.waiting_updates if u["update_id"] >= offset]
        if not self.waiting_updates:
            await asyncio.sleep(min(float(params.get("timeout", 0) or 0), 0.05))
        return list(self.waiting_updates[: int(params.get("limit") or 100)])

    def _api_sendChatAction(self, params: dict[str, Any], files: Any) -> bool:
        return True

    def _api_leaveChat(self, params: dict[str, Any], files: Any) -> bool:
        self.left_chats.append(int(params["chat_id"]))
        return True

    def _api_deleteMessage(self, params: dict[str, Any], files: Any) -> bool:
        """A bot may delete its own messages, and hers in a private chat, for 48 hours; here
        every message the fake sent is removed from its chat, and each deletion recorded."""
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        chat = self.messages.get(chat_id, [])
        self.messages[chat_id] = [m for m in chat if m.message_id != message_id]
        self.deleted.append((chat_id, message_id))
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> bool:
        self.callback_answers.append(params)
        return True

    def _api_sendMessage(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        markup = _markup(params.get("reply_markup"))
        sent = SentMessage(
            chat_id,
            next(self._message_ids),
            str(params["text"]),
            buttons=markup.get("inline_keyboard", []),
            keyboard=markup.get("keyboard", []),
            protect_content=bool(params.get("protect_content")),
            entities=_entities(params.get("entities")),
            removes_keyboard=bool(markup.get("remove_keyboard")),
        )
        self.messages.setdefault(chat_id, []).append(sent)
        return self._message_json(sent, markup)

    def _api_sendDocument(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        name, content = "document", b""
        for value in files.values():
            name, content = value[0], value[1]
        sent = SentMessage(
            chat_id,
            next(self._message_ids),
            str(params.get("caption", "")),
            document=content,
            filename=name,
            protect_content=bool(params.get("protect_content")),
        )
        self.messages.setdefault(chat_id, []).append(sent)
        result = self._message_json(sent, {})
        result.pop("text", None)
        result["caption"] = sent.text
        result["document"] = {
            "file_id": f"doc{sent.message_id}",
            "file_unique_id": "u",
            "file_name": name,
        }
        return result

    def _api_sendPhoto(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        content = next((value[1] for value in files.values()), b"")
        markup = _markup(params.get("reply_markup"))
        sent = SentMessage(
            chat_id,
            next(self._message_ids),
            str(params.get("caption", "")),
            buttons=markup.get("inline_keyboard", []),
            photo=content,
            protect_content=bool(params.get("protect_content")),
        )
        self.messages.setdefault(chat_id, []).append(sent)
        result = self._message_json(sent, markup)
        result.pop("text", None)
        result["caption"] = sent.text
        result["photo"] = [
            {"file_id": f"p{sent.message_id}", "file_unique_id": "p", "width": 900, "height": 600}
        ]
        return result

    def _api_editMessageText(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        sent = self.find(int(params["chat_id"]), int(params["message_id"]))
        sent.text = str(params["text"])
        sent.entities = _entities(params.get("entities"))
        markup = _markup(params.get("reply_markup"))
        sent.buttons = markup.get("inline_keyboard", [])
        return self._message_json(sent, markup)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        sent = self.find(int(params["chat_id"]), int(params["message_id"]))
        markup = _markup(params.get("reply_markup"))
        sent.buttons = markup.get("inline_keyboard", [])
        return self._message_json(sent, markup)

    # -- helpers -------------------------------------------------------------------------------
    def _message_json(self, sent: SentMessage, markup: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(self._now().timestamp()),
            "chat": {"id": sent.chat_id, "type": self._chat_types.get(sent.chat_id, "private")},
            "from": BOT_USER,
            "text": sent.text,
        }
        if markup.get("inline_keyboard"):
            message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        return message

    def find(self, chat_id: int, message_id: int) -> SentMessage:
        for sent in self.messages.get(chat_id, []):
            if sent.message_id == message_id:
                return sent
        raise KeyError(f"no message {message_id} in chat {chat_id}")

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return list(self.messages.get(chat_id, []))

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]


def _markup(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def _entities(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    return list(json.loads(raw) if isinstance(raw, str) else raw)


class Person:
    """A Telegram user who writes to the bot: builds the Updates her actions would produce."""

    _update_ids = itertools.count(1)

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

    def _message(self, **fields: Any) -> Message:
        message = Message(
            next(self._message_ids), self._now(), self.chat, from_user=self.user, **fields
        )
        message.set_bot(self.bot)
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
            from_user=_bot_user(),
            text=message.text,
            entities=[MessageEntity.de_json(e, None) for e in message.entities] or None,
            reply_markup=_inline_markup(message.buttons),
        )
        shown.set_bot(self.bot)
        query = CallbackQuery(
            f"cb{next(self._message_ids)}", self.user, chat_instance="ci", message=shown, data=data
        )
        query.set_bot(self.bot)
        return self._update(callback_query=query)

    def moved_from(self, old_chat_id: int) -> Update:
        """The service message a supergroup gets when a group is upgraded into it."""
        return self._update(message=self._message(migrate_from_chat_id=old_chat_id))

    def added_to_group(self, status_member: Any = None) -> Update:
        bot_user = _bot_user()
        change = ChatMemberUpdated(
            self.chat,
            self.user,
            self._now(),
            ChatMemberLeft(bot_user),
            status_member or ChatMemberMember(bot_user),
        )
        return self._update(my_chat_member=change)


def _bot_user() -> User:
    return User(
        int(str(BOT_USER["id"])),
        str(BOT_USER["first_name"]),
        is_bot=True,
        username=str(BOT_USER["username"]),
    )


def _inline_markup(buttons: list[list[dict[str, Any]]]) -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b.get("callback_data")) for b in row]
            for row in buttons
        ]
    )
