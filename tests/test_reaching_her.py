"""Reaching her (issue 14), end to end: while she decides to share she may give her clinician her
phone number (Telegram's contact button, her own number only) and let them message her on
Telegram; the alert shows what she allowed that clinician and nothing else. A clinician's
/invite LABEL names whom the invitation is for: sealed, shown only to that clinician beside her
chosen name, never to her. /sharing shows and changes how each may reach her; stopping and /delete
erase it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.store.clinician_models import AuditEntry, PatientInvite, Share, ShareDraft
from companion.store.clinicians import read_sealed
from tests.chat_helpers import t, texts
from tests.checkin_helpers import add_mother, at, tick
from tests.reaching_helpers import (
    ADD_PHONE,
    AGREE,
    ANA,
    BEA,
    LABEL,
    LINK_WORDS,
    NO_OFF,
    NO_ON,
    OKAFOR,
    PHONE,
    REMOVE_PHONE,
    SHARE_PHONE,
    SHOWN_PHONE,
    SKIP,
    YES_OFF,
    YES_ON,
    Clinic,
    everything_sent_to,
    give_phone,
    link_of,
    make_clinic,
    open_preview,
    rows,
    share_of,
)
from tests.sharing_helpers import start_payload

# Her number in any spelling (a bare "600" can turn up inside a random id).
HER_NUMBER = re.compile(r"600\W*111\W*222")


@pytest.fixture
async def clinic(services: Services, person_factory: Callable[..., ChatDriver]) -> Clinic:
    return await make_clinic(services, person_factory)


# --- her phone number -------------------------------------------------------------------------


async def test_skip_after_her_number_was_added_changes_nothing_and_says_so(
    clinic: Clinic, services: Services, telegram: FakeTelegram
) -> None:
    """The Skip under the phone question, pressed after she gave her number: not "no phone
    number was added" (it was), but the stale pop-up, and her number stays on the draft."""
    await open_preview(clinic.ana, clinic.rivera)
    _, or_skip = await clinic.ana.tap(ADD_PHONE)
    await clinic.ana.share_contact(PHONE)
    assert await clinic.ana.tap_on(or_skip, SKIP) == []
    assert telegram.callback_answers[-1]["text"] == (
        "This button is no longer active. Nothing has changed."
    )
    assert "no phone number was added" not in everything_sent_to(telegram, ANA)
    [draft] = await rows(services, ShareDraft)
    assert draft.contact_sealed is not None


async def test_her_own_number_is_sealed_and_reaches_only_the_clinician_she_gave_it_to(
    clinic: Clinic, services: Services, telegram: FakeTelegram
) -> None:
    preview = await open_preview(clinic.ana, clinic.rivera)
    assert preview.button_labels[2:5] == [ADD_PHONE, YES_OFF, NO_ON]  # nothing chosen: No
    assert "Optional, and only if you choose" in preview.text
    assert "You can change both later with /sharing" in preview.text

    ask, or_skip = await clinic.ana.tap(ADD_PHONE)
    assert ask.text == t(services, "sharing.phone_ask", clinician="Dr Rivera", button=SHARE_PHONE)
    assert "optional" in ask.text
    assert "/sharing" in ask.text
    assert ask.keyboard == [[{"text": SHARE_PHONE, "request_contact": True}]]
    [asked] = [c for c in telegram.calls if "request_contact" in str(c.params)]
    markup = asked.params["reply_markup"]
    assert (json.loads(markup) if isinstance(markup, str) else markup)["one_time_keyboard"]
    assert or_skip.button_labels == [SKIP]

    added, *_, again = await clinic.ana.share_contact(PHONE)
    assert added.text == t(services, "sharing.phone_added")
    assert added.removes_keyboard
    assert again.button_labels[2:5] == [REMOVE_PHONE, YES_OFF, NO_ON]
    assert not HER_NUMBER.search(
        everything_sent_to(telegram, ANA)
    )  # never written back to her chat
    [draft] = await rows(services, ShareDraft)
    assert draft.contact_sealed is not None
    assert b"600111222" not in draft.contact_sealed
    await clinic.ana.tap(AGREE)

    rivera_share = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert rivera_share.contact_sealed is not None
    assert b"600111222" not in rivera_share.contact_sealed  # sealed, not plain
    assert read_sealed(rivera_share, "contact_sealed", services.vault) == SHOWN_PHONE
    assert rivera_share.direct_ok is False
    audit = [e.detail for e in await rows(services, AuditEntry) if e.event == "share_granted"]
    assert "phone=1 direct=0" in str(audit[-1])
    assert not HER_NUMBER.search(str(audit[-1]))

    await open_preview(clinic.ana, clinic.okafor)  # Dr Okafor: no number
    await clinic.ana.tap(AGREE)

    clinic.rivera.new_messages(), clinic.okafor.new_messages()
    await clinic.ana.say("I want to die")
    [to_rivera] = clinic.rivera.new_messages()
    [to_okafor] = clinic.okafor.new_messages()
    assert to_rivera.text.startswith("⚠️ URGENT — Ana\n")
    phone_line = f"Her phone number (she gave it to you): {SHOWN_PHONE}"
    assert phone_line in to_rivera.text
    assert to_okafor.text.startswith("⚠️ URGENT — Ana\n")
    assert not HER_NUMBER.search(to_okafor.text)
    assert "phone" not in to_okafor.text
    # She did not say they may message her: no link, for either.
    assert link_of(to_rivera) is None
    assert link_of(to_okafor) is None
    assert LINK_WORDS not in to_rivera.text + to_okafor.text


