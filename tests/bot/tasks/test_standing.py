"""The one progress rule: one occurrence's state, days late, a group's progress, undated tasks."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Final

from docx import Document
from openpyxl import load_workbook

from bot.i18n import Translator
from bot.periods import parse_period
from bot.reports.document import render_document
from bot.reports.figures import figures, task_figures, task_scope
from bot.reports.labels import STATE_LABELS, dimension_groups
from bot.reports.model import ReportFigures
from bot.reports.screen import status_screen
from bot.reports.workbook import render_workbook
from bot.runtime import Runtime
from bot.tasks.standing import (
    DATED,
    DONE,
    STATES,
    UNDATED,
    days_late,
    progress,
    standing,
    undated_standing,
)
from db.models import Occurrence, OccurrenceStatus, Plan, Standing, Task, TaskRole, TaskUnit
from db.queries import orgs, reports
from tests.bot.reports.dataset import VN

AS_OF: Final = date(2024, 9, 16)


def test_one_list_of_states_in_report_order() -> None:
    assert (*DATED, *UNDATED) == STATES
    assert set(DONE) < set(DATED)
    assert [str(s) for s in STATES] == [
        "done_on_time",
        "done_late",
        "overdue",
        "due_soon",
        "pending",
        "ongoing",
        "waiting_event",
        "undated",
    ]
    assert set(STATE_LABELS) == set(STATES)


def test_where_one_occurrence_stands() -> None:
    due = date(2024, 9, 10)
    assert standing(due, due, done=True, as_of=AS_OF) == Standing.DONE_ON_TIME
    assert standing(due, due - timedelta(days=3), done=True, as_of=AS_OF) == Standing.DONE_ON_TIME
    assert standing(due, due + timedelta(days=1), done=True, as_of=AS_OF) == Standing.DONE_LATE
    # Done with no day recorded counts as done on the report's day.
    assert standing(due, None, done=True, as_of=AS_OF) == Standing.DONE_LATE
    assert standing(AS_OF, None, done=True, as_of=AS_OF) == Standing.DONE_ON_TIME
    assert standing(due, None, done=False, as_of=AS_OF) == Standing.OVERDUE
    assert standing(AS_OF, None, done=False, as_of=AS_OF) == Standing.DUE_SOON
    assert standing(AS_OF + timedelta(14), None, done=False, as_of=AS_OF) == Standing.DUE_SOON
    assert standing(AS_OF + timedelta(15), None, done=False, as_of=AS_OF) == Standing.PENDING


def test_days_late() -> None:
    due = date(2024, 10, 31)
    assert days_late(due, None, date(2026, 12, 7)) == 767
    assert days_late(due, date(2024, 11, 5), date(2026, 12, 7)) == 5
    assert days_late(due, date(2024, 10, 30), date(2026, 12, 7)) == 0
    assert days_late(due, None, date(2024, 10, 1)) == 0


def test_tasks_without_a_date() -> None:
    assert undated_standing("ongoing") == Standing.ONGOING
    assert undated_standing("event") == Standing.WAITING_EVENT
    assert undated_standing("unspecified") == Standing.UNDATED
    assert undated_standing("school_year") == Standing.UNDATED


def test_progress_counts_only_dated_tasks() -> None:
    assert progress({"done_on_time": 1, "done_late": 1, "overdue": 1, "ongoing": 5}) == 0.67
    assert progress({"overdue": 2, "pending": 1, "undated": 4}) == 0.0
    assert progress({"done_on_time": 2, "waiting_event": 1}) == 1.0


def test_progress_when_nothing_is_dated_is_unknown_not_zero() -> None:
    assert progress({"ongoing": 3, "waiting_event": 1, "undated": 2}) is None
    assert progress({}) is None


# -- the database applies the same rule -----------------------------------------------------


def _at(day: date) -> datetime:
    return datetime.combine(day, time(16), tzinfo=VN)


async def _plan(runtime: Runtime) -> tuple[int, dict[int, tuple[date, date | None, bool]]]:
    """A plan whose tasks cover every case of the rule; D8's tasks have no date at all."""
    org_id = runtime.dispatcher.deployment.root_org_id
    now = _at(date(2024, 1, 5))
    grid: list[tuple[date, date | None, bool]] = []
    for offset in (-30, -1, 0, 1, 14, 15, 40):
        due = AS_OF + timedelta(days=offset)
        grid.append((due, None, False))
        for done_offset in (-2, 0, 1):
            grid.append((due, due + timedelta(days=done_offset), True))
    known: dict[int, tuple[date, date | None, bool]] = {}
    async with runtime.sessions.begin() as session:
        unit = await orgs.add_unit(session, org_id=org_id, name="Văn phòng", aliases=[], now=now)
        plan = Plan(
            org_id=org_id,
            title="Kế hoạch 2024",
            title_key="ke hoach 2024",
            year=2024,
            source="kh.docx",
            content_hash="0" * 64,
            imported_at=now,
        )
        session.add(plan)
        await session.flush()
        tasks = [
            (f"1.{i}", "D1", "once", [(due, done_on, done)])
            for i, (due, done_on, done) in enumerate(grid, start=1)
        ]
        tasks += [(f"8.{i}", "D8", kind, []) for i, kind in enumerate(("ongoing", "event"), 1)]
        for position, (code, dimension, kind, dates) in enumerate(tasks, start=1):
            task = Task(
                plan_id=plan.id,
                match_key=code,
                position=position,
                code=code,
                section=dimension,
                dimension=dimension,
                text=f"Nhiệm vụ {code}",
                timeframe_text="Quý III" if dates else "Thường xuyên",
                timeframe_kind=kind,
                flags={"flags": []},
            )
            task.units = [TaskUnit(unit_id=unit.id, role=TaskRole.LEAD, position=0)]
            task.occurrences = [
                Occurrence(
                    planned_date=due,
                    due_date=due,
                    status=OccurrenceStatus.DONE if done else OccurrenceStatus.PENDING,
                    done_at=_at(done_on) if done_on else None,
                )
                for due, done_on, done in dates
            ]
            session.add(task)
            await session.flush()
            for occurrence, value in zip(task.occurrences, dates, strict=True):
                known[occurrence.id] = value
    return org_id, known


