"""Imported plans, their tasks, the units on each task, and dated occurrences."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, str_enum


class Plan(Base):
    """One plan of one organization for one year; re-imports revise it in place."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("org_id", "year", "title_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    title_key: Mapped[str] = mapped_column(String(300))
    year: Mapped[int]
    source: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    tasks: Mapped[list[Task]] = relationship(back_populates="plan", order_by="Task.position")


class TaskState(enum.StrEnum):
    """Whether a task is still part of its plan."""

    ACTIVE = "active"
    REMOVED = "removed"


class Task(Base):
    """A row of a plan's task table."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "match_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    match_key: Mapped[str] = mapped_column(String(300))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    section: Mapped[str] = mapped_column(Text)
    dimension: Mapped[str | None] = mapped_column(String(4), index=True)
    subsection: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
    timeframe_text: Mapped[str] = mapped_column(Text)
    timeframe_kind: Mapped[str] = mapped_column(String(16))
    offset_days: Mapped[int | None]
    offset_working_days: Mapped[bool] = mapped_column(default=False)
    flags: Mapped[dict[str, Any]]
    state: Mapped[TaskState] = mapped_column(str_enum(TaskState), default=TaskState.ACTIVE)

    plan: Mapped[Plan] = relationship(back_populates="tasks")
    units: Mapped[list[TaskUnit]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskUnit.position"
    )
    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="Occurrence.due_date"
    )


class TaskRole(enum.StrEnum):
    """How a unit takes part in a task."""

    LEAD = "lead"
    PARTNER = "partner"


class TaskUnit(Base):
    """A unit leading or helping with a task."""

    __tablename__ = "task_units"
    __table_args__ = (UniqueConstraint("task_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[TaskRole] = mapped_column(str_enum(TaskRole))
    position: Mapped[int] = mapped_column(default=0)

    task: Mapped[Task] = relationship(back_populates="units")


class OccurrenceStatus(enum.StrEnum):
    """Where one due date of a task stands."""

    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"


class Standing(enum.StrEnum):
    """Where a task stands in a report: a dated occurrence's five, or why it has no date.

    The one list of task states: the figures, the documents, the chat and the public pages
    all count and name these, in this order.
    """

    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    PENDING = "pending"
    ONGOING = "ongoing"
    WAITING_EVENT = "waiting_event"
    UNDATED = "undated"


class Occurrence(Base):
    """One due date of a task (a recurring task has many); progress is recorded here."""

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("task_id", "planned_date"),
        Index("ix_occurrences_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    planned_date: Mapped[date]
    due_date: Mapped[date]
    status: Mapped[OccurrenceStatus] = mapped_column(
        str_enum(OccurrenceStatus), default=OccurrenceStatus.PENDING
    )
    set_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    task: Mapped[Task] = relationship(back_populates="occurrences")

    @property
    def extended(self) -> bool:
        """Whether an approved extension moved the due date away from the plan's date."""
        return self.due_date != self.planned_date