async def test_a_contact_of_somebody_else_is_refused_and_skip_adds_nothing(
    clinic: Clinic, services: Services, telegram: FakeTelegram
) -> None:
    await open_preview(clinic.ana, clinic.rivera)
    await clinic.ana.tap(ADD_PHONE)
    [refused] = await clinic.ana.share_contact("+44 7700 900123", user_id=BEA)
    assert refused.text == t(services, "sharing.phone_not_yours")
    assert not refused.removes_keyboard  # the button stays, for her own number
    [draft] = await rows(services, ShareDraft)
    assert draft.contact_sealed is None

    or_skip = clinic.ana.message_with(SKIP)
    [skipped] = await clinic.ana.tap(SKIP)
    assert skipped.text == t(services, "sharing.phone_skipped")
    assert skipped.removes_keyboard
    assert or_skip.buttons == []
    [draft] = await rows(services, ShareDraft)
    assert draft.contact_sealed is None
    await clinic.ana.tap(AGREE)
    share = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert (share.contact_sealed, share.direct_ok) == (None, False)

    # A contact with no invitation open is answered as any card was before; nothing is stored.
    [answer] = await clinic.bea.share_contact("+44 7700 900456")
    [as_a_sticker] = await clinic.bea.send_sticker()
    assert answer.text == as_a_sticker.text
    assert [d for d in await rows(services, ShareDraft)] == []
    assert [s.mother_id for s in await rows(services, Share)] == [clinic.ids["ana"]]


async def test_a_mother_in_a_group_never_gets_the_contact_keyboard(
    services: Services, person_factory: Callable[..., ChatDriver], telegram: FakeTelegram
) -> None:
    await add_mother(services, ANA)
    in_group = person_factory(ANA, chat_type="group", chat_id=-4001)
    await in_group.say("/share abc")
    await in_group.deliver(in_group.person.press_data(SentMessage(-4001, 1, "x"), "shc|x"))
    assert telegram.left_chats == [-4001, -4001]
    refusal = (
        "Hello! companion works only in private chats, to keep what mothers share private. I "
        "haven't stored anything from this chat, and I'm leaving it now. To use companion, open "
        "a private chat with me."
    )
    sent = telegram.sent_to(-4001)
    assert [(m.text, m.keyboard) for m in sent] == [(refusal, []), (refusal, [])]
    assert await rows(services, ShareDraft) == []


async def test_removing_her_number_on_the_preview_changes_that_message_only(
    clinic: Clinic, services: Services
) -> None:
    await open_preview(clinic.ana, clinic.rivera)
    *_, again = await give_phone(clinic.ana)
    assert await clinic.ana.tap(REMOVE_PHONE) == []
    assert again.button_labels[2:5] == [ADD_PHONE, YES_OFF, NO_ON]
    [draft] = await rows(services, ShareDraft)
    assert draft.contact_sealed is None


# --- messaging her on Telegram ------------------------------------------------------------------


