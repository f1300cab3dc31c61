"""Queries that gather what reports count: tasks, occurrences, their history, and cases."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CTE,
    BigInteger,
    BindParameter,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Subquery,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from db.datetime_sql import days_between, local_date
from db.models import (
    AuditEntry,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Occurrence,
    OccurrenceStatus,
    Organization,
    Plan,
    Standing,
    Task,
    TaskEvent,
    TaskRole,
    TaskState,
    TaskUnit,
    Unit,
)
from db.queries import tallies
from db.text_order import code_points

Marks = tuple[int | None, ...]
"""The newest ids of the audit trail, cases, case events, task events and occurrences."""

_MARKED: Final = (AuditEntry.id, Case.id, CaseEvent.id, TaskEvent.id, Occurrence.id)


async def change_marks(session: AsyncSession) -> Marks:
    """The newest ids of the audit trail, cases, case and task events, and occurrences.

    Every change the figures depend on adds one of these rows (a change of a case or an
    occurrence is recorded as an event and in the audit trail), so equal marks mean nothing
    the figures read has changed. Each is one step down a primary-key index.
    """
    marks = select(*(select(func.max(id_)).scalar_subquery() for id_ in _MARKED))
    return tuple((await session.execute(marks)).one())


_TASK_ENTITIES: Final = ("occurrence", "task", "plan")


@dataclass(frozen=True, slots=True)
class Changes:
    """What was written between two ``change_marks``, as far as the figures care.

    ``orgs``: the organizations whose tasks may have changed; ``cases``: those whose cases
    may have (``None``: any may have).
    """

    orgs: frozenset[int] | None
    cases: frozenset[int] | None


NO_CHANGES: Final = Changes(frozenset(), frozenset())

# What a row of ``_since`` is about.
_TASKS_OF, _CASES_OF = 10, 11
_ABOUT_TASKS, _ABOUT_UNIT, _ABOUT_CASE, _ABOUT_OTHER = 20, 21, 22, 23


def _what(tag: int) -> ColumnElement[int]:
    # Written into the SQL, not bound: a constant the planner sees.
    return literal_column(str(tag), Integer)


@lru_cache(maxsize=32)
def _since(moved: tuple[bool, ...]) -> Select[Any]:
    """What was written past the marks that ``moved`` (parameters ``m0``..``m4``), in one
    statement of only the readings those need (PostgreSQL plans it at every run).

    Rows ``(what, organization, owner, unit)``. Each range is read from its primary key's
    index and only its new rows are followed outwards: the organizations of new task
    events' and occurrences' tasks, of new cases and new case events' cases, and each new
    audit entry's organization with the owner of the occurrence, task, plan, unit or case
    it names (a look-up by primary key, guarded so that an entity id that is not a number
    finds nothing and fails nothing), and the unit's id.
    """
    audit_moved, cases_moved, case_events_moved, events_moved, occurrences_moved = moved
    after = [bindparam(f"m{i}", type_=Integer()) for i in range(len(_MARKED))]
    audit_after, cases_after, case_events_after, events_after, occurrences_after = after
    nothing = cast(null(), Integer)
    readings: list[Select[Any, Any, Any, Any]] = []
    tasks = [
        select(model.task_id).where(model.id > mark)
        for model, mark, moved_ in (
            (TaskEvent, events_after, events_moved),
            (Occurrence, occurrences_after, occurrences_moved),
        )
        if moved_
    ]
    if tasks:
        readings.append(
            select(_what(_TASKS_OF), Plan.org_id, nothing, nothing)
            .distinct()
            .where(Plan.id.in_(select(Task.plan_id).where(Task.id.in_(union_all(*tasks)))))
        )
    cases = [
        query
        for query, moved_ in (
            (select(Case.id).where(Case.id > cases_after), cases_moved),
            (select(CaseEvent.case_id).where(CaseEvent.id > case_events_after), case_events_moved),
        )
        if moved_
    ]
    if cases:
        readings.append(
            select(_what(_CASES_OF), Case.org_id, nothing, nothing)
            .distinct()
            .where(Case.id.in_(union_all(*cases)))
        )
    if audit_moved:
        readings.append(_entries(audit_after))
    return union_all(*readings) if len(readings) > 1 else readings[0]  # type: ignore[return-value]


def _entries(audit_after: BindParameter[int]) -> Select[Any]:
    entity, entity_id = AuditEntry.entity, AuditEntry.entity_id
    numbered = func.length(entity_id).between(1, 18) & (func.trim(entity_id, "0123456789") == "")
    number = case((numbered, cast(entity_id, BigInteger)), else_=null())
    owner = case(
        (
            entity == "occurrence",
            select(Plan.org_id)
            .join(Task, Task.plan_id == Plan.id)
            .join(Occurrence, Occurrence.task_id == Task.id)
            .where(Occurrence.id == number)
            .scalar_subquery(),
        ),
        (
            entity == "task",
            select(Plan.org_id)
            .join(Task, Task.plan_id == Plan.id)
            .where(Task.id == number)
            .scalar_subquery(),
        ),
        (entity == "plan", select(Plan.org_id).where(Plan.id == number).scalar_subquery()),
        (entity == "unit", select(Unit.org_id).where(Unit.id == number).scalar_subquery()),
        (entity == "case", select(Case.org_id).where(Case.id == number).scalar_subquery()),
        else_=cast(null(), Integer),
    )
    about = case(
        (entity.in_(_TASK_ENTITIES), _what(_ABOUT_TASKS)),
        (entity == "unit", _what(_ABOUT_UNIT)),
        (entity == "case", _what(_ABOUT_CASE)),
        else_=_what(_ABOUT_OTHER),
    )
    unit = case((entity == "unit", number), else_=null())
    return (
        select(about, AuditEntry.org_id, owner, unit).distinct().where(AuditEntry.id > audit_after)
    )


@lru_cache(maxsize=1)
def _named() -> Select[Any]:
    """The organizations whose tasks name one of the units ``unit_ids``."""
    task_ids = select(TaskUnit.task_id).where(
        TaskUnit.unit_id.in_(bindparam("unit_ids", expanding=True))
    )
    plan_ids = select(Task.plan_id).where(Task.id.in_(task_ids))
    return select(Plan.org_id).distinct().where(Plan.id.in_(plan_ids))


async def changes_since(session: AsyncSession, before: Marks, after: Marks) -> Changes:
    """What was written between two ``change_marks`` (one statement; one more when units
    were written).

    A new occurrence or task event belongs to its task's organization, a new case or case
    event to its case's. An audit entry touches its own organization, and, when it is
    about an occurrence, a task, a plan, a unit or a case, the organization that owns that
    one (and, for a unit, those whose tasks name it): an actor at a district may act on a
    commune's task. Tasks may have changed by any entry but those about cases; cases by
    any but those about occurrences, tasks and plans. An entry without an organization
    whose entity cannot be found back is everyone's. Rows written after ``after`` may be
    among those read: they are counted now, and again next time.

    On PostgreSQL an id is handed out before its transaction commits, so a new event or
    occurrence may become visible below a mark already read; appends to the audit trail
    are serialized until commit (``audit.record_many``), so its ids are not, and every
    domain write names what it changed there: such a write is found through its entry.
    """
    moved = tuple(old != new for old, new in zip(before, after, strict=True))
    if not any(moved):
        return NO_CHANGES
    values = {f"m{i}": mark or 0 for i, mark in enumerate(before)}
    tasks: set[int] = set()
    cases: set[int] = set()
    units: set[int] = set()
    any_task = any_case = False
    for what, org_id, owner, unit in await session.execute(_since(moved), values):
        if what == _TASKS_OF:
            tasks.add(org_id)
        elif what == _CASES_OF:
            cases.add(org_id)
        else:
            found = {org for org in (org_id, owner) if org is not None}
            if what != _ABOUT_CASE:
                tasks |= found
                any_task = any_task or not found
            if what != _ABOUT_TASKS:
                cases |= found
                any_case = any_case or not found
            if unit is not None:
                units.add(int(unit))
    if units and not any_task:
        tasks.update(await session.scalars(_named(), {"unit_ids": sorted(units)}))
    return Changes(None if any_task else frozenset(tasks), None if any_case else frozenset(cases))


async def org_tree(session: AsyncSession, org_id: int) -> list[tuple[int, str, int | None]]:
    """The organization and every organization below it: ``(id, name, parent_id)``."""
    result = await session.execute(
        select(Organization.id, Organization.name, Organization.parent_id).order_by(Organization.id)
    )
    rows: list[tuple[int, str, int | None]] = [(i, name, parent) for i, name, parent in result]
    children: dict[int | None, list[tuple[int, str, int | None]]] = {}
    for row in rows:
        children.setdefault(row[2], []).append(row)
    found = [r for r in rows if r[0] == org_id]
    index = 0
    while index < len(found):
        found += children.get(found[index][0], [])
        index += 1
    return found


async def parent_name(session: AsyncSession, org_id: int) -> str | None:
    """The name of the organization above this one, if any."""
    parent = await session.scalar(select(Organization.parent_id).where(Organization.id == org_id))
    if parent is None:
        return None
    return await session.scalar(select(Organization.name).where(Organization.id == parent))


@dataclass(frozen=True, slots=True)
class OccurrenceRow:
    """A dated occurrence as reports see it: the due date that counts and its state."""

    occurrence_id: int
    code: str
    text: str
    dimension: str | None
    unit: str | None
    due: date
    state: str
    done_on: date | None


@dataclass(frozen=True, slots=True)
class Scope:
    """Which occurrences a report counts, and the day and zone it counts them on."""

    org_ids: Sequence[int]
    start: date
    end: date
    as_of: date
    due_soon: date
    tz: ZoneInfo
    dimension: str | None = None
    unit: str | None = None
    plan_id: int | None = None
    # Due dates from before ``start`` still open count too: last year's overdue tasks stay
    # on this year's status screen until they are done.
    carry_overdue: bool = False


def counted_due(tz: ZoneInfo) -> ColumnElement[date]:
    """An occurrence's due day that counts (``bot.tasks.standing.counted_due`` in SQL): the
    moved one only if an extension was approved on or before the planned day, local time."""
    decided = (
        select(func.max(ExtensionRequest.decided_at))
        .where(
            ExtensionRequest.occurrence_id == Occurrence.id,
            ExtensionRequest.status == ExtensionStatus.APPROVED,
        )
        .scalar_subquery()
    )
    moved_in_time = (Occurrence.due_date != Occurrence.planned_date) & (
        local_date(decided, tz) <= Occurrence.planned_date
    )
    return case((moved_in_time, Occurrence.due_date), else_=Occurrence.planned_date)


_Shape = tuple[ZoneInfo, bool, bool, bool, bool]
"""What a scope's SQL depends on besides its values: the zone, carrying the overdue, and
whether it keeps one plan, dimension or unit."""


def _shape(scope: Scope) -> _Shape:
    return (
        scope.tz,
        scope.carry_overdue,
        scope.plan_id is not None,
        scope.dimension is not None,
        scope.unit is not None,
    )


def _values(scope: Scope, **more: Any) -> dict[str, Any]:
    """The values of the scope's statement parameters (see ``_states``)."""
    values = {
        "org_ids": list(scope.org_ids),
        "start": scope.start,
        "end": scope.end,
        "as_of": scope.as_of,
        "due_soon": scope.due_soon,
        **more,
    }
    for name in ("plan_id", "dimension", "unit"):
        if (value := getattr(scope, name)) is not None:
            values[name] = value
    return values


