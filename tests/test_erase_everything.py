"""/delete, tested where it matters: she first has rows in every table that can hold something
about her (reached through the bot wherever a mother or clinician can reach them), the erase runs
through the inbox as in production, and afterwards no row anywhere names her, with the
database's foreign-key cascades on and off (off, a table the erase forgot would keep her rows).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, text

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.delivery.inbox import store_updates
from companion.delivery.outbox import enqueue
from companion.delivery.outgoing import Reply
from companion.devtools.driver import ChatDriver
from companion.store.models import Base, Lane
from tests.checkin_helpers import at, onboarded, skip_to_the_end, tick_and_read
from tests.clinician_helpers import add_clinician, add_share
from tests.sharing_helpers import patient_code
from tests.test_personal_data import all_rows, mentions

HER, OTHER = 1001, 2002
CONFIRMED = "Everything about you has been erased. If you ever want to come back, send /start."
# Tables about clinicians; everything else can hold a row about her and must, for this test.
NOT_HERS = {"clinicians", "patient_invites"}
QUEUED = "A message waiting in the outbox"


@pytest.fixture(params=["cascades on", "cascades off"])
def foreign_keys(request: pytest.FixtureRequest, services: Services) -> str:
    """With cascades off, only what the erase deletes itself is gone."""
    if request.param == "cascades off":
        engine = services.db.engine.sync_engine
        sqlite = engine.dialect.name == "sqlite"
        statement = (
            "PRAGMA foreign_keys=OFF" if sqlite else "SET session_replication_role = replica"
        )

        @event.listens_for(engine, "checkout")
        def cascades_off(connection: Any, _record: Any, _proxy: Any) -> None:
            cursor = connection.cursor()
            cursor.execute(statement)
            cursor.close()

    return str(request.param)


async def cascading(services: Services) -> bool:
    async with services.db.session() as session:
        if session.get_bind().dialect.name == "sqlite":
            return bool(await session.scalar(text("PRAGMA foreign_keys")))
        role = await session.scalar(text("SHOW session_replication_role"))
        return role != "replica"


async def queue_unsent(services: Services, chat_id: int) -> None:
    """A message queued for her chat by chat id only (no mother_id), not sent yet."""
    async with services.db.session() as session:
        await enqueue(
            session,
            services.vault,
            chat_id=chat_id,
            replies=[Reply(QUEUED)],
            lane=Lane.SCHEDULED,
            now=services.clock.now(),
        )


async def live_a_little(
    driver: ChatDriver, clinician: ChatDriver, services: Services, clock: ManualClock
) -> None:
    """A check-in, a questionnaire begun, a crisis message (flag, alert to her clinician, audit
    entry), a snippet read, a share with a second clinician left at its preview (a draft)."""
    await tick_and_read(services, driver)
    await driver.tap("🙂")
    await skip_to_the_end(driver)
    await driver.tap("Start")  # the enrolment questionnaires: one answer, then left open
    await driver.tap("Several days")
    await driver.say("I want to kill myself tonight")
    await driver.say("/learn")
    await driver.tap("Baby blues or something more?")
    code = await patient_code(clinician)
    await driver.say(f"/share {code}")


def rows_about(
    everything: dict[str, list[dict[str, Any]]], mother_id: str, telegram_id: int
) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [
            row
            for row in rows
            if any(
                mentions(value, mother_id, telegram_id, "no birth date") for value in row.values()
            )
        ]
        for name, rows in everything.items()
    }


async def test_delete_erases_her_rows_from_every_table_and_no_one_elses(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    clock: ManualClock,
    foreign_keys: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    her, other = person_factory(HER), person_factory(OTHER)
    okafor = person_factory(5002)
    rivera = await add_clinician(services, "Dr Rivera")  # before any update: the bot knows them
    await add_clinician(services, "Dr Okafor")
    her_id, other_id = await onboarded(her, services), await onboarded(other, services)
    await add_share(services, her_id, rivera)
    await add_share(services, other_id, rivera, "B.")
    clock.set(at(21, 9))
    await live_a_little(her, okafor, services, clock)
    await live_a_little(other, okafor, services, clock)

    assert await cascading(services) == (foreign_keys == "cascades on")
    await her.say("/delete")
    # Her "Yes" and a message she sends right after it are both stored before either is handled.
    yes = her.person.press(her.message_with("Yes, erase everything"), "Yes, erase everything")
    later = her.person.text("are you there")
    await store_updates(services, [yes.to_dict(), later.to_dict()])
    await queue_unsent(services, HER)  # and a message to her chat is still waiting to go
    await queue_unsent(services, OTHER)
    before = await all_rows(services)
    hers = rows_about(before, her_id, HER)
    theirs = rows_about(before, other_id, OTHER)
    can_hold_hers = {table.name for table in Base.metadata.sorted_tables} - NOT_HERS
    assert {name for name, rows in hers.items() if rows} == can_hold_hers, foreign_keys
    # a handled update's inbox row keeps nothing of its sender: only her unhandled ones name her
    assert {name for name, rows in theirs.items() if rows} == can_hold_hers - {"inbox"}
    assert any(row["chat_id"] == HER and row["mother_id"] is None for row in hers["outbox"])
    assert len([row for row in hers["inbox"] if row["handled_at"] is None]) == 2

    caplog.clear()
    replies = await her.deliver_stored()

    # through the inbox, as live; what waited for her is erased, not sent
    assert [message.text for message in replies] == [CONFIRMED]
    assert [message.text for message in other.new_messages()] == [QUEUED]
    after = await all_rows(services)
    left = {name: rows for name, rows in rows_about(after, her_id, HER).items() if rows}
    assert left == {}
    theirs["outbox"] = [row for row in theirs["outbox"] if row["chat_id"] != OTHER]  # sent
    assert rows_about(after, other_id, OTHER) == theirs  # hers gone, theirs untouched
    # her message after the erase is answered by no one, quietly: nothing went wrong
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        f"event=inbox_claim_lost update_id={later.update_id}"
    ]
    # the clinicians' own rows stay
    assert len(after["clinicians"]) == 2
    assert len(after["patient_invites"]) == len(before["patient_invites"])
