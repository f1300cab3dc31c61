"""What the reminder planner needs to know about an organization, read in a few queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Case,
    CaseStatus,
    Identity,
    Membership,
    Occurrence,
    OccurrenceStatus,
    Organization,
    Person,
    Plan,
    Role,
    Task,
    TaskRole,
    TaskState,
    TaskUnit,
    Unit,
    UnitKind,
)
from db.queries.reach import preferred_first


@dataclass(frozen=True, slots=True)
class Contact:
    """Where to reach a person."""

    person_id: int
    name: str
    channel: str
    chat_id: str
    digest: bool


@dataclass(frozen=True, slots=True)
class DueFact:
    """A pending dated occurrence of an active task."""

    occurrence_id: int
    task_id: int
    code: str
    due: date
    lead: tuple[int, ...]
    partners: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TaskFact:
    """An active task without dates of its own (ongoing, event or undated)."""

    task_id: int
    code: str
    kind: str
    lead: tuple[int, ...]
    has_pending: bool
    year: int


@dataclass(frozen=True, slots=True)
class CaseFact:
    """An open feedback case with a legal deadline in its current phase."""

    case_id: int
    code: str
    phase: str
    due: date
    unit_id: int | None


@dataclass(slots=True)
class OrgFacts:
    """Everything the planner reads about one organization."""

    org_id: int
    policy: dict[str, Any] | None
    contacts: dict[int, Contact] = field(default_factory=dict)
    officials: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    unit_leaders: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    leaders: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    unit_names: dict[int, str] = field(default_factory=dict)
    due: list[DueFact] = field(default_factory=list)
    undated: list[TaskFact] = field(default_factory=list)
    cases: list[CaseFact] = field(default_factory=list)


async def orgs_with_plans(session: AsyncSession) -> list[int]:
    """Organizations that have at least one plan."""
    return list((await session.scalars(select(Plan.org_id).distinct())).all())


async def _contacts(session: AsyncSession, person_ids: set[int]) -> dict[int, Contact]:
    if not person_ids:
        return {}
    rows = await session.execute(
        select(Person.id, Person.display_name, Person.digest, Identity.channel, Identity.chat_id)
        .join(Identity, Identity.person_id == Person.id)
        .where(Person.id.in_(person_ids), Identity.unreachable_since.is_(None))
        .order_by(Person.id, preferred_first(), Identity.id)
    )
    contacts: dict[int, Contact] = {}
    for person_id, name, digest, channel, chat_id in rows:
        contacts.setdefault(person_id, Contact(person_id, name, channel, chat_id, digest))
    return contacts


async def load_facts(session: AsyncSession, org_id: int, task_id: int | None = None) -> OrgFacts:
    """Read the organization's people, units, pending occurrences and undated tasks."""
    org = await session.get_one(Organization, org_id)
    facts = OrgFacts(org_id=org_id, policy=org.policy)
    members = await session.execute(
        select(Membership.person_id, Membership.role, Membership.unit_id).where(
            Membership.org_id == org_id
        )
    )
    people: set[int] = set()
    for person_id, role, unit_id in members:
        people.add(person_id)
        if role == Role.OFFICIAL and unit_id is not None:
            facts.officials[unit_id].append(person_id)
        elif role == Role.LEADER:
            if unit_id is None:
                facts.leaders.append(person_id)
            else:
                facts.unit_leaders[unit_id].append(person_id)
        elif role == Role.ADMIN:
            facts.admins.append(person_id)
    facts.contacts = await _contacts(session, people)
    units = await session.execute(
        select(Unit.id, Unit.name, Unit.kind).where(Unit.org_id == org_id)
    )
    outside: set[int] = set()
    for unit_id, name, unit_kind in units:
        facts.unit_names[unit_id] = name
        if unit_kind == UnitKind.COMMITTEE:
            # "The whole committee" is answered for by the organization's leaders.
            facts.officials[unit_id] = list(
                dict.fromkeys([*facts.officials[unit_id], *facts.leaders])
            )
        elif unit_kind == UnitKind.OUTSIDE:
            # Bodies outside the commune are not reminded; their tasks still show in reports.
            outside.add(unit_id)
            facts.officials.pop(unit_id, None)
            facts.unit_leaders.pop(unit_id, None)

    task_filter = [Plan.org_id == org_id, Task.state == TaskState.ACTIVE]
    if task_id is not None:
        task_filter.append(Task.id == task_id)
    links = await session.execute(
        select(TaskUnit.task_id, TaskUnit.unit_id, TaskUnit.role)
        .join(Task, Task.id == TaskUnit.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(*task_filter)
        .order_by(TaskUnit.task_id, TaskUnit.position)
    )
    lead: dict[int, list[int]] = defaultdict(list)
    partners: dict[int, list[int]] = defaultdict(list)
    for tid, linked_unit, link_role in links:
        (lead if link_role == TaskRole.LEAD else partners)[tid].append(linked_unit)
    occurrences = await session.execute(
        select(Occurrence.id, Task.id, Task.code, Occurrence.due_date)
        .join(Task, Task.id == Occurrence.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(*task_filter, Occurrence.status == OccurrenceStatus.PENDING)
        .order_by(Occurrence.due_date, Occurrence.id)
    )
    pending: set[int] = set()
    for occ_id, tid, code, due in occurrences:
        pending.add(tid)
        if lead[tid] and set(lead[tid]) <= outside:
            continue
        facts.due.append(DueFact(occ_id, tid, code, due, tuple(lead[tid]), tuple(partners[tid])))
    tasks = await session.execute(
        select(Task.id, Task.code, Task.timeframe_kind, Plan.year)
        .join(Plan, Plan.id == Task.plan_id)
        .where(*task_filter, Task.timeframe_kind.in_(("ongoing", "event", "unspecified")))
        .order_by(Task.id)
    )
    for tid, code, kind, year in tasks:
        if lead[tid] and set(lead[tid]) <= outside:
            continue
        facts.undated.append(TaskFact(tid, code, kind, tuple(lead[tid]), tid in pending, year))
    if task_id is None:
        facts.cases = await _case_facts(session, org_id)
    return facts


async def _case_facts(session: AsyncSession, org_id: int) -> list[CaseFact]:
    open_statuses = (
        CaseStatus.NEW,
        CaseStatus.ASSIGNED,
        CaseStatus.REOPENED,
        CaseStatus.AWAITING_APPROVAL,
    )
    rows = await session.execute(
        select(
            Case.id, Case.code, Case.status, Case.accept_due, Case.answer_due, Case.unit_id
        ).where(Case.org_id == org_id, Case.status.in_(open_statuses))
    )
    facts = []
    for case_id, code, status, accept_due, answer_due, unit_id in rows:
        if status == CaseStatus.NEW and accept_due is not None:
            facts.append(CaseFact(case_id, code, "accept", accept_due, None))
        elif status != CaseStatus.NEW and answer_due is not None:
            facts.append(CaseFact(case_id, code, "answer", answer_due, unit_id))
    return facts


@dataclass(frozen=True, slots=True)
class CaseSubject:
    """A case a reminder is about, as it stands at send time."""

    code: str
    phase: str | None
    due: date | None
    status: CaseStatus | None = None
    rated: bool = False
    kind: str | None = None


async def case_subjects(session: AsyncSession, case_ids: set[int]) -> dict[int, CaseSubject]:
    """The cases that rows refer to, with their current phase and deadline."""
    if not case_ids:
        return {}
    rows = await session.execute(
        select(
            Case.id,
            Case.code,
            Case.status,
            Case.accept_due,
            Case.answer_due,
            Case.rating,
            Case.kind,
        ).where(Case.id.in_(case_ids))
    )
    out: dict[int, CaseSubject] = {}
    for case_id, code, status, accept_due, answer_due, rating, kind in rows:
        rated, kind_value = rating is not None, str(kind.value)
        if status == CaseStatus.NEW:
            out[case_id] = CaseSubject(code, "accept", accept_due, status, rated, kind_value)
        elif status in {CaseStatus.ASSIGNED, CaseStatus.REOPENED, CaseStatus.AWAITING_APPROVAL}:
            out[case_id] = CaseSubject(code, "answer", answer_due, status, rated, kind_value)
        else:
            out[case_id] = CaseSubject(code, None, None, status, rated, kind_value)
    return out


@dataclass(frozen=True, slots=True)
class Subject:
    """What a reminder row is about, as it stands at send time."""

    task_id: int
    code: str
    text: str
    phrase: str
    active: bool
    kind: str
    occurrence_id: int | None = None
    due: date | None = None
    pending: bool = True


async def subjects(
    session: AsyncSession, occurrence_ids: set[int], task_ids: set[int]
) -> tuple[dict[int, Subject], dict[int, Subject]]:
    """The occurrences and tasks that rows refer to, by id."""
    by_occurrence: dict[int, Subject] = {}
    if occurrence_ids:
        rows = await session.execute(
            select(Occurrence, Task)
            .join(Task, Task.id == Occurrence.task_id)
            .where(Occurrence.id.in_(occurrence_ids))
        )
        for occ, task in rows:
            by_occurrence[occ.id] = Subject(
                task.id,
                task.code,
                task.text,
                task.timeframe_text,
                task.state == TaskState.ACTIVE,
                task.timeframe_kind,
                occ.id,
                occ.due_date,
                occ.status == OccurrenceStatus.PENDING,
            )
    by_task: dict[int, Subject] = {}
    if task_ids:
        for task in await session.scalars(select(Task).where(Task.id.in_(task_ids))):
            by_task[task.id] = Subject(
                task.id,
                task.code,
                task.text,
                task.timeframe_text,
                task.state == TaskState.ACTIVE,
                task.timeframe_kind,
            )
    return by_occurrence, by_task


async def undated_count(session: AsyncSession, org_id: int) -> int:
    """How many active tasks of the organization still wait for a date."""
    facts = await load_facts(session, org_id)
    return sum(1 for t in facts.undated if t.kind == "unspecified" and not t.has_pending)


async def chosen_locales(session: AsyncSession, person_ids: set[int]) -> dict[int, str | None]:
    """The language each person chose with /language (``None``: they never chose one)."""
    if not person_ids:
        return {}
    chosen = dict(
        (
            await session.execute(select(Person.id, Person.locale).where(Person.id.in_(person_ids)))
        ).all()
    )
    return {p: chosen.get(p) for p in person_ids}


async def mark_unreachable(
    session: AsyncSession, channel: str, chat_id: str, now: Any, reason: str = "unreachable"
) -> int | None:
    """Mark the identity behind a chat unreachable (since when, and why); return its person."""
    identity = await session.scalar(
        select(Identity).where(Identity.channel == channel, Identity.chat_id == chat_id)
    )
    if identity is None:
        return None
    if identity.unreachable_since is None:
        identity.unreachable_since = now
    identity.unreachable_reason = reason[:64]
    return identity.person_id


async def org_admins(session: AsyncSession, org_id: int | None) -> list[int]:
    """The administrators of an organization (of every organization when ``None``)."""
    query = select(Membership.person_id).where(Membership.role == Role.ADMIN)
    if org_id is not None:
        query = query.where(Membership.org_id == org_id)
    return list(dict.fromkeys((await session.scalars(query)).all()))


async def org_policies(session: AsyncSession) -> dict[int, dict[str, Any] | None]:
    """Each organization's stored reminder policy."""
    rows = await session.execute(select(Organization.id, Organization.policy))
    return dict(rows.all())


async def contacts_of(session: AsyncSession, person_ids: set[int]) -> dict[int, Contact]:
    """Where to reach each of these people (reachable identities only)."""
    return await _contacts(session, person_ids)


async def person_name(session: AsyncSession, person_id: int) -> str:
    """A person's display name."""
    return (await session.get_one(Person, person_id)).display_name
