"""`python -m bot report`, run as a separate process on the known dataset.

The command takes its figures as of the real today, long after Q3 2024: every task of the
quarter that is not done is overdue by now.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.runtime import Runtime
from bot.settings import Settings
from tests.bot.reports.dataset import (
    A_FEEDBACK,
    COMMUNE_A,
    DENUNCIATION_CODE,
    DISTRICT,
    SECRETS,
    TP,
    VN,
    VP,
    Dataset,
    build,
    states,
)
from tests.bot.reports.test_figures import document_text, workbook_text, xml_text
from tests.conftest import REPO_ROOT

BAD_PERIOD = (
    "error: I could not read the period “Q5/2024”. Try Q3/2024, Quý III/2024, 6T/2024, "
    "9T/2024, 2024 or 01/01/2024-31/03/2024."
)


@pytest.fixture
async def data(runtime: Runtime) -> Dataset:
    """The known dataset, stored (the runtime has migrated the database)."""
    return await build(runtime)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty folder for the command to run in."""
    folder = tmp_path / "cli"
    folder.mkdir()
    return folder


def report(
    settings: Settings, cwd: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], list[date]]:
    """Run ``python -m bot report ARGS``; also return the local days it ran between."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": settings.database_url,
        "BOT_DATA_KEY": settings.data_key or "",
        "BOT_AUDIT_KEY": settings.audit_key or "",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    before = datetime.now(VN).date()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "report", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result, [before, datetime.now(VN).date()]


def counts(tasks: dict[str, Any]) -> dict[str, int]:
    return {k: tasks[k] for k in states()}


def check_q3_figures(figures: dict[str, Any], today: list[date]) -> None:
    """The figures of commune A for Q3/2024, taken on one of the days ``today``."""
    as_of = date.fromisoformat(figures["as_of"])
    assert as_of in today
    assert figures["organization"]["name"] == COMMUNE_A
    assert figures["period"] == {
        "code": "Q3/2024",
        "start": "2024-07-01",
        "end": "2024-09-30",
        "closing": False,
    }
    tasks = figures["tasks"]
    # What was due soon or later on 16/9/2024 (1.5, 1.6, 2.2 and 2.3) is overdue by now.
    assert counts(tasks) == states(
        done_on_time=2, done_late=2, overdue=8, ongoing=1, waiting_event=1, undated=1
    )
    assert [(i["code"], i["unit"], i["due"], i["days_late"]) for i in tasks["most_overdue"]] == [
        ("1.8", TP, "2024-07-10", (as_of - date(2024, 7, 10)).days),
        ("1.4", VP, "2024-08-20", (as_of - date(2024, 8, 20)).days),
        ("2.4", TP, "2024-09-09", (as_of - date(2024, 9, 9)).days),
        ("2.7", VP, "2024-09-09", (as_of - date(2024, 9, 9)).days),
        ("2.2", VP, "2024-09-25", (as_of - date(2024, 9, 25)).days),
    ]
    feedback = figures["feedback"]
    assert {k: feedback[k] for k in A_FEEDBACK} == A_FEEDBACK
    assert len(feedback["cases"]) == 7


def check_no_personal_data(text: str) -> None:
    assert DENUNCIATION_CODE not in text
    for secret in SECRETS:
        assert secret not in text, secret


async def test_json_printed(data: Dataset, settings: Settings, workdir: Path) -> None:
    result, today = report(settings, workdir, "--period", "Q3/2024")
    assert result.returncode == 0, result.stderr
    check_q3_figures(json.loads(result.stdout), today)
    check_no_personal_data(result.stdout)


async def test_json_written(data: Dataset, settings: Settings, workdir: Path) -> None:
    out = workdir / "q3.json"
    result, today = report(
        settings, workdir, "--period", "Quý III/2024", "--format", "json", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    written = out.read_bytes()
    assert result.stdout == f"wrote {out} ({len(written)} bytes)\n"
    check_q3_figures(json.loads(written), today)
    assert "Nhiệm vụ 1.8" in written.decode()  # Vietnamese kept as it is, not escaped


async def test_json_of_the_district_with_closing_figures(
    data: Dataset, settings: Settings, workdir: Path
) -> None:
    result, _ = report(
        settings, workdir, "--period", "Q3/2024", "--closing", "--org", DISTRICT.lower()
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["organization"]["name"] == DISTRICT
    assert figures["period"] == {
        "code": "Q3/2024",
        "start": "2024-06-15",
        "end": "2024-09-14",
        "closing": True,
    }
    # Commune A without 1.5 and 1.6 (due after 14/9), 2.2 and 2.3 in by their planned
    # days; commune B adds 1.1 and 3.2 (overdue) and 3.1 (done on time).
    assert counts(figures["tasks"]) == states(
        done_on_time=3, done_late=2, overdue=8, ongoing=1, waiting_event=1, undated=1
    )
    # All nine of commune A (30 June to 10 September) and commune B's one.
    assert figures["feedback"]["received"] == 10


async def test_xlsx_written(data: Dataset, settings: Settings, workdir: Path) -> None:
    out = workdir / "q3.xlsx"
    result, _ = report(
        settings,
        workdir,
        "--period",
        "Q3/2024",
        "--format",
        "xlsx",
        "--out",
        str(out),
        "--lang",
        "en",
    )
    assert result.returncode == 0, result.stderr
    content = out.read_bytes()
    assert result.stdout == f"wrote {out} ({len(content)} bytes)\n"
    sheet = load_workbook(io.BytesIO(content))["Summary"]
    values = {str(k): v for k, v in sheet.iter_rows(min_row=2, values_only=True)}
    assert (values["Tasks"], values["Overdue"], values["Tasks done"]) == (15, 8, 4)
    assert (values["Feedback received"], values["Answered late"]) == (8, 1)
    check_no_personal_data(workbook_text(content))
    check_no_personal_data(xml_text(content))


async def test_docx_written(data: Dataset, settings: Settings, workdir: Path) -> None:
    out = workdir / "q3.docx"
    result, _ = report(
        settings,
        workdir,
        "--period",
        "Q3/2024",
        "--format",
        "docx",
        "--out",
        str(out),
        "--lang",
        "en",
    )
    assert result.returncode == 0, result.stderr
    content = out.read_bytes()
    doc = Document(io.BytesIO(content))
    assert [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"][
        :4
    ] == [
        "I. OVERALL RESULTS",
        "II. RESULTS FOR EACH PAPI DIMENSION",
        "III. RECEIVING AND ANSWERING CITIZENS' FEEDBACK",
        "IV. SHORTCOMINGS AND NEXT STEPS",
    ]
    assert "Nhiệm vụ 1.8" in document_text(content)
    check_no_personal_data(document_text(content))
    check_no_personal_data(xml_text(content))


async def test_png_written(data: Dataset, settings: Settings, workdir: Path) -> None:
    out = workdir / "q3.png"
    result, _ = report(
        settings, workdir, "--period", "Q3/2024", "--format", "png", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


async def test_bad_period_exits_2_with_one_clear_line(
    data: Dataset, settings: Settings, workdir: Path
) -> None:
    result, _ = report(settings, workdir, "--period", "Q5/2024", "--lang", "en")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [BAD_PERIOD]


async def test_files_need_an_out_path(data: Dataset, settings: Settings, workdir: Path) -> None:
    result, _ = report(settings, workdir, "--period", "Q3/2024", "--format", "xlsx")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --out FILE is required for xlsx, docx and png"
    ]
    assert sorted(p.name for p in os.scandir(workdir) if p.name.endswith(".xlsx")) == []


async def test_unknown_organization(data: Dataset, settings: Settings, workdir: Path) -> None:
    result, _ = report(settings, workdir, "--period", "Q3/2024", "--org", "UBND xã Không Có")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: no organization called 'UBND xã Không Có' (see `org list`)"
    ]