@lru_cache(maxsize=64)
def _states(shape: _Shape, *, shared: bool = False) -> tuple[Subquery | CTE, ColumnElement[str]]:
    """Occurrences in the scope with their counted due date, done day, and state (with
    ``shared``, as a common table expression: read twice by a statement, found once).

    The rules, the same for every screen, document and export: an extension approved on or
    before the planned day (local calendar) moves the due date, one approved later does not;
    an occurrence done after its due day is late; open ones are overdue after it, due soon up
    to ``due_soon``, pending after that.

    Built once per shape with named parameters (``_values``), and so is every statement on
    it: SQLAlchemy then reuses their cache keys and compiled forms, not only the latter.
    """
    tz, carry_overdue, by_plan, by_dimension, by_unit = shape
    org_ids: BindParameter[int] = bindparam("org_ids", expanding=True)
    start, end = bindparam("start", type_=Date()), bindparam("end", type_=Date())
    as_of, due_soon = bindparam("as_of", type_=Date()), bindparam("due_soon", type_=Date())
    # The first lead unit names the task's unit (positions count from 0 per role).
    lead = TaskUnit.__table__.alias("lead")
    in_period = ((Occurrence.due_date >= start) & (Occurrence.due_date <= end)) | (
        (Occurrence.planned_date >= start) & (Occurrence.planned_date <= end)
    )
    if carry_overdue:
        in_period = in_period | (
            (Occurrence.status == OccurrenceStatus.PENDING) & (Occurrence.due_date < start)
        )
    query = (
        select(
            Occurrence.id.label("occurrence_id"),
            Task.code,
            Task.text,
            Task.dimension,
            Unit.name.label("unit"),
            counted_due(tz).label("due"),
            Occurrence.status,
            local_date(Occurrence.done_at, tz).label("done_on"),
            Occurrence.due_date.label("moved_due"),
            Task.position,
            Plan.org_id,
        )
        .join(Task, Task.id == Occurrence.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .outerjoin(
            lead,
            (lead.c.task_id == Task.id) & (lead.c.role == TaskRole.LEAD) & (lead.c.position == 0),
        )
        .outerjoin(Unit, Unit.id == lead.c.unit_id)
        .where(
            Plan.org_id.in_(org_ids),
            Task.state == TaskState.ACTIVE,
            Occurrence.status != OccurrenceStatus.CANCELLED,
            in_period,
        )
    )
    if by_plan:
        query = query.where(Task.plan_id == bindparam("plan_id"))
    if by_dimension:
        query = query.where(Task.dimension == bindparam("dimension"))
    if by_unit:
        query = query.where(Unit.name == bindparam("unit"))
    rows = query.cte("counted") if shared else query.subquery("counted")
    done = rows.c.status == OccurrenceStatus.DONE
    # bot.tasks.standing.standing() is the same rule for one occurrence.
    state = case(
        (
            done & (func.coalesce(rows.c.done_on, as_of) > rows.c.due),
            Standing.DONE_LATE.value,
        ),
        (done, Standing.DONE_ON_TIME.value),
        (rows.c.due < as_of, Standing.OVERDUE.value),
        (rows.c.due <= due_soon, Standing.DUE_SOON.value),
        else_=Standing.PENDING.value,
    )
    return rows, state


@lru_cache(maxsize=64)
def _counting(shape: _Shape, *, by_org: bool) -> Select[Any]:
    rows, state = _states(shape)
    columns: tuple[ColumnElement[Any], ...] = (rows.c.dimension, rows.c.unit, state)
    if by_org:
        columns = (rows.c.org_id, *columns)
    return select(*columns, func.count()).group_by(*columns)


async def state_counts(
    session: AsyncSession, scope: Scope
) -> list[tuple[str | None, str | None, str, int]]:
    """``(dimension, lead unit, state, occurrences)`` of the dated occurrences in the scope."""
    result = await session.execute(_counting(_shape(scope), by_org=False), _values(scope))
    return [(dimension, unit, str(s), int(n)) for dimension, unit, s, n in result]


def _listed(rows: Subquery | CTE, state: ColumnElement[str]) -> tuple[ColumnElement[Any], ...]:
    return (
        rows.c.occurrence_id,
        rows.c.code,
        rows.c.text,
        rows.c.dimension,
        rows.c.unit,
        rows.c.due,
        state.label("state"),
        rows.c.done_on,
    )


def _oldest_first(rows: Subquery | CTE) -> tuple[ColumnElement[Any], ...]:
    """The earliest due first, then by code: the order of ``oldest``, total (ids last), and
    the same in Python (``OldestKey``)."""
    code = code_points(rows.c.code)
    return (rows.c.due, code, rows.c.moved_due, rows.c.position, rows.c.occurrence_id)


OldestKey = tuple[date, str, date, int, int]
"""Where an occurrence stands in ``oldest`` order: ``(due, code, moved due, position, id)``."""


@lru_cache(maxsize=64)
def _listing(shape: _Shape, oldest: int | None) -> Select[Any]:
    rows, state = _states(shape)
    query = select(*_listed(rows, state)).where(state.in_(bindparam("states", expanding=True)))
    if oldest is None:
        return query.order_by(rows.c.moved_due, rows.c.position, rows.c.occurrence_id)
    return query.order_by(*_oldest_first(rows)).limit(oldest)


async def occurrences(
    session: AsyncSession, scope: Scope, states: Collection[str], *, oldest: int | None = None
) -> list[OccurrenceRow]:
    """The dated occurrences in the scope that are in one of ``states``, by date.

    With ``oldest``, only that many: the earliest due first (then by code), counted in SQL.
    """
    query = _listing(_shape(scope), oldest)
    result = await session.execute(query, _values(scope, states=[str(s) for s in states]))
    return [OccurrenceRow(*tuple[Any, ...](row)) for row in result]


@lru_cache(maxsize=8)
def _undated(by_plan: bool) -> Select[Any]:
    """Tasks without plan dates: ``(organization, dimension, kind, task id, lead unit,
    due dates)``, for the parameters ``org_ids``, ``year`` and maybe ``plan_id``."""
    lead_unit = (
        select(Unit.name)
        .join(TaskUnit, TaskUnit.unit_id == Unit.id)
        .where(TaskUnit.task_id == Task.id, TaskUnit.role == TaskRole.LEAD)
        .order_by(TaskUnit.position)
        .limit(1)
        .scalar_subquery()
        .label("unit")
    )
    pending = (
        select(func.count(Occurrence.id))
        .where(Occurrence.task_id == Task.id, Occurrence.status != OccurrenceStatus.CANCELLED)
        .scalar_subquery()
        .label("dated")
    )
    query = (
        select(Plan.org_id, Task.dimension, Task.timeframe_kind, Task.id, lead_unit, pending)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Plan.org_id.in_(bindparam("org_ids", expanding=True)),
            Plan.year == bindparam("year", type_=Integer()),
            Task.state == TaskState.ACTIVE,
            Task.timeframe_kind.in_(("ongoing", "event", "unspecified")),
        )
    )
    if by_plan:
        query = query.where(Plan.id == bindparam("plan_id", type_=Integer()))
    return query


