"""The name a mother shows her clinician: no hidden characters (a right-to-left override, zero-
width ones), one of its own among that clinician's patients, and no link preview on a message
that carries it or her words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from companion.bot.context import Services
from companion.core.names import clean_name
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.clinicians import read_display_name
from tests.chat_helpers import texts
from tests.checkin_helpers import add_mother, update_mother
from tests.sharing_helpers import join, patient_code, shares, use_operator_environment

AGREE = "Agree and share"
RLO, ZWSP, ZWJ, LRI = "\u202e", "\u200b", "\u200d", "\u2066"
TAKEN = {
    "en": "Dr Rivera already sees another patient as “ana r.”. So that nobody mixes you up, please "
    "choose a name that is yours alone: send /name with it, for example /name Annie B.",
    "es": "Dr Rivera ya ve a otra paciente como «ana r.». Para que nadie te confunda con ella, "
    "elige un nombre solo tuyo: envíalo con /name, por ejemplo /name Ana B.",
}


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (f"Ana{RLO}gpj.exe", "Anagpj.exe"),
        (f"A{ZWSP}na  R.", "Ana R."),
        (f"{LRI}Ana\nR.\t", "Ana R."),
        (f"👩{ZWJ}🍼 Ana", "👩🍼 Ana"),
        ("María José", "María José"),
    ],
)
def test_hidden_characters_are_taken_out_of_a_name(given: str, shown: str) -> None:
    assert clean_name(given) == shown


@pytest.fixture(autouse=True)
def operator_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, services: Services
) -> None:
    use_operator_environment(monkeypatch, tmp_path, services)


@pytest.fixture
async def rivera(
    person_factory: Callable[..., ChatDriver], capsys: pytest.CaptureFixture[str]
) -> ChatDriver:
    clinician = person_factory(5001, first_name="Rosa")
    await join(capsys, clinician, "Dr Rivera")
    return clinician


async def share_as(mother: ChatDriver, rivera: ChatDriver, typed: str) -> list[str]:
    await mother.say(f"/start p_{await patient_code(rivera)}")
    replies = await mother.say(f"/name {typed}")
    if replies and AGREE in replies[-1].button_labels:
        await mother.tap_on(replies[-1], AGREE)
    return texts(replies)


async def test_a_typed_name_reaches_the_clinician_without_hidden_characters(
    person_factory: Callable[..., ChatDriver], services: Services, rivera: ChatDriver
) -> None:
    await add_mother(services, 1001)
    await share_as(person_factory(1001), rivera, f"Ana{RLO}R.{ZWSP}")
    [share] = await shares(services)
    assert read_display_name(share, services.vault) == "AnaR."
    assert rivera.new_messages()[-1].text.startswith("AnaR. is now sharing")


@pytest.mark.parametrize("locale", ["en", "es"])
async def test_a_name_another_patient_of_hers_shows_is_refused_kindly(
    person_factory: Callable[..., ChatDriver], services: Services, rivera: ChatDriver, locale: str
) -> None:
    await add_mother(services, 1001)
    await add_mother(services, 1002)
    ana, other = person_factory(1001), person_factory(1002, language_code=locale)
    await share_as(ana, rivera, "Ana R.")
    await update_mother(services, 1002, locale=locale)
    # the same name, in other capitals, spacing and with a zero-width space: refused
    assert await share_as(other, rivera, f"ana{ZWSP}  r.") == [TAKEN[locale]]
    assert len(await shares(services)) == 1
    # a name of her own is taken
    replies = await other.say("/name Ana M.")
    await other.tap_on(replies[-1], AGREE if locale == "en" else replies[-1].button_labels[-2])
    assert sorted(read_display_name(s, services.vault) for s in await shares(services)) == [
        "Ana M.",
        "Ana R.",
    ]


async def test_two_drafts_of_one_name_cannot_both_become_shares(
    person_factory: Callable[..., ChatDriver], services: Services, rivera: ChatDriver
) -> None:
    """Both previews pass while neither has agreed; the second to agree is asked for another
    name, keeps her draft, and shares under a name of her own."""
    await add_mother(services, 1001)
    await add_mother(services, 1002)
    ana, other = person_factory(1001), person_factory(1002)
    previews = []
    for mother in (ana, other):
        await mother.say(f"/start p_{await patient_code(rivera)}")
        replies = await mother.say("/name Ana R.")
        assert AGREE in replies[-1].button_labels
        previews.append(replies[-1])
    await ana.tap_on(previews[0], AGREE)
    refused = await other.tap_on(previews[1], AGREE)
    assert texts(refused) == [TAKEN["en"].replace("“ana r.”", "“Ana R.”")]
    assert [read_display_name(s, services.vault) for s in await shares(services)] == ["Ana R."]
    replies = await other.say("/name Ana M.")
    await other.tap_on(replies[-1], AGREE)
    assert sorted(read_display_name(s, services.vault) for s in await shares(services)) == [
        "Ana M.",
        "Ana R.",
    ]


async def test_no_message_carrying_a_name_or_her_words_has_a_link_preview(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    rivera: ChatDriver,
    telegram: FakeTelegram,
) -> None:
    await add_mother(services, 1001)
    ana = person_factory(1001)
    await share_as(ana, rivera, "example.com/ana")
    await ana.say("I want to die, see example.org")
    sent = [call for call in telegram.calls if call.method in ("sendMessage", "editMessageText")]
    about = [call for call in sent if "example." in str(call.params.get("text", ""))]
    assert len(about) >= 3  # the preview, her name picked, the clinician's notices and alert
    assert all(
        '"is_disabled": true' in str(c.params.get("link_preview_options")).lower()
        or c.params.get("link_preview_options") == {"is_disabled": True}
        for c in about
    ), [c.params.get("link_preview_options") for c in about]
