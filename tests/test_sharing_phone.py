"""Her phone number for a clinician she already shares with, from /sharing (issue 14): "Add my
number for Dr X" shows Telegram's contact button and Skip; only her own number is kept, sealed on
that one share; the keyboard goes away afterwards; "Remove my number from Dr X" takes it off. In
English and Spanish."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from companion.bot.context import Services
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.clinician_models import AuditEntry, ShareDraft
from companion.store.clinicians import read_sealed
from tests.chat_helpers import t
from tests.checkin_helpers import update_mother
from tests.reaching_helpers import (
    AGREE,
    ANA,
    BEA,
    PHONE,
    SHARE_PHONE,
    SHOWN_PHONE,
    SKIP,
    Clinic,
    everything_sent_to,
    give_phone,
    make_clinic,
    open_preview,
    rows,
    share_of,
)

ADD_RIVERA, REMOVE_RIVERA = "Add my number for Dr Rivera", "Remove my number from Dr Rivera"
ADD_OKAFOR = "Add my number for Dr Okafor"


@pytest.fixture
async def clinic(services: Services, person_factory: Callable[..., ChatDriver]) -> Clinic:
    """Ana shares with Dr Rivera and Dr Okafor, and gave neither her number."""
    clinic = await make_clinic(services, person_factory)
    for clinician in (clinic.rivera, clinic.okafor):
        await open_preview(clinic.ana, clinician)
        await clinic.ana.tap(AGREE)
    return clinic


async def changes(services: Services) -> list[str]:
    """The audit log's share_changed details, without the share id."""
    entries = await rows(services, AuditEntry)
    return [str(e.detail).split(" ", 1)[1] for e in entries if e.event == "share_changed"]


async def test_she_adds_her_number_for_one_clinician_from_sharing(
    clinic: Clinic, services: Services, telegram: FakeTelegram
) -> None:
    [listing] = await clinic.ana.say("/sharing")
    assert listing.button_labels == [
        "Stop sharing with Dr Rivera",
        ADD_RIVERA,
        "Let Dr Rivera message me on Telegram",
        "Stop sharing with Dr Okafor",
        ADD_OKAFOR,
        "Let Dr Okafor message me on Telegram",
    ]

    ask, or_skip = await clinic.ana.tap(ADD_RIVERA)
    assert ask.text == (
        "To give Dr Rivera your phone number, tap “📱 Share my phone number” at the bottom of the "
        "screen. It's optional: only Dr Rivera will see it, in an alert about you, and you can "
        "remove it at any time with /sharing."
    )
    assert ask.keyboard == [[{"text": SHARE_PHONE, "request_contact": True}]]
    markup = telegram.calls[-2].params["reply_markup"]
    assert (json.loads(markup) if isinstance(markup, str) else markup)["one_time_keyboard"]
    assert or_skip.button_labels == [SKIP]

    added, relisted = await clinic.ana.share_contact(PHONE)
    assert added.text == (
        "Done: Dr Rivera now sees: your phone number: given; messages from them on Telegram: no."
    )
    assert added.removes_keyboard
    assert REMOVE_RIVERA in relisted.button_labels
    assert ADD_RIVERA not in relisted.button_labels
    assert ADD_OKAFOR in relisted.button_labels
    assert "600" not in everything_sent_to(telegram, ANA)  # never written back to her chat

    rivera = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    okafor = await share_of(services, clinic.ids["ana"], clinic.ids["okafor"])
    assert rivera.contact_sealed is not None
    assert b"600111222" not in rivera.contact_sealed
    assert read_sealed(rivera, "contact_sealed", services.vault) == SHOWN_PHONE
    assert okafor.contact_sealed is None
    assert rivera.phone_asked_at is None  # nothing waits any more
    assert await changes(services) == ["phone=1 direct=0"]

    # Skip, pressed late, changes nothing and says the button is done with.
    await clinic.ana.tap_on(or_skip, SKIP)
    assert telegram.callback_answers[-1]["text"] == t(services, "sharing.stale")
    assert or_skip.buttons == []
    rivera = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert read_sealed(rivera, "contact_sealed", services.vault) == SHOWN_PHONE

    # Her next contact, unasked, is not taken for anyone.
    [answer] = await clinic.ana.share_contact("+34 600 999 999")
    [as_a_sticker] = await clinic.ana.send_sticker()
    assert answer.text == as_a_sticker.text
    rivera = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert read_sealed(rivera, "contact_sealed", services.vault) == SHOWN_PHONE

    clinic.rivera.new_messages(), clinic.okafor.new_messages()
    await clinic.ana.say("I want to die")
    [to_rivera] = clinic.rivera.new_messages()
    [to_okafor] = clinic.okafor.new_messages()
    assert f"Her phone number (she gave it to you): {SHOWN_PHONE}" in to_rivera.text
    assert "600" not in to_okafor.text

    await clinic.ana.tap_on(relisted, REMOVE_RIVERA)
    rivera = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert rivera.contact_sealed is None
    assert await changes(services) == ["phone=1 direct=0", "phone=0 direct=0"]


