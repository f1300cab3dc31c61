"""The report figures from a known dataset: every count written by hand from its design."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.periods import Period, parse_period, quarter
from bot.reports.document import render_document
from bot.reports.figures import Narrow, figures, task_figures
from bot.reports.model import ReportFigures
from bot.reports.status import status_figures
from bot.reports.workbook import render_workbook
from bot.runtime import Runtime
from db.models import Case, CaseKind, CaseStatus, ExtensionRequest, Occurrence, Person
from db.queries import audit, reports
from db.queries.reports import Scope
from tests.bot.reports.dataset import (
    A_D1,
    A_D2,
    A_FEEDBACK,
    A_OVERDUE,
    A_TASKS,
    A_TP,
    A_VP,
    AS_OF,
    B_TASKS,
    COMMUNE_A,
    COMMUNE_B,
    D1_NAME,
    D2_NAME,
    DC,
    DENUNCIATION_CODE,
    DISTRICT,
    DISTRICT_OVERDUE,
    Q3,
    SECRETS,
    TP,
    VN,
    VP,
    Dataset,
    at,
    build,
    group,
    states,
)


@pytest.fixture
async def data(runtime: Runtime) -> Dataset:
    """The known dataset, stored."""
    return await build(runtime)


async def figures_of(
    runtime: Runtime,
    org_id: int,
    period: Period = Q3,
    as_of: date = AS_OF,
    narrow: Narrow | None = None,
) -> dict[str, Any]:
    """The figures as the JSON of ``python -m bot report`` shows them."""
    return (await typed_of(runtime, org_id, period, as_of, narrow)).to_json()


async def typed_of(
    runtime: Runtime,
    org_id: int,
    period: Period = Q3,
    as_of: date = AS_OF,
    narrow: Narrow | None = None,
) -> ReportFigures:
    async with runtime.sessions() as session:
        return await figures(
            session, org_id=org_id, period=period, as_of=as_of, tz=VN, narrow=narrow
        )


def counts(row: dict[str, Any]) -> dict[str, int]:
    """Only the state counts of a figures row."""
    return {k: row[k] for k in states()}


def overdue_of(tasks: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [(i["code"], i["unit"], i["due"], i["days_late"]) for i in tasks["most_overdue"]]


# -- Tasks ------------------------------------------------------------------------------


async def test_commune_tasks_by_state(runtime: Runtime, data: Dataset) -> None:
    tasks = (await figures_of(runtime, data.commune_a))["tasks"]
    assert counts(tasks) == A_TASKS
    assert A_TASKS["total"] == 15


async def test_commune_tasks_by_dimension_with_progress(runtime: Runtime, data: Dataset) -> None:
    tasks = (await figures_of(runtime, data.commune_a))["tasks"]
    assert tasks["by_dimension"] == [
        # 3 of the 7 dated D1 occurrences are done; 1 of the 5 dated D2 ones.
        {"dimension": "D1", "name": D1_NAME, **A_D1, "progress": 0.43},
        {"dimension": "D2", "name": D2_NAME, **A_D2, "progress": 0.2},
    ]


async def test_commune_tasks_by_unit(runtime: Runtime, data: Dataset) -> None:
    tasks = (await figures_of(runtime, data.commune_a))["tasks"]
    assert tasks["by_unit"] == [{"unit": TP, **A_TP}, {"unit": VP, **A_VP}]


async def test_most_overdue_first_then_by_code(runtime: Runtime, data: Dataset) -> None:
    tasks = (await figures_of(runtime, data.commune_a))["tasks"]
    assert overdue_of(tasks) == A_OVERDUE
    assert tasks["most_overdue"][0] == {
        "code": "1.8",
        "task": "Nhiệm vụ 1.8",
        "dimension": "D1",
        "unit": TP,
        "due": "2024-07-10",
        "days_late": 68,
    }


async def test_overdue_days_grow_with_the_day_of_the_figures(
    runtime: Runtime, data: Dataset
) -> None:
    tasks = (await figures_of(runtime, data.commune_a, as_of=date(2024, 9, 20)))["tasks"]
    assert overdue_of(tasks) == [
        ("1.8", TP, "2024-07-10", 72),
        ("1.4", VP, "2024-08-20", 31),
        ("2.4", TP, "2024-09-09", 11),
        ("2.7", VP, "2024-09-09", 11),
    ]
    # 1.5 (27/9), 1.6 (30/9) and 2.2 (moved to 25/9) are still due soon; nothing else moved.
    assert counts(tasks) == A_TASKS


async def test_done_tasks_with_their_evidence(runtime: Runtime, data: Dataset) -> None:
    tasks = (await figures_of(runtime, data.commune_a))["tasks"]
    done = {i["code"]: (i["due"], i["done_on"], i["late"], i["evidence"]) for i in tasks["done"]}
    assert done == {
        "1.1": ("2024-07-15", "2024-07-10", False, "bien-ban-1.1.pdf"),
        "1.2": ("2024-08-15", "2024-08-15", False, "https://xa.gov.vn/cong-khai/1.2"),
        "1.3": ("2024-07-31", "2024-08-05", True, "Đã họp dân ngày 05/8"),
        "2.1": ("2024-08-30", "2024-09-05", True, None),
    }


async def test_late_and_overdue_with_their_reasons(runtime: Runtime, data: Dataset) -> None:
    tasks = (await figures_of(runtime, data.commune_a))["tasks"]
    late = {
        i["code"]: (i["due"], i["days_late"], i["done_on"], i["reasons"]) for i in tasks["late"]
    }
    assert late == {
        "1.8": ("2024-07-10", 68, None, []),
        "1.3": ("2024-07-31", 5, "2024-08-05", ["Chờ ý kiến huyện"]),
        # Blocked and More time, in the order given; a progress note is not a reason.
        "1.4": ("2024-08-20", 27, None, ["Thiếu kinh phí", "Cần thêm hai tuần"]),
        "2.4": ("2024-09-09", 7, None, []),
        "2.7": ("2024-09-09", 7, None, []),
        "2.1": ("2024-08-30", 6, "2024-09-05", []),
    }


async def test_extension_approved_in_time_moves_the_due_date(
    runtime: Runtime, data: Dataset
) -> None:
    tasks = (await figures_of(runtime, data.commune_a, narrow=Narrow(dimension="D2")))["tasks"]
    # 2.2 was planned for 5/9, moved to 25/9 on 3/9: due soon, not 11 days overdue.
    # 2.3 was planned for 12/9, moved to 10/10 early on 12/9: later, not overdue.
    # 2.1 was planned for 30/8, moved to 10/9 only on 31/8: done on 5/9 is 6 days late.
    assert counts(tasks) == A_D2
    assert [i["code"] for i in tasks["most_overdue"]] == ["2.4", "2.7"]
    assert [(i["code"], i["due"], i["late"]) for i in tasks["done"]] == [
        ("2.1", "2024-08-30", True)
    ]


async def set_decision(runtime: Runtime, occurrence_id: int, decided: datetime) -> None:
    """Change the day the approved extension of an occurrence was decided."""
    async with runtime.sessions.begin() as session:
        request = await session.scalar(
            select(ExtensionRequest).where(ExtensionRequest.occurrence_id == occurrence_id)
        )
        assert request is not None
        request.decided_at = decided


async def test_the_day_of_the_decision_decides(runtime: Runtime, data: Dataset) -> None:
    # 2.2 (planned 5/9, moved to 25/9) approved only on 6/9: 11 days overdue on 16/9.
    await set_decision(runtime, data.occurrences["2.2"], at(date(2024, 9, 6), 8))
    # 2.1 (planned 30/8, moved to 10/9) approved at 23:59 on 30/8: done on 5/9 is in time.
    await set_decision(runtime, data.occurrences["2.1"], at(date(2024, 8, 30), 23, 59))
    tasks = (await figures_of(runtime, data.commune_a, narrow=Narrow(dimension="D2")))["tasks"]
    assert overdue_of(tasks) == [
        ("2.2", VP, "2024-09-05", 11),
        ("2.4", TP, "2024-09-09", 7),
        ("2.7", VP, "2024-09-09", 7),
    ]
    assert [(i["code"], i["due"], i["late"]) for i in tasks["done"]] == [
        ("2.1", "2024-09-10", False)
    ]
    assert counts(tasks) == states(done_on_time=1, overdue=3, pending=1, waiting_event=1, undated=1)


async def set_done(runtime: Runtime, occurrence_id: int, done: datetime) -> None:
    """Change when an occurrence was marked done."""
    async with runtime.sessions.begin() as session:
        occurrence = await session.get_one(Occurrence, occurrence_id)
        occurrence.done_at = done


async def test_the_local_day_of_done_decides(runtime: Runtime, data: Dataset) -> None:
    # 1.2 is due on 15/8. At 23:59 local time it is still on time; half an hour past
    # midnight it is late, though in UTC (17:30) it is still the 15th.
    await set_done(runtime, data.occurrences["1.2"], at(date(2024, 8, 15), 23, 59))
    tasks = (await figures_of(runtime, data.commune_a))["tasks"]
    assert counts(tasks) == A_TASKS
    await set_done(runtime, data.occurrences["1.2"], at(date(2024, 8, 16), 0, 30))
    tasks = (await figures_of(runtime, data.commune_a))["tasks"]
    moved = {"done_on_time": -1, "done_late": 1}
    assert counts(tasks) == {k: v + moved.get(k, 0) for k, v in A_TASKS.items()}
    late = {i["code"]: (i["done_on"], i["days_late"]) for i in tasks["late"]}
    assert late["1.2"] == ("2024-08-16", 1)


@pytest.mark.parametrize("narrow", [None, Narrow(dimension="D2"), Narrow(unit=VP)])
async def test_status_screen_counts_as_the_report_does(
    runtime: Runtime, data: Dataset, narrow: Narrow | None
) -> None:
    async with runtime.sessions() as session:
        typed_full = await task_figures(session, [data.commune_a], Q3, AS_OF, VN, narrow)
        typed_screen = await task_figures(
            session, [data.commune_a], Q3, AS_OF, VN, narrow, details=False
        )
    full, screen = typed_full.to_json(), typed_screen.to_json()
    assert screen["done"] == screen["late"] == []
    assert full["done"] or full["late"]
    for key in ("total", *states(), "by_dimension", "by_unit", "most_overdue"):
        assert screen[key] == full[key]


async def test_the_whole_year(runtime: Runtime, data: Dataset) -> None:
    tasks = (await figures_of(runtime, data.commune_a, parse_period("2024", AS_OF)))["tasks"]
    # Q3's, plus 1.6 of March (done on time) and 2.8 of November (later).
    assert counts(tasks) == states(3, 2, 4, 3, 2, 1, 1, 1)
    assert [(r["dimension"], r["total"], r["progress"]) for r in tasks["by_dimension"]] == [
        ("D1", 9, 0.5),
        ("D2", 8, 0.17),
    ]


async def test_another_quarter_counts_only_its_own_dates(runtime: Runtime, data: Dataset) -> None:
    tasks = (await figures_of(runtime, data.commune_a, quarter(2024, 1)))["tasks"]
    # 1.6 of March, plus the undated tasks of the plan's year.
    assert counts(tasks) == states(done_on_time=1, ongoing=1, waiting_event=1, undated=1)
    assert tasks["most_overdue"] == []
    assert tasks["late"] == []


async def test_narrowed_to_a_unit(runtime: Runtime, data: Dataset) -> None:
    result = await figures_of(runtime, data.commune_a, narrow=Narrow(unit=VP))
    assert counts(result["tasks"]) == A_VP
    assert [r["unit"] for r in result["tasks"]["by_unit"]] == [VP]
    assert overdue_of(result["tasks"]) == [
        ("1.4", VP, "2024-08-20", 27),
        ("2.7", VP, "2024-09-09", 7),
    ]
    feedback = result["feedback"]
    assert (feedback["received"], feedback["answered"], feedback["answered_on_time"]) == (4, 4, 3)
    assert feedback["by_unit"] == {VP: group(4, 4, 3, 0)}


# -- Feedback ---------------------------------------------------------------------------


async def test_feedback_figures(runtime: Runtime, data: Dataset) -> None:
    feedback = (await figures_of(runtime, data.commune_a))["feedback"]
    assert {k: feedback[k] for k in A_FEEDBACK} == A_FEEDBACK


@pytest.mark.parametrize(
    ("answer_days", "mean", "p90"),
    [(range(1, 11), 5.5, 9.0), (range(1, 12), 6.0, 10.0), (range(4, 5), 4.0, 4.0)],
)
async def test_time_to_answer(
    runtime: Runtime, data: Dataset, answer_days: range, mean: float, p90: float
) -> None:
    # A quarter of its own, with answers taking whole days: the 90th percentile is the
    # value at rank ceil(0.9 n), not the slowest answer.
    received = at(date(2025, 1, 6), 9)
    async with runtime.sessions.begin() as session:
        citizen = Person(display_name="Dân", created_at=received)
        session.add(citizen)
        await session.flush()
        for n, days in enumerate(answer_days):
            session.add(
                Case(
                    code=f"PA-2025-{n:05d}",
                    org_id=data.commune_a,
                    citizen_id=citizen.id,
                    channel="test",
                    chat_id="1",
                    kind=CaseKind.REFLECTION,
                    topic="other",
                    text="…",
                    text_hash=str(n),
                    publishable=False,
                    consent_at=received,
                    status=CaseStatus.ANSWERED,
                    received_at=received,
                    answer_due=date(2025, 3, 31),
                    answered_at=received + timedelta(days=days),
                    on_time=True,
                )
            )
    feedback = (await figures_of(runtime, data.commune_a, quarter(2025, 1)))["feedback"]
    assert feedback["answered"] == len(answer_days)
    assert (feedback["avg_days_to_answer"], feedback["p90_days_to_answer"]) == (mean, p90)


async def test_feedback_groups(runtime: Runtime, data: Dataset) -> None:
    feedback = (await figures_of(runtime, data.commune_a))["feedback"]
    assert feedback["by_kind"] == {
        "reflection": group(2, 1, 1, 0),
        "petition": group(1, 1, 1, 0),
        "suggestion": group(2, 2, 1, 0),
        "complaint": group(2, 1, 1, 1),
        "denunciation": group(1, 1, 1, 0),
    }
    assert feedback["by_topic"] == {
        "infrastructure": group(1, 1, 1, 0),
        "land": group(3, 2, 2, 1),
        "procedures": group(2, 2, 1, 0),
        "other": group(1, 0, 0, 0),
        "conduct": group(1, 1, 1, 0),
    }
    assert feedback["by_unit"] == {
        VP: group(4, 4, 3, 0),
        TP: group(3, 2, 2, 1),
        "—": group(1, 0, 0, 0),
    }
    assert feedback["by_month"] == [
        {"month": "2024-07", "received": 3, "answered": 2},
        {"month": "2024-08", "received": 3, "answered": 2},
        {"month": "2024-09", "received": 2, "answered": 2},
    ]


async def test_case_list_has_no_denunciation_and_no_personal_data(
    runtime: Runtime, data: Dataset
) -> None:
    feedback = (await figures_of(runtime, data.commune_a))["feedback"]
    listed = [
        (c["code"], c["kind"], c["unit"], c["received"], c["answered"], c["status"], c["on_time"])
        for c in feedback["cases"]
    ]
    assert listed == [
        # Received at half past midnight on 1 July, local time: in Q3 (30 June in UTC).
        ("PA-2024-00001", "reflection", VP, "2024-07-01", "2024-07-04", "answered", True),
        ("KN-2024-00001", "petition", TP, "2024-07-10", "2024-07-20", "closed", True),
        ("KH-2024-00002", "complaint", VP, "2024-07-15", "2024-08-01", "closed_unresolved", True),
        ("GY-2024-00001", "suggestion", VP, "2024-08-01", "2024-08-20", "answered", False),
        ("KH-2024-00001", "complaint", TP, "2024-08-12", None, "assigned", None),
        ("PA-2024-00002", "reflection", None, "2024-08-20", None, "refused", None),
        ("GY-2024-00002", "suggestion", VP, "2024-09-10", "2024-09-11", "answered", True),
    ]
    assert set(feedback["cases"][0]) == {
        "code",
        "kind",
        "topic",
        "unit",
        "received",
        "answer_due",
        "answered",
        "status",
        "on_time",
    }


async def test_no_personal_data_anywhere_in_the_figures(runtime: Runtime, data: Dataset) -> None:
    for org_id in (data.commune_a, data.district):
        dumped = json.dumps(await figures_of(runtime, org_id), ensure_ascii=False)
        assert DENUNCIATION_CODE not in dumped
        for secret in SECRETS:
            assert secret not in dumped, secret
        assert "PA-2024-00001" in dumped  # the search itself finds what is there


# -- Organizations ----------------------------------------------------------------------


async def test_district_adds_up_both_communes(runtime: Runtime, data: Dataset) -> None:
    result = await figures_of(runtime, data.district)
    assert result["organization"] == {
        "id": data.district,
        "name": DISTRICT,
        "parent": None,
        "communes": [DISTRICT, COMMUNE_A, COMMUNE_B],
    }
    tasks = result["tasks"]
    assert counts(tasks) == states(3, 2, 6, 3, 1, 1, 1, 1)
    assert [(r["dimension"], counts(r), r["progress"]) for r in tasks["by_dimension"]] == [
        ("D1", states(2, 1, 3, 2, 0, 1), 0.38),
        ("D2", A_D2, 0.2),
        ("D3", states(done_on_time=1, overdue=1), 0.5),
    ]
    assert tasks["by_unit"] == [{"unit": TP, **A_TP}, {"unit": VP, **A_VP}, {"unit": DC, **B_TASKS}]
    # Six overdue tasks, the five most overdue shown (3.2 of commune B, 3 days, is left out).
    assert overdue_of(tasks) == DISTRICT_OVERDUE
    feedback = result["feedback"]
    assert {k: feedback[k] for k in A_FEEDBACK} == {
        **A_FEEDBACK,
        "received": 9,
        "answered": 7,
        "answered_on_time": 6,
        "rated": 6,
        "satisfied": 3,
        "satisfaction_rate": 0.5,
        "avg_days_to_answer": 8.1,  # (54.5 + 2) / 7
        "p90_days_to_answer": 19.0,
    }
    assert feedback["by_unit"][DC] == group(1, 1, 1, 0)


async def test_commune_counts_only_its_own(runtime: Runtime, data: Dataset) -> None:
    b = await figures_of(runtime, data.commune_b)
    assert b["organization"] == {
        "id": data.commune_b,
        "name": COMMUNE_B,
        "parent": DISTRICT,
        "communes": [COMMUNE_B],
    }
    assert counts(b["tasks"]) == B_TASKS
    assert overdue_of(b["tasks"]) == [("1.1", DC, "2024-08-10", 37), ("3.2", DC, "2024-09-13", 3)]
    assert (b["feedback"]["received"], b["feedback"]["avg_days_to_answer"]) == (1, 2.0)
    a = await figures_of(runtime, data.commune_a)
    assert a["organization"]["parent"] == DISTRICT
    assert a["organization"]["communes"] == [COMMUNE_A]
    assert DC not in json.dumps(a, ensure_ascii=False)


async def test_period_block(runtime: Runtime, data: Dataset) -> None:
    closing = parse_period("Q3/2024", AS_OF, closing=True)
    result = await figures_of(runtime, data.commune_a, closing)
    assert result["period"] == {
        "code": "Q3/2024",
        "start": "2024-06-15",
        "end": "2024-09-14",
        "closing": True,
    }
    assert result["as_of"] == "2024-09-16"
    # 15 June - 14 September: 1.5 and 1.6 (27/9, 30/9) are out; 2.2 and 2.3 are in by
    # their planned days, and counted against their moved dates (25/9, 10/10).
    assert counts(result["tasks"]) == states(2, 2, 4, 1, 1, 1, 1, 1)
    # The case of 30 June 23:30 is in, the one of 10 September too; all 9 of commune A.
    assert result["feedback"]["received"] == 9


# -- Files ------------------------------------------------------------------------------


def xml_text(payload: bytes) -> str:
    """Every XML part of an Office file, as stored (shared strings, properties, all)."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8", "replace")
            for name in archive.namelist()
            if name.endswith((".xml", ".rels"))
        )


