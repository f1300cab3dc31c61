"""Queries about plans, their tasks and their dated occurrences."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    Membership,
    Occurrence,
    OccurrenceStatus,
    Plan,
    Role,
    Task,
    TaskRole,
    TaskState,
    TaskUnit,
    Unit,
)


async def find_plan(session: AsyncSession, org_id: int, year: int, title_key: str) -> Plan | None:
    """The stored plan that a file with this title and year revises, if any."""
    return await session.scalar(
        select(Plan).where(Plan.org_id == org_id, Plan.year == year, Plan.title_key == title_key)
    )


async def refresh_statistics(session: AsyncSession) -> None:
    """Have PostgreSQL look at the plan tables again after a large import (SQLite: nothing).

    A first plan multiplies the tables' rows; until autovacuum notices, the planner takes them
    for nearly empty and joins the year's occurrences one task at a time (0.1 s instead of
    8 ms for 2,000 tasks when the reminders are planned right after). ``ANALYZE`` counts this
    transaction's own rows. Callers hold the audit lock, so two imports never wait on each
    other here in the opposite order.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE tasks, task_units, occurrences"))


async def plans_in(
    session: AsyncSession, org_ids: Sequence[int], limit: int | None = None
) -> Sequence[Plan]:
    """The plans of these organizations, the latest year first (the first ``limit``)."""
    result = await session.scalars(
        select(Plan)
        .where(Plan.org_id.in_(org_ids))
        .order_by(Plan.year.desc(), Plan.title, Plan.id)
        .limit(limit)
    )
    return result.all()


async def tasks_of_plan(session: AsyncSession, plan_id: int) -> Sequence[Task]:
    """A plan's tasks with their units and occurrences loaded."""
    result = await session.scalars(
        select(Task)
        .where(Task.plan_id == plan_id)
        .order_by(Task.position)
        .options(selectinload(Task.units), selectinload(Task.occurrences))
    )
    return result.all()


async def task_in_org(session: AsyncSession, org_id: int, task_id: int) -> Task | None:
    """A task only if it belongs to a plan of the organization."""
    return await session.scalar(
        select(Task)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Task.id == task_id, Plan.org_id == org_id)
        .options(selectinload(Task.units), selectinload(Task.occurrences), selectinload(Task.plan))
    )


async def active_tasks_with_code(session: AsyncSession, org_id: int, code: str) -> Sequence[Task]:
    """The organization's active tasks whose code is ``code`` (any case), latest plan first."""
    result = await session.scalars(
        select(Task)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Plan.org_id == org_id,
            Task.state == TaskState.ACTIVE,
            func.lower(Task.code) == code.lower(),
        )
        .order_by(Plan.year.desc(), Plan.id.desc(), Task.position)
        .options(selectinload(Task.units), selectinload(Task.occurrences), selectinload(Task.plan))
    )
    return result.all()


async def tasks_for_person(session: AsyncSession, person_id: int) -> Sequence[Task]:
    """Active tasks that units of the person's official memberships lead or help with."""
    unit_ids = select(Membership.unit_id).where(
        Membership.person_id == person_id,
        Membership.role == Role.OFFICIAL,
        Membership.unit_id.is_not(None),
    )
    # A subquery rather than a join with DISTINCT: PostgreSQL cannot compare JSON columns.
    linked = select(TaskUnit.task_id).where(TaskUnit.unit_id.in_(unit_ids))
    result = await session.scalars(
        select(Task)
        .where(Task.id.in_(linked), Task.state == TaskState.ACTIVE)
        .order_by(Task.plan_id, Task.position)
        .options(selectinload(Task.units), selectinload(Task.occurrences), selectinload(Task.plan))
    )
    return result.all()


async def undated_tasks(session: AsyncSession, org_id: int) -> Sequence[Task]:
    """Active tasks of the organization that have no due date to work from."""
    has_occurrence = select(Occurrence.id).where(
        Occurrence.task_id == Task.id, Occurrence.status != OccurrenceStatus.CANCELLED
    )
    result = await session.scalars(
        select(Task)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Plan.org_id == org_id,
            Task.state == TaskState.ACTIVE,
            Task.timeframe_kind == "unspecified",
            ~has_occurrence.exists(),
        )
        .order_by(Task.plan_id, Task.position)
    )
    return result.all()


async def units_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Unit]:
    """Units by id."""
    if not ids:
        return {}
    result = await session.scalars(select(Unit).where(Unit.id.in_(ids)))
    return {u.id: u for u in result}


def lead_unit_ids(task: Task) -> list[int]:
    """The ids of the units leading a task, in plan order."""
    return [u.unit_id for u in task.units if u.role == TaskRole.LEAD]


def next_due(task: Task) -> Occurrence | None:
    """The earliest pending occurrence (overdue ones included)."""
    pending = [o for o in task.occurrences if o.status == OccurrenceStatus.PENDING]
    return min(pending, key=lambda o: o.due_date, default=None)
