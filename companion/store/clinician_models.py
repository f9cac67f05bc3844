"""Clinicians, the mothers who chose to share with them, the alerts sent to them and the audit log.

A clinician sees a mother only through a Share she agreed to and has not revoked. Codes in deep
links are stored only as hashes. The audit log is append-only: rows are inserted, never changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from companion.store.models import Base, UTCDateTime, new_id


class ClinicianStatus:
    INVITED = "invited"  # the operator made an invite; nobody has opened it yet
    ACTIVE = "active"
    REVOKED = "revoked"


class Clinician(Base):
    """A clinician account, made by the operator's one-time invite and claimed by opening it."""

    __tablename__ = "clinicians"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default=ClinicianStatus.INVITED)
    invite_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # sha256 of the code
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    # Her IANA zone or "UTC+05:30"; None until she says (her digest keeps UTC meanwhile).
    timezone: Mapped[str | None] = mapped_column(String(64))
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")  # her local "HH:MM"
    zone_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # her zone, asked for
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def zone(self) -> str:
        """Her zone's stored name, UTC until she chooses one."""
        return self.timezone or "UTC"

    def row_key(self) -> str:
        return self.id


class PatientInvite(Base):
    """A code a clinician gives a patient (`/invite`): opening it starts the consent preview."""

    __tablename__ = "patient_invites"
    __sealed__ = ("label_sealed",)
    __bound_to__ = ("clinician_id",)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clinician_id: Mapped[str] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whom the clinician made the invitation for (a name, a record number): sealed, shown only
    # to that clinician.
    label_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    def row_key(self) -> str:
        return self.id


class Share(Base):
    """A mother's consent to share with one clinician: what she agreed to and until when.
    `id` is the opaque id buttons carry; it names neither person."""

    __tablename__ = "shares"
    __table_args__ = (
        Index("ix_shares_mother", "mother_id"),
        Index("ix_shares_clinician", "clinician_id"),
    )
    __sealed__ = ("display_name_sealed", "label_sealed", "contact_sealed")
    __bound_to__ = ("mother_id", "clinician_id")

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    mother_id: Mapped[str] = mapped_column(ForeignKey("mothers.id", ondelete="CASCADE"))
    clinician_id: Mapped[str] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    display_name_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # the name she chose to show
    label_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # the invite's label, if any
    # How this clinician may reach her, as she allowed: her phone number (from Telegram's contact
    # button) and whether they may message her on Telegram directly.
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    direct_ok: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set while /sharing's "Add my number" for this clinician waits for her contact (the contact
    # message itself does not say for whom); cleared when it comes, when she skips, or when she
    # asks to add it elsewhere.
    phone_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    include_notes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    weekly_summary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_version: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def row_key(self) -> str:
        if not self.id:
            raise ValueError("a share's id must be set before sealing")
        return self.id


class ShareDraft(Base):
    """A mother deciding whether to share (between opening an invite and Agree or Decline): the
    name she chose, and whether her notes and a weekly summary are included. Never shown to a
    clinician; deleted when she answers, replaced when she opens another invite. `id` is what
    her buttons carry."""

    __tablename__ = "share_drafts"
    __sealed__ = ("display_name_sealed", "contact_sealed")
    __bound_to__ = ("mother_id", "invite_id")

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    mother_id: Mapped[str] = mapped_column(
        ForeignKey("mothers.id", ondelete="CASCADE"), unique=True
    )
    invite_id: Mapped[str] = mapped_column(ForeignKey("patient_invites.id", ondelete="CASCADE"))
    display_name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    include_notes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    weekly_summary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    direct_ok: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def row_key(self) -> str:
        if not self.id:
            raise ValueError("a share draft's id must be set before sealing")
        return self.id


class AlertStatus:
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


class Alert(Base):
    """One urgent or emergency flag (or her call-back request) as sent to her clinicians: open
    until one of them acknowledges it; repeated (once) to all of them and the backup chat if
    nobody has by `escalate_at`."""

    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    mother_id: Mapped[str] = mapped_column(ForeignKey("mothers.id", ondelete="CASCADE"))
    flag_id: Mapped[str | None] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # "flag" | "callback"
    status: Mapped[str] = mapped_column(String(16), default=AlertStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(
        ForeignKey("clinicians.id", ondelete="SET NULL")
    )
    callback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def row_key(self) -> str:
        return self.id


class AuditEntry(Base):
    """Append-only: an alert sent, a delivery that failed, an acknowledgement, a share granted or
    revoked. Ids and event names only, never health text."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    event: Mapped[str] = mapped_column(String(40))
    alert_id: Mapped[str | None] = mapped_column(String(32), index=True)
    clinician_id: Mapped[str | None] = mapped_column(String(32))
    mother_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(200))  # e.g. "lane=0 chat=..." never text

    def row_key(self) -> str:
        return str(self.id)
