"""The one-screen status and feedback summaries, from the figures of the known dataset."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.i18n import Translator
from bot.periods import Period, quarter
from bot.reports.figures import figures
from bot.reports.model import ReportFigures
from bot.reports.screen import feedback_line, feedback_screen, status_screen
from bot.runtime import Runtime
from tests.bot.reports.dataset import AS_OF, DC, DENUNCIATION_CODE, Q3, TP, VN, VP, Dataset, build

EN = Translator("en", VN)


@pytest.fixture
async def data(runtime: Runtime) -> Dataset:
    """The known dataset, stored."""
    return await build(runtime)


async def figures_of(
    runtime: Runtime, org_id: int, period: Period = Q3, as_of: date = AS_OF
) -> ReportFigures:
    async with runtime.sessions() as session:
        return await figures(session, org_id=org_id, period=period, as_of=as_of, tz=VN)


async def test_status_screen_of_the_commune(runtime: Runtime, data: Dataset) -> None:
    screen = status_screen(await figures_of(runtime, data.commune_a), "Q3", EN)
    assert screen == "\n".join(
        [
            "Q3",
            "Tasks: 15 · done on time 2 · done late 2 · overdue 4 · due in 14 days 3 · later 1 · "
            "ongoing 1 · waiting for an event 1 · without a date 1",
            "By PAPI dimension:",
            "D1    ▓▓▓▓░░░░░░ 43% (3 done, 2 overdue)",
            "D2    ▓▓░░░░░░░░ 20% (1 done, 2 overdue)",
            "Most overdue:",
            f"• [1.8] Nhiệm vụ 1.8 — {TP}, 68 days",
            f"• [1.4] Nhiệm vụ 1.4 — {VP}, 27 days",
            f"• [2.4] Nhiệm vụ 2.4 — {TP}, 7 days",
            f"• [2.7] Nhiệm vụ 2.7 — {VP}, 7 days",
            "Feedback: received 8 · answered on time 5 · late 1 · open 1 · satisfied 40%",
        ]
    )


async def test_status_screen_of_the_district(runtime: Runtime, data: Dataset) -> None:
    screen = status_screen(await figures_of(runtime, data.district), "District", EN)
    assert screen == "\n".join(
        [
            "District",
            "Tasks: 18 · done on time 3 · done late 2 · overdue 6 · due in 14 days 3 · later 1 · "
            "ongoing 1 · waiting for an event 1 · without a date 1",
            "By PAPI dimension:",
            "D1    ▓▓▓▓░░░░░░ 38% (3 done, 3 overdue)",
            "D2    ▓▓░░░░░░░░ 20% (1 done, 2 overdue)",
            "D3    ▓▓▓▓▓░░░░░ 50% (1 done, 1 overdue)",
            "Most overdue:",
            f"• [1.8] Nhiệm vụ 1.8 — {TP}, 68 days",
            f"• [1.1] Nhiệm vụ 1.1 — {DC}, 37 days",
            f"• [1.4] Nhiệm vụ 1.4 — {VP}, 27 days",
            f"• [2.4] Nhiệm vụ 2.4 — {TP}, 7 days",
            f"• [2.7] Nhiệm vụ 2.7 — {VP}, 7 days",
            "Feedback: received 9 · answered on time 6 · late 1 · open 1 · satisfied 50%",
        ]
    )


async def test_one_day_late_is_singular(runtime: Runtime, data: Dataset) -> None:
    result = await figures_of(runtime, data.commune_a, as_of=date(2024, 9, 10))
    lines = status_screen(result, "10/9", EN).splitlines()
    # Nothing falls due from 10 to 24 September: 1.5, 1.6, 2.2 (25/9) and 2.3 come later.
    assert lines[1] == (
        "Tasks: 15 · done on time 2 · done late 2 · overdue 4 · due in 14 days 0 · later 4 · "
        "ongoing 1 · waiting for an event 1 · without a date 1"
    )
    assert lines[-5:-1] == [
        f"• [1.8] Nhiệm vụ 1.8 — {TP}, 62 days",
        f"• [1.4] Nhiệm vụ 1.4 — {VP}, 21 days",
        f"• [2.4] Nhiệm vụ 2.4 — {TP}, 1 day",
        f"• [2.7] Nhiệm vụ 2.7 — {VP}, 1 day",
    ]


async def test_long_task_texts_are_cut(runtime: Runtime, data: Dataset) -> None:
    result = await figures_of(runtime, data.commune_a)
    first, *others = result.tasks.most_overdue
    longer = replace(first, task="Tổ chức hội nghị đối thoại " * 10)
    result = replace(result, tasks=replace(result.tasks, most_overdue=(longer, *others)))
    line = status_screen(result, "Q3", EN).splitlines()[6]
    assert line.startswith("• [1.8] Tổ chức hội nghị đối thoại Tổ chức")
    assert line.endswith(f"… — {TP}, 68 days")
    assert len(line.split(" — ")[0]) <= len("• [1.8] ") + 60


async def test_empty_screen(runtime: Runtime, data: Dataset) -> None:
    result = await figures_of(runtime, data.commune_b, quarter(2024, 1))
    assert status_screen(result, "Q1", EN) == "\n".join(
        [
            "Q1",
            "Tasks: 0 · done on time 0 · done late 0 · overdue 0 · due in 14 days 0 · later 0 · "
            "ongoing 0 · waiting for an event 0 · without a date 0",
            "Feedback: received 0 · answered on time 0 · late 0 · open 0 · satisfied —",
        ]
    )
    assert feedback_screen(result.feedback, "Q1", EN) == "\n".join(
        [
            "Q1",
            "Feedback: received 0 · answered on time 0 · late 0 · open 0 · satisfied —",
            "On-time rate: —",
            "Days to answer: average —, 90% within —",
            "Reopened: 0 · closed, not resolved: 0 · refused: 0",
        ]
    )


async def test_feedback_screen_of_the_district(runtime: Runtime, data: Dataset) -> None:
    feedback = (await figures_of(runtime, data.district)).feedback
    screen = feedback_screen(feedback, "Feedback", EN)
    assert screen == "\n".join(
        [
            "Feedback",
            feedback_line(feedback, EN),
            "On-time rate: 86%",
            "Days to answer: average 8.1, 90% within 19",
            "Reopened: 1 · closed, not resolved: 1 · refused: 1",
            "By kind:",
            "• Complaint (khiếu nại): 2 received, 1 answered (1 on time), 1 open",
            "• Denunciation (tố cáo): 1 received, 1 answered (1 on time), 0 open",
            "• Request (kiến nghị): 1 received, 1 answered (1 on time), 0 open",
            "• Report a problem (phản ánh): 3 received, 2 answered (2 on time), 0 open",
            "• Suggestion (góp ý): 2 received, 2 answered (1 on time), 0 open",
            "By topic:",
            "• Officials' conduct: 1 received, 1 answered (1 on time), 0 open",
            "• Environment: 1 received, 1 answered (1 on time), 0 open",
            "• Roads, water, power: 1 received, 1 answered (1 on time), 0 open",
            "• Land: 3 received, 2 answered (2 on time), 1 open",
            "• Other: 1 received, 0 answered (0 on time), 0 open",
            "• Administrative procedures: 2 received, 2 answered (1 on time), 0 open",
            "By unit:",
            f"• {TP}: 3 received, 2 answered (2 on time), 1 open",
            f"• {VP}: 4 received, 4 answered (3 on time), 0 open",
            f"• {DC}: 1 received, 1 answered (1 on time), 0 open",
            "• —: 1 received, 0 answered (0 on time), 0 open",
        ]
    )
    assert feedback_line(feedback, EN) == (
        "Feedback: received 9 · answered on time 6 · late 1 · open 1 · satisfied 50%"
    )
    assert DENUNCIATION_CODE not in screen


async def test_screens_in_vietnamese_use_vietnamese_numbers(
    runtime: Runtime, data: Dataset
) -> None:
    vi = Translator("vi", VN)
    feedback = (await figures_of(runtime, data.commune_a)).feedback
    # 9.1 days is written with a decimal comma; the rest of the wording is the catalog's.
    assert "9,1" in feedback_screen(feedback, "Q3", vi)
    assert "83%" in feedback_screen(feedback, "Q3", vi)
