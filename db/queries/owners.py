"""Which organization owns a case, task, occurrence, extension request or unit; ancestry."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Case, ExtensionRequest, Occurrence, Organization, Plan, Task, Unit

# Province → (district →) commune: a chain is never deeper than this, and a cycle written
# into the table by hand must not hang an update.
_MAX_DEPTH = 8


async def ancestor_ids(session: AsyncSession, org_id: int) -> list[int]:
    """The organization and those above it, nearest first."""
    chain: list[int] = []
    current: int | None = org_id
    while current is not None and current not in chain and len(chain) < _MAX_DEPTH:
        chain.append(current)
        current = await session.scalar(
            select(Organization.parent_id).where(Organization.id == current)
        )
    return chain


async def org_of_case(session: AsyncSession, case_id: int) -> int | None:
    """The organization a case was filed with."""
    return await session.scalar(select(Case.org_id).where(Case.id == case_id))


async def org_of_case_code(session: AsyncSession, code: str) -> int | None:
    """The organization of the case with this tracking code."""
    return await session.scalar(select(Case.org_id).where(Case.code == code))


async def org_of_task(session: AsyncSession, task_id: int) -> int | None:
    """The organization whose plan holds the task."""
    return await session.scalar(
        select(Plan.org_id).join(Task, Task.plan_id == Plan.id).where(Task.id == task_id)
    )


async def org_of_occurrence(session: AsyncSession, occurrence_id: int) -> int | None:
    """The organization whose plan holds the occurrence's task."""
    return await session.scalar(
        select(Plan.org_id)
        .join(Task, Task.plan_id == Plan.id)
        .join(Occurrence, Occurrence.task_id == Task.id)
        .where(Occurrence.id == occurrence_id)
    )


async def org_of_extension(session: AsyncSession, request_id: int) -> int | None:
    """The organization whose task a request for more time is about."""
    return await session.scalar(
        select(Plan.org_id)
        .join(Task, Task.plan_id == Plan.id)
        .join(Occurrence, Occurrence.task_id == Task.id)
        .join(ExtensionRequest, ExtensionRequest.occurrence_id == Occurrence.id)
        .where(ExtensionRequest.id == request_id)
    )


async def org_of_unit(session: AsyncSession, unit_id: int) -> int | None:
    """The organization a unit belongs to."""
    return await session.scalar(select(Unit.org_id).where(Unit.id == unit_id))
