"""A fake Bot API behind PTB's BaseRequest: it answers the methods companion uses as strictly as
Telegram (its length limits, edits that change nothing, presses answered twice or too late,
messages gone or too old to delete, a per-chat gap when set), records what was sent, and can
inject faults, so the real Application runs with no network (httpx's MockTransport, for PTB).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import Message, Update
from telegram.error import TimedOut
from telegram.request import RequestData

from companion.devtools import telegram_limits as limits
from companion.devtools.fake_person import BOT_USER, Person, SentMessage, pressed_at
from companion.devtools.local_api import LocalBotApi
from companion.devtools.telegram_faults import SENDS, Fault, FaultResult, LostResponse, RandomFaults
from companion.devtools.telegram_limits import Refused, bad_request, blocked, flood, migrated

__all__ = [  # what tests import from here
    "BOT_USER",
    "ApiCall",
    "FakeTelegram",
    "FaultResult",
    "Person",
    "RandomFaults",
    "SentMessage",
    "bad_request",
    "blocked",
    "flood",
]


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]


class FakeTelegram(LocalBotApi):
    """Answers Bot API calls in memory. `calls` keeps every call; `messages` each chat's view.

    `fault`, when set, is asked before each call and may answer with an error (an HTTP status
    and body, or an exception such as telegram.error.TimedOut), or with LOST: the call is
    carried out and then its response lost (TimedOut), listed in `lost_responses`.
    `chat_gap_s` > 0 refuses (429) a send to a chat sooner than that after the last one.
    """

    def __init__(
        self,
        now: Callable[[], datetime] | None = None,
        *,
        chat_gap_s: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fault: Fault | None = None
        self.waiting_updates: list[dict[str, Any]] = []
        self.calls: list[ApiCall] = []
        self.lost_responses: list[ApiCall] = []
        self.refused: list[tuple[str, str]] = []  # (method, description) the fake refused
        self.messages: dict[int, list[SentMessage]] = {}
        self.left_chats: list[int] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.deleted: list[tuple[int, int]] = []  # (chat, message) deleteMessage removed
        self.webhook: dict[str, Any] | None = None  # setWebhook's parameters, while one is set
        self.upgraded: dict[int, int] = {}  # group -> the supergroup it became
        self.chat_gap_s, self.monotonic = chat_gap_s, monotonic
        self._now = now or (lambda: datetime.now(UTC))
        self._message_ids = itertools.count(1)
        self._chat_types: dict[int, str] = {}
        self._received: dict[tuple[int, int], datetime] = {}  # her messages: (chat, id) -> date
        self._answered: set[str] = set()
        self._last_send: dict[int, float] = {}

    # -- the Bot API ----------------------------------------------------------------------------
    async def answer(
        self, api_method: str, params: dict[str, Any], request_data: RequestData | None
    ) -> tuple[int, bytes]:
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        self.calls.append(ApiCall(api_method, params))
        injected = self.fault(api_method, params) if self.fault is not None else None
        if isinstance(injected, BaseException):
            raise injected
        if isinstance(injected, tuple):
            return self._reply(injected[1], injected[0])
        handler = getattr(self, f"_api_{api_method}", None)
        if handler is None:
            return self._reply({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        try:
            if api_method in SENDS:
                self._check_chat(int(params["chat_id"]))
            result = handler(params, files)
            if asyncio.iscoroutine(result):
                result = await result
            if api_method in SENDS:
                self._last_send[int(params["chat_id"])] = self.monotonic()
        except Refused as refused:
            self.refused.append((api_method, refused.body["description"]))
            return self._reply(refused.body, refused.status)
        if isinstance(injected, LostResponse):
            self.lost_responses.append(ApiCall(api_method, params))
            raise TimedOut("the response was lost")
        return self._reply({"ok": True, "result": result})

    @staticmethod
    def _reply(payload: dict[str, Any], status: int = 200) -> tuple[int, bytes]:
        return status, json.dumps(payload).encode()

    def _check_chat(self, chat_id: int) -> None:
        """A group that became a supergroup, and the per-chat gap, when one is set."""
        if chat_id in self.upgraded:
            raise Refused(migrated(self.upgraded[chat_id]))
        now, last = self.monotonic(), self._last_send.get(chat_id)
        if self.chat_gap_s > 0 and last is not None and now - last < self.chat_gap_s:
            raise Refused(flood(max(1, math.ceil(self.chat_gap_s - (now - last)))))

    def upgrade_group(self, group_id: int, supergroup_id: int) -> None:
        """The group became a supergroup: sends to its old id are refused with the new one."""
        self.upgraded[group_id] = supergroup_id

    def receive(self, message: Message) -> None:
        """A message she sent the bot: it exists at Telegram (she or the bot may delete it)."""
        self._received[(message.chat.id, message.message_id)] = message.date

    def push_update(self, update: Update) -> None:
        """Make an update available to getUpdates, as Telegram would hold it."""
        if update.message is not None:
            self.receive(update.message)
        self.waiting_updates.append(update.to_dict())

    # -- Bot API methods -----------------------------------------------------------------------
    def _api_getMe(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False}

    def _api_setMyCommands(self, params: dict[str, Any], files: Any) -> bool:
        return True

    def _api_deleteWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook = None
        return True

    def _api_setWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook = params
        return True

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
        """A bot may delete its own messages, and hers in a private chat, for 48 hours."""
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        mine = self._lookup(chat_id, message_id)
        if mine is None and (chat_id, message_id) not in self._received:
            raise Refused(bad_request(limits.DELETE_NOT_FOUND))
        sent = mine.sent_at if mine is not None else self._received[(chat_id, message_id)]
        if sent is not None and self._now() - sent > limits.DELETE_WINDOW:
            raise Refused(bad_request(limits.CANT_DELETE))
        if mine is not None:
            self.messages[chat_id].remove(mine)
        self._received.pop((chat_id, message_id), None)
        self.deleted.append((chat_id, message_id))
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> bool:
        """Once per press, within 15 minutes of it (a press Person did not make, as in a
        hand-built update, has no known time); a notification of up to 200 characters."""
        query = str(params["callback_query_id"])
        pressed = pressed_at(query)
        late = pressed is not None and self._now() - pressed > limits.QUERY_LIFETIME
        if query in self._answered or late:
            raise Refused(bad_request(limits.QUERY_TOO_OLD))
        limits.check_answer_text(params.get("text"))
        self._answered.add(query)
        self.callback_answers.append(params)
        return True

    def _api_sendMessage(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        markup = _markup(params.get("reply_markup"))
        limits.check_text(str(params["text"]))
        limits.check_buttons(markup.get("inline_keyboard", []))
        sent = self._keep(
            params,
            str(params["text"]),
            buttons=markup.get("inline_keyboard", []),
            keyboard=markup.get("keyboard", []),
            entities=_entities(params.get("entities")),
            removes_keyboard=bool(markup.get("remove_keyboard")),
        )
        return self._message_json(sent)

    def _api_sendDocument(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        limits.check_caption(str(params.get("caption", "")))
        name, content = next(((v[0], v[1]) for v in files.values()), ("document", b""))
        sent = self._keep(params, str(params.get("caption", "")), document=content, filename=name)
        file = {"file_id": f"doc{sent.message_id}", "file_unique_id": "u", "file_name": name}
        return {**self._message_json(sent, "caption"), "document": file}

    def _api_sendPhoto(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        markup = _markup(params.get("reply_markup"))
        limits.check_caption(str(params.get("caption", "")))
        limits.check_buttons(markup.get("inline_keyboard", []))
        content = next((value[1] for value in files.values()), b"")
        caption, buttons = str(params.get("caption", "")), markup.get("inline_keyboard", [])
        sent = self._keep(params, caption, buttons=buttons, photo=content)
        size = {"file_id": f"p{sent.message_id}", "file_unique_id": "p", "width": 900}
        return {**self._message_json(sent, "caption"), "photo": [{**size, "height": 600}]}

    def _api_editMessageText(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        sent = self._to_edit(params)
        if sent.photo is not None or sent.document is not None:
            raise Refused(bad_request(limits.NO_TEXT_TO_EDIT))
        text, entities = str(params["text"]), _entities(params.get("entities"))
        buttons = _markup(params.get("reply_markup")).get("inline_keyboard", [])
        limits.check_text(text)
        limits.check_buttons(buttons)
        if (text, entities, buttons) == (sent.text, sent.entities, sent.buttons):
            raise Refused(bad_request(limits.NOT_MODIFIED))
        sent.text, sent.entities, sent.buttons = text, entities, buttons
        return self._message_json(sent)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        sent = self._to_edit(params)
        buttons = _markup(params.get("reply_markup")).get("inline_keyboard", [])
        limits.check_buttons(buttons)
        if buttons == sent.buttons:
            raise Refused(bad_request(limits.NOT_MODIFIED))
        sent.buttons = buttons
        return self._message_json(sent, "caption" if sent.photo or sent.document else "text")

    # -- helpers -------------------------------------------------------------------------------
    def _keep(self, params: dict[str, Any], text: str, **fields: Any) -> SentMessage:
        """Record a message sent to its chat, as she will see it."""
        chat_id, protect = int(params["chat_id"]), bool(params.get("protect_content"))
        sent = SentMessage(
            chat_id, next(self._message_ids), text, protect_content=protect, **fields
        )
        sent.sent_at = self._now()
        self.messages.setdefault(chat_id, []).append(sent)
        return sent

    def _to_edit(self, params: dict[str, Any]) -> SentMessage:
        sent = self._lookup(int(params["chat_id"]), int(params["message_id"]))
        if sent is None:
            raise Refused(bad_request(limits.EDIT_NOT_FOUND))
        return sent

    def _lookup(self, chat_id: int, message_id: int) -> SentMessage | None:
        return next((m for m in self.messages.get(chat_id, []) if m.message_id == message_id), None)

    def _message_json(self, sent: SentMessage, text_as: str = "text") -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(self._now().timestamp()),
            "chat": {"id": sent.chat_id, "type": self._chat_types.get(sent.chat_id, "private")},
            "from": BOT_USER,
            text_as: sent.text,
        }
        if sent.buttons:
            message["reply_markup"] = {"inline_keyboard": sent.buttons}
        return message

    def find(self, chat_id: int, message_id: int) -> SentMessage:
        sent = self._lookup(chat_id, message_id)
        if sent is None:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        return sent

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
