"""Onboarded mothers as plain rows, for inserting many at once (the benchmark, the workers
tests): active, in London, checking in at 09:00, next due at `due`."""

from __future__ import annotations

from datetime import datetime

from companion.store.models import MotherStatus, new_id


def onboarded_mother_row(chat_id: int, *, due: datetime, now: datetime) -> dict[str, object]:
    return {
        "id": new_id(),
        "telegram_user_id": chat_id,
        "chat_id": chat_id,
        "status": MotherStatus.ACTIVE,
        "locale": "en",
        "country": "GB",
        "timezone": "Europe/London",
        "checkin_time": "09:00",
        "next_checkin_at": due,
        "created_at": now,
        "updated_at": now,
        "onboarded_at": now,
        "reminders": False,
    }
