"""Questionnaires she answered and the safety flags raised for her. Scores, answers, why a
questionnaire was due, and a flag's level, source and reasons are sealed; only what the schedule
and the safety follow-up must query on stays plain (docs/privacy.md, "A stolen database")."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from companion.store.models import Base, UTCDateTime, new_id


class ScreeningStatus:
    OPEN = "open"  # started (or offered and accepted); answers so far are kept
    DONE = "done"
    DROPPED = "dropped"  # left unfinished too long: its recall period has passed


class Screening(Base):
    """One questionnaire (PHQ-9, GAD-2, ...) given to her. `answers_sealed` holds item id ->
    the option she tapped; `result_sealed` the total, band and tier once complete;
    `reason_sealed` why it was due."""

    __tablename__ = "screenings"
    __table_args__ = (Index("ix_screenings_mother_status", "mother_id", "status"),)
    __sealed__ = ("answers_sealed", "result_sealed", "reason_sealed")
    __bound_to__ = ("mother_id", "instrument")

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    mother_id: Mapped[str] = mapped_column(ForeignKey("mothers.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), default=ScreeningStatus.OPEN)
    local_date: Mapped[date] = mapped_column(Date)  # her day it was started, then completed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answers_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    result_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Why it was due: "enrolment", "after_brief", "milestone_6w" ... (store.screenings)
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    def row_key(self) -> str:
        if not self.id:
            raise ValueError("a screening's id must be set before sealing")
        return self.id


class FlagStatus:
    OPEN = "open"  # only a clinician closes a flag; nothing she says does
    CLOSED = "closed"
    # Not a flag: the clarifying question after a clear denial (triage level none), kept here so
    # her answer is heard. No clinician is shown it; "yes" to it raises a flag of its own.
    QUESTION = "question"


class Flag(Base):
    """A worrying answer or message: when, whether it is open, its safety questions' times,
    and (sealed, store.flags.FlagDetail) its level, where it came from, the reasons, what was
    sent to her, and her answers to the follow-up."""

    __tablename__ = "flags"
    __table_args__ = (Index("ix_flags_mother_raised", "mother_id", "raised_at"),)
    __sealed__ = ("detail_sealed",)
    __bound_to__ = ("mother_id",)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    mother_id: Mapped[str] = mapped_column(ForeignKey("mothers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default=FlagStatus.OPEN)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The "are you safe now?" follow-up: when it is due, and when it went.
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    followup_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The safety question waiting for her answer on this flag ("clar": the clarifying question,
    # "safe": "are you safe now?"), so a typed "yes" or "no" is heard; cleared when she answers.
    asked: Mapped[str | None] = mapped_column(String(8))
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "No answer to the safety follow-up": when her clinicians were told she had not answered.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Closed by a clinician who shares with her (the outcome is sealed in detail_sealed).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(32))  # the clinician's id

    def row_key(self) -> str:
        if not self.id:
            raise ValueError("a flag's id must be set before sealing")
        return self.id
