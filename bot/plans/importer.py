"""Store a parsed plan: units resolved, tasks and their due dates added, revised or removed.

Importing the same file twice changes nothing; a revised file is applied as a difference, so
progress already recorded (occurrences done) is never lost.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plans.normalize import fold, one_line
from bot.plans.preview import ParsedPlan, ParsedTask, TimeframeLike
from bot.plans.units import UnitResolver, unit_key
from bot.timeframes import parse_timeframe
from db.models import (
    Occurrence,
    OccurrenceStatus,
    Plan,
    Task,
    TaskRole,
    TaskState,
    TaskUnit,
    Unit,
)
from db.queries import audit, orgs, plans

TimeframeParser = Callable[[str, int], TimeframeLike]
# Plain tables: the ORM's bulk insert splits rows into groups by which fields are empty.
_TASKS = cast(Table, Task.__table__)
_TASK_UNITS = cast(Table, TaskUnit.__table__)
_OCCURRENCES = cast(Table, Occurrence.__table__)
TITLE_KEY_LIMIT = 300


@dataclass(slots=True)
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    plan: ParsedPlan
    dry_run: bool
    plan_id: int | None = None
    created_plan: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    occurrences_added: int = 0
    occurrences_cancelled: int = 0
    new_units: list[str] = field(default_factory=list)
    ambiguous_units: list[str] = field(default_factory=list)
    undated: list[str] = field(default_factory=list)
    per_dimension: Counter[str] = field(default_factory=Counter)

    @property
    def nothing_changed(self) -> bool:
        """Tell whether the import left the stored plan as it was."""
        return not (self.created_plan or self.added or self.changed or self.removed)


@dataclass(frozen=True, slots=True)
class _Wanted:
    """A task as the file wants it stored."""

    key: str
    position: int
    parsed: ParsedTask
    kind: str
    offset_days: int | None
    offset_working_days: bool
    due: tuple[date, ...]
    lead: tuple[int, ...]
    partners: tuple[int, ...]

    def fields(self) -> dict[str, Any]:
        task = self.parsed
        return {
            "code": task.code,
            "section": task.section or "",
            "dimension": task.dimension,
            "subsection": task.subsection,
            "text": task.task,
            "target": task.target or None,
            "output": task.output or None,
            "timeframe_text": task.timeframe_text,
            "timeframe_kind": self.kind,
            "offset_days": self.offset_days,
            "offset_working_days": self.offset_working_days,
        }


def content_hash(data: bytes) -> str:
    """The fingerprint of an imported file."""
    return hashlib.sha256(data).hexdigest()


def title_key(title: str) -> str:
    """The key under which re-imports of a plan find it."""
    return " ".join(fold(title).split())[:TITLE_KEY_LIMIT]


def _match_keys(tasks: list[ParsedTask]) -> list[str]:
    keys: list[str] = []
    seen: Counter[str] = Counter()
    for task in tasks:
        base = (
            f"c:{task.code.strip()}"
            if task.code.strip()
            else "t:" + hashlib.sha1(fold(one_line(task.task)).encode()).hexdigest()[:16]
        )
        seen[base] += 1
        keys.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return keys


class _Units:
    """Resolves unit names, creating the units a plan names that the directory lacks."""

    def __init__(self, session: AsyncSession, org_id: int, directory: Mapping[str, int]) -> None:
        self._session = session
        self._org_id = org_id
        self._directory = dict(directory)
        self._resolver = UnitResolver(self._directory)
        self.new: list[str] = []
        self.ambiguous: list[str] = []
        self._created: dict[str, int] = {}

    async def ids(self, names: list[str], now: datetime, dry_run: bool) -> tuple[int, ...]:
        found: list[int] = []
        for name in names:
            match = self._resolver.resolve(name)
            if match.status == "matched" and match.unit_id is not None:
                found.append(match.unit_id)
            elif match.status == "ambiguous" and match.candidates:
                if name not in self.ambiguous:
                    self.ambiguous.append(name)
                found.append(min(match.candidates))
            else:
                found.append(await self._create(name, now, dry_run))
        return tuple(dict.fromkeys(found))

    async def _create(self, name: str, now: datetime, dry_run: bool) -> int:
        key = unit_key(name)
        if key in self._created:
            return self._created[key]
        self.new.append(name)
        if dry_run:
            unit_id = -len(self.new)
        else:
            unit = Unit(org_id=self._org_id, name=name, key=key, created_at=now)
            self._session.add(unit)
            await self._session.flush()
            unit_id = unit.id
        self._created[key] = unit_id
        self._directory[key] = unit_id
        self._resolver = UnitResolver(self._directory)
        return unit_id


async def import_plan(
    session: AsyncSession,
    *,
    org_id: int,
    plan: ParsedPlan,
    data_hash: str,
    actor_id: int | None,
    now: datetime,
    dry_run: bool,
    timeframe_parser: TimeframeParser = parse_timeframe,
) -> ImportReport:
    """Store ``plan`` for ``org_id`` (or only report what would change when ``dry_run``)."""
    report = ImportReport(plan=plan, dry_run=dry_run)
    units = _Units(session, org_id, await orgs.unit_directory(session, org_id))
    horizon = (date(plan.year, 1, 1), date(plan.year, 12, 31))
    wanted: list[_Wanted] = []
    keys = _match_keys(plan.tasks)
    for position, (key, parsed) in enumerate(zip(keys, plan.tasks, strict=True)):
        text = parsed.timeframe_text
        timeframe = timeframe_parser(text, plan.year) if text else None
        due = tuple(timeframe.due_dates(*horizon)) if timeframe else ()
        kind = timeframe.kind if timeframe else "unspecified"
        wanted.append(
            _Wanted(
                key=key,
                position=position,
                parsed=parsed,
                kind=kind,
                offset_days=timeframe.offset_days if timeframe else None,
                offset_working_days=bool(getattr(timeframe, "offset_working_days", False)),
                due=due,
                lead=await units.ids(parsed.lead, now, dry_run),
                partners=await units.ids(parsed.partners, now, dry_run),
            )
        )
        report.per_dimension[parsed.dimension or "-"] += 1
        if kind == "unspecified" and not due:
            report.undated.append(parsed.code or str(position + 1))
    report.new_units, report.ambiguous_units = units.new, units.ambiguous

    stored = await plans.find_plan(session, org_id, plan.year, title_key(plan.title))
    existing: dict[str, Task] = {}
    if stored is not None:
        existing = {t.match_key: t for t in await plans.tasks_of_plan(session, stored.id)}
    report.created_plan = stored is None
    if stored is None and not dry_run:
        stored = Plan(
            org_id=org_id,
            title=plan.title,
            title_key=title_key(plan.title),
            year=plan.year,
            source=plan.source,
            content_hash=data_hash,
            imported_at=now,
            imported_by=actor_id,
        )
        session.add(stored)
        await session.flush()
    entries: list[
        tuple[str, str, str | int, Mapping[str, Any] | None, Mapping[str, Any] | None]
    ] = []
    created: list[_Wanted] = []
    for item in wanted:
        task = existing.pop(item.key, None)
        if task is None:
            report.added.append(item.parsed.code or item.key)
            report.occurrences_added += len(item.due)
            if stored is not None and not dry_run:
                created.append(item)
            continue
        before = _stored_snapshot(task, item.due)
        added, cancelled = _occurrence_changes(task, item.due)
        if (
            before == _snapshot(item)
            and not (added or cancelled)
            and task.state == TaskState.ACTIVE
        ):
            report.unchanged += 1
            continue
        report.changed.append(item.parsed.code or item.key)
        report.occurrences_added += len(added)
        report.occurrences_cancelled += len(cancelled)
        if not dry_run:
            _apply(task, item, added, cancelled)
            entries.append(("task.revised", "task", task.id, before, _snapshot(item)))
    for task in existing.values():
        if task.state == TaskState.REMOVED:
            continue
        report.removed.append(task.code or task.match_key)
        pending = [o for o in task.occurrences if o.status == OccurrenceStatus.PENDING]
        report.occurrences_cancelled += len(pending)
        if not dry_run:
            task.state = TaskState.REMOVED
            for occurrence in pending:
                occurrence.status = OccurrenceStatus.CANCELLED
            entries.append(("task.removed", "task", task.id, _stored_snapshot(task), None))
    if created and stored is not None:
        ids = await _insert_tasks(session, stored.id, created)
        entries += [
            ("task.created", "task", task_id, None, _snapshot(item))
            for task_id, item in zip(ids, created, strict=True)
        ]
    if stored is not None and not dry_run:
        report.plan_id = stored.id
        if not report.nothing_changed:
            stored.source, stored.content_hash = plan.source, data_hash
            stored.imported_at, stored.imported_by = now, actor_id
            entries.append(
                (
                    "plan.imported",
                    "plan",
                    stored.id,
                    None,
                    {
                        "source": plan.source,
                        "sha256": data_hash,
                        "added": len(report.added),
                        "changed": len(report.changed),
                        "removed": len(report.removed),
                    },
                )
            )
        await session.flush()
        await audit.record_many(session, at=now, actor_id=actor_id, org_id=org_id, entries=entries)
    return report


def _snapshot(item: _Wanted) -> dict[str, Any]:
    return {
        **item.fields(),
        "lead": list(item.lead),
        "partners": list(item.partners),
        "due": [d.isoformat() for d in item.due],
    }


def _stored_snapshot(task: Task, wanted: tuple[date, ...] | None = None) -> dict[str, Any]:
    planned = sorted(
        o.planned_date
        for o in task.occurrences
        if o.set_by is None
        and o.status != OccurrenceStatus.CANCELLED
        # A date already done that the file no longer names is kept as history, not a change.
        and not (
            wanted is not None
            and o.status == OccurrenceStatus.DONE
            and o.planned_date not in wanted
        )
    )
    return {
        "code": task.code,
        "section": task.section,
        "dimension": task.dimension,
        "subsection": task.subsection,
        "text": task.text,
        "target": task.target,
        "output": task.output,
        "timeframe_text": task.timeframe_text,
        "timeframe_kind": task.timeframe_kind,
        "offset_days": task.offset_days,
        "offset_working_days": task.offset_working_days,
        "lead": [u.unit_id for u in task.units if u.role == TaskRole.LEAD],
        "partners": [u.unit_id for u in task.units if u.role == TaskRole.PARTNER],
        "due": [d.isoformat() for d in planned],
    }


def _occurrence_changes(task: Task, due: tuple[date, ...]) -> tuple[list[date], list[Occurrence]]:
    by_date = {o.planned_date: o for o in task.occurrences}
    wanted = set(due)
    added = [d for d in due if d not in by_date or by_date[d].status == OccurrenceStatus.CANCELLED]
    cancelled = [
        o
        for o in task.occurrences
        if o.planned_date not in wanted
        and o.set_by is None
        and o.status == OccurrenceStatus.PENDING
    ]
    return added, cancelled


async def _insert_tasks(session: AsyncSession, plan_id: int, items: list[_Wanted]) -> list[int]:
    """Insert new tasks with their units and due dates: one batched statement per table.

    The ORM would send one ``INSERT … RETURNING`` per row on SQLite (thousands for a plan).
    """
    # No RETURNING: SQLite would get one statement per row again. The keys are unique in the
    # plan, so one query reads the new ids back.
    await session.execute(
        insert(_TASKS),
        [
            {
                "plan_id": plan_id,
                "match_key": item.key,
                "position": item.position,
                "flags": {"flags": list(item.parsed.flags)},
                "state": TaskState.ACTIVE,
                **item.fields(),
            }
            for item in items
        ],
    )
    stored = await session.execute(select(Task.match_key, Task.id).where(Task.plan_id == plan_id))
    by_key: dict[str, int] = dict(stored.all())
    ids = [by_key[item.key] for item in items]
    units = [
        {"task_id": task_id, "unit_id": u.unit_id, "role": u.role, "position": u.position}
        for task_id, item in zip(ids, items, strict=True)
        for u in _task_units(item)
    ]
    if units:
        await session.execute(insert(_TASK_UNITS), units)
    occurrences = [
        {
            "task_id": task_id,
            "planned_date": day,
            "due_date": day,
            "status": OccurrenceStatus.PENDING,
        }
        for task_id, item in zip(ids, items, strict=True)
        for day in item.due
    ]
    if occurrences:
        await session.execute(insert(_OCCURRENCES), occurrences)
    return ids


def _task_units(item: _Wanted) -> list[TaskUnit]:
    return [
        TaskUnit(unit_id=unit_id, role=role, position=index)
        for role, ids in ((TaskRole.LEAD, item.lead), (TaskRole.PARTNER, item.partners))
        for index, unit_id in enumerate(ids)
    ]


def _apply(task: Task, item: _Wanted, added: list[date], cancelled: list[Occurrence]) -> None:
    for name, value in item.fields().items():
        setattr(task, name, value)
    task.position = item.position
    task.state = TaskState.ACTIVE
    task.flags = {"flags": list(item.parsed.flags)}
    current = [(u.unit_id, u.role) for u in task.units]
    if current != [(u.unit_id, u.role) for u in _task_units(item)]:
        # Keep the rows of units that stay: deleting and re-inserting the same (unit, role)
        # in one flush breaks the unique constraint (inserts are flushed before deletes).
        kept = {(u.unit_id, u.role): u for u in task.units}
        units: list[TaskUnit] = []
        for wanted in _task_units(item):
            row = kept.pop((wanted.unit_id, wanted.role), wanted)
            row.position = wanted.position
            units.append(row)
        task.units = units
    by_date = {o.planned_date: o for o in task.occurrences}
    for day in added:
        if day in by_date:
            by_date[day].status = OccurrenceStatus.PENDING
        else:
            task.occurrences.append(
                Occurrence(planned_date=day, due_date=day, status=OccurrenceStatus.PENDING)
            )
    for occurrence in cancelled:
        occurrence.status = OccurrenceStatus.CANCELLED