async def test_direct_messages_yes_puts_a_link_to_her_account_in_the_alert_and_no_does_not(
    clinic: Clinic, services: Services
) -> None:
    preview = await open_preview(clinic.ana, clinic.rivera)
    assert await clinic.ana.tap(YES_OFF) == []  # changed on the preview itself
    assert preview.button_labels[2:5] == [ADD_PHONE, YES_ON, NO_OFF]
    assert await clinic.ana.tap(NO_OFF) == []
    assert preview.button_labels[2:5] == [ADD_PHONE, YES_OFF, NO_ON]
    await clinic.ana.tap(YES_OFF)
    await clinic.ana.tap(AGREE)
    assert (await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])).direct_ok is True

    await open_preview(clinic.bea, clinic.rivera)  # Bea leaves it at No
    await clinic.bea.tap(AGREE)
    assert (await share_of(services, clinic.ids["bea"], clinic.ids["rivera"])).direct_ok is False

    clinic.rivera.new_messages()
    await clinic.ana.say("I want to die")
    [about_ana] = clinic.rivera.new_messages()
    assert f"She agreed you may message her on Telegram: {LINK_WORDS}" in about_ana.text
    assert link_of(about_ana) == (LINK_WORDS, f"tg://user?id={ANA}")
    assert "Her phone number" not in about_ana.text
    # Her call-back request carries it too, and it stays once acknowledged (the edit keeps it).
    [shown] = await clinic.ana.say("/help")
    await clinic.ana.tap_on(shown, "📞 Ask my clinician to contact me")
    [request] = clinic.rivera.new_messages()
    assert request.text.startswith("📞 CALL-BACK REQUEST — Ana\n")
    assert link_of(request) == (LINK_WORDS, f"tg://user?id={ANA}")
    await clinic.rivera.tap_on(request, "✓ Acknowledge")
    assert request.text.endswith("✓ Acknowledged by you at 12:00.")
    assert link_of(request) == (LINK_WORDS, f"tg://user?id={ANA}")

    await clinic.bea.say("I want to die")
    [about_bea] = clinic.rivera.new_messages()
    assert about_bea.text.startswith("⚠️ URGENT — Bea\n")
    assert link_of(about_bea) is None
    assert LINK_WORDS not in about_bea.text
    assert "tg://" not in about_bea.text


# --- the clinician's label ------------------------------------------------------------------------


async def test_an_invitation_label_is_shown_only_to_its_clinician_and_is_sealed(
    clinic: Clinic, services: Services, telegram: FakeTelegram, clock: ManualClock
) -> None:
    invitation, saved = await clinic.rivera.say(f"/invite {LABEL}")
    assert "López" not in invitation.text  # the message she may be forwarded carries no label
    assert saved.text == t(services, "clinician.label_saved", label=LABEL)
    assert saved.protect_content
    [invite] = await rows(services, PatientInvite)
    assert invite.label_sealed is not None
    assert b"MRN 1234" not in invite.label_sealed
    assert read_sealed(invite, "label_sealed", services.vault) == LABEL

    code = start_payload(invitation.text).removeprefix("p_")
    await clinic.ana.say(f"/start p_{code}")
    await clinic.ana.tap("A.")
    await clinic.ana.tap(AGREE)
    shown = f"A. (your label: {LABEL})"
    assert clinic.rivera.new_messages()[-1].text == t(services, "clinician.now_sharing", name=shown)
    share = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert share.label_sealed is not None
    assert b"MRN 1234" not in share.label_sealed
    assert read_sealed(share, "label_sealed", services.vault) == LABEL
    [invite] = await rows(services, PatientInvite)
    assert invite.label_sealed is None  # used: the label lives on her share only

    await open_preview(clinic.ana, clinic.okafor)  # no label
    await clinic.ana.tap(AGREE)
    assert "López" not in clinic.okafor.new_messages()[-1].text

    [patients] = await clinic.rivera.say("/patients")
    assert shown in patients.text
    [others] = await clinic.okafor.say("/patients")
    assert "López" not in others.text
    assert "your label" not in others.text
    for typed in ("López", "mrn 1234", "A."):  # her name or the label finds her
        summary = await clinic.rivera.say(f"/summary {typed}")
        assert summary[0].text.startswith(shown), typed

    await clinic.ana.say("I want to die")
    [alert] = clinic.rivera.new_messages()
    assert alert.text.startswith(f"⚠️ URGENT — {shown}\n")
    assert clinic.okafor.new_messages()[-1].text.startswith("⚠️ URGENT — Ana\n")

    clock.set(at(21, 8))  # Dr Rivera's digest, 08:00 in London
    await tick(services)
    repeat, digest, waiting = clinic.rivera.new_messages()  # the alert's repeat, then the digest
    assert repeat.text.startswith(f"🔁 REPEAT, NOT YET ACKNOWLEDGED: ⚠️ URGENT — {shown}\n")
    assert digest.text.startswith("Daily summary, 21 November 2026")
    assert f"• {shown}: urgent alert, sent 20 h ago" in digest.text
    assert f"• {shown}: urgent, from a message she typed, raised 20 h ago." in digest.text
    assert waiting.text.startswith(f"{shown}: urgent alert, sent 20 h ago.")

    # Never to her: not in anything she was sent, her /sharing list or her export.
    await clinic.ana.say("/sharing")
    mydata = await clinic.ana.say("/mydata")
    document = next(m.document for m in mydata if m.document)
    assert "López" not in document.decode()
    assert "MRN" not in document.decode()
    assert "López" not in everything_sent_to(telegram, ANA)
    assert "López" not in everything_sent_to(telegram, OKAFOR)