async def undated_counts(
    session: AsyncSession, org_ids: Sequence[int], year: int, plan_id: int | None = None
) -> list[tuple[int, str | None, str, int, str | None, bool]]:
    """``(organization, dimension, kind, task id, lead unit, has a date)`` of tasks without
    plan dates."""
    values: dict[str, Any] = {"org_ids": list(org_ids), "year": year}
    if plan_id is not None:
        values["plan_id"] = plan_id
    rows = await session.execute(_undated(plan_id is not None), values)
    return [(o, d, k, i, u, bool(p)) for o, d, k, i, u, p in rows]


@dataclass(frozen=True, slots=True)
class OrgParts:
    """What the status screen keeps of each organization, counted by ``org_parts``."""

    counts: list[tuple[int, str | None, str | None, str, int]]
    """``(organization, dimension, lead unit, state, occurrences)`` of the dated ones."""
    undated: list[tuple[int, str | None, str, str | None, bool]]
    """``(organization, dimension, kind, lead unit, has a date)`` of the tasks without."""
    oldest: list[tuple[int, OldestKey, OccurrenceRow]]
    """Each organization's first ``oldest`` in ``oldest`` order, with their place in it."""


_COUNTED, _UNDATED, _OLDEST = 0, 1, 2


@lru_cache(maxsize=64)
def _parts(shape: _Shape, oldest: int) -> Select[Any]:
    """``org_parts``' three readings as one statement (one trip): rows of
    ``(what, organization, dimension, unit, state or kind, count, code, text, due, done on,
    moved due, position, occurrence)``, each reading filling the columns it has."""
    rows, state = _states(shape, shared=True)
    order = _oldest_first(rows)
    rank = func.row_number().over(partition_by=rows.c.org_id, order_by=order)
    ranked = (
        select(
            rows.c.org_id,
            rows.c.dimension,
            rows.c.unit,
            state.label("state"),
            rows.c.code,
            rows.c.text,
            rows.c.due,
            rows.c.done_on,
            rows.c.moved_due,
            rows.c.position,
            rows.c.occurrence_id,
            rank.label("rank"),
        )
        .where(state.in_(bindparam("states", expanding=True)))
        .subquery("ranked")
    )
    # The first reading gives the columns their types (dates read back as dates).
    listed = select(
        _what(_OLDEST),
        ranked.c.org_id,
        ranked.c.dimension,
        ranked.c.unit,
        ranked.c.state,
        cast(null(), Integer),
        *(ranked.c[name] for name in ("code", "text", "due", "done_on", "moved_due")),
        ranked.c.position,
        ranked.c.occurrence_id,
    ).where(ranked.c.rank <= oldest)
    blank = (
        cast(null(), String),
        cast(null(), String),
        cast(null(), Date),
        cast(null(), Date),
        cast(null(), Date),
        cast(null(), Integer),
        cast(null(), Integer),
    )
    grouped = (rows.c.org_id, rows.c.dimension, rows.c.unit, state)
    counted = select(_what(_COUNTED), *grouped, func.count(), *blank).group_by(*grouped)
    undated = _undated(shape[2]).subquery("undated")
    without = select(
        _what(_UNDATED),
        undated.c.org_id,
        undated.c.dimension,
        undated.c.unit,
        undated.c.timeframe_kind,
        undated.c.dated,
        *blank,
    )
    return union_all(listed, counted, without)  # type: ignore[return-value]


