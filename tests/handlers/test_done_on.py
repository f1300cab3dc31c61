"""An official catching up records the day a task was really done (issue 12, item 14)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.periods import parse_period
from bot.reports.figures import task_figures
from db.models import EventKind, OccurrenceStatus
from tests.handlers.conftest import (
    Office,
    audits,
    en_date,
    events,
    local_day,
    occurrence,
    texts,
)

TODAY = date(2026, 3, 2)


async def _done_rows(office: Office) -> dict[str, dict[str, object]]:
    """The done rows of the 2026 report figures, by task code."""
    async with office.runtime.sessions() as session:
        data = await task_figures(
            session, [office.org_id], parse_period("2026", TODAY), TODAY, office.runtime.settings.tz
        )
    return {str(row["code"]): row for row in data.to_json()["done"]}


async def test_done_command_with_the_real_day_counts_it_on_time(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    due = (await occurrence(office.runtime, occ_id)).due_date
    assert due < TODAY  # overdue today: without the day it would count late
    day = date(2026, 2, 15)
    asked = await office.minh.say("/done 1.1 15/02")
    [prompt] = texts(asked)
    assert prompt.startswith("Task [1.1]: send the evidence (Biên bản kiểm tra)")
    assert f"It will be recorded as done on {en_date(day)}." in prompt
    done = await office.minh.say("Biên bản kiểm tra số 3")
    assert texts(done) == [f"Recorded as done on time, on {en_date(day)}. Thank you."]

    stored = await occurrence(office.runtime, occ_id)
    assert stored.status == OccurrenceStatus.DONE
    assert stored.done_at is not None
    assert local_day(stored.done_at, office.runtime) == day
    [event] = await events(office.runtime, office.tasks["1.1"])
    assert (event.kind, event.day, event.late) == (EventKind.DONE, day, False)
    assert event.at == office.clock.now()  # history keeps when it was recorded
    [entry] = await audits(office.runtime, "task.done")
    assert entry.after is not None
    assert entry.after["done_on"] == "2026-02-15"
    row = (await _done_rows(office))["1.1"]
    assert (row["late"], row["done_on"]) == (False, "2026-02-15")
    status = texts(await office.leader.say("/status"))[0]
    assert "1.1" not in status.split("overdue", 1)[-1]


async def test_the_day_written_in_the_note_counts(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    due = (await occurrence(office.runtime, occ_id)).due_date
    asked = await office.minh.press(f"occ:done:{occ_id}")
    assert "Done earlier? Add the day to your note" in texts(asked)[0]
    done = await office.minh.say("Đã nộp biên bản, xong ngày 01/03")
    late = (date(2026, 3, 1) - due).days
    assert late > 0
    expected = f"Recorded as done on {en_date(date(2026, 3, 1))}, {late} day"
    assert texts(done)[0].startswith(expected)
    row = (await _done_rows(office))["1.1"]
    assert (row["late"], row["done_on"]) == (True, "2026-03-01")


async def test_without_a_day_it_is_today_as_before(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    await office.minh.press(f"occ:done:{occ_id}")
    await office.minh.say("Biên bản số 4")
    stored = await occurrence(office.runtime, occ_id)
    assert stored.done_at == office.clock.now()
    row = (await _done_rows(office))["1.1"]
    assert (row["late"], row["done_on"]) == (True, TODAY.isoformat())


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/done 1.1 03/03/2026", "That date is in the future"),
        ("/done 1.1 15/03", "when this task began"),  # 15/03/2025: before the 2026 plan
        ("/done 1.1 31/12/2025", "when this task began"),
        ("/done 1.1 45/02", "is not a date"),
        ("/done 1.1 1/1/1900", "outside the dates I work with"),
        ("/done 1.1 15/02 thêm", "Write it as /done TASK [DATE]"),
        ("/done", "Write it as /done TASK [DATE]"),
        ("/done 9.9", "There is no task #9.9 for you."),
        ("/done #99999", "There is no task #99999 for you."),
        ("/done \x00\x01 15/02", "There is no task"),
    ],
)
async def test_bad_days_and_tasks_are_refused_and_change_nothing(
    office: Office, command: str, says: str
) -> None:
    outcome = await office.minh.say(command)
    assert says in texts(outcome)[0], texts(outcome)
    follow = await office.minh.say("Biên bản")
    assert "Recorded as done" not in " ".join(texts(follow))
    stored = await occurrence(office.runtime, office.occurrences["1.1"])
    assert stored.status == OccurrenceStatus.PENDING


async def test_a_bad_day_in_the_note_keeps_the_step_open(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    await office.minh.press(f"occ:done:{occ_id}")
    refused = await office.minh.say("xong ngày 20/12/2025")
    assert "when this task began" in texts(refused)[0]
    assert (await occurrence(office.runtime, occ_id)).status == OccurrenceStatus.PENDING
    done = await office.minh.say("xong ngày 20/02")
    assert texts(done) == [f"Recorded as done on time, on {en_date(date(2026, 2, 20))}. Thank you."]


async def test_only_the_lead_unit_may_record_it(office: Office) -> None:
    outcome = await office.hoa.say("/done 1.1 15/02")  # a partner of 1.1
    assert "Recorded" not in " ".join(texts(outcome))
    assert "send the evidence" not in " ".join(texts(outcome))
    stored = await occurrence(office.runtime, office.occurrences["1.1"])
    assert stored.status == OccurrenceStatus.PENDING


async def test_done_by_number(office: Office) -> None:
    task_id = office.tasks["1.2"]
    asked = await office.minh.say(f"/done #{task_id}")
    assert texts(asked)[0].startswith("Task [1.2]: send the evidence")
    done = await office.minh.say("https://x.vn/bc.pdf")
    assert texts(done) == ["Recorded as done on time. Thank you."]
