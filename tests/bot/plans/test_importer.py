"""Storing parsed plans: units, tasks and due dates in one go; re-imports apply differences."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.clock import ManualClock
from bot.plans import importer, parse_plan
from bot.plans.importer import ImportReport, content_hash, import_plan
from bot.runtime import Runtime
from bot.units import find_unit
from db.models import (
    AuditEntry,
    Occurrence,
    OccurrenceStatus,
    Plan,
    Task,
    TaskRole,
    TaskState,
    Unit,
)
from db.queries import orgs, plans
from tests.bot.plans.builders import PLANS
from tests.handlers.test_common import count, root_org, snapshot

COUNTS = {"luongson-2024": 47, "donghoa-2021-pl1": 34}
FILES = sorted(f"{stem}.{ext}" for stem in COUNTS for ext in ("docx", "xlsx", "csv"))


async def run_import(runtime: Runtime, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Parse ``path`` against the organization's units and import it, as the CLI does."""
    org_id = root_org(runtime)
    data = await asyncio.to_thread(path.read_bytes)
    async with runtime.sessions.begin() as session:
        directory = await orgs.unit_directory(session, org_id)
        plan = await asyncio.to_thread(parse_plan, path, directory=directory)
        return await import_plan(
            session,
            org_id=org_id,
            plan=plan,
            data_hash=content_hash(data),
            actor_id=None,
            now=runtime.clock.now(),
            dry_run=dry_run,
        )


async def stored_tasks(runtime: Runtime) -> dict[str, Task]:
    """Every stored task by code (units and occurrences loaded)."""
    async with runtime.sessions() as session:
        plan_id = await session.scalar(select(Plan.id))
        assert plan_id is not None
        return {t.code: t for t in await plans.tasks_of_plan(session, plan_id)}


async def occurrence_rows(runtime: Runtime) -> list[tuple[Any, ...]]:
    async with runtime.sessions() as session:
        rows = await session.execute(
            select(
                Occurrence.id,
                Occurrence.task_id,
                Occurrence.planned_date,
                Occurrence.due_date,
                Occurrence.status,
            ).order_by(Occurrence.id)
        )
        return [tuple(row) for row in rows]


async def unit_ids(runtime: Runtime) -> dict[str, int]:
    async with runtime.sessions() as session:
        return {u.name: u.id for u in await orgs.list_units(session, root_org(runtime))}


async def unit_of(runtime: Runtime, written: str) -> int:
    """The unit a name as written in a plan went to."""
    async with runtime.sessions() as session:
        unit = await find_unit(session, root_org(runtime), written)
        return unit.id


def without(rows: Mapping[str, list[tuple[Any, ...]]], *tables: str) -> dict[str, Any]:
    return {k: v for k, v in rows.items() if k not in tables}


@pytest.mark.parametrize("name", FILES)
async def test_every_real_plan_imports_with_its_tasks_units_and_dates(
    runtime: Runtime, name: str
) -> None:
    path = PLANS / name
    expected = COUNTS[path.stem]
    report = await run_import(runtime, path)
    assert report.created_plan
    assert not report.dry_run
    assert len(report.added) == expected
    assert (report.changed, report.removed, report.unchanged) == ([], [], 0)
    assert sum(report.per_dimension.values()) == expected

    assert await count(runtime, Task) == expected
    assert await count(runtime, Occurrence) == report.occurrences_added
    async with runtime.sessions() as session:
        [plan] = (await session.scalars(select(Plan))).all()
        assert plan.id == report.plan_id
        assert plan.year == report.plan.year
        assert plan.content_hash == content_hash(path.read_bytes())
        assert plan.source == name
        created = await session.scalar(
            select(func.count()).where(AuditEntry.action == "task.created")
        )
        assert created == expected

    # Units: every name the plan uses is now a unit, created once and reported as new.
    units = await unit_ids(runtime)
    assert sorted(units) == sorted(report.new_units)
    assert len(set(report.new_units)) == len(report.new_units)
    tasks = await stored_tasks(runtime)
    for parsed in report.plan.tasks:
        task = tasks[parsed.code] if parsed.code else None
        if task is None:
            continue
        lead = [u.unit_id for u in task.units if u.role == TaskRole.LEAD]
        partners = [u.unit_id for u in task.units if u.role == TaskRole.PARTNER]
        assert bool(lead) == bool(parsed.lead), parsed.code
        assert bool(partners) == bool(parsed.partners), parsed.code
        assert len(lead) <= len(parsed.lead)
        assert len(partners) <= len(parsed.partners)
        assert set(lead + partners) <= set(units.values())
        if parsed.lead or parsed.partners:
            assert "new_unit" in task.flags["flags"], parsed.code
    # Against the units now known, the same file flags no unit as new.
    async with runtime.sessions() as session:
        directory = await orgs.unit_directory(session, root_org(runtime))
    again = parse_plan(path, directory=directory)
    assert not any("new_unit" in t.flags for t in again.tasks)


