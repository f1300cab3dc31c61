"""What people record against a task: done with evidence, progress, blockers, more time."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum


class EventKind(enum.StrEnum):
    """What a task event records."""

    DONE = "done"
    PROGRESS = "progress"
    BLOCKED = "blocked"
    MORE_TIME = "more_time"
    EXTENDED = "extended"
    DECLINED = "declined"
    SNOOZED = "snoozed"
    EVENT = "event"
    DATE_SET = "date_set"


class TaskEvent(Base):
    """One entry in a task's history."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("occurrences.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 24))
    note: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(2000))
    day: Mapped[date | None]
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    late: Mapped[bool | None]
    at: Mapped[datetime]


class ExtensionStatus(enum.StrEnum):
    """Where a request for more time stands."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class ExtensionRequest(Base):
    """An official's request to move a due date, decided by a leader."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    proposed: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(
        str_enum(ExtensionStatus, 24), default=ExtensionStatus.PENDING
    )
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
