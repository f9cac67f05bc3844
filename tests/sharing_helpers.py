"""Helpers for the clinician-account and sharing tests: the operator's CLI against the test
database, clinicians joining through their one-time links, and reading codes out of replies."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from companion.bot.context import Services
from companion.cli import main
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import SentMessage
from companion.store.clinician_models import (
    AuditEntry,
    Clinician,
    PatientInvite,
    Share,
    ShareDraft,
)

CLINICIANS = {"Dr Rivera": 5001, "Dr Okafor": 5002}
MOTHERS = {"Ana": 1001, "Beth": 1002, "Cara": 1003}
LINK = re.compile(r"https://t\.me/(\w+)\?start=([cp]_[A-Za-z0-9_-]+)")


def use_operator_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, services: Services
) -> None:
    """The CLI reads its settings from the environment: point it at the test database."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("COMPANION_BOT_USERNAME", services.settings.bot_username)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


async def operator(capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """Run `companion ARGS` (in a thread: the CLI runs its own event loop)."""
    code = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def start_payload(text: str) -> str:
    """The start parameter of the first deep link in a text."""
    found = LINK.search(text)
    assert found is not None, text
    return found.group(2)


async def invite_clinician(capsys: pytest.CaptureFixture[str], name: str) -> str:
    """`companion clinician invite --name NAME`; returns the link's start parameter (c_...)."""
    ran = await operator(capsys, "clinician", "invite", "--name", name)
    assert ran.code == 0, ran.err
    return start_payload(ran.out)


async def join(
    capsys: pytest.CaptureFixture[str], clinician: ChatDriver, name: str
) -> list[SentMessage]:
    payload = await invite_clinician(capsys, name)
    return await clinician.say(f"/start {payload}")


async def patient_code(clinician: ChatDriver) -> str:
    """The clinician's /invite; returns the code (without p_)."""
    clinician.new_messages()  # anything sent to them before is not the answer
    replies = await clinician.say("/invite")
    assert len(replies) == 1, [m.text for m in replies]
    return start_payload(replies[0].text).removeprefix("p_")


async def rows(services: Services, model: Any) -> list[Any]:
    async with services.db.session() as session:
        return list((await session.scalars(select(model))).all())


async def clinician_named(services: Services, name: str) -> Clinician:
    async with services.db.session() as session:
        found = await session.scalar(select(Clinician).where(Clinician.name == name))
    assert found is not None
    return found


async def shares(services: Services) -> list[Share]:
    return await rows(services, Share)


async def invites(services: Services) -> list[PatientInvite]:
    return await rows(services, PatientInvite)


async def drafts(services: Services) -> list[ShareDraft]:
    return await rows(services, ShareDraft)


async def audit_events(services: Services) -> list[str]:
    return [entry.event for entry in await rows(services, AuditEntry)]
