"""Leaders' status screens and period reports, through the dispatcher, on the known dataset.

The clock stands on Monday 16 September 2024, 09:00 in Vietnam: /status shows the 2024 plan
as of that day with the feedback of Q3 2024 (see tests/bot/reports/dataset.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.clock import ManualClock
from bot.messages import Outcome, Reply
from bot.runtime import Runtime
from db.models import Role
from tests.bot.reports.dataset import (
    DENUNCIATION_CODE,
    SECRETS,
    TP,
    VN,
    VP,
    Dataset,
    build,
)
from tests.bot.reports.test_figures import document_text, workbook_text, xml_text
from tests.conftest import Person
from tests.handlers.test_common import member

PNG = b"\x89PNG\r\n\x1a\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADINGS = [
    "I. OVERALL RESULTS",
    "II. RESULTS FOR EACH PAPI DIMENSION",
    "III. RECEIVING AND ANSWERING CITIZENS' FEEDBACK",
    "IV. SHORTCOMINGS AND NEXT STEPS",
    "ANNEX: TASKS DONE, LATE AND OVERDUE IN THE PERIOD",
]

TASKS_YEAR = (
    "Tasks: 17 · done on time 3 · done late 2 · overdue 4 · due in 14 days 3 · later 2 · "
    "ongoing 1 · waiting for an event 1 · without a date 1"
)
OVERDUE = [
    "Most overdue:",
    f"• [1.8] Nhiệm vụ 1.8 — {TP}, 68 days",
    f"• [1.4] Nhiệm vụ 1.4 — {VP}, 27 days",
    f"• [2.4] Nhiệm vụ 2.4 — {TP}, 7 days",
    f"• [2.7] Nhiệm vụ 2.7 — {VP}, 7 days",
]
FEEDBACK_Q3 = "Feedback: received 8 · answered on time 5 · late 1 · open 1 · satisfied 40%"
STATUS = "\n".join(
    [
        "📊 Plan 2024, as of Sep 16, 2024 (feedback: Q3 2024)",
        TASKS_YEAR,
        "By PAPI dimension:",
        "D1    ▓▓▓▓▓░░░░░ 50% (4 done, 2 overdue)",
        "D2    ▓▓░░░░░░░░ 17% (1 done, 2 overdue)",
        *OVERDUE,
        FEEDBACK_Q3,
    ]
)
STATUS_D2 = "\n".join(
    [
        "📊 Plan 2024 — D2, as of Sep 16, 2024 (feedback: Q3 2024)",
        "Tasks: 8 · done on time 0 · done late 1 · overdue 2 · due in 14 days 1 · later 2 · "
        "ongoing 0 · waiting for an event 1 · without a date 1",
        "By PAPI dimension:",
        "D2    ▓▓░░░░░░░░ 17% (1 done, 2 overdue)",
        "Most overdue:",
        f"• [2.4] Nhiệm vụ 2.4 — {TP}, 7 days",
        f"• [2.7] Nhiệm vụ 2.7 — {VP}, 7 days",
        # C2, C4 and C6 are about land (D2): one open, none rated satisfied.
        "Feedback: received 3 · answered on time 2 · late 0 · open 1 · satisfied 0%",
    ]
)
STATUS_D1 = "\n".join(
    [
        "📊 Plan 2024 — D1, as of Sep 16, 2024 (feedback: Q3 2024)",
        "Tasks: 9 · done on time 3 · done late 1 · overdue 2 · due in 14 days 2 · later 0 · "
        "ongoing 1 · waiting for an event 0 · without a date 0",
        "By PAPI dimension:",
        "D1    ▓▓▓▓▓░░░░░ 50% (4 done, 2 overdue)",
        *OVERDUE[:3],
        "Feedback: received 0 · answered on time 0 · late 0 · open 0 · satisfied —",
    ]
)
VP_BODY = [
    "Tasks: 9 · done on time 1 · done late 1 · overdue 2 · due in 14 days 2 · later 1 · "
    "ongoing 1 · waiting for an event 0 · without a date 1",
    "By PAPI dimension:",
    "D1    ▓▓▓▓▓░░░░░ 50% (2 done, 1 overdue)",
    "D2    ░░░░░░░░░░ 0% (0 done, 1 overdue)",
    "Most overdue:",
    f"• [1.4] Nhiệm vụ 1.4 — {VP}, 27 days",
    f"• [2.7] Nhiệm vụ 2.7 — {VP}, 7 days",
    "Feedback: received 4 · answered on time 3 · late 1 · open 0 · satisfied 50%",
]
STATUS_VP = "\n".join([f"📊 Plan 2024 — {VP}, as of Sep 16, 2024 (feedback: Q3 2024)", *VP_BODY])
NO_UNIT = "You are not in any unit yet, so there are no figures of yours to show."
FEEDBACK_STATS = "\n".join(
    [
        "Feedback, Q3 2024",
        FEEDBACK_Q3,
        "On-time rate: 83%",
        "Days to answer: average 9.1, 90% within 19",
        "Reopened: 1 · closed, not resolved: 1 · refused: 1",
        "By kind:",
        "• Complaint (khiếu nại): 2 received, 1 answered (1 on time), 1 open",
        "• Denunciation (tố cáo): 1 received, 1 answered (1 on time), 0 open",
        "• Request (kiến nghị): 1 received, 1 answered (1 on time), 0 open",
        "• Report a problem (phản ánh): 2 received, 1 answered (1 on time), 0 open",
        "• Suggestion (góp ý): 2 received, 2 answered (1 on time), 0 open",
        "By topic:",
        "• Officials' conduct: 1 received, 1 answered (1 on time), 0 open",
        "• Roads, water, power: 1 received, 1 answered (1 on time), 0 open",
        "• Land: 3 received, 2 answered (2 on time), 1 open",
        "• Other: 1 received, 0 answered (0 on time), 0 open",
        "• Administrative procedures: 2 received, 2 answered (1 on time), 0 open",
        "By unit:",
        f"• {TP}: 3 received, 2 answered (2 on time), 1 open",
        f"• {VP}: 4 received, 4 answered (3 on time), 0 open",
        "• —: 1 received, 0 answered (0 on time), 0 open",
    ]
)
BAD_PERIOD = (
    "I could not read the period “{}”. Try Q3/2024, Quý III/2024, 6T/2024, 9T/2024, 2024 or "
    "01/01/2024-31/03/2024."
)
NOT_ALLOWED = "You are not allowed to use this command."
STALE_BUTTON = "This button is no longer valid. Nothing was changed."


@dataclass
class Commune:
    """The dataset and the people who look at it."""

    data: Dataset
    leader: Person
    admin: Person
    official: Person
    citizen: Person


@pytest.fixture
async def commune(runtime: Runtime, clock: ManualClock) -> Commune:
    """The known dataset, a leader, an admin, an official of VP and a citizen (all by invite)."""
    clock.set(datetime(2024, 9, 16, 9, 0, tzinfo=VN))
    data = await build(runtime)
    return Commune(
        data,
        leader=await member(runtime, Role.LEADER, user_id=501, name="Dũng"),
        admin=await member(runtime, Role.ADMIN, user_id=502, name="Thu"),
        official=await member(
            runtime, Role.OFFICIAL, user_id=503, name="Minh", unit_id=data.units[VP]
        ),
        citizen=await member(runtime, None, user_id=504, name="Lan"),
    )


def only(outcome: Outcome) -> Reply:
    assert len(outcome.replies) == 1, [r.text for r in outcome.replies]
    return outcome.replies[0]


def buttons(reply: Reply) -> list[list[tuple[str, str]]]:
    return [[(b.text, b.data) for b in row] for row in reply.buttons]


# -- /status ----------------------------------------------------------------------------


async def test_leader_sees_the_whole_screen_with_dimension_buttons(commune: Commune) -> None:
    reply = only(await commune.leader.say("/status"))
    assert reply.text == STATUS
    assert buttons(reply) == [[("D1", "status:dim:D1"), ("D2", "status:dim:D2")]]


async def test_admin_sees_the_whole_screen_too(commune: Commune) -> None:
    assert only(await commune.admin.say("/status")).text == STATUS


async def test_status_narrowed_to_a_dimension(commune: Commune) -> None:
    reply = only(await commune.leader.say("/status D2"))
    assert reply.text == STATUS_D2
    assert reply.buttons == []
    assert only(await commune.leader.say("/status d2")).text == STATUS_D2


@pytest.mark.parametrize("name", [VP, "VP-TK", "văn phòng - thống kê"])
async def test_status_narrowed_to_a_unit(commune: Commune, name: str) -> None:
    reply = only(await commune.leader.say(f"/status {name}"))
    assert reply.text == STATUS_VP
    assert reply.buttons == []


async def test_status_of_an_unknown_unit(commune: Commune) -> None:
    reply = only(await commune.leader.say("/status Phòng Không Có"))
    assert reply.text == "There is no unit called “Phòng Không Có”."


async def test_drill_down_button(commune: Commune) -> None:
    reply = only(await commune.leader.press("status:dim:D1"))
    assert reply.text == STATUS_D1
    assert reply.buttons == []
    assert only(await commune.leader.press("status:dim:D2")).text == STATUS_D2


@pytest.mark.parametrize("data", ["status:dim:D9", "status:dim:x", "status:dim:D", "status:dim"])
async def test_forged_drill_down_is_refused(commune: Commune, data: str) -> None:
    assert only(await commune.leader.press(data)).text == STALE_BUTTON


async def test_official_sees_only_their_unit(commune: Commune) -> None:
    for asked in ("/status", f"/status {TP}", "/status D2"):
        reply = only(await commune.official.say(asked))
        assert reply.text == STATUS_VP, asked
        assert TP not in reply.text
        assert reply.buttons == []


async def test_official_drill_down_stays_inside_their_unit(commune: Commune) -> None:
    reply = only(await commune.official.press("status:dim:D1"))
    # VP's D1 tasks: 1.1 on time, 1.3 late, 1.4 overdue, 1.5 due soon, 1.7 ongoing; the
    # pressed button is not a way to the whole commune's D1.
    assert reply.text == "\n".join(
        [
            "📊 Plan 2024 — D1, as of Sep 16, 2024 (feedback: Q3 2024)",
            "Tasks: 5 · done on time 1 · done late 1 · overdue 1 · due in 14 days 1 · later 0 · "
            "ongoing 1 · waiting for an event 0 · without a date 0",
            "By PAPI dimension:",
            "D1    ▓▓▓▓▓░░░░░ 50% (2 done, 1 overdue)",
            "Most overdue:",
            f"• [1.4] Nhiệm vụ 1.4 — {VP}, 27 days",
            "Feedback: received 0 · answered on time 0 · late 0 · open 0 · satisfied —",
        ]
    )


async def test_official_without_a_unit_is_told_why(runtime: Runtime, commune: Commune) -> None:
    loose = await member(runtime, Role.OFFICIAL, user_id=505, name="Hà")
    for asked in ("/status", "/status D1", "/feedbackstats"):
        assert only(await loose.say(asked)).text == NO_UNIT, asked
    assert only(await loose.press("status:dim:D1")).text == NO_UNIT


async def test_citizen_is_refused(commune: Commune) -> None:
    assert only(await commune.citizen.say("/status")).text == NOT_ALLOWED
    assert only(await commune.citizen.say("/feedbackstats")).text == NOT_ALLOWED
    assert only(await commune.citizen.say("/report Q3/2024")).text == NOT_ALLOWED
    assert (
        only(await commune.citizen.press("status:dim:D1")).text
        == "This button is not for you. Nothing was changed."
    )


# -- /feedbackstats ---------------------------------------------------------------------


async def test_feedbackstats_of_this_quarter(commune: Commune) -> None:
    reply = only(await commune.leader.say("/feedbackstats"))
    assert reply.text == FEEDBACK_STATS
    assert DENUNCIATION_CODE not in reply.text
    assert only(await commune.leader.say("/feedbackstats Q3/2024")).text == FEEDBACK_STATS


async def test_feedbackstats_of_another_period(commune: Commune) -> None:
    # Only the case received at 23:30 on 30 June (local time) falls in Q2.
    reply = only(await commune.leader.say("/feedbackstats Quý II/2024"))
    assert reply.text == "\n".join(
        [
            "Feedback, Q2 2024",
            "Feedback: received 1 · answered on time 1 · late 0 · open 0 · satisfied 100%",
            "On-time rate: 100%",
            "Days to answer: average 1.4, 90% within 1.4",
            "Reopened: 0 · closed, not resolved: 0 · refused: 0",
            "By kind:",
            "• Report a problem (phản ánh): 1 received, 1 answered (1 on time), 0 open",
            "By topic:",
            "• Roads, water, power: 1 received, 1 answered (1 on time), 0 open",
            "By unit:",
            f"• {VP}: 1 received, 1 answered (1 on time), 0 open",
        ]
    )


async def test_feedbackstats_of_a_quiet_period(commune: Commune) -> None:
    reply = only(await commune.leader.say("/feedbackstats Q1/2024"))
    assert reply.text == "\n".join(
        [
            "Feedback, Q1 2024",
            "Feedback: received 0 · answered on time 0 · late 0 · open 0 · satisfied —",
            "On-time rate: —",
            "Days to answer: average —, 90% within —",
            "Reopened: 0 · closed, not resolved: 0 · refused: 0",
        ]
    )


async def test_official_sees_their_units_feedback(commune: Commune) -> None:
    reply = only(await commune.official.say("/feedbackstats"))
    lines = reply.text.splitlines()
    assert lines[0] == f"Feedback, Q3 2024 — {VP}"
    assert lines[1].startswith("Feedback: received 4 · answered on time 3 · late 1 · open 0")
    units = lines[lines.index("By unit:") + 1 :]
    assert units == [f"• {VP}: 4 received, 4 answered (3 on time), 0 open"]
    assert TP not in reply.text


@pytest.mark.parametrize("period", ["Q9", "quý năm", "2024-13-01..2024-14-01"])
async def test_feedbackstats_of_a_bad_period(commune: Commune, period: str) -> None:
    reply = only(await commune.leader.say(f"/feedbackstats {period}"))
    assert reply.text == BAD_PERIOD.format(period)


# -- /report ----------------------------------------------------------------------------


def files(outcome: Outcome) -> dict[str, tuple[str, str, bytes]]:
    """The attached files by extension: (file name, MIME type, content)."""
    found: dict[str, tuple[str, str, bytes]] = {}
    for reply in outcome.replies:
        if reply.file is not None:
            assert reply.file.content is not None
            assert reply.file.size == len(reply.file.content)
            extension = reply.file.filename.rsplit(".", 1)[-1]
            found[extension] = (
                reply.file.filename,
                reply.file.mime_type or "",
                reply.file.content,
            )
    return found


def summary(content: bytes) -> dict[str, Any]:
    """The Summary sheet as item -> value."""
    sheet = load_workbook(io.BytesIO(content))["Summary"]
    return {str(item): value for item, value in sheet.iter_rows(min_row=2, values_only=True)}


def headings(content: bytes, level: int) -> list[str]:
    doc = Document(io.BytesIO(content))
    return [
        p.text for p in doc.paragraphs if p.style is not None and p.style.name == f"Heading {level}"
    ]


async def test_report_of_a_quarter(commune: Commune) -> None:
    outcome = await commune.leader.say("/report Q3/2024")
    assert [r.text for r in outcome.replies] == [
        "\n".join(
            [
                "Report Q3 2024",
                "Tasks: 15 · done on time 2 · done late 2 · overdue 4 · due in 14 days 3 · "
                "later 1 · ongoing 1 · waiting for an event 1 · without a date 1",
                "By PAPI dimension:",
                "D1    ▓▓▓▓░░░░░░ 43% (3 done, 2 overdue)",
                "D2    ▓▓░░░░░░░░ 20% (1 done, 2 overdue)",
                *OVERDUE,
                FEEDBACK_Q3,
            ]
        ),
        "Chart",
        "Tables",
        "Report document",
    ]
    attached = files(outcome)
    assert {k: v[:2] for k, v in attached.items()} == {
        "png": ("bao-cao-Q3-2024.png", "image/png"),
        "xlsx": ("bao-cao-Q3-2024.xlsx", XLSX),
        "docx": ("bao-cao-Q3-2024.docx", DOCX),
    }
    assert attached["png"][2].startswith(PNG)
    book = attached["xlsx"][2]
    values = summary(book)
    assert values["Period start"] == datetime(2024, 7, 1)
    assert values["Period end"] == datetime(2024, 9, 30)
    assert values["Tasks"] == 15
    assert values["Overdue"] == 4
    assert values["Tasks done"] == 4
    assert values["Feedback received"] == 8
    assert values["Answered on time"] == 5
    assert values["Closed, not resolved"] == 1
    assert values["Satisfaction rate"] == 0.4
    document = attached["docx"][2]
    assert headings(document, 1) == HEADINGS
    for name, text in (
        ("xlsx", workbook_text(book)),
        ("docx", document_text(document)),
        ("xlsx xml", xml_text(book)),
        ("docx xml", xml_text(document)),
    ):
        assert DENUNCIATION_CODE not in text, name
        for secret in SECRETS:
            assert secret not in text, (name, secret)


async def test_report_with_closing_figures(commune: Commune) -> None:
    outcome = await commune.leader.say("/report 2024 closing")
    first = outcome.replies[0].text.splitlines()
    assert first[0] == "Report Year 2024 (figures Dec 15, 2023 – Dec 14, 2024)"
    assert first[1] == TASKS_YEAR
    # The case of 30 June is in the year too: 9 cases, 6 answered on time, 3 of 6 satisfied.
    assert first[-1] == (
        "Feedback: received 9 · answered on time 6 · late 1 · open 1 · satisfied 50%"
    )
    attached = files(outcome)
    assert sorted(v[0] for v in attached.values()) == [
        "bao-cao-2024.docx",
        "bao-cao-2024.png",
        "bao-cao-2024.xlsx",
    ]
    values = summary(attached["xlsx"][2])
    assert values["Period start"] == datetime(2023, 12, 15)
    assert values["Period end"] == datetime(2024, 12, 14)
    assert values["Feedback received"] == 9
    assert headings(attached["docx"][2], 1) == HEADINGS


async def test_report_in_vietnamese_also_has_its_files(runtime: Runtime, commune: Commune) -> None:
    chief = await member(runtime, Role.LEADER, user_id=505, name="Chiến", language="vi")
    outcome = await chief.say("/report Q3/2024")
    assert len(outcome.replies) == 4
    attached = files(outcome)
    assert attached["png"][2].startswith(PNG)
    assert len(headings(attached["docx"][2], 1)) == 5
    assert load_workbook(io.BytesIO(attached["xlsx"][2])).worksheets[0].max_row > 20


async def test_report_needs_a_period_and_offers_the_plans(commune: Commune) -> None:
    reply = only(await commune.leader.say("/report"))
    assert reply.text == (
        "Which period? For example /report Q3/2024, /report 6T/2024, /report 2024.\n"
        "Or choose a plan or a year:"
    )
    chosen = [b.data for row in reply.buttons for b in row]
    assert chosen[-1].startswith("report:year:")
    assert any(d.startswith("report:plan:") for d in chosen)


@pytest.mark.parametrize("period", ["Q5/2024", "closing"])
async def test_report_of_a_bad_period(commune: Commune, period: str) -> None:
    reply = only(await commune.leader.say(f"/report {period}"))
    assert reply.text == BAD_PERIOD.format("" if period == "closing" else period)
    assert reply.file is None


async def test_report_is_for_leaders(commune: Commune) -> None:
    assert only(await commune.official.say("/report Q3/2024")).text == NOT_ALLOWED
