"""Her /mydata holds what companion keeps about her, and no one else's Telegram id: not her
clinician's chat, not the clinic's backup chat, not a stranger who pressed a forged button."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, FaultResult, SentMessage, blocked
from companion.store.clinicians import audit
from tests.alert_helpers import BACKUP, OKAFOR, RIVERA, START, World, audit_log, make_world
from tests.checkin_helpers import tick

STRANGER = 730416289


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"backup_chat_id": BACKUP}


@pytest.fixture
async def world(services: Services, person_factory: Callable[..., ChatDriver]) -> World:
    return await make_world(services, person_factory)


async def test_her_export_holds_no_third_partys_telegram_id(
    world: World,
    services: Services,
    telegram: FakeTelegram,
    clock: ManualClock,
    person_factory: Callable[..., ChatDriver],
) -> None:
    def refuse_okafor(method: str, params: dict[str, Any]) -> FaultResult:
        return blocked() if method == "sendMessage" and params["chat_id"] == OKAFOR else None

    telegram.fault = refuse_okafor
    await world.b.say("I want to die")  # to Dr Rivera, and to Dr Okafor, who blocked the bot
    [alert_message] = world.rivera.new_messages()
    stranger = person_factory(STRANGER)
    alert_id = alert_message.button_data("✓ Acknowledge").split("|")[1]
    await stranger.deliver(
        stranger.person.press_data(SentMessage(STRANGER, 1, "x"), f"ack|{alert_id}")
    )
    clock.set(START + timedelta(minutes=15))
    await tick(services)  # nobody acknowledged it: repeated, and to the backup chat
    assert [event.event for event in await audit_log(services)].count("alert_repeated") >= 2

    replies = await world.b.say("/mydata")
    documents = [message.document for message in replies if message.document]
    assert len(documents) == 2  # the JSON and the CSV of her answers
    export = json.loads(documents[0])
    assert export["mother"]["telegram_user_id"] == world.b.person.user.id
    assert isinstance(export["flags"][0]["detail"], dict)  # read, not a string of JSON
    shown = "\n".join(document.decode("utf-8-sig") for document in documents)
    named = [
        i for i in (RIVERA, OKAFOR, BACKUP, STRANGER) if re.search(rf"(?<![0-9a-f]){i}\b", shown)
    ]
    assert named == []
    assert export["audit_log"]  # the alert's trail is hers to see, by companion's ids


async def test_audit_lines_from_before_keep_their_ids_out_of_her_export(
    world: World, services: Services
) -> None:
    """Lines written by an earlier version named the presser and the chat."""
    async with services.db.session() as session:
        for detail in (f"user={STRANGER} button=ack", f"outbox=k1 lane=0 chat={RIVERA}"):
            audit(session, "ack_refused", START, mother_id=world.ids["B"], detail=detail)
    replies = await world.b.say("/mydata")
    export = json.loads(next(message.document for message in replies if message.document))
    assert [line["detail"] for line in export["audit_log"]] == ["button=ack", "outbox=k1 lane=0"]