async def test_a_label_is_cleaned_and_kept_short(clinic: Clinic, services: Services) -> None:
    replies = await clinic.rivera.say("/invite " + "x" * 61)
    assert texts(replies) == [t(services, "clinician.label_too_long", length=61, limit=60)]
    assert await rows(services, PatientInvite) == []

    _, saved = await clinic.rivera.say("/invite Ana\u202e López\u200b\x07 MRN 7")
    [invite] = await rows(services, PatientInvite)
    assert read_sealed(invite, "label_sealed", services.vault) == "Ana López MRN 7"
    assert saved.text == t(services, "clinician.label_saved", label="Ana López MRN 7")
    [plain] = await clinic.rivera.say("/invite")
    assert plain.text.startswith("Here is an invitation for one patient.")
    labels = [i.label_sealed for i in await rows(services, PatientInvite)]
    assert sorted(label is None for label in labels) == [False, True]


# --- changing it later, stopping, and /delete ----------------------------------------------------


async def test_sharing_shows_and_changes_how_she_can_be_reached(
    clinic: Clinic, services: Services
) -> None:
    await open_preview(clinic.ana, clinic.rivera)
    await give_phone(clinic.ana)
    await clinic.ana.tap(YES_OFF)
    await clinic.ana.tap(AGREE)

    [listing] = await clinic.ana.say("/sharing")
    assert "your phone number: given; messages from them on Telegram: yes." in listing.text
    assert not HER_NUMBER.search(listing.text)
    assert listing.button_labels == [
        "Stop sharing with Dr Rivera",
        "Remove my number from Dr Rivera",
        "No Telegram messages from Dr Rivera",
    ]
    changed, relisted = await clinic.ana.tap("No Telegram messages from Dr Rivera")
    assert changed.text == t(
        services, "sharing.changed", clinician="Dr Rivera", phone="given", direct="no"
    )
    assert listing.buttons == []
    assert "Let Dr Rivera message me on Telegram" in relisted.button_labels
    await clinic.ana.tap("Remove my number from Dr Rivera")
    share = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert (share.contact_sealed, share.direct_ok) == (None, False)
    changes = [e.detail for e in await rows(services, AuditEntry) if e.event == "share_changed"]
    assert [str(d).split(" ", 1)[1] for d in changes] == ["phone=1 direct=0", "phone=0 direct=0"]

    clinic.rivera.new_messages()
    await clinic.ana.say("I want to die")
    [alert] = clinic.rivera.new_messages()
    assert not HER_NUMBER.search(alert.text)
    assert link_of(alert) is None


async def test_stopping_and_delete_erase_her_number_and_the_label(
    clinic: Clinic, services: Services
) -> None:
    await open_preview(clinic.ana, clinic.okafor)
    await give_phone(clinic.ana)
    await clinic.ana.tap(YES_OFF)
    await clinic.ana.tap(AGREE)
    await clinic.ana.say("/sharing")
    await clinic.ana.tap("Stop sharing with Dr Okafor")
    stopped = await share_of(services, clinic.ids["ana"], clinic.ids["okafor"])
    assert stopped.revoked_at is not None
    assert (stopped.contact_sealed, stopped.direct_ok, stopped.label_sealed) == (None, False, None)

    await open_preview(clinic.ana, clinic.rivera, label=LABEL)
    await give_phone(clinic.ana)
    await clinic.ana.tap(AGREE)
    await clinic.rivera.say("/invite Bea, bed 4")  # another patient's invitation: not hers
    share = await share_of(services, clinic.ids["ana"], clinic.ids["rivera"])
    assert share.contact_sealed is not None
    assert share.label_sealed is not None

    await clinic.ana.say("/delete")
    await clinic.ana.tap("Yes, erase everything")
    assert [s for s in await rows(services, Share) if s.mother_id == clinic.ids["ana"]] == []
    assert await rows(services, ShareDraft) == []
    labels = [
        read_sealed(invite, "label_sealed", services.vault)
        for invite in await rows(services, PatientInvite)
    ]
    assert len(labels) == 3  # Dr Okafor's and Dr Rivera's, both used, and Bea's
    assert [label for label in labels if label is not None] == ["Bea, bed 4"]