def workbook_text(payload: bytes) -> str:
    book = load_workbook(io.BytesIO(payload))
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def document_text(payload: bytes) -> str:
    doc = Document(io.BytesIO(payload))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for part in doc.sections:
        parts.extend(p.text for p in part.header.paragraphs)
        parts.extend(p.text for p in part.footer.paragraphs)
    return "\n".join(parts)


@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_files_hold_no_personal_data(runtime: Runtime, data: Dataset, locale: str) -> None:
    t = Translator(locale, VN)
    result = await typed_of(runtime, data.commune_a)
    book = render_workbook(result, t)
    document = render_document(result, t)
    for name, content in (
        ("xlsx", workbook_text(book)),
        ("docx", document_text(document)),
        ("xlsx xml", xml_text(book)),
        ("docx xml", xml_text(document)),
    ):
        assert "PA-2024-00001" in content or name.startswith("docx"), name
        assert DENUNCIATION_CODE not in content, name
        for secret in SECRETS:
            assert secret not in content, (name, secret)
    assert "Nhiệm vụ 1.8" in workbook_text(book)
    assert "Nhiệm vụ 1.8" in document_text(document)


async def test_status_figures_are_reused_only_while_nothing_is_written(
    runtime: Runtime, data: Dataset
) -> None:
    async with runtime.sessions() as session:
        first = await status_figures(session, [data.commune_a], Q3, Q3, AS_OF, VN)
        assert await status_figures(session, [data.commune_a], Q3, Q3, AS_OF, VN) is first
        other_day = await status_figures(
            session, [data.commune_a], Q3, Q3, AS_OF + timedelta(days=1), VN
        )
        assert other_day is not first
    assert first.tasks.total == A_TASKS["total"]
    async with runtime.sessions.begin() as session:
        overdue = await session.scalar(
            select(Occurrence).where(Occurrence.due_date == date(2024, 7, 10))
        )
        assert overdue is not None
        session.add(
            Occurrence(
                task_id=overdue.task_id,
                planned_date=date(2024, 7, 1),
                due_date=date(2024, 7, 1),
                status=overdue.status,
            )
        )
    async with runtime.sessions() as session:
        after = await status_figures(session, [data.commune_a], Q3, Q3, AS_OF, VN)
    assert after.tasks.total == A_TASKS["total"] + 1
    assert after.tasks.overdue == A_TASKS["overdue"] + 1