@pytest.mark.parametrize("name", ["luongson-2024.docx", "donghoa-2021-pl1.xlsx"])
async def test_importing_the_same_file_twice_changes_nothing(
    runtime: Runtime, clock: ManualClock, name: str
) -> None:
    path = PLANS / name
    first = await run_import(runtime, path)
    before = await snapshot(runtime)
    occurrences = await occurrence_rows(runtime)
    audit_rows = await count(runtime, AuditEntry)

    clock.advance(timedelta(days=3))
    second = await run_import(runtime, path)
    assert second.nothing_changed
    assert (second.added, second.changed, second.removed) == ([], [], [])
    assert second.unchanged == len(first.added)
    assert (second.occurrences_added, second.occurrences_cancelled) == (0, 0)
    assert second.new_units == []
    assert second.plan_id == first.plan_id
    assert await count(runtime, AuditEntry) == audit_rows
    assert await occurrence_rows(runtime) == occurrences
    assert await snapshot(runtime) == before


def write_revised(source: Path, folder: Path) -> Path:
    """luongson-2024.csv with 1.1 due earlier, 1.3 removed, 9.5 added and 2.1 led by VP-TK."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    revised: list[list[str]] = []
    for row in rows:
        code = row[0]
        if code == "1.3":
            continue
        if code == "1.1":
            assert row[4] == "Quý IV/2024"
            row = [*row[:4], "Quý II/2024"]
        if code == "2.1":
            assert row[2] == "CC TP- HT"
            row = [row[0], row[1], "CC VP- TK", *row[3:]]
        revised.append(row)
    revised.append(
        [
            "9.5",
            "Tổ chức khảo sát mức độ hài lòng của người dân về dịch vụ công trực tuyến",
            "CC VH- TT",
            "",
            "Quý III/2024",
        ]
    )
    target = folder / source.name  # the same name: a CSV's title comes from its file name
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(revised)
    return target


async def mark_done(runtime: Runtime, task_id: int) -> int:
    """Mark a task's first occurrence done; return its id."""
    async with runtime.sessions.begin() as session:
        occurrence = await session.scalar(
            select(Occurrence).where(Occurrence.task_id == task_id).order_by(Occurrence.due_date)
        )
        assert occurrence is not None
        occurrence.status = OccurrenceStatus.DONE
        occurrence.done_at = runtime.clock.now()
        return occurrence.id


