"""Queries about citizens' feedback cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseFile,
    CaseKind,
    CaseStatus,
    Membership,
    Person,
    Role,
    Unit,
)

OPEN_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.ASSIGNED,
    CaseStatus.AWAITING_APPROVAL,
    CaseStatus.REOPENED,
)


async def next_number(session: AsyncSession, prefix: str, year: int) -> int:
    """The next case number of a prefix and year (gapless, safe with several workers)."""
    counter = await session.get(CaseCounter, (prefix, year), with_for_update=True)
    if counter is None:
        session.add(CaseCounter(prefix=prefix, year=year, last=0))
        await session.flush()
    result = await session.execute(
        update(CaseCounter)
        .where(CaseCounter.prefix == prefix, CaseCounter.year == year)
        .values(last=CaseCounter.last + 1)
        .returning(CaseCounter.last)
    )
    return int(result.scalar_one())


async def add_case(session: AsyncSession, case: Case, files: Sequence[tuple[str, bytes]]) -> Case:
    """Store a new case with its files."""
    session.add(case)
    await session.flush()
    session.add_all(
        CaseFile(case_id=case.id, filename=n.replace("\x00", ""), content=c) for n, c in files
    )
    await session.flush()
    return case


async def add_file(
    session: AsyncSession, case_id: int, filename: str, content: bytes, *, staff: bool
) -> CaseFile:
    """Attach a file to a case: the citizen's, or (``staff``) the signed answer."""
    file = CaseFile(
        case_id=case_id, filename=filename.replace("\x00", ""), content=content, from_staff=staff
    )
    session.add(file)
    await session.flush()
    return file


async def last_note(session: AsyncSession, case_id: int, action: str) -> str | None:
    """The note of a case's latest event of ``action``."""
    return await session.scalar(
        select(CaseEvent.note)
        .where(CaseEvent.case_id == case_id, CaseEvent.action == action)
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )


async def file_of_case(session: AsyncSession, case_id: int, file_id: int) -> CaseFile | None:
    """One file of a case, only if it belongs to that case."""
    file = await session.get(CaseFile, file_id)
    return file if file is not None and file.case_id == case_id else None


async def add_event(
    session: AsyncSession,
    case_id: int,
    *,
    action: str,
    at: datetime,
    actor_id: int | None,
    note: str | None = None,
    public: bool = True,
) -> CaseEvent:
    """Add a step to a case's history."""
    event = CaseEvent(
        case_id=case_id, action=action, at=at, actor_id=actor_id, note=note, public=public
    )
    session.add(event)
    await session.flush()
    return event


async def case_by_code(session: AsyncSession, code: str) -> Case | None:
    """A case by its tracking code, with its history and files."""
    return await session.scalar(
        select(Case)
        .where(Case.code == code)
        .options(selectinload(Case.events), selectinload(Case.files))
    )


async def case_by_id(session: AsyncSession, case_id: int) -> Case | None:
    """A case by id, with its history and files."""
    return await session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(selectinload(Case.events), selectinload(Case.files))
    )


async def case_for_update(session: AsyncSession, case_id: int) -> Case | None:
    """A case by id, its row locked until the transaction ends (others wait, then re-read)."""
    return await session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
        .options(selectinload(Case.events), selectinload(Case.files))
    )


async def merged_into_for_update(session: AsyncSession, case_id: int) -> Sequence[Case]:
    """The cases joined to ``case_id`` as its duplicates, their rows locked, oldest first."""
    result = await session.scalars(
        select(Case)
        .where(Case.merged_into == case_id, Case.status == CaseStatus.MERGED)
        .order_by(Case.id)
        .with_for_update()
        .execution_options(populate_existing=True)
        .options(selectinload(Case.events), selectinload(Case.files))
    )
    return result.all()


async def last_staff_step_by(session: AsyncSession, case: Case) -> str | None:
    """The display name of the staff member who took the case's latest step, if any.

    The citizen who sent it is never named: their name is personal data.
    """
    return await session.scalar(
        select(Person.display_name)
        .join(CaseEvent, CaseEvent.actor_id == Person.id)
        .where(CaseEvent.case_id == case.id, CaseEvent.actor_id != case.citizen_id)
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
        .limit(1)
    )