async def org_parts(
    session: AsyncSession, scope: Scope, year: int, states: Collection[str], oldest: int
) -> OrgParts:
    """Each organization's tally of its dated occurrences in the scope (``state_counts``
    of each at once), its tasks without dates of the plans of ``year``
    (``undated_counts``), and its first ``oldest`` occurrences in one of ``states`` in
    ``occurrences(..., oldest=oldest)`` order, each with its place in that order: the
    oldest of the organizations together are among them, the first ``oldest`` when sorted
    by it. One statement."""
    values = _values(scope, states=[str(s) for s in states], year=year)
    found = OrgParts([], [], [])
    for what, org, dimension, unit, state, n, *more in await session.execute(
        _parts(_shape(scope), oldest), values
    ):
        if what == _COUNTED:
            found.counts.append((org, dimension, unit, str(state), int(n)))
        elif what == _UNDATED:
            found.undated.append((org, dimension, str(state), unit, bool(n)))
        else:
            code, text, due, done_on, moved_due, position, occurrence_id = more
            row = OccurrenceRow(
                occurrence_id, code, text, dimension, unit, due, str(state), done_on
            )
            found.oldest.append((org, (due, code, moved_due, position, occurrence_id), row))
    return found


async def occurrence_events(
    session: AsyncSession, occurrence_ids: Sequence[int], kinds: Sequence[EventKind]
) -> list[TaskEvent]:
    """Events of these kinds on these occurrences, oldest first (file bodies not loaded)."""
    events: list[TaskEvent] = []
    for chunk in _chunks(occurrence_ids):
        result = await session.scalars(
            select(TaskEvent)
            .where(TaskEvent.occurrence_id.in_(chunk), TaskEvent.kind.in_(kinds))
            .options(defer(TaskEvent.file_content))
        )
        events += result.all()
    events.sort(key=lambda e: (e.at, e.id))
    return events


