"""/status and /report choose the plan or the year; last year's overdue tasks stay in view
after 1 January (issue 12, item 13)."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from tests.conftest import VN
from tests.handlers.conftest import (
    VP,
    Elsewhere,
    Office,
    import_small_plan,
    payloads,
    small_plan,
    texts,
)

OLD_TITLE = "Kế hoạch cải cách hành chính năm 2025"


def _count(screen: str, state: str) -> int:
    match = re.search(rf"· {state} (\d+) ·", screen)
    assert match is not None, screen
    return int(match.group(1))


def _total(screen: str) -> int:
    match = re.search(r"Tasks: (\d+) ·", screen)
    assert match is not None, screen
    return int(match.group(1))


async def _old_plan(office: Office) -> int:
    """A 2025 plan of the office with one task of the last quarter, never done."""
    plan = small_plan(OLD_TITLE, [("9.1", [VP], [], "Quý IV/2025", "")])
    return await import_small_plan(
        office.runtime, office.org_id, dataclasses.replace(plan, year=2025)
    )


async def test_last_years_overdue_tasks_stay_after_1_january(office: Office) -> None:
    office.clock.set(datetime(2026, 12, 31, 9, tzinfo=VN))
    before = texts(await office.chief.say("/status"))[0]
    assert before.startswith("📊 Plan 2026")
    assert _count(before, "overdue") == 5

    office.clock.set(datetime(2027, 1, 1, 9, tzinfo=VN))
    after = texts(await office.chief.say("/status"))[0]
    assert after.startswith("📊 Plan 2027")
    assert _count(after, "overdue") == 5
    assert "Most overdue:" in after
    assert "[1.1]" in after
    # The past year asked by name still shows its own figures.
    named = texts(await office.chief.say("/status 2026"))[0]
    assert named.startswith("📊 Plan 2026")
    assert _count(named, "overdue") == 5

    # Once done, an old due date leaves this year's screen.
    await office.minh.press(f"occ:done:{office.occurrences['1.1']}")
    await office.minh.say("Biên bản")
    office.clock.set(datetime(2027, 1, 2, 9, tzinfo=VN))
    later = texts(await office.chief.say("/status"))[0]
    assert _count(later, "overdue") == 4
    assert "[1.1]" not in later


async def test_an_officials_screen_keeps_their_units_old_overdue_tasks(office: Office) -> None:
    office.clock.set(datetime(2027, 1, 4, 9, tzinfo=VN))
    screen = texts(await office.minh.say("/status"))[0]
    assert f"— {VP}" in screen.splitlines()[0]
    assert _count(screen, "overdue") == 3  # 1.1, 1.2 and 2.2 are led by VP


async def test_status_of_a_named_year(office: Office) -> None:
    await _old_plan(office)
    old = texts(await office.chief.say("/status 2025"))[0]
    assert old.startswith("📊 Plan 2025")
    assert "(feedback: Q4 2025)" in old.splitlines()[0]
    assert (_total(old), _count(old, "overdue")) == (1, 1)
    this = texts(await office.chief.say("/status 2026 D2"))[0]
    assert this.startswith("📊 Plan 2026 — D2")
    for bad, says in (
        ("/status 1999", "outside the dates I work with"),
        ("/status 20255", "20255"),
        ("/status 2026 Không có", "Không có"),
    ):
        assert says in texts(await office.chief.say(bad))[0]


async def test_several_plans_are_offered_as_buttons(office: Office) -> None:
    assert not any(
        p.startswith("status:plan:")
        for p in payloads((await office.chief.say("/status")).replies[0])
    )
    old_id = await _old_plan(office)
    [reply] = (await office.chief.say("/status")).replies
    plan_buttons = [b for row in reply.buttons for b in row if b.data.startswith("status:plan:")]
    assert [b.data for b in plan_buttons] == [
        f"status:plan:{office.plan_id}",
        f"status:plan:{old_id}",
    ]
    assert plan_buttons[1].text == f"{OLD_TITLE} (2025)"

    old = texts(await office.chief.press(f"status:plan:{old_id}"))[0]
    assert old.startswith(f"📊 {OLD_TITLE} (2025), as of")
    assert (_total(old), _count(old, "overdue")) == (1, 1)
    this = texts(await office.chief.press(f"status:plan:{office.plan_id}"))[0]
    assert _total(this) == 8
    # An official sees the plan's part their unit leads.
    theirs = texts(await office.hoa.press(f"status:plan:{office.plan_id}"))[0]
    assert _total(theirs) == 2


async def test_forged_and_foreign_plan_buttons_are_refused(
    office: Office, elsewhere: Elsewhere
) -> None:
    for data in (
        f"status:plan:{elsewhere.plan_id}",
        "status:plan:99999",
        "status:plan:-1",
        "status:plan:1x",
        f"report:plan:{elsewhere.plan_id}",
        "report:year:1999",
        "report:year:x",
    ):
        replies = texts(await office.chief.press(data))
        assert not replies[0].startswith("📊"), (data, replies)
        assert len(replies) == 1
    assert (
        "no longer valid" in texts(await office.chief.press(f"status:plan:{elsewhere.plan_id}"))[0]
    )
    assert "outside the dates" in texts(await office.chief.press("report:year:1999"))[0]
    assert "not for you" in texts(await office.minh.press(f"report:plan:{office.plan_id}"))[0]


async def test_report_offers_the_plans_and_years(office: Office) -> None:
    old_id = await _old_plan(office)
    [reply] = (await office.chief.say("/report")).replies
    assert reply.text.startswith("Which period?")
    assert payloads(reply) == [
        f"report:plan:{office.plan_id}",
        f"report:plan:{old_id}",
        "report:year:2026",
        "report:year:2025",
    ]
    sent = await office.chief.press(f"report:plan:{old_id}")
    assert len(sent.replies) == 5
    assert sent.replies[0].text == f"The report below counts only the plan “{OLD_TITLE}”."
    summary = sent.replies[1].text
    assert summary.startswith("Report Year 2025")
    assert (_total(summary), _count(summary, "overdue")) == (1, 1)
    assert {r.file.filename for r in sent.replies[2:] if r.file} == {
        "bao-cao-2025.png",
        "bao-cao-2025.xlsx",
        "bao-cao-2025.docx",
    }
    year = (await office.chief.press("report:year:2026")).replies[0].text
    assert _total(year) == 8
