"""What a stolen database tells about how she is (issue 19, docs/privacy.md "A stolen database").

After a questionnaire's safety item and a crisis message, every table is read with raw SQL, as
a thief without the keys would: the plain columns are exactly the ones listed below (a new plain
column fails this until it is listed here and in docs/privacy.md), and none of them holds a
flag's level or source, why a questionnaire was due, or her words. A prompt pause that has
ended is cleared, and on SQLite a deleted mother's sealed values are not left in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.devtools.driver import ChatDriver
from companion.store.models import Base, Lane
from tests.chat_helpers import load_mother
from tests.checkin_helpers import tick
from tests.clinician_helpers import add_clinician, add_share
from tests.flag_helpers import stored_flags
from tests.test_personal_data import all_rows
from tests.test_questionnaires import NEARLY_EVERY_DAY, screenings
from tests.test_safety_typed import at_item_9

# The columns anyone holding the database can read, table by table (docs/privacy.md).
PLAIN = {
    "audit_log": {"alert_id", "at", "clinician_id", "detail", "event", "id", "mother_id"},
    "clinicians": {
        "chat_id", "created_at", "digest_time", "id", "invite_hash", "joined_at", "locale",
        "name", "next_digest_at", "status", "telegram_user_id", "timezone", "zone_asked_at",
    },
    "inbox": {
        "claimed_by", "claimed_until", "handled_at", "received_at", "telegram_user_id",
        "update_id",
    },
    "mothers": {
        "chat_id", "checkin_time", "country", "created_at", "id", "locale", "next_checkin_at",
        "nudged", "onboarded_at", "prompts_paused_until", "recent_until", "reminders",
        "screening_declined_on", "screening_declines", "snippets", "status",
        "telegram_user_id", "timezone", "unanswered", "updated_at",
    },
    "checkins": {
        "backfill", "completed_at", "created_at", "due_at", "id", "kind", "local_date",
        "mother_id", "remind_at", "status",
    },
    "consents": {"given_at", "id", "kind", "mother_id", "version", "withdrawn_at"},
    "conversations": {"flow", "mother_id", "step", "updated_at"},
    "flags": {
        "asked", "asked_at", "closed_at", "closed_by", "escalated_at", "followup_at",
        "followup_sent_at", "id", "mother_id", "raised_at", "status",
    },
    "outbox": {"attempts", "chat_id", "created_at", "id", "key", "lane", "mother_id", "not_before"},
    "patient_invites": {"clinician_id", "code_hash", "created_at", "expires_at", "id", "used_at"},
    "screenings": {
        "completed_at", "id", "instrument", "local_date", "mother_id", "started_at", "status",
    },
    "shares": {
        "clinician_id", "consent_version", "direct_ok", "granted_at", "id", "include_notes",
        "mother_id", "phone_asked_at", "revoked_at", "weekly_summary",
    },
    "snippets_seen": {"id", "mother_id", "seen_at", "via"},
    "alerts": {
        "acknowledged_at", "acknowledged_by", "callback_requested_at", "created_at",
        "escalate_at", "escalated_at", "flag_id", "id", "kind", "mother_id", "status",
    },
    "answers": {"answered_at", "checkin_id", "id", "mother_id", "question"},
    "share_drafts": {
        "created_at", "direct_ok", "id", "include_notes", "invite_id", "mother_id",
        "weekly_summary",
    },
}  # fmt: skip

SAID = "i have saved up my pills and tonight i am going to take them all"
LEVELS = ("concern", "urgent", "emergency")
SOURCES = ("message", "note", "phq9", "clarify", "followup", "command", "edited")
# Which questionnaire she was given is plain (its answers, result and reason are not).
INSTRUMENT = {("screenings", "instrument")}
REASONS = ("enrolment", "after_brief", "early_repeat", "milestone", "weekly", "every_4_weeks")


def test_the_plain_columns_are_the_listed_ones() -> None:
    plain = {
        table.name: {column.name for column in table.columns if not column.name.endswith("_sealed")}
        for table in Base.metadata.sorted_tables
    }
    assert plain == PLAIN


def says_how_she_is(value: Any) -> bool:
    """A plain value naming a level, a flag's source or a questionnaire's reason, or holding
    a word she typed."""
    if not isinstance(value, str):
        return False
    lowered = value.lower()
    if lowered in SOURCES:
        return True
    words = [word for word in SAID.split() if len(word) >= 5]
    return any(needle in lowered for needle in (*LEVELS, *REASONS, *words))


async def in_crisis(mother: ChatDriver, services: Services, clock: ManualClock) -> str:
    """Her PHQ-9's item 9 answered "nearly every day", then a plan typed, with a clinician
    she shares with alerted: every kind of safety row there is."""
    rivera = await add_clinician(services)
    mother_id = await at_item_9(mother, services, clock)
    await add_share(services, mother_id, rivera)
    await mother.tap(NEARLY_EVERY_DAY)
    await mother.say(SAID)
    await services.sender.drain()
    return mother_id


async def test_after_a_crisis_no_plain_column_says_how_she_is(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await in_crisis(mother, services, clock)
    flags = await stored_flags(services, mother_id)
    assert [(flag.level, flag.source) for flag in flags] == [
        ("urgent", "phq9"),
        ("emergency", "message"),
    ]  # what companion reads with the keys
    assert [row.instrument for row in await screenings(services, mother_id)] == ["phq9"]
    found = await all_rows(services)
    assert found["alerts"]
    assert found["audit_log"]
    readable = {
        (name, column, str(value))
        for name, rows in found.items()
        for row in rows
        for column, value in row.items()
        if not column.endswith("_sealed") and (name, column) not in INSTRUMENT
        if says_how_she_is(value)
    }
    assert readable == set()
    # The crisis reply's lane is not left beside her chat: a sent message's row is gone.
    assert [row for row in found["outbox"] if row["lane"] == Lane.EMERGENCY] == []


async def test_a_pause_after_a_crisis_reply_is_cleared_once_her_day_is_over(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await in_crisis(mother, services, clock)
    stored = await load_mother(services)
    assert stored is not None
    assert stored.prompts_paused_until is not None
    until = stored.prompts_paused_until
    clock.set(until)
    await tick(services)
    stored = await load_mother(services)
    assert stored is not None
    assert stored.prompts_paused_until is None


def sqlite_file(services: Services) -> Path | None:
    url = services.db.engine.url
    return Path(str(url.database)) if url.get_backend_name() == "sqlite" else None


async def test_a_deleted_mothers_sealed_values_are_not_left_in_the_sqlite_file(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    path = sqlite_file(services)
    if path is None:
        return  # PostgreSQL frees dead rows at VACUUM (docs/privacy.md)
    mother_id = await in_crisis(mother, services, clock)
    tokens = [
        bytes(value)
        for rows in (await all_rows(services)).values()
        for row in rows
        if row.get("mother_id") == mother_id or row.get("id") == mother_id
        for column, value in row.items()
        if column.endswith("_sealed") and value is not None
    ]
    assert len(tokens) >= 6
    async with services.db.engine.connect() as connection:
        await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    assert all(token[-16:] in path.read_bytes() for token in tokens)  # there to be found
    await mother.say("/delete")
    await mother.tap("Yes, erase everything")
    # Neither the file nor its write-ahead log (where SQLite writes pages first) keeps them.
    wal = path.with_name(path.name + "-wal")
    held = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    left = [token for token in tokens if token[-16:] in held]
    assert left == []
