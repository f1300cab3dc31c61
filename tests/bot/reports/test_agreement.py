"""A report says the same thing everywhere: the .docx body, its annex, the .xlsx and the JSON.

Issue 12, item 15: in a Q4 report the body counted 14 overdue tasks, the annex listed 8, and
one row paired 31/10/2024 with "706 ngày" where the body said 767. Plans repeat codes, a
recurring task has a due date every month, so the rows are occurrences, never codes.

The dataset: three plans of one commune, figures as of 7 December 2026.

=====  ======  ===  ====  ==========  ===============================  ===========================
plan   code    dim  unit  due         what happened                    in Q4/2024 on 7/12/2026
=====  ======  ===  ====  ==========  ===============================  ===========================
A2024  1 (a)   D1   VP    31/10/2024  -                                overdue 767 days
A2024  1 (a)   D1   VP    30/11/2024  done 05/12/2024                  done late, 5 days
A2024  1 (a)   D1   VP    31/12/2024  done 20/12/2024                  done on time
A2024  1 (b)   D2   TP    15/10/2024  - (the plan repeats code 1)      overdue 783 days
A2024  2       D3   VP    31/10/2024  done 31/10/2024                  done on time
A2024  3       D8   TP    20/11/2024  blocked, done 25/11/2024         done late, 5 days
A2024  7       D1   VP    15/11/2024  cancelled                        not counted
A2024  4,5,6   D1   VP    -           no date, ongoing, event          undated, ongoing, waiting
B2024  1 (c)   D5   TP    31/10/2024  - (same code, same day as 1a)    overdue 767 days
B2024  1 (d)   D5   VP    15/12/2024  done 10/01/2025                  done late, 26 days
B2024  2       D6   VP    30/11/2024  asked for more time              overdue 737 days
B2024  3       D2   TP    10/10/2024  moved to 30/11 only on 20/10     overdue 788 days (from 10/10)
C2023  1       D1   VP    31/12/2023  -                                (2023) overdue 1,072 days
C2023  2       D1   TP    15/11/2023  done 20/10/2024                  (2023) done late, 340 days
C2023  3       D1   VP    -           ongoing                          (2023) ongoing
=====  ======  ===  ====  ==========  ===============================  ===========================
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Final

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from bot.i18n import Translator
from bot.periods import Period, parse_period, quarter
from bot.reports.delivery import DOCX, XLSX, report_replies
from bot.reports.figures import figures
from bot.reports.labels import state_label
from bot.runtime import Runtime
from bot.tasks.standing import STATES
from db.models import (
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Occurrence,
    OccurrenceStatus,
    Person,
    Plan,
    Standing,
    Task,
    TaskEvent,
    TaskRole,
    TaskState,
    TaskUnit,
)
from db.queries import orgs
from tests.bot.reports.dataset import VN

AS_OF: Final = date(2026, 12, 7)
VP: Final = "Văn phòng - Thống kê"
TP: Final = "Tư pháp - Hộ tịch"
T: Final = Translator("vi", VN)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=VN)


@dataclass(frozen=True, slots=True)
class Row:
    """One listed occurrence, as every format must show it."""

    code: str
    task: str
    due: date
    standing: Standing
    days_late: int
    done_on: date | None = None


# Q4/2024, written by hand from the table above.
Q4_ROWS: Final = (
    Row("1", "Họp dân hằng tháng", date(2024, 10, 31), Standing.OVERDUE, 767),
    Row("1", "Họp dân hằng tháng", date(2024, 11, 30), Standing.DONE_LATE, 5, date(2024, 12, 5)),
    Row(
        "1", "Họp dân hằng tháng", date(2024, 12, 31), Standing.DONE_ON_TIME, 0, date(2024, 12, 20)
    ),
    Row("1", "Niêm yết danh sách hộ nghèo", date(2024, 10, 15), Standing.OVERDUE, 783),
    Row(
        "2",
        "Tiếp công dân định kỳ",
        date(2024, 10, 31),
        Standing.DONE_ON_TIME,
        0,
        date(2024, 10, 31),
    ),
    Row(
        "3",
        "Phúc đáp trên cổng thông tin",
        date(2024, 11, 20),
        Standing.DONE_LATE,
        5,
        date(2024, 11, 25),
    ),
    Row("1", "Rà soát thủ tục một cửa", date(2024, 10, 31), Standing.OVERDUE, 767),
    Row("1", "Số hóa hồ sơ hộ tịch", date(2024, 12, 15), Standing.DONE_LATE, 26, date(2025, 1, 10)),
    Row("2", "Sửa đường liên thôn", date(2024, 11, 30), Standing.OVERDUE, 737),
    Row("3", "Công khai thu chi ngân sách", date(2024, 10, 10), Standing.OVERDUE, 788),
)
Q4_COUNTS: Final = {
    Standing.DONE_ON_TIME: 2,
    Standing.DONE_LATE: 3,
    Standing.OVERDUE: 5,
    Standing.DUE_SOON: 0,
    Standing.PENDING: 0,
    Standing.ONGOING: 1,
    Standing.WAITING_EVENT: 1,
    Standing.UNDATED: 1,
}
Y2023_ROWS: Final = (
    Row("1", "Họp dân năm 2023", date(2023, 12, 31), Standing.OVERDUE, 1072),
    Row("2", "Tổng kết năm 2023", date(2023, 11, 15), Standing.DONE_LATE, 340, date(2024, 10, 20)),
)
Y2023_COUNTS: Final = {
    **dict.fromkeys(STATES, 0),
    Standing.OVERDUE: 1,
    Standing.DONE_LATE: 1,
    Standing.ONGOING: 1,
}


class _Plans:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.org_id = runtime.dispatcher.deployment.root_org_id
        self.units: dict[str, int] = {}
        self.position = 0

    async def build(self) -> None:
        now = at(date(2023, 1, 5))
        async with self.runtime.sessions.begin() as session:
            for name in (VP, TP):
                unit = await orgs.add_unit(
                    session, org_id=self.org_id, name=name, aliases=[], now=now
                )
                self.units[name] = unit.id
            official = Person(display_name="Cán bộ", locale="vi", created_at=now)
            leader = Person(display_name="Chủ tịch", locale="vi", created_at=now)
            session.add_all([official, leader])
            await session.flush()

            plan_a = await self._plan(session, "Kế hoạch PAPI năm 2024", 2024)
            await self._task(
                session,
                plan_a,
                "1",
                "Họp dân hằng tháng",
                "D1",
                VP,
                [
                    (date(2024, 10, 31), None, None),
                    (date(2024, 11, 30), None, date(2024, 12, 5)),
                    (date(2024, 12, 31), None, date(2024, 12, 20)),
                ],
                kind="recurring",
            )
            await self._task(
                session,
                plan_a,
                "1",
                "Niêm yết danh sách hộ nghèo",
                "D2",
                TP,
                [(date(2024, 10, 15), None, None)],
            )
            await self._task(
                session,
                plan_a,
                "2",
                "Tiếp công dân định kỳ",
                "D3",
                VP,
                [(date(2024, 10, 31), None, date(2024, 10, 31))],
                evidence="bien-ban-tiep-dan.pdf",
            )
            (late,) = await self._task(
                session,
                plan_a,
                "3",
                "Phúc đáp trên cổng thông tin",
                "D8",
                TP,
                [(date(2024, 11, 20), None, date(2024, 11, 25))],
            )
            self._event(session, late, EventKind.BLOCKED, at(date(2024, 11, 19)), "Mất mạng")
            (cancelled,) = await self._task(
                session,
                plan_a,
                "7",
                "Hội nghị bị hủy",
                "D1",
                VP,
                [(date(2024, 11, 15), None, None)],
            )
            cancelled.status = OccurrenceStatus.CANCELLED
            await self._task(session, plan_a, "4", "Chưa có hạn", "D1", VP, [], kind="unspecified")
            await self._task(session, plan_a, "5", "Thường xuyên", "D1", VP, [], kind="ongoing")
            await self._task(session, plan_a, "6", "Khi có văn bản", "D1", VP, [], kind="event")

            plan_b = await self._plan(session, "Kế hoạch cải cách hành chính năm 2024", 2024)
            await self._task(
                session,
                plan_b,
                "1",
                "Rà soát thủ tục một cửa",
                "D5",
                TP,
                [(date(2024, 10, 31), None, None)],
            )
            await self._task(
                session,
                plan_b,
                "1",
                "Số hóa hồ sơ hộ tịch",
                "D5",
                VP,
                [(date(2024, 12, 15), None, date(2025, 1, 10))],
            )
            (asked,) = await self._task(
                session,
                plan_b,
                "2",
                "Sửa đường liên thôn",
                "D6",
                VP,
                [(date(2024, 11, 30), None, None)],
            )
            self._event(session, asked, EventKind.MORE_TIME, at(date(2024, 11, 28)), "Chờ vốn")
            (moved,) = await self._task(
                session,
                plan_b,
                "3",
                "Công khai thu chi ngân sách",
                "D2",
                TP,
                [(date(2024, 10, 10), date(2024, 11, 30), None)],
            )
            # Approved ten days after the planned day: the due date does not move.
            session.add(
                ExtensionRequest(
                    occurrence_id=moved.id,
                    requested_by=official.id,
                    proposed=date(2024, 11, 30),
                    reason="Chờ số liệu",
                    status=ExtensionStatus.APPROVED,
                    decided_by=leader.id,
                    decided_at=at(date(2024, 10, 20)),
                    created_at=at(date(2024, 10, 8)),
                )
            )

            plan_c = await self._plan(session, "Kế hoạch PAPI năm 2023", 2023)
            await self._task(
                session,
                plan_c,
                "1",
                "Họp dân năm 2023",
                "D1",
                VP,
                [(date(2023, 12, 31), None, None)],
            )
            await self._task(
                session,
                plan_c,
                "2",
                "Tổng kết năm 2023",
                "D1",
                TP,
                [(date(2023, 11, 15), None, date(2024, 10, 20))],
            )
            await self._task(
                session, plan_c, "3", "Thường xuyên 2023", "D1", VP, [], kind="ongoing"
            )

    async def _plan(self, session: Any, title: str, year: int) -> Plan:
        plan = Plan(
            org_id=self.org_id,
            title=title,
            title_key=title.lower(),
            year=year,
            source=f"{title}.docx",
            content_hash="0" * 64,
            imported_at=at(date(year, 1, 5)),
        )
        session.add(plan)
        await session.flush()
        return plan

    async def _task(
        self,
        session: Any,
        plan: Plan,
        code: str,
        text: str,
        dimension: str,
        unit: str,
        dates: list[tuple[date, date | None, date | None]],
        *,
        kind: str = "once",
        evidence: str | None = None,
    ) -> list[Occurrence]:
        self.position += 1
        position = self.position
        task = Task(
            plan_id=plan.id,
            match_key=f"{position}:{code}",
            position=position,
            code=code,
            section=dimension,
            dimension=dimension,
            text=text,
            timeframe_text="Quý IV" if dates else "Thường xuyên",
            timeframe_kind=kind,
            flags={"flags": []},
            state=TaskState.ACTIVE,
        )
        task.units = [TaskUnit(unit_id=self.units[unit], role=TaskRole.LEAD, position=0)]
        task.occurrences = [
            Occurrence(
                planned_date=planned,
                due_date=moved or planned,
                status=OccurrenceStatus.DONE if done else OccurrenceStatus.PENDING,
                done_at=at(done, 16) if done else None,
            )
            for planned, moved, done in dates
        ]
        session.add(task)
        await session.flush()
        for occurrence, (_, _, done) in zip(task.occurrences, dates, strict=True):
            if done is not None:
                note = evidence or "Đã xong"
                self._event(session, occurrence, EventKind.DONE, at(done, 16), note)
        return list(task.occurrences)

    def _event(
        self, session: Any, occurrence: Occurrence, kind: EventKind, when: datetime, note: str
    ) -> None:
        session.add(
            TaskEvent(
                task_id=occurrence.task_id,
                occurrence_id=occurrence.id,
                kind=kind,
                at=when,
                note=note,
            )
        )


# -- reading the files back ----------------------------------------------------------------


def _pattern(text: str, **groups: str) -> re.Pattern[str]:
    """A message as the catalog words it, with named groups where its values go."""
    escaped = re.escape(text)
    for name, sentinel in groups.items():
        escaped = escaped.replace(re.escape(sentinel), f"(?P<{name}>.+?)")
    return re.compile(f"^{escaped}$")


def _number(text: str) -> int:
    return int(text.replace(".", "").replace(",", ""))


def _day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


N_SENTINEL: Final = 987_654
LATE_LINE: Final = _pattern(
    T.ngettext(
        "{code} {task} ({unit}): due {due}, {n} day late, {status}. Reasons: {reasons}.",
        "{code} {task} ({unit}): due {due}, {n} days late, {status}. Reasons: {reasons}.",
        N_SENTINEL,
        code="§code§",
        task="§task§",
        unit="§unit§",
        due="§due§",
        status="§status§",
        reasons="§reasons§",
    ),
    code="§code§",
    task="§task§",
    unit="§unit§",
    due="§due§",
    n=T.number(N_SENTINEL),
    status="§status§",
    reasons="§reasons§",
)
ANNEX_DONE: Final = _pattern(T._("Done on time ({date})", date="§date§"), done="§date§")
ANNEX_LATE: Final = _pattern(
    T.ngettext("Done {date}, {n} day late", "Done {date}, {n} days late", N_SENTINEL, date="§d§"),
    done="§d§",
    n=T.number(N_SENTINEL),
)
ANNEX_OVERDUE: Final = _pattern(
    T.ngettext("Overdue by {n} day", "Overdue by {n} days", N_SENTINEL), n=T.number(N_SENTINEL)
)


def _late_row(match: re.Match[str], standing: Standing) -> Row:
    done = match["status"] != T._("not done as of the report date")
    done_on = _day(match["status"].rsplit(" ", 1)[-1]) if done else None
    return Row(
        match["code"], match["task"], _day(match["due"]), standing, _number(match["n"]), done_on
    )


@dataclass
class DocumentSays:
    """What the Word document states, read back."""

    states: dict[str, int]
    overdue_count: int
    overdue_lines: list[Row]
    late_lines: list[Row]
    annex: list[Row]


def read_document(doc: DocumentObject) -> DocumentSays:
    paragraphs = [p.text for p in doc.paragraphs]
    state_table = next(table for table in doc.tables if table.rows[0].cells[0].text == T._("State"))
    states = {row.cells[0].text: _number(row.cells[1].text) for row in state_table.rows[1:]}
    header = _pattern(
        T.ngettext(
            "{n} task is overdue and not done:",
            "{n} tasks are overdue and not done:",
            N_SENTINEL,
        ),
        n=T.number(N_SENTINEL),
    )
    overdue_count, overdue_lines, late_lines = 0, [], []
    for index, text in enumerate(paragraphs):
        if (found := header.match(text.removeprefix("- "))) is not None:
            overdue_count = _number(found["n"])
            for line in paragraphs[index + 1 :]:
                if not line.startswith("+ "):
                    break
                match = LATE_LINE.match(line.removeprefix("+ "))
                assert match is not None, line
                overdue_lines.append(_late_row(match, Standing.OVERDUE))
        elif text.startswith("- ") and (match := LATE_LINE.match(text[2:])) is not None:
            done = match["status"] != T._("not done as of the report date")
            late_lines.append(_late_row(match, Standing.DONE_LATE if done else Standing.OVERDUE))
    annex_table = doc.tables[-1]
    assert annex_table.rows[0].cells[1].text == T._("Plan code")
    annex: list[Row] = []
    for row in annex_table.rows[1:]:
        _, code, task, _unit, due, result, _note = (cell.text for cell in row.cells)
        if (found := ANNEX_DONE.match(result)) is not None:
            annex.append(Row(code, task, _day(due), Standing.DONE_ON_TIME, 0, _day(found["done"])))
        elif (found := ANNEX_LATE.match(result)) is not None:
            annex.append(
                Row(
                    code,
                    task,
                    _day(due),
                    Standing.DONE_LATE,
                    _number(found["n"]),
                    _day(found["done"]),
                )
            )
        else:
            found = ANNEX_OVERDUE.match(result)
            assert found is not None, result
            annex.append(Row(code, task, _day(due), Standing.OVERDUE, _number(found["n"])))
    return DocumentSays(states, overdue_count, overdue_lines, late_lines, annex)


@dataclass
class WorkbookSays:
    """What the workbook states, read back."""

    summary: dict[str, Any]
    late: list[Row]
    done: list[Row]


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def read_workbook(book: Workbook) -> WorkbookSays:
    summary = {
        str(label): value for label, value in book[T._("Summary")].iter_rows(values_only=True)
    }
    late: list[Row] = []
    for code, task, _dim, _unit, due, days, done_on, _reasons in book[
        T._("Late and overdue")
    ].iter_rows(min_row=2, values_only=True):
        when, finished = _as_date(due), _as_date(done_on)
        assert when is not None
        assert isinstance(days, int)
        standing = Standing.DONE_LATE if finished else Standing.OVERDUE
        late.append(Row(str(code), str(task), when, standing, days, finished))
    done: list[Row] = []
    for code, task, _dim, _unit, due, done_on, on_time, _evidence in book[
        T._("Evidence")
    ].iter_rows(min_row=2, values_only=True):
        when, finished = _as_date(due), _as_date(done_on)
        assert when is not None
        assert finished is not None
        standing = Standing.DONE_ON_TIME if on_time == T._("Yes") else Standing.DONE_LATE
        days = 0 if standing == Standing.DONE_ON_TIME else (finished - when).days
        done.append(Row(str(code), str(task), when, standing, days, finished))
    return WorkbookSays(summary, late, done)


def read_json(
    data: dict[str, Any],
) -> tuple[dict[Standing, int], list[Row], list[Row], list[Row]]:
    tasks = data["tasks"]
    counts = {state: tasks[state] for state in STATES}
    late = [
        Row(
            i["code"],
            i["task"],
            date.fromisoformat(i["due"]),
            Standing.DONE_LATE if i["done_on"] else Standing.OVERDUE,
            i["days_late"],
            date.fromisoformat(i["done_on"]) if i["done_on"] else None,
        )
        for i in tasks["late"]
    ]
    done = [
        Row(
            i["code"],
            i["task"],
            date.fromisoformat(i["due"]),
            Standing.DONE_LATE if i["late"] else Standing.DONE_ON_TIME,
            (date.fromisoformat(i["done_on"]) - date.fromisoformat(i["due"])).days
            if i["late"]
            else 0,
            date.fromisoformat(i["done_on"]),
        )
        for i in tasks["done"]
    ]
    most = [
        Row(i["code"], i["task"], date.fromisoformat(i["due"]), Standing.OVERDUE, i["days_late"])
        for i in tasks["most_overdue"]
    ]
    return counts, late, done, most


# -- the test --------------------------------------------------------------------------------


async def _report(runtime: Runtime, period: Period) -> tuple[dict[str, Any], bytes, bytes]:
    org_id = runtime.dispatcher.deployment.root_org_id
    async with runtime.sessions() as session:
        typed = await figures(session, org_id=org_id, period=period, as_of=AS_OF, tz=VN)
    files = {r.file.mime_type: r.file.content for r in report_replies(typed, period, T) if r.file}
    document, book = files[DOCX], files[XLSX]
    assert document is not None
    assert book is not None
    return json.loads(json.dumps(typed.to_json(), ensure_ascii=False)), document, book


def _bag(rows: list[Row] | tuple[Row, ...]) -> Counter[Row]:
    return Counter(rows)


@pytest.mark.parametrize(
    ("period", "rows", "counts"),
    [
        (quarter(2024, 4), Q4_ROWS, Q4_COUNTS),
        (parse_period("2024", AS_OF), Q4_ROWS, Q4_COUNTS),
        (parse_period("2023", AS_OF), Y2023_ROWS, Y2023_COUNTS),
    ],
    ids=["Q4-2024", "2024", "2023"],
)
async def test_body_annex_workbook_and_json_agree(
    runtime: Runtime, period: Period, rows: tuple[Row, ...], counts: dict[Standing, int]
) -> None:
    await _Plans(runtime).build()
    data, document, book = await _report(runtime, period)
    overdue = [r for r in rows if r.standing == Standing.OVERDUE]
    late = [r for r in rows if r.standing in (Standing.DONE_LATE, Standing.OVERDUE)]
    done = [r for r in rows if r.standing in (Standing.DONE_ON_TIME, Standing.DONE_LATE)]

    # The JSON: counts, and every late and done occurrence with its own days.
    json_counts, json_late, json_done, json_most = read_json(data)
    assert json_counts == counts
    assert data["tasks"]["total"] == sum(counts.values())
    assert _bag(json_late) == _bag(late)
    assert _bag(json_done) == _bag(done)
    assert _bag(json_most) == _bag(sorted(overdue, key=lambda r: -r.days_late)[:5])

    # The document's body: the table of states, the overdue count and its lines, and the
    # late lines of each dimension.
    says = read_document(Document(io.BytesIO(document)))
    assert says.states == {state_label(s, T): n for s, n in counts.items()} | {
        T._("Total"): sum(counts.values())
    }
    assert says.overdue_count == len(overdue) == len(says.overdue_lines)
    assert _bag(says.overdue_lines) == _bag(overdue)
    assert [r.days_late for r in says.overdue_lines] == sorted(
        (r.days_late for r in overdue), reverse=True
    )
    assert _bag(says.late_lines) == _bag(late)

    # The annex: one row per occurrence, done or late, each with its own due date and days.
    assert len(says.annex) == len(set(done) | set(late))
    assert _bag(says.annex) == _bag(list(set(done) | set(late)))

    # The workbook: the same counts and rows.
    sheets = read_workbook(load_workbook(io.BytesIO(book)))
    for state, n in counts.items():
        assert sheets.summary[state_label(state, T)] == n
    assert sheets.summary[T._("Tasks")] == sum(counts.values())
    assert sheets.summary[T._("Tasks done")] == len(done)
    assert _bag(sheets.late) == _bag(late)
    assert _bag(sheets.done) == _bag(done)


async def test_the_bug_report_row_keeps_its_own_days(runtime: Runtime) -> None:
    """31/10/2024 is 767 days before 7/12/2026 in every row that shows it."""
    await _Plans(runtime).build()
    data, document, book = await _report(runtime, quarter(2024, 4))
    due = date(2024, 10, 31)
    says = read_document(Document(io.BytesIO(document)))
    sheets = read_workbook(load_workbook(io.BytesIO(book)))
    _, json_late, _, _ = read_json(data)
    for found in (says.annex, says.overdue_lines, says.late_lines, sheets.late, json_late):
        shown = [r for r in found if r.due == due and r.standing == Standing.OVERDUE]
        assert sorted(r.task for r in shown) == ["Họp dân hằng tháng", "Rà soát thủ tục một cửa"]
        assert {r.days_late for r in shown} == {767}