async def test_a_revised_file_applies_exactly_its_difference(
    runtime: Runtime, tmp_path: Path
) -> None:
    original = PLANS / "luongson-2024.csv"
    await run_import(runtime, original)
    tasks = await stored_tasks(runtime)
    units = await unit_ids(runtime)
    done_11 = await mark_done(runtime, tasks["1.1"].id)
    done_13 = await mark_done(runtime, tasks["1.3"].id)
    done_14 = await mark_done(runtime, tasks["9.1"].id) if tasks["9.1"].occurrences else None
    untouched = {
        code: (t.id, [(o.id, o.planned_date) for o in t.occurrences])
        for code, t in tasks.items()
        if code not in {"1.1", "1.3", "2.1"}
    }
    audit_before = await count(runtime, AuditEntry)

    revised = write_revised(original, tmp_path)
    preview = await run_import(runtime, revised, dry_run=True)
    report = await run_import(runtime, revised)
    for r in (preview, report):
        assert not r.created_plan
        assert r.added == ["9.5"]
        assert r.removed == ["1.3"]
        assert sorted(r.changed) == ["1.1", "2.1"]
        assert r.unchanged == 47 - 3
        assert r.new_units == []
        assert (r.occurrences_added, r.occurrences_cancelled) == (2, 0)

    after = await stored_tasks(runtime)
    # 1.1: the new date is added; the occurrence already done stays done.
    assert [(o.id, o.planned_date, o.status) for o in after["1.1"].occurrences] == [
        (after["1.1"].occurrences[0].id, date(2024, 6, 30), OccurrenceStatus.PENDING),
        (done_11, date(2024, 12, 31), OccurrenceStatus.DONE),
    ]
    assert after["1.1"].timeframe_text == "Quý II/2024"
    # 1.3: removed from the plan, its recorded progress kept.
    assert after["1.3"].state == TaskState.REMOVED
    assert [(o.id, o.status) for o in after["1.3"].occurrences] == [
        (done_13, OccurrenceStatus.DONE)
    ]
    # 2.1: led by VP-TK now.
    assert [(u.unit_id, u.role) for u in after["2.1"].units if u.role == TaskRole.LEAD] == [
        (await unit_of(runtime, "CC VP- TK"), TaskRole.LEAD)
    ]
    # 9.5: added, led by an existing unit, due at the end of the third quarter.
    assert after["9.5"].state == TaskState.ACTIVE
    assert [u.unit_id for u in after["9.5"].units] == [await unit_of(runtime, "CC VH- TT")]
    assert [o.planned_date for o in after["9.5"].occurrences] == [date(2024, 9, 30)]
    # Everything else is exactly as it was.
    assert {
        code: (t.id, [(o.id, o.planned_date) for o in t.occurrences])
        for code, t in after.items()
        if code in untouched
    } == untouched
    if done_14 is not None:
        assert [o.status for o in after["9.1"].occurrences if o.id == done_14] == [
            OccurrenceStatus.DONE
        ]
    assert await unit_ids(runtime) == units

    async with runtime.sessions() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).order_by(AuditEntry.id).offset(audit_before)
            )
        )
    assert sorted(actions) == sorted(
        ["task.revised", "task.revised", "task.removed", "task.created", "plan.imported"]
    )

    # The revised file again: nothing more changes.
    assert (await run_import(runtime, revised)).nothing_changed
    # The original again: 1.3 comes back with its progress, 9.5 goes, 1.1's done date stays done.
    back = await run_import(runtime, original)
    assert back.added == []
    assert back.removed == ["9.5"]
    assert sorted(back.changed) == ["1.1", "1.3", "2.1"]
    restored = await stored_tasks(runtime)
    assert restored["1.3"].state == TaskState.ACTIVE
    assert [(o.id, o.status) for o in restored["1.3"].occurrences] == [
        (done_13, OccurrenceStatus.DONE)
    ]
    assert {(o.planned_date, o.status) for o in restored["1.1"].occurrences} == {
        (date(2024, 6, 30), OccurrenceStatus.CANCELLED),
        (date(2024, 12, 31), OccurrenceStatus.DONE),
    }
    assert restored["9.5"].state == TaskState.REMOVED


async def test_a_dry_run_changes_nothing_and_reports_what_would_change(
    runtime: Runtime,
) -> None:
    path = PLANS / "donghoa-2021-pl1.docx"
    before = await snapshot(runtime)
    preview = await run_import(runtime, path, dry_run=True)
    assert await snapshot(runtime) == before
    assert preview.dry_run
    assert preview.created_plan
    assert preview.plan_id is None
    real = await run_import(runtime, path)
    for field in ("added", "changed", "removed", "occurrences_added", "new_units", "undated"):
        assert getattr(preview, field) == getattr(real, field), field
    assert preview.per_dimension == real.per_dimension
    after_import = await snapshot(runtime)
    assert (await run_import(runtime, path, dry_run=True)).nothing_changed
    assert await snapshot(runtime) == after_import


async def test_an_import_is_one_transaction(runtime: Runtime) -> None:
    path = PLANS / "luongson-2024.xlsx"
    before = await snapshot(runtime)
    async with runtime.sessions() as session:
        report = await import_plan(
            session,
            org_id=root_org(runtime),
            plan=parse_plan(path),
            data_hash=content_hash(path.read_bytes()),
            actor_id=None,
            now=runtime.clock.now(),
            dry_run=False,
        )
        assert report.plan_id is not None
        assert await session.scalar(select(func.count()).select_from(Task)) == 47
        await session.rollback()
    assert await snapshot(runtime) == before
    assert await count(runtime, Unit) == 0


@pytest.mark.parametrize("large_from", [10, 1000])
async def test_a_large_import_refreshes_the_statistics_in_its_transaction(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, large_from: int
) -> None:
    monkeypatch.setattr(importer, "ANALYZE_FROM", large_from)
    path = PLANS / "luongson-2024.xlsx"
    first = await run_import(runtime, path)
    assert len(first.added) == 47
    async with runtime.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            tuples = await session.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'tasks'")
            )
            # -1: never analyzed (autovacuum waits a minute, and far more rows).
            assert tuples == (47 if large_from == 10 else -1)
    stored = await occurrence_rows(runtime)
    again = await run_import(runtime, path)
    assert again.nothing_changed
    assert await occurrence_rows(runtime) == stored