async def test_someone_elses_contact_is_refused_and_skip_adds_nothing(
    clinic: Clinic, services: Services
) -> None:
    await clinic.ana.say("/sharing")
    await clinic.ana.tap(ADD_OKAFOR)
    [refused] = await clinic.ana.share_contact("+44 7700 900123", user_id=BEA)
    assert refused.text == t(services, "sharing.phone_not_yours")
    assert not refused.removes_keyboard  # the button stays, for her own number
    okafor = await share_of(services, clinic.ids["ana"], clinic.ids["okafor"])
    assert okafor.contact_sealed is None
    assert okafor.phone_asked_at is not None  # still waiting for hers

    or_skip = clinic.ana.message_with(SKIP)
    [skipped] = await clinic.ana.tap(SKIP)
    assert skipped.text == "That's fine: no phone number was added."
    assert skipped.removes_keyboard
    assert or_skip.buttons == []
    assert or_skip.text.endswith("\n\n✓ No phone number added.")
    okafor = await share_of(services, clinic.ids["ana"], clinic.ids["okafor"])
    assert (okafor.contact_sealed, okafor.phone_asked_at) == (None, None)
    assert await changes(services) == []

    # After Skip her own contact goes nowhere either.
    await clinic.ana.share_contact(PHONE)
    for clinician in ("rivera", "okafor"):
        share = await share_of(services, clinic.ids["ana"], clinic.ids[clinician])
        assert share.contact_sealed is None


async def test_the_last_add_she_pressed_gets_the_number(clinic: Clinic, services: Services) -> None:
    [listing] = await clinic.ana.say("/sharing")
    await clinic.ana.tap_on(listing, ADD_RIVERA)
    await clinic.ana.tap_on(listing, ADD_OKAFOR)  # she changed her mind: Dr Okafor
    await clinic.ana.share_contact(PHONE)
    rivera = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    okafor = await share_of(services, clinic.ids["ana"], clinic.ids["okafor"])
    assert rivera.contact_sealed is None
    assert read_sealed(okafor, "contact_sealed", services.vault) == SHOWN_PHONE


async def test_between_a_preview_and_sharing_the_last_add_she_pressed_wins(
    services: Services, person_factory: Callable[..., ChatDriver]
) -> None:
    clinic = await make_clinic(services, person_factory)
    await open_preview(clinic.ana, clinic.rivera)
    await clinic.ana.tap(AGREE)
    await open_preview(clinic.ana, clinic.okafor)  # Dr Okafor's preview, still open

    [listing] = await clinic.ana.say("/sharing")
    await clinic.ana.tap_on(listing, ADD_RIVERA)
    await give_phone(clinic.ana)  # the preview's "Add my phone number", pressed after
    [draft] = await rows(services, ShareDraft)
    assert read_sealed(draft, "contact_sealed", services.vault) == SHOWN_PHONE
    rivera = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert (rivera.contact_sealed, rivera.phone_asked_at) == (None, None)

    await clinic.ana.tap_on(listing, ADD_RIVERA)  # and now /sharing's again
    await clinic.ana.share_contact("+34 611 000 000")
    rivera = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert read_sealed(rivera, "contact_sealed", services.vault) == "+34611000000"
    [draft] = await rows(services, ShareDraft)
    assert read_sealed(draft, "contact_sealed", services.vault) == SHOWN_PHONE


async def test_stopping_sharing_ends_a_wait_for_her_number(
    clinic: Clinic, services: Services, telegram: FakeTelegram
) -> None:
    [listing] = await clinic.ana.say("/sharing")
    add_data = listing.button_data(ADD_RIVERA)
    await clinic.ana.tap_on(listing, ADD_RIVERA)
    await clinic.ana.tap_on(listing, "Stop sharing with Dr Rivera")
    assert ADD_RIVERA not in listing.button_labels
    await clinic.ana.share_contact(PHONE)
    rivera = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert rivera.revoked_at is not None
    assert (rivera.contact_sealed, rivera.phone_asked_at) == (None, None)

    # The old Add button, pressed again (say from another device), is refused.
    assert await clinic.ana.deliver(clinic.ana.person.press_data(listing, add_data)) == []
    assert telegram.callback_answers[-1]["text"] == t(services, "sharing.stale")
    rivera = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert (rivera.contact_sealed, rivera.phone_asked_at) == (None, None)


async def test_in_spanish(clinic: Clinic, services: Services, telegram: FakeTelegram) -> None:
    await update_mother(services, ANA, locale="es")
    [listing] = await clinic.ana.say("/sharing")
    assert "Dar mi número a Dr Rivera" in listing.button_labels
    ask, or_skip = await clinic.ana.tap("Dar mi número a Dr Rivera")
    assert ask.text.startswith("Para darle tu número de teléfono a Dr Rivera, toca “📱 Compartir")
    assert ask.keyboard == [[{"text": "📱 Compartir mi número", "request_contact": True}]]
    assert or_skip.button_labels == ["Omitir"]
    added, relisted = await clinic.ana.share_contact(PHONE)
    assert added.text == (
        "Listo: ahora Dr Rivera ve: tu número de teléfono: dado; mensajes suyos por Telegram: no."
    )
    assert added.removes_keyboard
    assert "Quitar mi número a Dr Rivera" in relisted.button_labels
    assert "Dar mi número a Dr Okafor" in relisted.button_labels

    await clinic.ana.tap_on(relisted, "Dar mi número a Dr Okafor")
    [skipped] = await clinic.ana.tap("Omitir")
    assert skipped.text == "Está bien: no se añadió ningún número."
    assert skipped.removes_keyboard
