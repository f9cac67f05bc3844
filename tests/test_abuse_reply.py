"""When she says a partner hurts or controls her: her country's domestic-abuse line first, then the
emergency number, a short reply written for a phone someone else may read, and one tap removes it
and her message. Stored: a concern flag with the reason, and nothing else that names it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import BadRequest

from companion.bot.context import Services
from companion.bot.crisis import respond_to_risk
from companion.bot.risk_reading import Risk
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.flags import read_detail
from tests.chat_helpers import load_mother, onboard, t
from tests.flag_helpers import StoredFlag, stored_flags

HIT = "my partner hit me last night"
UNDER_CONTROL = "my husband hits me and takes my phone"


async def flags(services: Services) -> list[StoredFlag]:
    return await stored_flags(services)


@pytest.mark.parametrize("said", [HIT, UNDER_CONTROL])
async def test_a_us_mother_gets_the_hotline_first_then_911_and_a_remove_button(
    mother: ChatDriver, services: Services, said: str
) -> None:
    await onboard(mother, "United States", "Eastern (New York)")
    [reply] = await mother.say(said)
    text = reply.text
    assert text.startswith("Thank you for telling me. You deserve to be safe")
    hotline, emergency = text.index("800-799-7233"), text.index("call 911")
    assert hotline < emergency  # the abuse line first, then the emergency number
    assert "National Domestic Violence Hotline" in text
    assert "988" not in text  # not the suicide crisis reply
    assert "delete this chat" in text
    assert "can't hide everything" in text  # never promises that deleting makes her safe
    assert said not in text  # nothing she said is repeated
    assert reply.button_labels == [t(services, "crisis.abuse.button")]

    [flag] = await flags(services)
    assert (flag.level, flag.source, flag.status) == ("concern", "message", "open")
    detail = read_detail(flag, services.vault)
    assert [reason.split(" ")[0] for reason in detail.reasons] == ["model:ipv"]
    assert detail.sent[0] == "crisis.abuse.reply"
    stored = await load_mother(services)
    assert stored is not None
    assert stored.recent_sealed is None  # her words are not kept for the next reading


async def test_one_tap_removes_the_reply_and_her_message(
    mother: ChatDriver, services: Services, telegram: FakeTelegram
) -> None:
    await onboard(mother, "United States", "Eastern (New York)")
    update = mother.person.text(HIT)
    her_message = update.message.message_id if update.message else 0
    [reply] = await mother.deliver(update)
    assert reply.button_data(t(services, "crisis.abuse.button")) == f"abx|{her_message}"
    assert await mother.tap(t(services, "crisis.abuse.button")) == []  # no new message names it
    assert (mother.chat_id, reply.message_id) in telegram.deleted
    assert (mother.chat_id, her_message) in telegram.deleted
    assert reply.message_id not in [m.message_id for m in telegram.sent_to(mother.chat_id)]
    assert telegram.callback_answers[-1]["text"] == t(services, "crisis.abuse.removed")
    assert [f.level for f in await flags(services)] == ["concern"]  # the flag stays


async def test_a_tap_after_48_hours_says_the_messages_stay_and_how_to_remove_them(
    mother: ChatDriver, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    """Telegram refuses to delete after 48 hours: she must not be told "Removed." while the
    messages are still on her phone for someone else to read."""
    await onboard(mother, "United States", "Eastern (New York)")
    update = mother.person.text(HIT)
    her_message = update.message.message_id if update.message else 0
    [reply] = await mother.deliver(update)
    clock.advance(timedelta(hours=49))
    assert await mother.tap_on(reply, "Remove these messages") == []
    assert telegram.deleted == []
    assert reply.message_id in [m.message_id for m in telegram.sent_to(mother.chat_id)]
    answer = telegram.callback_answers[-1]
    assert answer["text"].startswith("I couldn't remove them: Telegram lets me do that only")
    assert "press and hold each message, then tap Delete" in answer["text"]
    assert answer["show_alert"] is True  # a pop-up she closes, not a toast she may miss
    with pytest.raises(BadRequest, match=r"can't be deleted"):  # still there, at Telegram too
        await mother.application.bot.delete_message(mother.chat_id, her_message)


async def test_a_message_she_already_deleted_counts_as_removed(
    mother: ChatDriver, telegram: FakeTelegram
) -> None:
    await onboard(mother, "United States", "Eastern (New York)")
    update = mother.person.text(HIT)
    her_message = update.message.message_id if update.message else 0
    [reply] = await mother.deliver(update)
    await mother.application.bot.delete_message(mother.chat_id, her_message)  # as she did
    assert await mother.tap_on(reply, "Remove these messages") == []
    assert (mother.chat_id, reply.message_id) in telegram.deleted
    assert telegram.callback_answers[-1]["text"] == "Removed."
    assert not telegram.callback_answers[-1].get("show_alert")


async def test_a_uk_mother_gets_the_national_domestic_abuse_helpline(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother)
    [reply] = await mother.say(HIT)
    assert reply.text.index("0808 2000 247") < reply.text.index("call 999")


async def test_a_spanish_speaking_mother_in_mexico_gets_the_womens_line_in_spanish(
    mother: ChatDriver, services: Services
) -> None:
    await mother.say("/start")
    await mother.tap("Español")
    await mother.tap("Acepto")
    await mother.tap("México")
    await mother.say("Ciudad de México")
    for label in ("09:00", "Omitir", "No, gracias"):
        await mother.tap(label)
    [reply] = await mother.say("mi esposo me golpea y me da miedo")
    assert reply.text.startswith("Gracias por contármelo. Mereces estar a salvo")
    assert reply.text.index("079") < reply.text.index("llama al 911")
    assert reply.button_labels == ["Eliminar estos mensajes"]


async def test_danger_now_gets_the_emergency_number_first_and_alerts_like_an_emergency(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother, "United States", "Eastern (New York)")
    stored = await load_mother(services)
    assert stored is not None
    async with services.db.session() as session:
        mother_row = await session.get(type(stored), stored.id)
        assert mother_row is not None
        risk = Risk("emergency", ("model:ipv 0.97",), "message")
        response = await respond_to_risk(services, session, mother_row, "en", risk)
    assert response is not None
    [reply] = response.replies
    assert reply.text.startswith("If you are in danger now, call 911.")
    assert reply.urgent
    [flag] = await flags(services)
    assert flag.level == "emergency"
    assert flag.followup_at is not None  # she is asked later, in words that never name it


async def test_a_suicidal_thought_beside_abuse_gets_the_crisis_reply(
    mother: ChatDriver, services: Services
) -> None:
    await onboard(mother, "United States", "Eastern (New York)")
    [reply, *_] = await mother.say("he hits me and i want to die")
    assert reply.text.startswith("Thank you for telling me. Thoughts like these")