async def cases_of_citizen(
    session: AsyncSession, person_id: int, limit: int = 20
) -> Sequence[Case]:
    """A citizen's own cases, newest first."""
    result = await session.scalars(
        select(Case)
        .where(Case.citizen_id == person_id)
        .order_by(Case.received_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return result.all()


async def sent_since(session: AsyncSession, person_id: int, since: datetime) -> int:
    """How many cases a citizen filed since ``since``."""
    count = await session.scalar(
        select(func.count()).where(Case.citizen_id == person_id, Case.received_at >= since)
    )
    return int(count or 0)


async def same_text_since(
    session: AsyncSession, person_id: int, text_hash: str, since: datetime
) -> Case | None:
    """The citizen's earlier case with the same text since ``since``, if any."""
    return await session.scalar(
        select(Case)
        .where(
            Case.citizen_id == person_id,
            Case.text_hash == text_hash,
            Case.received_at >= since,
            Case.status != CaseStatus.MERGED,
        )
        .order_by(Case.id)
        .limit(1)
    )


async def inbox(session: AsyncSession, org_id: int, limit: int = 30) -> Sequence[Case]:
    """New cases waiting for triage, oldest first."""
    result = await session.scalars(
        select(Case)
        .where(Case.org_id == org_id, Case.status == CaseStatus.NEW)
        .order_by(Case.received_at, Case.id)
        .limit(limit)
    )
    return result.all()


async def open_cases(
    session: AsyncSession, org_id: int, unit_ids: set[int] | None, limit: int = 30
) -> Sequence[Case]:
    """Open cases of the organization (of these units only, when given), by due date."""
    query = select(Case).where(Case.org_id == org_id, Case.status.in_(OPEN_STATUSES))
    if unit_ids is not None:
        query = query.where(Case.unit_id.in_(unit_ids))
    result = await session.scalars(query.order_by(Case.answer_due, Case.id).limit(limit))
    return result.all()


async def awaiting_approval(session: AsyncSession, org_ids: Sequence[int]) -> Sequence[Case]:
    """Answers written and held for a leader's approval, oldest deadline first."""
    result = await session.scalars(
        select(Case)
        .where(Case.org_id.in_(org_ids), Case.status == CaseStatus.AWAITING_APPROVAL)
        .order_by(Case.answer_due, Case.id)
    )
    return result.all()


async def awaiting_publication(session: AsyncSession, org_ids: Sequence[int]) -> Sequence[Case]:
    """Answered cases whose senders allow publishing, not yet approved for the public page."""
    result = await session.scalars(
        select(Case)
        .where(
            Case.org_id.in_(org_ids),
            Case.published_at.is_(None),
            Case.publishable.is_(True),
            Case.kind != CaseKind.DENUNCIATION,
            Case.status.in_((CaseStatus.ANSWERED, CaseStatus.CLOSED)),
            Case.answer.is_not(None),
        )
        .order_by(Case.answered_at, Case.id)
    )
    return result.all()


def published() -> list[ColumnElement[bool]]:
    """Answered or closed, its citizen allowed publishing, approved by staff, never denounced."""
    return [
        Case.publishable.is_(True),
        Case.published_at.is_not(None),
        Case.kind != CaseKind.DENUNCIATION,
        Case.status.in_((CaseStatus.ANSWERED, CaseStatus.CLOSED)),
        Case.answer.is_not(None),
    ]


async def public_cases(session: AsyncSession, org_id: int, limit: int = 50) -> Sequence[Case]:
    """The organization's published questions and answers, newest answer first."""
    result = await session.scalars(
        select(Case)
        .where(Case.org_id == org_id, *published())
        .order_by(Case.answered_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return result.all()


async def officials_of_unit(session: AsyncSession, org_id: int, unit_id: int) -> list[int]:
    """The officials of a unit."""
    result = await session.scalars(
        select(Membership.person_id).where(
            Membership.org_id == org_id,
            Membership.role == Role.OFFICIAL,
            Membership.unit_id == unit_id,
        )
    )
    return list(dict.fromkeys(result.all()))


async def staff_of(session: AsyncSession, org_id: int, roles: Sequence[Role]) -> list[int]:
    """The people holding any of these roles in the organization."""
    result = await session.scalars(
        select(Membership.person_id).where(Membership.org_id == org_id, Membership.role.in_(roles))
    )
    return list(dict.fromkeys(result.all()))


async def unit_named(session: AsyncSession, unit_id: int | None) -> str | None:
    """A unit's name."""
    if unit_id is None:
        return None
    return await session.scalar(select(Unit.name).where(Unit.id == unit_id))
