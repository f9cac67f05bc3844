"""Clinician accounts end to end: the operator's one-time link, joining once, the clinician's own
commands (never the mother's flow), /invite, and revoking, through the real CLI and Application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import CommandHandler

from companion.bot import clinician as clinician_module
from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram
from companion.store.clinician_models import Clinician, ClinicianStatus
from companion.store.clinicians import code_hash
from companion.store.models import Mother
from tests.chat_helpers import snapshot, t, texts
from tests.checkin_helpers import add_mother
from tests.clinician_helpers import add_clinician, add_share
from tests.sharing_helpers import (
    audit_events,
    clinician_named,
    invite_clinician,
    invites,
    join,
    operator,
    patient_code,
    rows,
    shares,
    start_payload,
    use_operator_environment,
)

Factory = Callable[..., ChatDriver]


@pytest.fixture(autouse=True)
def operator_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, services: Services
) -> None:
    use_operator_environment(monkeypatch, tmp_path, services)


def clinician_help(services: Services) -> str:
    return t(services, "clinician.help")


async def mothers(services: Services) -> list[Mother]:
    return await rows(services, Mother)


# --- the operator's link ----------------------------------------------------------------------


async def test_operator_invite_makes_a_one_time_link_that_registers_whoever_opens_it(
    person_factory: Factory,
    services: Services,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ran = await operator(capsys, "clinician", "invite", "--name", "Dr Rivera")
    assert ran.code == 0
    assert "https://t.me/companion_bot?start=c_" in ran.out
    assert "It works once" in ran.out
    payload = start_payload(ran.out)
    stored = await clinician_named(services, "Dr Rivera")
    assert stored.status == ClinicianStatus.INVITED
    assert stored.telegram_user_id is None
    assert stored.invite_hash == code_hash(payload.removeprefix("c_"))  # only the hash is kept
    assert stored.id in ran.out

    rivera = person_factory(5001, first_name="Rosa")
    replies = await rivera.say(f"/start {payload}")
    assert texts(replies) == [
        t(services, "clinician.welcome", name="Dr Rivera", help=clinician_help(services))
    ]
    joined = await clinician_named(services, "Dr Rivera")
    assert (joined.status, joined.telegram_user_id, joined.chat_id) == ("active", 5001, 5001)
    assert joined.joined_at == clock.now()
    assert await audit_events(services) == ["clinician_invited", "clinician_joined"]
    assert await mothers(services) == []  # a clinician is never enrolled as a mother

    # A second use, by anyone, is refused kindly and changes nothing.
    before = await snapshot(services)
    someone = person_factory(5002)
    assert texts(await someone.say(f"/start {payload}")) == [t(services, "clinician.join_used")]
    assert texts(await rivera.say(f"/start {payload}")) == [
        t(services, "clinician.already_joined", name="Dr Rivera")
    ]
    assert await snapshot(services) == before


async def test_an_unknown_code_or_a_revoked_invite_is_refused_and_nothing_is_stored(
    person_factory: Factory, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = await invite_clinician(capsys, "Dr Rivera")
    before = await snapshot(services)
    stranger = person_factory(5003)
    for wrong in ("c_not-a-real-code", "c_", payload + "x"):
        assert texts(await stranger.say(f"/start {wrong}")) == [
            t(services, "clinician.join_unknown")
        ]
    assert await snapshot(services) == before

    invited = await clinician_named(services, "Dr Rivera")
    assert (await operator(capsys, "clinician", "revoke", invited.id)).code == 0
    before = await snapshot(services)
    assert texts(await stranger.say(f"/start {payload}")) == [t(services, "clinician.join_closed")]
    assert await snapshot(services) == before


async def made_hours_ago(services: Services, name: str, hours: float) -> None:
    """As if the operator had made this clinician's link `hours` before the bot's clock."""
    async with services.db.session() as session:
        invited = await session.scalar(select(Clinician).where(Clinician.name == name))
        assert invited is not None
        invited.created_at = services.clock.now() - timedelta(hours=hours)


async def test_the_operators_link_expires_and_can_be_listed_and_revoked(
    person_factory: Factory,
    services: Services,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock.set(datetime.now(UTC))  # the CLI reads the system clock
    ran = await operator(capsys, "clinician", "invite", "--name", "Dr Rivera")
    assert " (72 h): whoever opens it first becomes this clinician." in ran.out
    payload = start_payload(ran.out)
    await invite_clinician(capsys, "Dr Okafor")
    await made_hours_ago(services, "Dr Rivera", 72)
    await made_hours_ago(services, "Dr Okafor", 71.9)
    listed = (await operator(capsys, "clinician", "list")).out
    assert [line.split()[1] for line in listed.splitlines()[1:]] == ["expired", "invited"]

    before = await snapshot(services)
    late = person_factory(5001)
    assert texts(await late.say(f"/start {payload}")) == [
        "This clinician link has expired: each one works for a limited time. Nothing has been "
        "stored. Please ask the person who runs companion for a new link."
    ]
    assert await snapshot(services) == before
    okafor = await clinician_named(services, "Dr Okafor")
    assert (await operator(capsys, "clinician", "revoke", okafor.id)).code == 0
    listed = (await operator(capsys, "clinician", "list")).out
    assert [line.split()[1] for line in listed.splitlines()[1:]] == ["expired", "revoked"]


@pytest.mark.parametrize("settings_overrides", [{"clinician_invite_hours": 2}])
async def test_the_links_time_is_a_setting(
    person_factory: Factory, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = await invite_clinician(capsys, "Dr Rivera")
    await made_hours_ago(services, "Dr Rivera", 2)
    assert texts(await person_factory(5001).say(f"/start {payload}")) == [
        t(services, "clinician.join_expired")
    ]


async def test_a_mother_cannot_also_become_a_clinician_with_the_same_account(
    person_factory: Factory, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    ana = person_factory(1001)
    await add_mother(services, 1001)
    payload = await invite_clinician(capsys, "Dr Rivera")
    before = await snapshot(services)
    assert texts(await ana.say(f"/start {payload}")) == [t(services, "clinician.join_is_mother")]
    assert await snapshot(services) == before
    # The link was not used up: the clinician's own account can still open it.
    rivera = person_factory(5001)
    assert texts(await rivera.say(f"/start {payload}"))[0].startswith("Welcome, Dr Rivera.")


# --- a clinician's own commands, never the mother's flow ---------------------------------------


async def test_a_clinician_gets_clinician_answers_and_never_the_mothers_flow(
    person_factory: Factory,
    services: Services,
    telegram: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rivera = person_factory(5001)
    await join(capsys, rivera, "Dr Rivera")
    help_text = clinician_help(services)
    assert texts(await rivera.say("/start")) == [
        t(services, "clinician.welcome_back", name="Dr Rivera", help=help_text)
    ]
    assert texts(await rivera.say("/help")) == [help_text]
    for typed in ("hello", "I agree", "08:30"):
        assert texts(await rivera.say(typed)) == [t(services, "clinician.text_help")]
    assert texts(await rivera.send_sticker()) == [t(services, "clinician.text_help")]
    for command in ("/checkin", "/settings", "/mydata", "/delete", "/share abc", "/sharing"):
        assert texts(await rivera.say(command)) == [t(services, "clinician.unknown_command")]
    # A mother's consent button (an old one, or forged) does nothing for a clinician.
    consent = (await person_factory(1001).say("/start"))[1]
    rivera_press = rivera.person.press_data(consent, "consent|yes")
    assert await rivera.deliver(rivera_press) == []
    assert telegram.callback_answers[-1]["text"] == t(services, "clinician.stale")
    assert await mothers(services) == []


async def test_a_mothers_clinician_commands_get_the_usual_unknown_command_answer(
    person_factory: Factory, services: Services
) -> None:
    ana = person_factory(1001)
    await add_mother(services, 1001)
    for command in ("/invite", "/patients", "/summary Ana", "/digest"):
        assert texts(await ana.say(command)) == [t(services, "common.unknown_command")]
    assert await invites(services) == []


async def test_invite_gives_a_patient_code_stored_only_as_a_hash_valid_for_14_days(
    person_factory: Factory,
    services: Services,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rivera = person_factory(5001)
    await join(capsys, rivera, "Dr Rivera")
    replies = await rivera.say("/invite")
    payload = start_payload(replies[0].text)
    code = payload.removeprefix("p_")
    assert replies[0].text == t(
        services,
        "clinician.invite",
        date="4 December 2026",
        link=f"https://t.me/companion_bot?start={payload}",
        code=code,
    )
    [invite] = await invites(services)
    assert invite.code_hash == code_hash(code)
    assert invite.expires_at == clock.now() + timedelta(days=14)
    assert invite.used_at is None
    assert invite.clinician_id == (await clinician_named(services, "Dr Rivera")).id
    assert await patient_code(rivera) != code  # every /invite is a new code


# --- the operator's list and revoke ------------------------------------------------------------


async def test_list_shows_accounts_and_how_many_mothers_share_without_health_data(
    person_factory: Factory, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    await join(capsys, person_factory(5001), "Dr Rivera")
    await invite_clinician(capsys, "Dr Okafor")
    await add_mother(services, 1001)
    [ana_row] = await mothers(services)
    rivera = await clinician_named(services, "Dr Rivera")
    await add_share(services, ana_row.id, rivera.id, display_name="Ana R.")

    ran = await operator(capsys, "clinician", "list")
    assert ran.code == 0
    lines = ran.out.splitlines()
    assert lines[0].split() == ["id", "status", "joined", "mothers", "name"]
    assert lines[1].split() == [rivera.id, "active", "2026-11-20", "1", "Dr", "Rivera"]
    okafor = await clinician_named(services, "Dr Okafor")
    assert lines[2].split() == [okafor.id, "invited", "-", "0", "Dr", "Okafor"]
    assert "Ana" not in ran.out  # no names or health data of mothers


async def test_revoking_a_clinician_takes_effect_at_once_and_keeps_the_record(
    person_factory: Factory,
    services: Services,
    telegram: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rivera = person_factory(5001)
    await join(capsys, rivera, "Dr Rivera")
    ana = person_factory(1001)
    await add_mother(services, 1001)
    code = await patient_code(rivera)
    await ana.say(f"/share {code}")
    await ana.tap("Ana")
    await ana.tap("Agree and share")
    [notice] = rivera.new_messages()
    assert notice.text == t(services, "clinician.now_sharing", name="Ana")
    unused = await patient_code(rivera)

    clinician = await clinician_named(services, "Dr Rivera")
    ran = await operator(capsys, "clinician", "revoke", clinician.id)
    assert ran.code == 0
    assert "they see no one" in ran.out
    assert (await clinician_named(services, "Dr Rivera")).status == ClinicianStatus.REVOKED
    [share] = await shares(services)
    assert share.revoked_at is None  # the record stays; it gives no access

    # At once: the old "See summary" button, commands and text all get the closed answer.
    assert await rivera.tap_on(notice, "See summary") == []
    assert telegram.callback_answers[-1]["text"] == t(services, "clinician.stale")
    for typed in ("/invite", "/start", "hello"):
        assert texts(await rivera.say(typed)) == [t(services, "clinician.closed")]
    assert len(await invites(services)) == 2
    # Her view: the clinician is gone from /sharing, and its unused invite no longer works.
    assert texts(await ana.say("/sharing")) == [t(services, "sharing.list_none")]
    beth = person_factory(1002, first_name="Beth")
    await add_mother(services, 1002)
    assert texts(await beth.say(f"/share {unused}")) == [t(services, "sharing.bad_code", days=14)]
    listed = await operator(capsys, "clinician", "list")
    assert listed.out.splitlines()[1].split()[:4] == [clinician.id, "revoked", "2026-11-20", "0"]

    again = await operator(capsys, "clinician", "revoke", clinician.id)
    assert (again.code, "already revoked" in again.out) == (0, True)
    missing = await operator(capsys, "clinician", "revoke", "no-such-id")
    assert missing.code == 1
    assert "no clinician account with id no-such-id" in missing.err
    assert (await audit_events(services)).count("clinician_revoked") == 1


# --- routing: who is a clinician, kept in memory and refreshed ---------------------------------


async def test_a_clinician_added_by_another_worker_is_routed_as_one_after_the_refresh(
    person_factory: Factory,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana = person_factory(1001)
    await add_mother(services, 1001)
    await ana.say("/help")  # the first update loads the (empty) set of clinician accounts
    await add_clinician(services, "Dr Okafor", 5002)  # as another worker would
    now = clinician_module.time.monotonic()
    later = now + clinician_module.REFRESH_SECONDS + 1
    monkeypatch.setattr(clinician_module.time, "monotonic", lambda: later)
    # The update that finds the set stale reloads it; a mother's update then goes on to her
    # handlers as if nothing had happened, and the clinician's to clinician handling.
    assert texts(await ana.say("/start"))[0].startswith("You're already set up.")
    okafor = person_factory(5002)
    assert texts(await okafor.say("/start"))[0] == t(
        services,
        "clinician.welcome_back",
        name="Dr Okafor",
        help=clinician_help(services),
    )
    async with services.db.session() as session:
        assert await session.scalar(select(Mother).where(Mother.telegram_user_id == 5002)) is None


async def test_the_router_leaves_commands_it_does_not_own_to_the_clinician_features(
    person_factory: Factory,
) -> None:
    async def answer(update: object, context: object) -> None:
        return None

    taken_elsewhere = CommandHandler("patients", answer)
    router = clinician_module.ClinicianRouter([taken_elsewhere])
    router.accounts.user_ids = frozenset({5001})
    router.accounts._loaded_at = clinician_module.time.monotonic()
    clinician, mother = person_factory(5001).person, person_factory(1001).person
    Route = clinician_module.Route
    assert router.check_update(clinician.text("/patients")) is None  # on to companion.bot.patients
    assert router.check_update(clinician.text("/invite")) is Route.CLINICIAN
    assert router.check_update(clinician.text("hello")) is Route.CLINICIAN
    assert router.check_update(mother.text("/patients")) is Route.NOT_FOR_YOU
    assert router.check_update(mother.text("/invite")) is Route.NOT_FOR_YOU
    assert router.check_update(mother.text("/start c_abc")) is Route.JOIN
    assert router.check_update(mother.text("hello")) is None  # a mother's: one set lookup
    router.accounts._loaded_at = None
    assert router.check_update(mother.text("hello")) is Route.RELOAD


async def test_a_revoked_clinician_can_be_invited_again_with_a_new_account(
    person_factory: Factory, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    rivera = person_factory(5001)
    await join(capsys, rivera, "Dr Rivera")
    old = await clinician_named(services, "Dr Rivera")
    await operator(capsys, "clinician", "revoke", old.id)
    replies = await join(capsys, rivera, "Dr Rivera, Riverside")
    assert texts(replies)[0].startswith("Welcome, Dr Rivera, Riverside.")
    new = await clinician_named(services, "Dr Rivera, Riverside")
    assert (new.status, new.telegram_user_id) == (ClinicianStatus.ACTIVE, 5001)
    closed = await clinician_named(services, "Dr Rivera")
    assert (closed.status, closed.telegram_user_id) == (ClinicianStatus.REVOKED, None)
    assert texts(await rivera.say("/start"))[0].startswith("Hello, Dr Rivera, Riverside.")
