"""Queries behind what officials and leaders do with tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Membership,
    Occurrence,
    OccurrenceStatus,
    Person,
    Plan,
    Role,
    Task,
    TaskEvent,
    TaskRole,
    TaskState,
    TaskUnit,
    Unit,
)
from db.queries.reports import counted_due

# An occurrence is shown and acted on with its task's units, plan and other due dates.
_WITH_TASK = (
    selectinload(Occurrence.task).selectinload(Task.units),
    selectinload(Occurrence.task).selectinload(Task.plan),
    selectinload(Occurrence.task).selectinload(Task.occurrences),
)

# What a step on an occurrence decides by (its task and units do not change under it).
_OCCURRENCE_STATE = ("status", "due_date", "planned_date", "done_at", "done_by")


async def occurrence_in_org(
    session: AsyncSession, org_id: int, occurrence_id: int
) -> Occurrence | None:
    """An occurrence (with its task, units and plan) only if it belongs to the organization."""
    return await session.scalar(
        select(Occurrence)
        .join(Task, Task.id == Occurrence.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Occurrence.id == occurrence_id, Plan.org_id == org_id)
        .options(*_WITH_TASK)
    )


async def lock_occurrence(session: AsyncSession, occurrence: Occurrence) -> None:
    """Re-read the occurrence's row as stored now and lock it until the transaction ends.

    A concurrent step on the same occurrence waits here, then reads what the first wrote.
    """
    await session.refresh(occurrence, _OCCURRENCE_STATE, with_for_update=True)


async def lock_task(session: AsyncSession, task_id: int) -> Task | None:
    """The task with its due dates as stored now, locked until the transaction ends."""
    return await session.scalar(
        select(Task)
        .where(Task.id == task_id)
        .with_for_update()
        .options(selectinload(Task.occurrences), selectinload(Task.units), selectinload(Task.plan))
        .execution_options(populate_existing=True)
    )


async def decide_extension(
    session: AsyncSession,
    request_id: int,
    *,
    status: ExtensionStatus,
    person_id: int | None,
    at: datetime,
) -> bool:
    """Decide a pending request for more time; ``False`` if someone decided it first."""
    result = await session.execute(
        update(ExtensionRequest)
        .where(
            ExtensionRequest.id == request_id, ExtensionRequest.status == ExtensionStatus.PENDING
        )
        .values(status=status, decided_by=person_id, decided_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def last_approval(session: AsyncSession, occurrence_id: int) -> datetime | None:
    """When the latest approved request for more time on a due date was decided."""
    return await session.scalar(
        select(func.max(ExtensionRequest.decided_at)).where(
            ExtensionRequest.occurrence_id == occurrence_id,
            ExtensionRequest.status == ExtensionStatus.APPROVED,
        )
    )


async def approvals_of(session: AsyncSession, occurrence_ids: Sequence[int]) -> dict[int, datetime]:
    """``last_approval`` of each of these due dates that has one."""
    if not occurrence_ids:
        return {}
    rows = await session.execute(
        select(ExtensionRequest.occurrence_id, func.max(ExtensionRequest.decided_at))
        .where(
            ExtensionRequest.occurrence_id.in_(occurrence_ids),
            ExtensionRequest.status == ExtensionStatus.APPROVED,
        )
        .group_by(ExtensionRequest.occurrence_id)
    )
    return {occurrence: decided for occurrence, decided in rows if decided is not None}


async def official_unit_ids(session: AsyncSession, person_id: int, org_id: int) -> set[int]:
    """The units a person works in as an official of the organization."""
    result = await session.scalars(
        select(Membership.unit_id).where(
            Membership.person_id == person_id,
            Membership.org_id == org_id,
            Membership.role == Role.OFFICIAL,
            Membership.unit_id.is_not(None),
        )
    )
    return {u for u in result if u is not None}


async def leaders_for(session: AsyncSession, org_id: int, unit_ids: Sequence[int]) -> list[int]:
    """The leaders overseeing these units, or every leader of the organization if none does."""
    rows = await session.execute(
        select(Membership.person_id, Membership.unit_id).where(
            Membership.org_id == org_id, Membership.role == Role.LEADER
        )
    )
    pairs = rows.all()
    overseers = [p for p, u in pairs if u is not None and u in unit_ids]
    return list(dict.fromkeys(overseers or [p for p, u in pairs if u is None]))


async def events_of(session: AsyncSession, task_id: int) -> Sequence[TaskEvent]:
    """A task's history, oldest first."""
    result = await session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.at, TaskEvent.id)
    )
    return result.all()


async def event_of(session: AsyncSession, task_id: int, event_id: int) -> TaskEvent | None:
    """One event of a task, only if it belongs to that task."""
    event = await session.get(TaskEvent, event_id)
    return event if event is not None and event.task_id == task_id else None


