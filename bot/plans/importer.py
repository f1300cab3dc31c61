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
from typing import Any, Final, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import units
from bot.plans.mapping import Choice, Target, UnmappedUnits, unit_questions
from bot.plans.normalize import one_line
from bot.plans.preview import ParsedPlan, ParsedTask, TimeframeLike
from bot.plans.units import UnitMatch, UnitResolver, best_spelling, group_key
from bot.timeframes import parse_timeframe
from bot.units import Actor, UnitExists
from bot.units.operations import NAME_LIMIT
from db.bulk import insert_rows
from db.models import (
    Occurrence,
    OccurrenceStatus,
    Plan,
    Task,
    TaskRole,
    TaskState,
    TaskUnit,
    UnitKind,
)
from db.names import fold
from db.queries import audit, orgs, plans

TimeframeParser = Callable[[str, int], TimeframeLike]
# Plain tables: the ORM's bulk insert splits rows into groups by which fields are empty.
_TASKS = cast(Table, Task.__table__)
_TASK_UNITS = cast(Table, TaskUnit.__table__)
_OCCURRENCES = cast(Table, Occurrence.__table__)
TITLE_KEY_LIMIT = 300
# New tasks from which the tables' statistics are refreshed: a plan, not a few revisions.
ANALYZE_FROM: Final = 500


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


_KIND_OF: Final = {
    Target.COMMITTEE: UnitKind.COMMITTEE,
    Target.OUTSIDE: UnitKind.OUTSIDE,
    Target.VILLAGES: UnitKind.VILLAGES,
}
# The units a choice of "the whole committee", "outside" or "every village" files tasks under
# (names are data, written in the language plans are written in).
KIND_NAMES: Final = {
    UnitKind.COMMITTEE: "Lãnh đạo UBND",
    UnitKind.OUTSIDE: "Cơ quan ngoài xã",
    UnitKind.VILLAGES: "Các thôn, tổ dân phố",
}


