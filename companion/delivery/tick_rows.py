"""What the set-based tick writes for one mother, built as plain rows: her prompt (rendered once
per language, with her check-in's id put in), its outbox rows and her conversation, sealed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from companion.bot.checkin import nudge_replies, prompt_replies
from companion.bot.checkin_steps import CHECKIN
from companion.bot.context import Services
from companion.delivery.outgoing import encode
from companion.store.models import (
    Conversation,
    Lane,
    Mother,
    OutboxMessage,
    new_id,
    seal_context_for,
)


class Prompts:
    """The scheduled messages, rendered once per locale (and lateness) with a stand-in for the
    check-in id, which is the only thing in them that differs between two mothers."""

    _STAND_IN = new_id()  # 32 random hex digits: never in a message's text

    def __init__(self, services: Services) -> None:
        self.services = services
        self._rendered: dict[tuple[str, str, bool], list[str]] = {}

    def prompt(self, locale: str, checkin_id: str, *, late: bool) -> list[str]:
        key = ("prompt", locale, late)
        if key not in self._rendered:
            replies = prompt_replies(
                self.services, Mother(locale=locale), self._STAND_IN, late=late
            )
            self._rendered[key] = [encode(reply) for reply in replies]
        return [payload.replace(self._STAND_IN, checkin_id) for payload in self._rendered[key]]

    def nudge(self, locale: str) -> list[str]:
        key = ("nudge", locale, False)
        if key not in self._rendered:
            replies = nudge_replies(self.services, Mother(locale=locale))
            self._rendered[key] = [encode(reply) for reply in replies]
        return self._rendered[key]


def outbox_rows(
    services: Services, mother: Any, payloads: list[str], now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for payload in payloads:
        row: dict[str, Any] = {
            "key": new_id(),
            "lane": Lane.SCHEDULED,
            "chat_id": mother.chat_id,
            "mother_id": mother.id,
            "created_at": now,
            "not_before": now,
            "attempts": 0,
        }
        context = seal_context_for(OutboxMessage, "payload_sealed", row)
        row["payload_sealed"] = services.vault.seal(payload, context=context)
        rows.append(row)
    return rows


def conversation_row(
    services: Services, mother_id: str, checkin_id: str, now: datetime
) -> dict[str, Any]:
    """Her conversation on the check-in's first question, as set_conversation would leave it."""
    row: dict[str, Any] = {
        "mother_id": mother_id,
        "flow": CHECKIN,
        "step": "mood",
        "updated_at": now,
    }
    context = seal_context_for(Conversation, "data_sealed", row)
    data = json.dumps({"checkin": checkin_id})
    row["data_sealed"] = services.vault.seal(data, context=context)
    return row
