"""Faults the fake Bot API can inject: Telegram refusing a call, a time-out before the call
arrived, or a call that arrived and was carried out but whose response was lost."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Collection
from typing import Any

from telegram.error import TimedOut

from companion.devtools.telegram_limits import blocked, flood, server_error


class LostResponse:
    """A fault's verdict: carry the call out (a message is delivered), then lose Telegram's
    answer, so the caller sees TimedOut although the call took effect."""


LOST = LostResponse()

FaultResult = tuple[int, dict[str, Any]] | BaseException | LostResponse | None
Fault = Callable[[str, dict[str, Any]], FaultResult]

SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
SERVING = SENDS | {"answerCallbackQuery", "editMessageText", "editMessageReplyMarkup"}


def _target(params: dict[str, Any]) -> str:
    chat = params.get("chat_id")
    return str(chat if chat is not None else params.get("callback_query_id"))


class LoseResponses:
    """Carry out the n-th calls of these methods (counted from 1, over all chats) and lose
    their responses (the fake's `lost_responses` lists the calls that took effect)."""

    def __init__(self, calls: Collection[int], methods: frozenset[str] = SENDS) -> None:
        self.calls, self.methods = set(calls), methods
        self._count = 0

    def __call__(self, method: str, params: dict[str, Any]) -> FaultResult:
        if method not in self.methods:
            return None
        self._count += 1
        if self._count not in self.calls:
            return None
        return LOST


class RandomFaults:
    """A `fault` that fails a share of calls as Telegram can: a 429 with retry_after, a 5xx, a
    time-out before the call arrived, a call carried out whose response was lost, or Forbidden
    on a send, after which that chat stays blocked (she blocked the bot).

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
        key = (method, _target(params))
        self._calls[key] += 1
        dice = random.Random(f"{self.seed}:{key[0]}:{key[1]}:{self._calls[key]}")  # noqa: S311
        if dice.random() >= self.rate:
            return None
        kinds = ["429", "5xx", "timeout", "lost", *(["403"] if method in SENDS else [])]
        kind = dice.choice(kinds)
        self.injected[kind] += 1
        if kind == "429":
            return flood(self.retry_after)
        if kind == "5xx":
            return server_error(dice.choice([500, 502, 503]))
        if kind == "timeout":
            return TimedOut()
        if kind == "lost":
            return LOST
        self.blocked.add(int(params["chat_id"]))  # every send names its chat
        return blocked()
