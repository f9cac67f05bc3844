"""`companion clinician`: the operator's commands for clinician accounts.

companion clinician invite --name "Dr Rivera, Riverside clinic"
    prints a one-time link, in force for COMPANION_CLINICIAN_INVITE_HOURS (72 by default);
    whoever opens it first becomes that clinician
companion clinician list
    id, name, status (invited, expired, active, revoked), when they joined, how many mothers
    share with them (no health data)
companion clinician revoke ID
    the account is closed at once: they see no one; the shares stay recorded, giving no access.
    An invited account's link stops working.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta

from sqlalchemy import func, select

from companion.cli_help import add_command
from companion.clock import SystemClock
from companion.config import Settings, load_settings
from companion.store.clinician_models import Clinician, ClinicianStatus, Share
from companion.store.clinicians import audit, invite_clinician, invite_expired
from companion.store.db import Database
from companion.store.schema_state import require_set_up

NAME_LIMIT = 80  # the column's width


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The subcommands of `companion clinician`."""
    commands = parser.add_subparsers(dest="clinician_command", required=True, metavar="ACTION")
    invite = add_command(
        commands, "invite", "print a one-time link that makes a clinician", path="clinician invite"
    )
    invite.add_argument("--name", required=True, help="how patients will see this clinician")
    add_command(commands, "list", "list clinician accounts (no health data)", path="clinician list")
    revoke = add_command(
        commands, "revoke", "close a clinician account at once", path="clinician revoke"
    )
    revoke.add_argument("id", help="the account's id, as `companion clinician list` shows it")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    require_set_up(settings.database_url)  # a clear word, not "could not connect"
    action = {"invite": invite, "list": list_accounts, "revoke": revoke}[args.clinician_command]
    return asyncio.run(action(settings, args))


async def invite(settings: Settings, args: argparse.Namespace) -> int:
    name = " ".join(args.name.split())
    if not name or len(name) > NAME_LIMIT:
        print(f"companion: --name: give a name of 1 to {NAME_LIMIT} characters", file=sys.stderr)
        return 2
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            clinician, code = await invite_clinician(session, name, SystemClock().now())
    finally:
        await database.dispose()
    hours = settings.clinician_invite_hours
    until = (clinician.created_at + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Invitation for {name} (account {clinician.id}):")
    print(f"https://t.me/{settings.bot_username}?start=c_{code}")
    print(
        f"It works once, until {until} ({hours} h): whoever opens it first becomes this"
        " clinician. Send it to them privately, never in a group. `companion clinician revoke"
        f" {clinician.id}` withdraws it."
    )
    return 0


async def list_accounts(settings: Settings, _args: argparse.Namespace) -> int:
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            sharing = (
                select(Share.clinician_id, func.count().label("mothers"))
                .where(Share.revoked_at.is_(None))
                .group_by(Share.clinician_id)
                .subquery()
            )
            rows = (
                await session.execute(
                    select(Clinician, sharing.c.mothers)
                    .outerjoin(sharing, sharing.c.clinician_id == Clinician.id)
                    .order_by(Clinician.created_at, Clinician.name)
                )
            ).all()
    finally:
        await database.dispose()
    if not rows:
        print("No clinician accounts yet. `companion clinician invite --name NAME` makes one.")
        return 0
    print(f"{'id':32}  {'status':8}  {'joined':10}  {'mothers':>7}  name")
    now = SystemClock().now()
    for clinician, mothers in rows:
        joined = clinician.joined_at.date().isoformat() if clinician.joined_at else "-"
        # A closed account gives no access, so it has no mothers sharing, whatever was recorded.
        count = (mothers or 0) if clinician.status == ClinicianStatus.ACTIVE else 0
        status = clinician.status
        if status == ClinicianStatus.INVITED:  # a link nobody has opened: in force, or not
            expired = invite_expired(clinician, settings.clinician_invite_hours, now)
            status = "expired" if expired else status
        print(f"{clinician.id:32}  {status:8}  {joined:10}  {count:>7}  {clinician.name}")
    return 0


async def revoke(settings: Settings, args: argparse.Namespace) -> int:
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            clinician = await session.get(Clinician, args.id.strip())
            if clinician is None:
                print(f"companion: no clinician account with id {args.id}", file=sys.stderr)
                return 1
            if clinician.status == ClinicianStatus.REVOKED:
                print(f"{clinician.name} ({clinician.id}) was already revoked.")
                return 0
            now = SystemClock().now()
            clinician.status, clinician.next_digest_at = ClinicianStatus.REVOKED, None
            audit(session, "clinician_revoked", now, clinician_id=clinician.id)
            name = clinician.name
    finally:
        await database.dispose()
    print(
        f"Revoked {name} ({args.id.strip()}): from now on they see no one. Shares with them"
        " stay recorded and give no access."
    )
    return 0