def _chunks(ids: Sequence[int], size: int = 5000) -> list[Sequence[int]]:
    # Both databases cap the parameters of one statement (PostgreSQL's driver at 32,767).
    return [ids[i : i + size] for i in range(0, len(ids), size)]


_ANSWERED: Final = (CaseStatus.ANSWERED, CaseStatus.CLOSED, CaseStatus.CLOSED_UNRESOLVED)


@dataclass(frozen=True, slots=True)
class CaseScope:
    """Which cases a report counts: received in ``[start, end)``, maybe one dimension or unit."""

    org_ids: Sequence[int]
    start: datetime
    end: datetime
    tz: ZoneInfo
    dimension: str | None = None
    unit: str | None = None


def _received(scope: CaseScope) -> list[ColumnElement[bool]]:
    where = [
        Case.org_id.in_(scope.org_ids),
        Case.received_at >= scope.start,
        Case.received_at < scope.end,
    ]
    if scope.dimension is not None:
        where.append(Case.dimension == scope.dimension)
    if scope.unit is not None:
        named = select(Unit.id).where(Unit.org_id.in_(scope.org_ids), Unit.name == scope.unit)
        where.append(Case.unit_id.in_(named))
    return where


def _answered() -> ColumnElement[bool]:
    # A reopened case keeps its old answer's time but is open again: its status decides.
    return Case.status.in_(_ANSWERED) & Case.answered_at.is_not(None)


