"""A local fake Bot API that enforces Telegram's sending limits (PTB BaseRequest, in process).

Limits, each a sliding one-second window: at most `global_rate` messages accepted in any second
(Telegram's ~30/s, scaled so that the benchmark's ratio is what counts) and `chat_rate` messages
per chat in any second. A message past either limit is answered 429 with parameters.retry_after
(whole seconds, as Telegram sends them) and is not delivered.

Each call takes a simulated round trip (uniformly 15-25 ms). Half of it happens before the
request "reaches the server", where the limits are checked and the delivery is stamped with
time.monotonic(); the answer comes back after the other half. So concurrency matters and
arrival times carry a little network jitter, as real ones do.

With `paid_rate` set, the fake also plays Telegram's paid broadcasts: a message sent with
allow_paid_broadcast counts only against `paid_rate` (every message sent in that second, paid or
not); one sent without it is still held to `global_rate` among the unpaid ones, and to
`paid_rate` overall. `paid` counts the paid messages accepted (each one a charge at Telegram).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from telegram.request import RequestData

from companion.devtools.local_api import LocalBotApi

BOT_USER = {"id": 700000001, "is_bot": True, "first_name": "bench", "username": "bench_bot"}
# Methods that put a message in a chat: these count against (and are refused past) the limits.
MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage"}
)


@dataclass(frozen=True)
class Delivery:
    at: float  # time.monotonic() when the fake accepted it
    chat_id: int
    method: str
    paid: bool = False  # sent with allow_paid_broadcast, to a fake with paid_rate


class LimitedTelegram(LocalBotApi):
    """Answers the Bot API in memory within Telegram's limits; records what it accepted."""

    def __init__(
        self,
        *,
        global_rate: int = 300,
        chat_rate: int = 1,
        latency: tuple[float, float] = (0.015, 0.025),
        seed: int = 1,
        paid_rate: int | None = None,
    ) -> None:
        self.global_rate, self.chat_rate, self.latency = global_rate, chat_rate, latency
        self.paid_rate = paid_rate
        self.paid = 0
        self._all_window: deque[float] = deque()  # every message, for paid_rate
        self.deliveries: list[Delivery] = []
        self.per_chat: Counter[int] = Counter()
        self.refused_global = 0
        self.refused_chat = 0
        self.calls: Counter[str] = Counter()
        # The first message to each chat in `watch`: when it was accepted, and its text.
        self.watch: range = range(0)
        self.first: dict[int, tuple[float, str]] = {}
        self._window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._rng = random.Random(seed)  # noqa: S311 - simulated jitter, not security
        self._message_ids = itertools.count(1)

    @property
    def refused(self) -> int:
        """429s answered, for either limit."""
        return self.refused_global + self.refused_chat

    def delivered_to(self, chats: range | set[int]) -> int:
        return sum(1 for chat in chats if self.per_chat[chat])

    # -- limits --------------------------------------------------------------------------------
    def _admit(self, chat_id: int, now: float, paid: bool = False) -> float | None:
        """None if the message may go now, else how long until it could (for retry_after)."""
        window = self._window
        while window and window[0] <= now - 1.0:
            window.popleft()
        everything = self._all_window
        while everything and everything[0] <= now - 1.0:
            everything.popleft()
        chat_window = self._chat_windows.setdefault(chat_id, deque())
        while chat_window and chat_window[0] <= now - 1.0:
            chat_window.popleft()
        if self.paid_rate is not None and len(everything) >= self.paid_rate:
            self.refused_global += 1
            return everything[0] + 1.0 - now
        if not paid and len(window) >= self.global_rate:
            self.refused_global += 1
            return window[0] + 1.0 - now
        if len(chat_window) >= self.chat_rate:
            self.refused_chat += 1
            return chat_window[0] + 1.0 - now
        if not paid:
            window.append(now)
        if self.paid_rate is not None:
            everything.append(now)
        chat_window.append(now)
        if len(self._chat_windows) > 50_000:  # forget chats whose window is empty
            self._chat_windows = {
                c: w for c, w in self._chat_windows.items() if w and w[-1] > now - 1
            }
        return None

    # -- the Bot API ----------------------------------------------------------------------------
    async def answer(
        self, api_method: str, params: dict[str, Any], request_data: RequestData | None
    ) -> tuple[int, bytes]:
        self.calls[api_method] += 1
        round_trip = self._rng.uniform(*self.latency)
        await asyncio.sleep(round_trip / 2)
        if api_method in MESSAGE_METHODS:
            chat_id, now = int(params["chat_id"]), time.monotonic()
            paid = self.paid_rate is not None and _true(params.get("allow_paid_broadcast"))
            wait = self._admit(chat_id, now, paid)
            if wait is not None:
                await asyncio.sleep(round_trip / 2)
                return _flood(max(1, math.ceil(wait)))
            self.paid += paid
            self.deliveries.append(Delivery(now, chat_id, api_method, paid))
            self.per_chat[chat_id] += 1
            if chat_id in self.watch and chat_id not in self.first:
                self.first[chat_id] = (now, str(params.get("text") or params.get("caption", "")))
        await asyncio.sleep(round_trip / 2)
        if api_method == "getUpdates":
            return _ok([])
        return _ok(self._result(api_method, params))

    def _result(self, api_method: str, params: dict[str, Any]) -> Any:
        if api_method == "getMe":
            return {**BOT_USER, "can_join_groups": False, "can_read_all_group_messages": False}
        if api_method in MESSAGE_METHODS or api_method.startswith("editMessage"):
            chat_id = int(params["chat_id"])
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
            }
            if api_method == "sendPhoto":
                message["photo"] = [
                    {"file_id": "p", "file_unique_id": "p", "width": 900, "height": 600}
                ]
                message["caption"] = str(params.get("caption", ""))
            elif api_method == "sendDocument":
                message["document"] = {"file_id": "d", "file_unique_id": "d"}
            else:
                message["text"] = str(params.get("text", ""))
            markup = params.get("reply_markup")
            if markup:
                markup = json.loads(markup) if isinstance(markup, str) else markup
                if "inline_keyboard" in markup:
                    message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
            return message
        # answerCallbackQuery, setMyCommands, deleteWebhook, sendChatAction, leaveChat, ...
        return True


def _true(value: Any) -> bool:
    return value is True or value == "true"


def _ok(result: Any) -> tuple[int, bytes]:
    return 200, json.dumps({"ok": True, "result": result}).encode()


def _flood(retry_after: int) -> tuple[int, bytes]:
    body = {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }
    return 429, json.dumps(body).encode()