async def test_the_database_classifies_as_the_rule_does(runtime: Runtime) -> None:
    org_id, known = await _plan(runtime)
    year = parse_period("2024", AS_OF)
    async with runtime.sessions() as session:
        rows = await reports.occurrences(
            session, task_scope([org_id], year, AS_OF, VN, None), DATED
        )
        tasks = await task_figures(session, [org_id], year, AS_OF, VN)
    assert {row.occurrence_id for row in rows} == set(known)
    for row in rows:
        due, done_on, done = known[row.occurrence_id]
        assert row.state == standing(due, done_on, done=done, as_of=AS_OF), (due, done_on, done)
    for item in tasks.listed:
        assert item.occurrence_id is not None
        due, done_on, _ = known[item.occurrence_id]
        assert item.days_late == days_late(due, done_on, AS_OF)
    assert tasks.progress == progress(tasks.counts())


async def test_a_dimension_with_nothing_dated_has_no_progress_anywhere(runtime: Runtime) -> None:
    """The figures, the chat, the document, the workbook and the public page agree: "—"."""
    org_id, _ = await _plan(runtime)
    year = parse_period("2024", AS_OF)
    async with runtime.sessions() as session:
        data = await figures(session, org_id=org_id, period=year, as_of=AS_OF, tz=VN)
    d8 = next(row for row in data.tasks.by_dimension if row.dimension == "D8")
    assert (d8.counts.ongoing, d8.counts.waiting_event, d8.progress) == (1, 1, None)
    assert (
        next(r for r in data.to_json()["tasks"]["by_dimension"] if r["dimension"] == "D8")[
            "progress"
        ]
        is None
    )
    assert ReportFigures.from_json(data.to_json()).to_json() == data.to_json()
    group = next(g for g in dimension_groups(data.tasks) if g.code == "D8")
    assert group.progress is None
    t = Translator("en", VN)
    screen = status_screen(data, "2024", t).splitlines()
    assert "D8    ░░░░░░░░░░ — (0 done, 0 overdue)" in screen
    document = Document(io.BytesIO(render_document(data, t)))
    lines = [p.text for p in document.paragraphs]
    d8_line = next(line for line in lines if line.startswith("- Tasks: 2;"))
    assert d8_line.endswith("Progress: —.")
    book = load_workbook(io.BytesIO(render_workbook(data, t)))
    rows = list(book[t._("By dimension")].iter_rows(min_row=2, values_only=True))
    d8_row = next(row for row in rows if row[0] == "D8")
    assert d8_row[-1] is None
    d1_row = next(row for row in rows if row[0] == "D1")
    assert d1_row[-1] == data.tasks.by_dimension[0].progress
