"""The fake Bot API over HTTP (companion/devtools/http_api.py), as PTB's own HTTPXRequest talks to
it: what a real `companion run` sends arrives at the fake as it would in process."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import InvalidToken

from companion.devtools.fake_telegram import FakeTelegram, Person
from companion.devtools.http_api import serving

TOKEN = "123456789:TESTTOKENtesttokenTESTTOKEN"


async def test_texts_buttons_and_flags_arrive_as_sent() -> None:
    telegram = FakeTelegram()
    async with serving(telegram, TOKEN) as base_url, Bot(TOKEN, base_url=base_url) as bot:
        buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="ok|1")]])
        sent = await bot.send_message(1001, "42", reply_markup=buttons, protect_content=False)
        await bot.send_message(1001, "true", protect_content=True)
    first, second = telegram.sent_to(1001)
    assert sent.message_id == first.message_id
    assert (first.text, first.button_data("Yes"), first.protect_content) == ("42", "ok|1", False)
    assert (second.text, second.protect_content) == ("true", True)


async def test_a_file_arrives_whole_with_its_name_and_caption() -> None:
    telegram = FakeTelegram()
    content = bytes(range(256)) * 40  # every byte value, CR and LF among them
    async with serving(telegram, TOKEN) as base_url, Bot(TOKEN, base_url=base_url) as bot:
        await bot.send_document(1001, content, filename="report.pdf", caption="Your report")
    [document] = telegram.sent_to(1001)
    assert (document.document, document.filename, document.text) == (
        content,
        "report.pdf",
        "Your report",
    )


async def test_get_updates_hands_over_what_she_sent_and_holds_an_empty_poll() -> None:
    telegram = FakeTelegram()
    telegram.push_update(Person(None, 1001, telegram=telegram).text("hello"))
    async with serving(telegram, TOKEN) as base_url, Bot(TOKEN, base_url=base_url) as bot:
        [update] = await bot.get_updates(timeout=5)
        assert update.message is not None
        assert (update.message.text, update.message.chat.id) == ("hello", 1001)
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await bot.get_updates(offset=update.update_id + 1, timeout=5) == ()
        assert loop.time() - started >= 0.9  # held, as Telegram holds a long poll


async def test_another_token_is_refused() -> None:
    async with serving(FakeTelegram(), TOKEN) as base_url:
        with pytest.raises(InvalidToken):
            async with Bot("999:WRONGwrongWRONG", base_url=base_url):
                pass
