"""Citizens' feedback cases: what was sent, by whom (sealed), where it stands, its history."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, str_enum

PUBLISHED_ONLY = "published_at IS NOT NULL"


class CaseKind(enum.StrEnum):
    """The five kinds the law tells apart."""

    SUGGESTION = "suggestion"
    REFLECTION = "reflection"
    PETITION = "petition"
    COMPLAINT = "complaint"
    DENUNCIATION = "denunciation"


class CaseStatus(enum.StrEnum):
    """Where a case stands."""

    NEW = "new"
    ASSIGNED = "assigned"
    AWAITING_APPROVAL = "awaiting_approval"
    ANSWERED = "answered"
    REOPENED = "reopened"
    CLOSED = "closed"
    CLOSED_UNRESOLVED = "closed_unresolved"
    REFUSED = "refused"
    MERGED = "merged"


class Rating(enum.StrEnum):
    """How the citizen found the answer."""

    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    UNSATISFIED = "unsatisfied"


class Case(Base):
    """One piece of feedback, with its legal deadlines."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_org_status", "org_id", "status"),
        Index("ix_cases_citizen_received", "citizen_id", "received_at"),
        # The public page and the API read the few published cases without walking a
        # province's rows: partial indexes hold only those.
        Index(
            "ix_cases_published_received",
            "org_id",
            "received_at",
            sqlite_where=text(PUBLISHED_ONLY),
            postgresql_where=text(PUBLISHED_ONLY),
        ),
        Index(
            "ix_cases_published_answered",
            "org_id",
            "status",
            "answered_at",
            sqlite_where=text(PUBLISHED_ONLY),
            postgresql_where=text(PUBLISHED_ONLY),
        ),
        # Holds every column the reports count by, so a province's quarter (hundreds of
        # thousands of cases) is counted from the index alone, never from the wide rows.
        Index(
            "ix_cases_org_received_counts",
            "org_id",
            "received_at",
            "status",
            "rating",
            "on_time",
            "reopened",
            "answered_at",
            "kind",
            "topic",
            "unit_id",
            "dimension",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind))
    topic: Mapped[str] = mapped_column(String(32))
    dimension: Mapped[str | None] = mapped_column(String(4))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    contact_sealed: Mapped[str | None] = mapped_column(Text)
    publishable: Mapped[bool]
    consent_at: Mapped[datetime]
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, 24), default=CaseStatus.NEW)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    complex: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime]
    accept_due: Mapped[date | None]
    answer_due: Mapped[date | None]
    accepted_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    on_time: Mapped[bool | None]
    closed_at: Mapped[datetime | None]
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[Rating | None] = mapped_column(str_enum(Rating))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    reopened: Mapped[int] = mapped_column(default=0)
    # Set when an administrator or leader approves showing the question and answer publicly.
    published_at: Mapped[datetime | None]
    published_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    files: Mapped[list[CaseFile]] = relationship(back_populates="case", order_by="CaseFile.id")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")


class CaseFile(Base):
    """A photo or file sent with a case (or with its answer)."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    from_staff: Mapped[bool] = mapped_column(default=False)

    case: Mapped[Case] = relationship(back_populates="files")


class CaseEvent(Base):
    """A step in a case's life; the citizen sees the public ones."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=True)

    case: Mapped[Case] = relationship(back_populates="events")


class CaseCounter(Base):
    """The last number given to a case of a prefix and year (PA-2026-00042)."""

    __tablename__ = "case_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