@dataclass(frozen=True, slots=True)
class CaseGroup:
    """How many cases share a status, rating, on-time verdict, being reopened and answered."""

    status: str
    rating: str | None
    on_time: bool | None
    reopened: bool
    answered: bool
    cases: int


def _tallied_days(session: AsyncSession, scope: CaseScope) -> tuple[date, date] | None:
    """The scope's local days ``[start, end)`` when its cases can be read from the tallies.

    They can when the scope is whole days of the zone the tallies count in, not narrowed to a
    dimension or unit (which the tallies do not keep).
    """
    if scope.dimension is not None or scope.unit is not None:
        return None
    if scope.tz.key != tallies.zone(session).key:
        return None
    start, end = scope.start.astimezone(scope.tz), scope.end.astimezone(scope.tz)
    if start.time() != time.min or end.time() != time.min:
        return None
    return start.date(), end.date()


_VERDICTS: Final[dict[str, bool | None]] = {"on_time": True, "late": False, "none": None}


async def case_counts(session: AsyncSession, scope: CaseScope) -> list[CaseGroup]:
    """The scope's cases counted by status, rating, verdict, reopening and being answered.

    Read from the tallies (a few rows per organization and day) when the scope allows it.
    """
    return [group for _, group in await _case_counts(session, scope, by_org=False)]


