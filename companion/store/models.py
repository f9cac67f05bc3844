"""SQLAlchemy models. Health values live only in *_sealed columns, encrypted by companion.vault."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, configure_mappers, mapped_column
from sqlalchemy.orm.exc import UnmappedInstanceError
from sqlalchemy.sql.expression import false


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Columns holding vault tokens; each is bound to (table, column, row key, __bound_to__).
    __sealed__: ClassVar[tuple[str, ...]] = ()
    # The row's own columns its sealed values are bound to as well: whose they are (mother_id,
    # a clinician's id) and what they answer (a question, a questionnaire).
    __bound_to__: ClassVar[tuple[str, ...]] = ()

    def seal_context(self, column: str) -> str:
        """The associated data `column`'s value is sealed with, the one place it is defined: a
        value copied to another row, moved to another mother or relabelled no longer opens.
        Works on a transient instance built from the row's values (`seal_context_for`)."""
        if column not in self.__sealed__:
            raise ValueError(f"{self.__tablename__}.{column} is not a sealed column")
        parts: list[object] = [f"{self.__tablename__}.{column}", self.row_key()]
        for name in self.__bound_to__:
            value = getattr(self, name)
            if value is None and not self.__table__.c[name].nullable:
                raise ValueError(f"{self.__tablename__}.{name} must be set before sealing")
            parts += [name, value]
        return json.dumps(parts, separators=(",", ":"))

    def row_key(self) -> str:
        raise NotImplementedError


_READY: set[type[Base]] = set()  # models whose mapping is configured (seal_context_for)


def seal_context_for(model: type[Base], column: str, values: Mapping[str, Any]) -> str:
    """The seal context of the row `values` would make: for rows built as dicts for a Core
    insert. The model's own seal_context answers, on a transient instance holding the whole row
    (the sealed column aside), so the context is always what the model binds.

    The instance skips the ORM's set-up (it never joins a session): a mapped attribute present
    in its __dict__ reads from there. Built with model(**values) it cost more than the rest of
    a scheduled prompt's row put together; that way is kept for a context that reads anything
    the row does not hold."""
    if model not in _READY:
        if not inspect(model).configured:
            configure_mappers()
        _READY.add(model)
    row = model.__new__(model)
    row.__dict__.update(values)
    try:
        return row.seal_context(column)
    except (AttributeError, UnmappedInstanceError):
        return model(**values).seal_context(column)


class MotherStatus:
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    BLOCKED = "blocked"


class Mother(Base):
    """A mother who consented. Nothing is stored about anyone before consent."""

    __tablename__ = "mothers"
    __sealed__ = ("birth_date_sealed", "recent_sealed")

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=MotherStatus.ONBOARDING)
    locale: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    checkin_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", her local time
    birth_date_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    next_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    onboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Learning snippets after her check-in: "daily", "few_days" or "off" (she opts in).
    snippets: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    # Prompts since she last engaged with a check-in, and whether the one "still here" nudge for
    # this silence has gone: kept here so the tick needs no history query per mother.
    unanswered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    nudged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # "Not today" to a questionnaire, times in a row and the last one's local date: offers wait
    # (core.screening_plan.may_offer); starting one clears them.
    screening_declines: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    screening_declined_on: Mapped[date | None] = mapped_column(Date)
    # After a crisis reply, normal prompts wait until her next local day begins; the tick
    # clears it once passed (store.mothers.clear_ended_pauses).
    prompts_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Her last few typed messages with their times, read together with a new one by the triage,
    # and when they are forgotten (the tick clears them; nothing she typed is kept longer).
    recent_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    recent_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    def row_key(self) -> str:
        if not self.id:
            raise ValueError("a mother's id must be set before sealing her values")
        return self.id


class Consent(Base):
    """One row per consent given or withdrawn, so the history is kept, not overwritten."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mother_id: Mapped[str] = mapped_column(ForeignKey("mothers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def row_key(self) -> str:
        return str(self.id)


class Conversation(Base):
    """Where a mother is in a multi-step flow; lives here, never only in memory."""

    __tablename__ = "conversations"
    __sealed__ = ("data_sealed",)

    mother_id: Mapped[str] = mapped_column(
        ForeignKey("mothers.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def row_key(self) -> str:
        if not self.mother_id:
            raise ValueError("a conversation's mother_id must be set before sealing")
        return self.mother_id


class CheckinStatus:
    SENT = "sent"  # queued to her (the outbox delivers it)
    STARTED = "started"  # at least one answer
    DONE = "done"
    MISSED = "missed"  # the bot was down past the grace window: not sent
    NUDGE = "nudge"  # the "we're still here" message sent instead of a prompt
    HELD = "held"  # not sent: after a crisis reply her prompts rest for the rest of that day


class Checkin(Base):
    """One daily check-in. The unique (mother, local date, kind) key means never sent twice."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("mother_id", "local_date", "kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    mother_id: Mapped[str] = mapped_column(ForeignKey("mothers.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), default="daily")
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    backfill: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    def row_key(self) -> str:
        return self.id


class Answer(Base):
    """One answer to one check-in question, sealed, with when it was given."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("checkin_id", "question"),)
    __sealed__ = ("value_sealed",)
    __bound_to__ = ("mother_id", "checkin_id", "question")

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    checkin_id: Mapped[str] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    mother_id: Mapped[str] = mapped_column(ForeignKey("mothers.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(16))
    value_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def row_key(self) -> str:
        if not self.id:
            raise ValueError("an answer's id must be set before sealing")
        return self.id


class Lane:
    """Outbox priority: a lower number always goes first."""

    EMERGENCY = 0
    REPLY = 1
    CLINICIAN = 2
    SCHEDULED = 3


class OutboxMessage(Base):
    """A message waiting to go out; deleted once sent or dropped, so the outbox holds only what
    is still owed. Its text is sealed: it can describe her health."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_queue", "lane", "id"),
        Index("ix_outbox_not_before", "not_before"),
    )
    __sealed__ = ("payload_sealed",)
    __bound_to__ = ("mother_id",)  # None: a message about no mother (to a clinician)

    # The integer id orders messages to one chat; `key` binds the sealed payload to this row.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    lane: Mapped[int] = mapped_column(Integer)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    mother_id: Mapped[str | None] = mapped_column(
        ForeignKey("mothers.id", ondelete="CASCADE"), index=True
    )
    payload_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    def row_key(self) -> str:
        if not self.key:
            raise ValueError("an outbox message's key must be set before sealing")
        return self.key


class InboxUpdate(Base):
    """An update from Telegram, stored before it is acknowledged; handled once, by one worker."""

    __tablename__ = "inbox"
    __sealed__ = ("payload_sealed",)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    payload_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The worker handling it, until when (a lease): a worker that dies mid-way lets it go when
    # the lease runs out, and a reply is committed only by the worker still holding the claim.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def row_key(self) -> str:
        return str(self.update_id)


def sealed_models() -> list[type[Base]]:
    return [mapper.class_ for mapper in Base.registry.mappers if mapper.class_.__sealed__]


def as_plain(row: Base) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


# The safety, clinician and learning tables live in their own modules; importing them
# registers them.
from companion.store import clinician_models as _clinician_models  # noqa: E402, F401
from companion.store import learn as _learn  # noqa: E402, F401
from companion.store import safety_models as _safety_models  # noqa: E402, F401