async def extension_in_org(
    session: AsyncSession, org_id: int, request_id: int
) -> ExtensionRequest | None:
    """A request for more time only if it is about a task of the organization."""
    return await session.scalar(
        select(ExtensionRequest)
        .join(Occurrence, Occurrence.id == ExtensionRequest.occurrence_id)
        .join(Task, Task.id == Occurrence.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(ExtensionRequest.id == request_id, Plan.org_id == org_id)
    )


@dataclass(frozen=True, slots=True)
class PendingExtension:
    """A request for more time waiting for a leader, with what a leader decides it by."""

    request_id: int
    org_id: int
    task_id: int
    code: str
    text: str
    due: date
    proposed: date
    reason: str
    requested_by: int
    requester: str


async def pending_extensions(
    session: AsyncSession, org_ids: Sequence[int], *, task_id: int | None = None
) -> list[PendingExtension]:
    """Undecided requests for more time on pending due dates of active tasks, oldest first
    (of one task only, with ``task_id``)."""
    query = (
        select(
            ExtensionRequest.id,
            Plan.org_id,
            Task.id,
            Task.code,
            Task.text,
            Occurrence.due_date,
            ExtensionRequest.proposed,
            ExtensionRequest.reason,
            ExtensionRequest.requested_by,
            Person.display_name,
        )
        .join(Occurrence, Occurrence.id == ExtensionRequest.occurrence_id)
        .join(Task, Task.id == Occurrence.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .join(Person, Person.id == ExtensionRequest.requested_by)
        .where(
            Plan.org_id.in_(org_ids),
            ExtensionRequest.status == ExtensionStatus.PENDING,
            Occurrence.status == OccurrenceStatus.PENDING,
            Task.state == TaskState.ACTIVE,
        )
        .order_by(ExtensionRequest.created_at, ExtensionRequest.id)
    )
    if task_id is not None:
        query = query.where(Task.id == task_id)
    return [PendingExtension(*tuple[Any, ...](row)) for row in await session.execute(query)]


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """A pending occurrence past the due day that counts (``moved``: its extended date, the
    same day unless an extension was approved too late to count)."""

    task_id: int
    occurrence_id: int
    code: str
    text: str
    due: date
    unit: str | None
    moved: date


async def overdue(
    session: AsyncSession, org_id: int, today: date, tz: ZoneInfo
) -> list[OverdueItem]:
    """Every overdue occurrence of the organization's active tasks, with its lead unit, by
    the rule the reports count with."""
    due = counted_due(tz)
    rows = await session.execute(
        select(Task.id, Occurrence.id, Task.code, Task.text, due, Unit.name, Occurrence.due_date)
        .join(Occurrence, Occurrence.task_id == Task.id)
        .join(Plan, Plan.id == Task.plan_id)
        .outerjoin(
            TaskUnit,
            (TaskUnit.task_id == Task.id) & (TaskUnit.role == TaskRole.LEAD),
        )
        .outerjoin(Unit, Unit.id == TaskUnit.unit_id)
        .where(
            Plan.org_id == org_id,
            Task.state == TaskState.ACTIVE,
            Occurrence.status == OccurrenceStatus.PENDING,
            due < today,
        )
        .order_by(Unit.name, due, Task.position)
    )
    return [OverdueItem(*row) for row in rows]


async def set_digest(session: AsyncSession, person_id: int, digest: bool) -> None:
    """Choose between messages as they come and one daily digest."""
    person = await session.get_one(Person, person_id)
    person.digest = digest


async def record_event(
    session: AsyncSession,
    *,
    task_id: int,
    occurrence_id: int | None,
    person_id: int | None,
    kind: EventKind,
    at: datetime,
    note: str | None = None,
    link: str | None = None,
    day: date | None = None,
    file_name: str | None = None,
    file_content: bytes | None = None,
    late: bool | None = None,
) -> TaskEvent:
    """Add an entry to a task's history."""
    event = TaskEvent(
        task_id=task_id,
        occurrence_id=occurrence_id,
        person_id=person_id,
        kind=kind,
        note=note,
        link=link,
        day=day,
        file_name=file_name,
        file_content=file_content,
        late=late,
        at=at,
    )
    session.add(event)
    await session.flush()
    return event


async def request_extension(
    session: AsyncSession,
    *,
    occurrence_id: int,
    person_id: int,
    proposed: date,
    reason: str,
    now: datetime,
) -> ExtensionRequest:
    """File a request for more time."""
    request = ExtensionRequest(
        occurrence_id=occurrence_id,
        requested_by=person_id,
        proposed=proposed,
        reason=reason,
        status=ExtensionStatus.PENDING,
        created_at=now,
    )
    session.add(request)
    await session.flush()
    return request


async def add_occurrence(
    session: AsyncSession, task: Task, day: date, person_id: int | None
) -> Occurrence:
    """Give a task a new due date set by a person (an event's deadline, an admin's date)."""
    existing = next((o for o in task.occurrences if o.planned_date == day), None)
    if existing is not None:
        existing.status = OccurrenceStatus.PENDING
        existing.set_by = person_id
        return existing
    occurrence = Occurrence(
        task_id=task.id,
        planned_date=day,
        due_date=day,
        status=OccurrenceStatus.PENDING,
        set_by=person_id,
    )
    session.add(occurrence)
    await session.flush()
    return occurrence
