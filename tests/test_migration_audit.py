"""Migration 0012 takes the Telegram ids out of audit lines written before companion stopped
writing them (a refused press's `user=`, a failed delivery's `chat=`); the rest of each line,
and lines without them, stay as they were."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from companion.store import db as store_db
from tests.reseal_helpers import KEYS

OLD_LINES = {
    1: ("ack_refused", "user=912345678 button=ack"),
    2: ("delivery_failed", "outbox=5f2a chat=-1001234567890 error=Forbidden"),
    3: ("share_granted", "share=ab12 notes=1 weekly=0"),
    4: ("alert_sent", None),
    5: ("ack_refused", "user=77"),
}


def audit_details(url: str) -> dict[int, str | None]:
    engine = create_engine(store_db.sync_url(url))
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT id, detail FROM audit_log ORDER BY id"))
            return {row_id: detail for row_id, detail in found}
    finally:
        engine.dispose()


def test_0012_takes_telegram_ids_out_of_old_audit_lines(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    store_db.upgrade(url, "0011", keys=KEYS)
    engine = create_engine(store_db.sync_url(url))
    with engine.begin() as connection:
        for row_id, (event, detail) in OLD_LINES.items():
            connection.execute(
                text(
                    "INSERT INTO audit_log (id, at, event, detail) "
                    "VALUES (:id, '2026-11-01 09:00:00', :event, :detail)"
                ),
                {"id": row_id, "event": event, "detail": detail},
            )
    engine.dispose()

    store_db.upgrade(url, "0012", keys=KEYS)

    assert audit_details(url) == {
        1: "button=ack",
        2: "outbox=5f2a error=Forbidden",
        3: "share=ab12 notes=1 weekly=0",
        4: None,
        5: None,
    }
    store_db.downgrade(url, "0011", keys=KEYS)  # steps down without putting anything back
    assert audit_details(url)[1] == "button=ack"
