"""Generated updates through the inbox and the real Application: whatever Telegram might send.

Any message kind (text, sticker, photo, voice, location, contact, document), edits, button
presses with junk data, texts up to and past Telegram's 4096 characters, unknown commands,
private, group, supergroup and channel chats, and updates without a sender. Properties:
nothing reaches the error handler (nor any other error log), nothing from a group or channel
is written to the database, and every press in a private chat is answered.

The default run tries a modest number of sequences; COMPANION_FUZZ_EXAMPLES sets how many the
slow variant tries.
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from companion.bot.context import CompanionApp, Services
from companion.devtools.driver import receive
from companion.devtools.fake_telegram import FakeTelegram
from tests.chat_helpers import snapshot
from tests.checkin_helpers import add_mother

EXAMPLES = 25  # per chat type
LONG_EXAMPLES = int(os.environ.get("COMPANION_FUZZ_EXAMPLES", "600"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

COMMANDS = [
    "/start", "/help", "/checkin", "/settings", "/pause", "/resume", "/stop", "/mydata",
    "/delete", "/history", "/learn", "/share", "/sharing", "/patients", "/summary", "/digest",
    "/invite",
]  # fmt: skip
# Real button data shapes, so junk after them reaches the handlers' parsing.
BUTTON_PREFIXES = [
    "", "consent|", "del|", "st|", "st|ci|mood|", "st|ob|country|", "snz|", "cin|", "hist|30",
    "cb|req", "learn|", "learn|menu", "scr|", "set|", "sum|", "shn|", "sht|", "shy|", "shd|",
    "shr|", "clar|", "safe|", "ack|", "call|", "|", "||||",
]  # fmt: skip

words = st.text(max_size=80)
huge = st.integers(4000, 4300).flatmap(lambda n: st.sampled_from(["a", "é", "😞 ", "x\n"]).map(
    lambda piece: (piece * n)[:n]
))  # fmt: skip
commands = st.tuples(
    st.one_of(st.sampled_from(COMMANDS), st.from_regex(r"/[a-z_]{1,20}", fullmatch=True)),
    st.sampled_from(["", "@companion_bot", "@other_bot"]),
    st.one_of(st.just(""), words.map(lambda rest: " " + rest)),
).map("".join)
button_endings = st.one_of(
    st.text(max_size=40), st.sampled_from(["yes", "no", "today", "start", "later", "4", "menu"])
)
# Commands weigh most: they are what could change a mother's data from the wrong chat.
texts = st.one_of(
    commands, commands, words, huge, st.sampled_from(["0", "09:00", "Skip", "🙂", " "])
)


def text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split()[0] if text.split() else text
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return content


def _file(kind: str) -> dict[str, Any]:
    return {"file_id": f"{kind}-id", "file_unique_id": f"{kind}-u"}


sticker = {**_file("st"), "width": 512, "height": 512, "is_animated": False, "is_video": False}
contents = st.one_of(
    texts.map(text_content),
    texts.map(text_content),
    texts.map(text_content),
    st.just({"sticker": {**sticker, "type": "regular"}}),
    st.builds(
        lambda caption: {"photo": [{**_file("ph"), "width": 90, "height": 90}], **caption},
        st.one_of(st.just({}), texts.map(lambda c: {"caption": c})),
    ),
    st.just({"voice": {**_file("vo"), "duration": 3}}),
    st.builds(
        lambda lat, lon: {"location": {"latitude": lat, "longitude": lon}},
        st.floats(-90, 90),
        st.floats(-180, 180),
    ),
    st.builds(
        lambda phone, name: {"contact": {"phone_number": phone, "first_name": name or "A"}},
        st.text("+0123456789 ", max_size=16),
        words,
    ),
    st.just({"document": {**_file("doc"), "file_name": "notes.pdf"}}),
)
CHAT_TYPES = ["private", "group", "supergroup", "channel"]
QUERY_SERIALS = itertools.count(1)


@st.composite
def updates(draw: st.DrawFn, user_id: int, chat_type: str) -> dict[str, Any]:
    """One raw update from `user_id` (or, in a channel, from nobody)."""
    private = chat_type == "private"
    chat: dict[str, Any] = {"id": user_id if private else -1_000_000 - user_id, "type": chat_type}
    if not private:
        chat["title"] = "A group"
    user = {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"}
    message: dict[str, Any] = {"message_id": draw(st.integers(1, 10**6)), "date": 1_795_000_000}
    message["chat"] = chat
    kind = draw(st.sampled_from(["message", "edited_message", "callback_query"]))
    if kind == "callback_query" and chat_type != "channel":
        message["from"] = {"id": 700000001, "is_bot": True, "first_name": "companion"}
        message["text"] = "An earlier question"
        data = draw(st.sampled_from(BUTTON_PREFIXES)) + draw(button_endings)
        # Telegram never reuses a query's id, and answers each query once.
        serial = next(QUERY_SERIALS)
        query = {"id": f"q{user_id}-{serial}", "from": user, "chat_instance": "ci", "data": data}
        return {"callback_query": {**query, "message": message}}
    if chat_type == "channel":
        message["sender_chat"] = chat
    elif draw(st.integers(0, 9)) > 0:  # now and then, no sender at all
        message["from"] = user
    message.update(draw(contents))
    if kind == "edited_message":
        message["edit_date"] = 1_795_000_100
        kind = "edited_channel_post" if chat_type == "channel" else "edited_message"
    elif chat_type == "channel":
        kind = "channel_post"
    else:
        kind = "message"
    return {kind: message}


_people = itertools.count(1)
_update_ids = itertools.count(1)


@st.composite
def people(draw: st.DrawFn, chat_type: str) -> tuple[int, bool, list[dict[str, Any]]]:
    """A new person each time, so examples don't depend on each other: her id, whether she is
    already a mother companion knows (so a group message could touch her data), and a few
    updates from her in a chat of this type."""
    user_id = 900_000 + next(_people)
    sequence = draw(st.lists(updates(user_id, chat_type), min_size=1, max_size=4))
    return user_id, draw(st.booleans()), sequence


def is_private(raw: dict[str, Any]) -> bool:
    body = next(iter(raw.values()))
    return bool(body.get("message", body)["chat"]["type"] == "private")


async def feed(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    person: tuple[int, bool, list[dict[str, Any]]],
) -> None:
    user_id, known, sequence = person
    if known:
        await add_mother(services, user_id)
    for raw in sequence:
        caplog.clear()
        answered = len(telegram.callback_answers)
        before = None if is_private(raw) else await snapshot(services)
        update = Update.de_json({"update_id": next(_update_ids), **raw}, app.bot)
        await receive(app, update)  # stored and handled from the inbox, as in production
        if before is not None:  # compared before sending, which empties the outbox
            assert await snapshot(services) == before, "a group or channel update was stored"
        elif "callback_query" in raw:
            assert len(telegram.callback_answers) > answered, "a press was left unanswered"
        await services.sender.drain()
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], raw


@pytest.mark.parametrize("chat_type", CHAT_TYPES)
@FUZZ
@given(data=st.data())
async def test_any_update_is_handled_quietly(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    chat_type: str,
    data: st.DataObject,
) -> None:
    await feed(app, services, telegram, caplog, data.draw(people(chat_type)))


@pytest.mark.slow
@pytest.mark.parametrize("chat_type", CHAT_TYPES)
@settings(FUZZ, max_examples=LONG_EXAMPLES)
@given(data=st.data())
async def test_many_more_updates_are_handled_quietly(
    app: CompanionApp,
    services: Services,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    chat_type: str,
    data: st.DataObject,
) -> None:
    await feed(app, services, telegram, caplog, data.draw(people(chat_type)))