async def org_case_counts(session: AsyncSession, scope: CaseScope) -> list[tuple[int, CaseGroup]]:
    """``case_counts`` of each organization of the scope at once."""
    return [(int(org), group) for org, group in await _case_counts(session, scope, by_org=True)]


async def _case_counts(
    session: AsyncSession, scope: CaseScope, *, by_org: bool
) -> list[tuple[Any, CaseGroup]]:
    """``(organization or None, group)`` of the scope's cases."""
    if (days := _tallied_days(session, scope)) is not None:
        by: tuple[str, ...] = ("status", "rating", "verdict", "reopened", "answered")
        tallied = await tallies.grouped(
            session, scope.org_ids, *days, ("org_id", *by) if by_org else by
        )
        return [(row[0] if by_org else None, _tallied_group(*row[-6:])) for row in tallied]
    columns: tuple[Any, ...] = (
        Case.status,
        Case.rating,
        Case.on_time,
        Case.reopened > 0,
        _answered(),
    )
    if by_org:
        columns = (Case.org_id, *columns)
    rows = await session.execute(
        select(*columns, func.count()).where(*_received(scope)).group_by(*columns)
    )
    return [(row[0] if by_org else None, _counted_group(*row[-6:])) for row in rows]


def _tallied_group(
    status: Any, rating: Any, verdict: Any, reopened: Any, answered: Any, n: Any
) -> CaseGroup:
    return CaseGroup(
        str(status),
        str(rating) or None,
        _VERDICTS[str(verdict)],
        bool(reopened),
        bool(answered),
        int(n),
    )


