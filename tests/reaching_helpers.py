"""Helpers for the tests of reaching her (tests/test_reaching_her.py, tests/test_sharing_phone.py,
tests/test_clinician_notices.py): two mothers and two clinicians, the sharing preview, her
phone number through Telegram's contact button, and an alert's text link read as Telegram does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select

from companion.bot.context import Services
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.store.clinician_models import Share
from companion.store.models import Base
from tests.checkin_helpers import add_mother, at
from tests.clinician_helpers import add_clinician
from tests.sharing_helpers import start_payload

ANA, BEA, RIVERA, OKAFOR = 1001, 1002, 5001, 5002
PHONE, SHOWN_PHONE = "34 600 111 222", "+34600111222"  # as some apps send it; as she is shown
LABEL = "Ana López MRN 1234"
AGREE = "Agree and share"
ADD_PHONE, REMOVE_PHONE = "📱 Add my phone number", "☑ My phone number is added: remove it"
SHARE_PHONE, SKIP = "📱 Share my phone number", "Skip"
YES_OFF, YES_ON = "☐ Yes, they may message me", "☑ Yes, they may message me"
NO_OFF, NO_ON = "☐ No Telegram messages", "☑ No Telegram messages"
LINK_WORDS = "💬 open a chat with her"


@dataclass
class Clinic:
    ana: ChatDriver
    bea: ChatDriver
    rivera: ChatDriver
    okafor: ChatDriver
    ids: dict[str, str]


async def make_clinic(services: Services, person_factory: Callable[..., ChatDriver]) -> Clinic:
    """Dr Rivera (digest at 08:00) and Dr Okafor; Ana and Bea, set up, sharing with nobody."""
    ids = {
        "rivera": await add_clinician(services, "Dr Rivera", next_digest_at=at(21, 8)),
        "okafor": await add_clinician(services, "Dr Okafor"),
        "ana": await add_mother(services, ANA),
        "bea": await add_mother(services, BEA),
    }
    return Clinic(
        person_factory(ANA, first_name="Ana"),
        person_factory(BEA, first_name="Bea"),
        person_factory(RIVERA, first_name="Rosa"),
        person_factory(OKAFOR, first_name="Obi"),
        ids,
    )


Row = TypeVar("Row", bound=Base)


async def rows(services: Services, model: type[Row]) -> list[Row]:
    async with services.db.session() as session:
        return list((await session.scalars(select(model))).all())


async def share_of(services: Services, mother_id: str, clinician_id: str) -> Share:
    [share] = [
        s
        for s in await rows(services, Share)
        if (s.mother_id, s.clinician_id) == (mother_id, clinician_id)
    ]
    return share


async def open_preview(mother: ChatDriver, clinician: ChatDriver, label: str = "") -> SentMessage:
    """The clinician's /invite [LABEL]; she opens it and picks her first name: the preview."""
    clinician.new_messages()
    invited = await clinician.say(f"/invite {label}".strip())
    code = start_payload(invited[0].text).removeprefix("p_")
    await mother.say(f"/start p_{code}")
    *_, preview = await mother.tap(mother.person.user.first_name)
    return preview


async def give_phone(mother: ChatDriver, phone: str = PHONE) -> list[SentMessage]:
    await mother.tap(ADD_PHONE)
    return await mother.share_contact(phone)


def link_of(message: SentMessage) -> tuple[str, str] | None:
    """The words and address of a message's text link, read by UTF-16 offsets as Telegram does."""
    links = [e for e in message.entities if e["type"] == "text_link"]
    if not links:
        return None
    [link] = links
    units = message.text.encode("utf-16-le")
    start, end = 2 * link["offset"], 2 * (link["offset"] + link["length"])
    return units[start:end].decode("utf-16-le"), link["url"]


def everything_sent_to(telegram: FakeTelegram, chat_id: int) -> str:
    return "\n".join(m.text for m in telegram.sent_to(chat_id))
