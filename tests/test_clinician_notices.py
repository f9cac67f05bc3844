"""What clinicians and the backup chat are told after an alert, and what she is not (issue 14):
an alert edited on Acknowledge keeps its link to her account; "acknowledged by" and "closed"
notices name her as alerts do (with that reader's own label, never another's; the backup chat
gets only her display name, and no outcome); closing a flag sends her nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from tests.checkin_helpers import at, tick
from tests.reaching_helpers import (
    AGREE,
    ANA,
    LABEL,
    LINK_WORDS,
    YES_OFF,
    Clinic,
    link_of,
    make_clinic,
    open_preview,
)

START = at(20, 12)  # the clock fixture's start: noon in London
BACKUP = 990001
OKAFOR_LABEL = "Bed 4, ward B"
ACKNOWLEDGE, CLOSE = "✓ Acknowledge", "🔒 Close flag"
REFERRED = "🏥 Referred to urgent care"
WHEN = "20 November 12:00 (her time)"
HER_LINK = (LINK_WORDS, f"tg://user?id={ANA}")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"backup_chat_id": BACKUP}


@pytest.fixture
async def clinic(services: Services, person_factory: Callable[..., ChatDriver]) -> Clinic:
    """Ana shares with Dr Rivera and Dr Okafor, each invitation labelled by its clinician, and
    lets both message her on Telegram."""
    clinic = await make_clinic(services, person_factory)
    for clinician, label in ((clinic.rivera, LABEL), (clinic.okafor, OKAFOR_LABEL)):
        await open_preview(clinic.ana, clinician, label=label)
        await clinic.ana.tap(YES_OFF)
        await clinic.ana.tap(AGREE)
    clinic.rivera.new_messages(), clinic.okafor.new_messages(), clinic.ana.new_messages()
    return clinic


async def test_an_alert_keeps_its_link_to_her_once_acknowledged_and_once_closed(
    clinic: Clinic, clock: ManualClock
) -> None:
    await clinic.ana.say("I want to die")
    [to_rivera] = clinic.rivera.new_messages()
    [to_okafor] = clinic.okafor.new_messages()
    assert link_of(to_rivera) == link_of(to_okafor) == HER_LINK

    clock.set(START + timedelta(minutes=5))
    await clinic.rivera.tap_on(to_rivera, ACKNOWLEDGE)
    assert to_rivera.text.endswith("\n\n✓ Acknowledged by you at 12:05.")
    assert to_rivera.button_labels == [CLOSE]
    assert link_of(to_rivera) == HER_LINK

    [question] = await clinic.rivera.tap_on(to_rivera, CLOSE)
    await clinic.rivera.tap_on(question, REFERRED)
    assert link_of(to_rivera) == HER_LINK  # the alert itself is left as it was

    # Dr Okafor's copy, pressed after the flag was closed, is tidied: it keeps the link too.
    await clinic.okafor.tap_on(to_okafor, ACKNOWLEDGE)
    assert to_okafor.text.endswith("\n\n✓ Already acknowledged by Dr Rivera at 12:05.")
    assert to_okafor.buttons == []  # the flag is closed: no Close flag any more
    assert link_of(to_okafor) == HER_LINK


async def test_notices_name_her_with_each_readers_own_label_and_never_tell_her_of_a_close(
    clinic: Clinic, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    rivera_shown = f"Ana (your label: {LABEL})"
    okafor_shown = f"Ana (your label: {OKAFOR_LABEL})"
    await clinic.ana.say("I want to die")
    [to_rivera] = clinic.rivera.new_messages()
    assert to_rivera.text.startswith(f"⚠️ URGENT — {rivera_shown}\n")
    clock.set(START + timedelta(minutes=15))
    await tick(services)  # nobody acknowledged: repeated to both and the backup chat
    [to_backup] = telegram.sent_to(BACKUP)
    assert to_backup.text.startswith("🔁 REPEAT, NOT YET ACKNOWLEDGED: ⚠️ URGENT — Ana\n")
    _, repeat_to_okafor = clinic.okafor.new_messages()  # the alert, and its repeat
    assert repeat_to_okafor.text.startswith(
        f"🔁 REPEAT, NOT YET ACKNOWLEDGED: ⚠️ URGENT — {okafor_shown}"
    )
    clinic.rivera.new_messages(), clinic.ana.new_messages()

    clock.set(START + timedelta(minutes=20))
    await clinic.okafor.tap_on(repeat_to_okafor, ACKNOWLEDGE)
    [notice] = clinic.rivera.new_messages()
    assert notice.text == (
        f"✓ ⚠️ URGENT alert for {rivera_shown} ({WHEN}) acknowledged by Dr Okafor."
    )
    assert telegram.sent_to(BACKUP)[-1].text == (
        f"✓ ⚠️ URGENT alert for Ana ({WHEN}) acknowledged by Dr Okafor."
    )
    [seen] = clinic.ana.new_messages()
    assert seen.text.startswith("Dr Okafor has seen my alert")

    clock.set(START + timedelta(minutes=40))
    [question] = await clinic.rivera.tap_on(to_rivera, CLOSE)
    assert question.text.startswith(f"Close the urgent flag for {rivera_shown}, raised {WHEN}?")
    await clinic.rivera.tap_on(question, REFERRED)
    [closed] = clinic.okafor.new_messages()
    assert closed.text == (
        f"✓ Dr Rivera closed the urgent flag for {okafor_shown} ({WHEN}). "
        "Outcome: referred to urgent care."
    )
    assert closed.protect_content
    to_backup = telegram.sent_to(BACKUP)[-1]
    assert to_backup.text == f"✓ Dr Rivera closed the urgent flag for Ana ({WHEN})."
    assert to_backup.protect_content

    # She is sent nothing about the close (docs/flag-closing.md says why).
    assert clinic.ana.new_messages() == []
    clock.set(START + timedelta(minutes=41))
    await tick(services)  # anything queued goes out (her safety follow-up is due at 13:30)
    assert clinic.ana.new_messages() == []

    # Each label reached only its own clinician; the backup chat saw none.
    everything = {
        chat: "\n".join(m.text for m in telegram.sent_to(chat))
        for chat in (clinic.rivera.chat_id, clinic.okafor.chat_id, BACKUP, ANA)
    }
    assert OKAFOR_LABEL not in everything[clinic.rivera.chat_id]
    assert "López" not in everything[clinic.okafor.chat_id]
    assert "your label" not in everything[BACKUP] + everything[ANA]
    assert "urgent care" not in everything[BACKUP]


async def test_the_backup_chat_hears_of_a_close_only_if_it_was_sent_the_flag(
    clinic: Clinic, telegram: FakeTelegram
) -> None:
    await clinic.ana.say("I want to die")
    [to_rivera] = clinic.rivera.new_messages()
    [question] = await clinic.rivera.tap_on(to_rivera, CLOSE)
    await clinic.rivera.tap_on(question, REFERRED)
    assert clinic.okafor.new_messages()[-1].text.startswith("✓ Dr Rivera closed the urgent flag")
    assert telegram.sent_to(BACKUP) == []
    assert clinic.ana.new_messages() == []