def _counted_group(
    status: Any, rating: Any, on_time: Any, reopened: Any, answered: Any, n: Any
) -> CaseGroup:
    rated = None if rating is None else str(rating)
    return CaseGroup(str(status), rated, on_time, bool(reopened), bool(answered), int(n))


async def case_breakdown(
    session: AsyncSession, scope: CaseScope, by: Literal["kind", "topic", "unit_id"]
) -> list[tuple[Any, str, bool | None, bool, int]]:
    """The scope's cases by kind, topic or unit id: ``(key, status, verdict, answered, n)``."""
    if by == "kind" and (days := _tallied_days(session, scope)) is not None:
        counted = ("kind", "status", "verdict", "answered")
        return [
            (key, str(s), _VERDICTS[str(v)], bool(a), int(n))
            for key, s, v, a, n in await tallies.grouped(session, scope.org_ids, *days, counted)
        ]
    columns = (getattr(Case, by), Case.status, Case.on_time, _answered())
    rows = await session.execute(
        select(*columns, func.count()).where(*_received(scope)).group_by(*columns)
    )
    return [(key, str(s), o, bool(a), int(n)) for key, s, o, a, n in rows]


async def cases_by_day(
    session: AsyncSession, scope: CaseScope, *, answered: bool
) -> list[tuple[date, int]]:
    """The scope's cases per local day they were received, or answered."""
    day = local_date(Case.answered_at if answered else Case.received_at, scope.tz)
    query = select(day, func.count()).where(*_received(scope))
    if answered:
        query = query.where(_answered())
    rows = await session.execute(query.group_by(day))
    return [(d, int(n)) for d, n in rows]


async def answer_days_mean(session: AsyncSession, scope: CaseScope) -> float | None:
    """Mean days from receipt to answer of the scope's answered cases."""
    mean = await session.scalar(
        select(func.avg(days_between(Case.received_at, Case.answered_at))).where(
            *_received(scope), _answered()
        )
    )
    return None if mean is None else float(mean)


async def answer_days_at(session: AsyncSession, scope: CaseScope, rank: int) -> float | None:
    """Days from receipt to answer of the ``rank``-th quickest answered case (from 0)."""
    days = days_between(Case.received_at, Case.answered_at)
    value = await session.scalar(
        select(days).where(*_received(scope), _answered()).order_by(days).offset(rank).limit(1)
    )
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case as a report lists it: no text, no contact, no citizen."""

    code: str
    kind: str
    topic: str
    unit_id: int | None
    received_at: datetime
    answer_due: date | None
    answered_at: datetime | None
    status: str
    on_time: bool | None


async def listed_cases(session: AsyncSession, scope: CaseScope, limit: int) -> list[CaseRow]:
    """The scope's first ``limit`` cases by receipt, denunciations never among them."""
    rows = await session.execute(
        select(
            Case.code,
            Case.kind,
            Case.topic,
            Case.unit_id,
            Case.received_at,
            Case.answer_due,
            Case.answered_at,
            Case.status,
            Case.on_time,
        )
        .where(*_received(scope), Case.kind != CaseKind.DENUNCIATION)
        .order_by(Case.received_at, Case.id)
        .limit(limit)
    )
    return [
        CaseRow(code, str(kind), topic, unit, received, due, answered, str(status), on_time)
        for code, kind, topic, unit, received, due, answered, status, on_time in rows
    ]


async def unit_names(session: AsyncSession, org_ids: Sequence[int]) -> dict[int, str]:
    """Unit names by id."""
    rows = await session.execute(select(Unit.id, Unit.name).where(Unit.org_id.in_(org_ids)))
    return dict(rows.all())
