"""Helpers for the tests of alerts (tests/test_alerts.py, tests/test_followup_unanswered.py): two
clinicians and three mothers, made straight in the database, and the audit log as (event,
clinician id) pairs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from companion.bot.context import Services
from companion.devtools.driver import ChatDriver
from companion.store.clinician_models import AuditEntry
from tests.checkin_helpers import add_mother, at
from tests.clinician_helpers import add_clinician, add_share

START = at(20, 12)  # the clock fixture's start: Friday 12:00 UTC, noon in London
BACKUP = 990001  # the clinic's backup chat
A, B, C, RIVERA, OKAFOR = 1001, 1002, 1003, 5001, 5002


@dataclass
class World:
    a: ChatDriver
    b: ChatDriver
    c: ChatDriver
    rivera: ChatDriver
    okafor: ChatDriver
    ids: dict[str, str]  # "A", "B", "C", "rivera", "okafor" -> row id


async def make_world(services: Services, person_factory: Callable[..., ChatDriver]) -> World:
    """Mother A shares with Dr Rivera only; B with both (her notes with Dr Rivera only); C with
    nobody. Each set up at START."""
    ids = {
        "rivera": await add_clinician(services, "Dr Rivera"),
        "okafor": await add_clinician(services, "Dr Okafor"),
        "A": await add_mother(services, A, onboarded_at=START),
        "B": await add_mother(services, B, onboarded_at=START),
        "C": await add_mother(services, C, onboarded_at=START),
    }
    await add_share(services, ids["A"], ids["rivera"], "Ana R.")
    await add_share(services, ids["B"], ids["rivera"], "Bea K.", include_notes=True)
    await add_share(services, ids["B"], ids["okafor"], "Bea K.")
    return World(
        person_factory(A),
        person_factory(B, first_name="Bea"),
        person_factory(C, first_name="Cat"),
        person_factory(RIVERA, first_name="Rivera"),
        person_factory(OKAFOR, first_name="Okafor"),
        ids,
    )


async def audit_log(services: Services) -> list[AuditEntry]:
    async with services.db.session() as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())


async def events(services: Services) -> list[tuple[str, str | None]]:
    """(event, clinician id) per audit line, in order."""
    return [(row.event, row.clinician_id) for row in await audit_log(services)]