class _Units:
    """Places the plan's unit names: matched ones at once, the others as the mapping says.

    Without a mapping (callers that trust the plan) a name no unit has becomes a new unit, and
    every spelling of one office in the plan goes to the same unit.
    """

    def __init__(
        self,
        session: AsyncSession,
        actor: Actor,
        directory: Mapping[str, int],
        plan: ParsedPlan,
        mapping: Mapping[str, Choice] | None,
    ) -> None:
        self._session = session
        self._actor = actor
        self._resolver = UnitResolver(directory)
        self._mapping = mapping
        self._spellings: dict[str, list[str]] = {}
        for task in plan.tasks:
            for name in (*task.lead, *task.partners):
                group = self._spellings.setdefault(group_key(name), [])
                if name not in group:
                    group.append(name)
        self._placed: dict[str, int] = {}
        self.new: list[str] = []
        self.ambiguous: list[str] = []

    async def place(self, tasks: list[ParsedTask], dry_run: bool) -> None:
        """Place every name the directory does not know, in the plan's order.

        The new units are made together at the end (one look-up, one insert, one audit
        append), then the mapping's answers are remembered as aliases.
        """
        queued: dict[str, tuple[str, UnitKind]] = {}
        answered: list[str] = []
        for task in tasks:
            for name in (*task.lead, *task.partners):
                match = self._resolver.resolve(name)
                key = group_key(name)
                if (match.status == "matched" and match.unit_id is not None) or (
                    key in self._placed or key in queued
                ):
                    continue
                placed = await self._place(key, match, dry_run, queued)
                if isinstance(placed, int):
                    self._placed[key] = placed
                else:
                    queued[key] = placed
                if not dry_run and self._mapping is not None:
                    answered.append(key)
        if queued:
            made = await self._new_units(list(queued.values()))
            self._placed.update(zip(queued, made, strict=True))
        for key in answered:
            await self._remember(key, self._placed[key])

    def ids(self, names: list[str]) -> tuple[int, ...]:
        """The units of ``names``, once each (``place`` has placed the unknown ones)."""
        found: list[int] = []
        for name in names:
            match = self._resolver.resolve(name)
            if match.status == "matched" and match.unit_id is not None:
                found.append(match.unit_id)
            else:
                found.append(self._placed[group_key(name)])
        return tuple(dict.fromkeys(found))

    async def _place(
        self,
        key: str,
        match: UnitMatch,
        dry_run: bool,
        queued: Mapping[str, tuple[str, UnitKind]],
    ) -> int | tuple[str, UnitKind]:
        """The name's unit, or the ``(name, kind)`` of a unit to make for it."""
        choice = None if self._mapping is None else self._mapping.get(key)
        if choice is None and self._mapping is None and match.candidates:
            if match.status == "ambiguous":
                self.ambiguous.append(match.name)
            return min(match.candidates)
        if choice is None and self._mapping is not None and not dry_run:
            raise UnmappedUnits([best_spelling(self._spellings[key])])
        target = Target.NEW if choice is None else choice.target
        if target is Target.UNIT and choice is not None and choice.unit_id is not None:
            if await orgs.unit_in_org(self._session, self._actor.org_id, choice.unit_id) is None:
                # The unit chosen for the name is gone (merged, deleted, another commune's).
                raise UnmappedUnits([best_spelling(self._spellings[key])])
            return choice.unit_id
        if target is Target.NEW:
            name = best_spelling(self._spellings[key])[:NAME_LIMIT]
            self.new.append(name)
            return -len(self.new) if dry_run else (name, UnitKind.OFFICE)
        kind = _KIND_OF[target]
        existing = await orgs.unit_of_kind(self._session, self._actor.org_id, kind)
        if existing is not None:
            return existing.id
        wanted = (KIND_NAMES[kind], kind)
        if wanted in queued.values():
            # An earlier name of this plan already asked for the unit.
            return wanted
        self.new.append(KIND_NAMES[kind])
        return -len(self.new) if dry_run else wanted

    async def _new_units(self, wanted: list[tuple[str, UnitKind]]) -> list[int]:
        try:
            return await units.add_units(self._session, self._actor, wanted)
        except UnitExists:
            # Another admin added one of the names meanwhile: one at a time, as they come.
            return [await self._new_unit(name, kind) for name, kind in wanted]

    async def _new_unit(self, name: str, kind: UnitKind) -> int:
        try:
            return (await units.add_unit(self._session, self._actor, name, (), kind)).unit_id
        except UnitExists:
            # Another group of this plan, or an earlier import, already made the unit.
            found = await orgs.unit_by_name(self._session, self._actor.org_id, name)
            if found is None:
                raise
            return found.id

    async def _remember(self, key: str, unit_id: int) -> None:
        """Keep every spelling the plan used as an alias, so the next import needs no answer."""
        unit = await orgs.unit_in_org(self._session, self._actor.org_id, unit_id)
        if unit is None:
            return
        spellings = [
            name[:NAME_LIMIT]
            for name in self._spellings[key]
            if await orgs.unit_by_name(self._session, self._actor.org_id, name) is None
        ]
        if spellings:
            await units.add_aliases(self._session, self._actor, unit, spellings)


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
    mapping: Mapping[str, Choice] | None = None,
) -> ImportReport:
    """Store ``plan`` for ``org_id`` (or only report what would change when ``dry_run``).

    ``mapping`` answers the plan's unit questions (``bot.plans.mapping``) by their key; with
    a mapping, a name left unanswered stops the import (``UnmappedUnits``) before anything
    is stored, and each answer is remembered as aliases.
    """
    report = ImportReport(plan=plan, dry_run=dry_run)
    directory = await orgs.unit_directory(session, org_id)
    if mapping is not None and not dry_run:
        # Checked before anything is created: a unit made by this import may take the id of
        # one deleted since it was chosen.
        known = set(directory.values())
        missing = [
            q.name
            for q in unit_questions(plan, directory)
            if q.key not in mapping
            or (mapping[q.key].target is Target.UNIT and mapping[q.key].unit_id not in known)
        ]
        if missing:
            raise UnmappedUnits(missing)
    actor = Actor(org_id, actor_id, now)
    plan_units = _Units(session, actor, directory, plan, mapping)
    await plan_units.place(plan.tasks, dry_run)
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
                lead=plan_units.ids(parsed.lead),
                partners=plan_units.ids(parsed.partners),
            )
        )
        report.per_dimension[parsed.dimension or "-"] += 1
        if kind == "unspecified" and not due:
            report.undated.append(parsed.code or str(position + 1))
    report.new_units, report.ambiguous_units = plan_units.new, plan_units.ambiguous

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
        if len(created) >= ANALYZE_FROM:
            await plans.refresh_statistics(session)
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
    await insert_rows(
        session,
        _TASKS,
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
        {"task_id": task_id, "unit_id": unit_id, "role": role, "position": index}
        for task_id, item in zip(ids, items, strict=True)
        for unit_id, role, index in _unit_links(item)
    ]
    await insert_rows(session, _TASK_UNITS, units)
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
    await insert_rows(session, _OCCURRENCES, occurrences)
    return ids


def _unit_links(item: _Wanted) -> list[tuple[int, TaskRole, int]]:
    """``(unit id, role, position)`` of each unit of the task, leads first."""
    return [
        (unit_id, role, index)
        for role, ids in ((TaskRole.LEAD, item.lead), (TaskRole.PARTNER, item.partners))
        for index, unit_id in enumerate(ids)
    ]


def _task_units(item: _Wanted) -> list[TaskUnit]:
    return [
        TaskUnit(unit_id=unit_id, role=role, position=index)
        for unit_id, role, index in _unit_links(item)
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
