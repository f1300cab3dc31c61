"""Queries behind the public pages, the Open311 API and the operator's health checks."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Case,
    CaseKind,
    CaseStatus,
    OutboxMessage,
    OutboxStatus,
    Plan,
    Task,
    TaskRole,
    TaskState,
    TaskUnit,
    Unit,
)
from db.queries.cases import OPEN_STATUSES, published


@dataclass(frozen=True, slots=True)
class QuestionFilter:
    """What a visitor narrowed the published questions to."""

    words: str = ""
    topic: str | None = None
    answered_from: datetime | None = None
    answered_before: datetime | None = None


def _question_filters(org_ids: Sequence[int], wanted: QuestionFilter) -> list[ColumnElement[bool]]:
    where = [Case.org_id.in_(org_ids), *published()]
    for word in wanted.words.split()[:8]:
        where.append(
            or_(
                Case.text.contains(word, autoescape=True),
                Case.answer.contains(word, autoescape=True),
                func.lower(Case.text).contains(word.lower(), autoescape=True),
                func.lower(Case.answer).contains(word.lower(), autoescape=True),
            )
        )
    if wanted.topic is not None:
        where.append(Case.topic == wanted.topic)
    if wanted.answered_from is not None:
        where.append(Case.answered_at >= wanted.answered_from)
    if wanted.answered_before is not None:
        where.append(Case.answered_at < wanted.answered_before)
    return where


async def published_questions(
    session: AsyncSession, org_ids: Sequence[int], wanted: QuestionFilter, offset: int, limit: int
) -> tuple[int, list[Case]]:
    """How many published questions match, and one page of them, newest answer first."""
    where = _question_filters(org_ids, wanted)
    total = await session.scalar(select(func.count()).select_from(Case).where(*where))
    result = await session.scalars(
        select(Case)
        .where(*where)
        .order_by(Case.answered_at.desc(), Case.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return int(total or 0), list(result.all())


async def published_topics(session: AsyncSession, org_ids: Sequence[int]) -> list[str]:
    """The topics that have published questions."""
    result = await session.scalars(
        select(Case.topic).distinct().where(Case.org_id.in_(org_ids), *published())
    )
    return sorted(result.all())


async def case_for_lookup(session: AsyncSession, code: str, org_ids: Sequence[int]) -> Case | None:
    """A case of these organizations by its code, never a denunciation."""
    return await session.scalar(
        select(Case).where(
            Case.code == code, Case.org_id.in_(org_ids), Case.kind != CaseKind.DENUNCIATION
        )
    )


@dataclass(frozen=True, slots=True)
class UndatedTask:
    """A task of a plan that has no date: ongoing, waiting for an event, or unspecified."""

    code: str
    text: str
    dimension: str | None
    unit: str | None
    kind: str


async def undated_tasks(
    session: AsyncSession, org_ids: Sequence[int], year: int
) -> list[UndatedTask]:
    """The active undated tasks of the year's plans, in plan order."""
    lead_unit = (
        select(Unit.name)
        .join(TaskUnit, TaskUnit.unit_id == Unit.id)
        .where(TaskUnit.task_id == Task.id, TaskUnit.role == TaskRole.LEAD)
        .order_by(TaskUnit.position)
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Task.code, Task.text, Task.dimension, lead_unit, Task.timeframe_kind)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Plan.org_id.in_(org_ids),
            Plan.year == year,
            Task.state == TaskState.ACTIVE,
            Task.timeframe_kind.in_(("ongoing", "event", "unspecified")),
        )
        .order_by(Plan.id, Task.position)
    )
    return [UndatedTask(*row) for row in rows]


async def plan_years(session: AsyncSession, org_ids: Sequence[int]) -> list[tuple[int, str]]:
    """``(year, title)`` of every plan of these organizations, newest first."""
    rows = await session.execute(
        select(Plan.year, Plan.title).where(Plan.org_id.in_(org_ids)).order_by(Plan.year.desc())
    )
    return [(int(year), str(title)) for year, title in rows]


async def jurisdiction_cases(
    session: AsyncSession,
    org_ids: Sequence[int],
    *,
    own_person: int | None,
    codes: Collection[str] = (),
    topic: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: Collection[CaseStatus] = (),
    offset: int = 0,
    limit: int = 50,
) -> list[Case]:
    """Cases the API may show: published ones, and those the asking client filed itself."""
    visible = and_(*published())
    shown = visible if own_person is None else or_(Case.citizen_id == own_person, visible)
    query = select(Case).where(Case.org_id.in_(org_ids), Case.kind != CaseKind.DENUNCIATION, shown)
    if codes:
        query = query.where(Case.code.in_(list(codes)))
    if topic is not None:
        query = query.where(Case.topic == topic)
    if start is not None:
        query = query.where(Case.received_at >= start)
    if end is not None:
        query = query.where(Case.received_at <= end)
    if statuses:
        query = query.where(Case.status.in_(list(statuses)))
    result = await session.scalars(
        query.order_by(Case.received_at.desc(), Case.id.desc()).offset(offset).limit(limit)
    )
    return list(result.all())


async def outbox_by_channel(session: AsyncSession, now: datetime) -> list[tuple[str, str, int]]:
    """``(channel, state, rows)``: due now, sent, failed and retried rows of the outbox."""
    pending = OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))
    due = await session.execute(
        select(OutboxMessage.channel, func.count())
        .where(pending, OutboxMessage.due_at <= now)
        .group_by(OutboxMessage.channel)
    )
    found = [(channel, "due", int(n)) for channel, n in due]
    settled = await session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)))
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    )
    found += [(channel, str(status), int(n)) for channel, status, n in settled]
    retried = await session.execute(
        select(OutboxMessage.channel, func.count())
        .where(pending, OutboxMessage.attempts > 0)
        .group_by(OutboxMessage.channel)
    )
    found += [(channel, "retried", int(n)) for channel, n in retried]
    return found


async def oldest_due(session: AsyncSession, now: datetime) -> datetime | None:
    """When the longest-waiting due outbox row became due."""
    return await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now
        )
    )


async def open_cases_by_status(session: AsyncSession) -> list[tuple[str, int]]:
    """``(status, cases)`` of every open case."""
    rows = await session.execute(
        select(Case.status, func.count())
        .where(Case.status.in_(OPEN_STATUSES))
        .group_by(Case.status)
    )
    return [(str(status), int(n)) for status, n in rows]
