"""The fake Bot API is as strict as Telegram: each limit and quirk comes back as Telegram's HTTP
answer, so PTB raises its real exception. Limits are written out here from the Bot API's
documentation (4,096 / 1,024 / 64 bytes / 200 / 15 minutes / 48 hours), not read from the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TimedOut

from companion.clock import ManualClock
from companion.delivery.pacer import retry_after_seconds
from companion.devtools.fake_telegram import FakeTelegram, Person, blocked, flood
from companion.devtools.telegram_faults import LOST, LoseResponses
from tests.conftest import START

CHAT = 1001


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def now() -> list[float]:
    return [100.0]


@pytest.fixture
def fake(clock: ManualClock, now: list[float]) -> FakeTelegram:
    return FakeTelegram(now=clock.now, monotonic=lambda: now[0])


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot("123456789:TESTTOKENtesttokenTESTTOKEN", request=fake, get_updates_request=fake)
    await bot.initialize()
    yield bot
    await bot.shutdown()


def button(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Tap", callback_data=data)]])


async def test_text_of_4096_goes_and_4097_is_refused(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(CHAT, "a" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
        await bot.send_message(CHAT, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)^message text is empty$"):
        await bot.send_message(CHAT, "  \n")
    assert [len(m.text) for m in fake.sent_to(CHAT)] == [4096]


async def test_the_limit_counts_characters_so_an_emoji_is_one(bot: Bot) -> None:
    # Measured against Telegram: 4,096 emoji (8,192 UTF-16 units) go, 4,097 are refused.
    await bot.send_message(CHAT, "😀" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
        await bot.send_message(CHAT, "😀" * 4097)


async def test_captions_stop_at_1024(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_photo(CHAT, b"png", caption="c" * 1024)
    await bot.send_document(CHAT, b"pdf", filename="a.pdf", caption="c" * 1024)
    with pytest.raises(BadRequest, match=r"(?i)^message caption is too long$"):
        await bot.send_photo(CHAT, b"png", caption="c" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)^message caption is too long$"):
        await bot.send_document(CHAT, b"pdf", filename="a.pdf", caption="c" * 1025)
    assert len(fake.sent_to(CHAT)) == 2


async def test_callback_data_is_at_most_64_bytes(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=button("x" * 64))
    await bot.send_message(CHAT, "ok", reply_markup=button("é" * 32))  # 64 bytes in UTF-8
    for data in ("x" * 65, "é" * 33):
        with pytest.raises(BadRequest, match=r"(?i)^button_data_invalid$"):
            await bot.send_message(CHAT, "too much", reply_markup=button(data))
    sent = fake.sent_to(CHAT)[0]
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=button("y" * 65))
    assert len(fake.sent_to(CHAT)) == 2


async def test_an_edit_that_changes_nothing_is_refused(bot: Bot, fake: FakeTelegram) -> None:
    first = await bot.send_message(CHAT, "Question", reply_markup=button("a"))
    with pytest.raises(BadRequest, match=r"(?i)^message is not modified: specified new"):
        await bot.edit_message_text("Question", CHAT, first.message_id, reply_markup=button("a"))
    with pytest.raises(BadRequest, match=r"(?i)^message is not modified"):
        await bot.edit_message_reply_markup(CHAT, first.message_id, reply_markup=button("a"))
    await bot.edit_message_reply_markup(CHAT, first.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match=r"(?i)^message is not modified"):
        await bot.edit_message_reply_markup(CHAT, first.message_id, reply_markup=None)
    await bot.edit_message_text("Question\n\nYes", CHAT, first.message_id)
    with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
        await bot.edit_message_text("b" * 4097, CHAT, first.message_id)
    shown = fake.sent_to(CHAT)[0]
    assert (shown.text, shown.buttons) == ("Question\n\nYes", [])


async def test_editing_a_missing_message_or_a_photo_text_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)^message to edit not found$"):
        await bot.edit_message_text("new", CHAT, 999)
    with pytest.raises(BadRequest, match=r"(?i)^message to edit not found$"):
        await bot.edit_message_reply_markup(CHAT, 999, reply_markup=None)
    photo = await bot.send_photo(CHAT, b"png", caption="chart")
    with pytest.raises(BadRequest, match=r"(?i)^there is no text in the message to edit$"):
        await bot.edit_message_text("new", CHAT, photo.message_id)


async def test_deleting_works_for_48_hours_and_only_once(
    bot: Bot, fake: FakeTelegram, clock: ManualClock
) -> None:
    her = Person(bot, CHAT, now=clock.now, telegram=fake)
    hers = her.text("something private").message
    assert hers is not None
    mine = await bot.send_message(CHAT, "a reply")
    old = await bot.send_message(CHAT, "an old reply")
    clock.advance(timedelta(hours=47, minutes=59))
    assert await bot.delete_message(CHAT, hers.message_id)
    assert await bot.delete_message(CHAT, mine.message_id)
    for gone in (hers.message_id, mine.message_id, 424242):
        with pytest.raises(BadRequest, match=r"(?i)^message to delete not found$"):
            await bot.delete_message(CHAT, gone)
    clock.advance(timedelta(minutes=2))
    with pytest.raises(BadRequest, match=r"(?i)^message can't be deleted for everyone$"):
        await bot.delete_message(CHAT, old.message_id)
    assert [m.text for m in fake.sent_to(CHAT)] == ["an old reply"]
    assert fake.deleted == [(CHAT, hers.message_id), (CHAT, mine.message_id)]


async def pressed(bot: Bot, fake: FakeTelegram, clock: ManualClock) -> str:
    question = await bot.send_message(CHAT, "Mood?", reply_markup=button("mood|4"))
    her = Person(bot, CHAT, now=clock.now, telegram=fake)
    query = her.press_data(fake.find(CHAT, question.message_id), "mood|4").callback_query
    assert query is not None
    return query.id


async def test_a_press_is_answered_once(bot: Bot, fake: FakeTelegram, clock: ManualClock) -> None:
    query = await pressed(bot, fake, clock)
    assert await bot.answer_callback_query(query, text="Saved")
    with pytest.raises(BadRequest, match=r"(?i)^query is too old and response timeout expired"):
        await bot.answer_callback_query(query)
    assert await bot.answer_callback_query("hand-built")  # no time known: once, any time
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid$"):
        await bot.answer_callback_query("hand-built")
    assert [a.get("text") for a in fake.callback_answers] == ["Saved", None]


async def test_a_press_expires_after_15_minutes(
    bot: Bot, fake: FakeTelegram, clock: ManualClock
) -> None:
    in_time, late = await pressed(bot, fake, clock), await pressed(bot, fake, clock)
    clock.advance(timedelta(minutes=15))
    assert await bot.answer_callback_query(in_time)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(BadRequest, match=r"(?i)^query is too old"):
        await bot.answer_callback_query(late)


async def test_a_press_answer_holds_200_characters(
    bot: Bot, fake: FakeTelegram, clock: ManualClock
) -> None:
    query = await pressed(bot, fake, clock)
    with pytest.raises(BadRequest, match=r"(?i)^message_too_long$"):
        await bot.answer_callback_query(query, text="n" * 201)
    assert await bot.answer_callback_query(query, text="n" * 200)  # the refusal used nothing


async def test_a_set_chat_gap_refuses_a_send_too_soon_with_retry_after(
    bot: Bot, fake: FakeTelegram, now: list[float]
) -> None:
    fake.chat_gap_s = 1.0
    await bot.send_message(CHAT, "one")
    await bot.send_message(CHAT + 1, "another chat goes at once")
    now[0] += 0.4
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(CHAT, "two")
    assert retry_after_seconds(refused.value) == 1
    now[0] += 0.6
    await bot.send_message(CHAT, "two")
    assert [m.text for m in fake.sent_to(CHAT)] == ["one", "two"]


async def test_an_upgraded_group_answers_with_its_new_id(bot: Bot, fake: FakeTelegram) -> None:
    fake.upgrade_group(-4001, -1004001)
    with pytest.raises(ChatMigrated) as moved:
        await bot.send_message(-4001, "alert")
    assert moved.value.new_chat_id == -1004001
    assert fake.sent_to(-4001) == []


async def test_injected_refusals_raise_ptbs_own_errors(bot: Bot, fake: FakeTelegram) -> None:
    fake.fault = lambda method, params: flood(3) if params.get("text") == "busy" else None
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(CHAT, "busy")
    assert retry_after_seconds(refused.value) == 3
    fake.fault = lambda method, params: blocked() if method == "sendMessage" else None
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(CHAT, "hello")
    fake.fault = lambda method, params: TimedOut() if method == "sendMessage" else None
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "never arrived")
    assert fake.sent_to(CHAT) == []


async def test_a_lost_response_times_out_though_the_message_arrived(
    bot: Bot, fake: FakeTelegram
) -> None:
    fake.fault = lambda method, params: LOST if method == "sendMessage" else None
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "arrived")
    assert [m.text for m in fake.sent_to(CHAT)] == ["arrived"]
    assert [call.params["text"] for call in fake.lost_responses] == ["arrived"]


async def test_lose_responses_loses_only_the_calls_named(bot: Bot, fake: FakeTelegram) -> None:
    fake.fault = LoseResponses({2})
    await bot.send_message(CHAT, "first")
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "second")
    await bot.send_message(CHAT, "third")
    assert [m.text for m in fake.sent_to(CHAT)] == ["first", "second", "third"]
    assert len(fake.lost_responses) == 1