async def test_status_figures_count_new_cases_again_and_reuse_the_tasks(
    runtime: Runtime, data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted: list[list[int]] = []
    org_parts = reports.org_parts

    async def counting(session: AsyncSession, scope: Scope, *args: Any) -> reports.OrgParts:
        counted.append(list(scope.org_ids))
        return await org_parts(session, scope, *args)

    monkeypatch.setattr(reports, "org_parts", counting)
    async with runtime.sessions() as session:
        first = await status_figures(session, [data.commune_a], Q3, Q3, AS_OF, VN)
        citizen = await session.scalar(select(Person.id).limit(1))
    received = at(date(2024, 9, 30), 23, 30)  # the last evening of Q3, local time
    async with runtime.sessions.begin() as session:
        session.add(
            Case(
                code="PA-2024-09999",
                org_id=data.commune_a,
                citizen_id=citizen,
                channel="test",
                chat_id="1",
                kind=CaseKind.PETITION,
                topic="other",
                text="…",
                text_hash="x",
                publishable=False,
                consent_at=received,
                received_at=received,
            )
        )
        await session.flush()
        await audit.record(
            session,
            at=received,
            actor_id=None,
            org_id=data.commune_a,
            action="case.received",
            entity="case",
            entity_id=1,
        )
    async with runtime.sessions() as session:
        second = await status_figures(session, [data.commune_a], Q3, Q3, AS_OF, VN)
    assert second.feedback.received == first.feedback.received + 1
    assert second.feedback.open == first.feedback.open + 1
    assert second.tasks is first.tasks
    assert counted == [[data.commune_a]]
    async with runtime.sessions.begin() as session:
        await audit.record(
            session,
            at=received,
            actor_id=None,
            org_id=data.commune_a,
            action="task.date_set",
            entity="task",
            entity_id=1,
        )
    async with runtime.sessions() as session:
        third = await status_figures(session, [data.commune_a], Q3, Q3, AS_OF, VN)
    # Counted again, and the same: the figures are kept.
    assert counted == [[data.commune_a], [data.commune_a]]
    assert third.tasks is second.tasks
    assert third.feedback == second.feedback
