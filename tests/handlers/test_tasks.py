"""What officials see of their tasks (/tasks, /task), and how admins date undated tasks."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.tasks.standing import DUE_SOON
from db.models import EventKind, Occurrence, OccurrenceStatus
from tests.conftest import VN
from tests.handlers.conftest import (
    VP,
    Elsewhere,
    Office,
    audits,
    en_date,
    events,
    import_small_plan,
    local_day,
    occurrence,
    payloads,
    send_file,
    small_plan,
    texts,
)
from tests.handlers.test_common import snapshot

NOT_ALLOWED = "You are not allowed to use this command."
OVERDUE, SOON, LATER = "Overdue", "Due in the next 14 days", "Later"
ONGOING, WAITING, UNDATED, DONE = "Ongoing", "Waiting for an event", "Without a date", "Done"

_HEADING = re.compile(r"^(.+) \((\d+)\):$")
_TASK = re.compile(r"^#(\d+) \[([^\]]*)\] ")


def grouped(text: str) -> list[tuple[str, list[str]]]:
    """The groups of a /tasks answer, in order, with the codes listed under each."""
    lines = text.splitlines()
    assert lines[0] == "Your tasks:", text
    groups: list[tuple[str, list[str]]] = []
    for line in lines[1:]:
        if heading := _HEADING.match(line):
            groups.append((heading.group(1), []))
        elif task := _TASK.match(line):
            groups[-1][1].append(task.group(2))
    for (name, codes), line in zip(
        groups, [line for line in lines if _HEADING.match(line)], strict=True
    ):
        assert line == f"{name} ({len(codes)}):"
    return groups


async def finish(office: Office, code: str) -> None:
    """The lead official marks a task's first occurrence done."""
    who = office.hoa if code in {"1.3", "2.1"} else office.minh
    await who.press(f"occ:done:{office.occurrences[code]}")
    assert (await who.text_of("Đã xong")).startswith("Recorded as done")
    assert (await occurrence(office.runtime, office.occurrences[code])).status == (
        OccurrenceStatus.DONE
    )


# /tasks


async def test_tasks_are_grouped_overdue_soon_later_ongoing_waiting_undated(
    office: Office,
) -> None:
    text = await office.minh.text_of("/tasks")
    assert grouped(text) == [
        (OVERDUE, ["1.1"]),
        (SOON, ["1.2"]),
        (LATER, ["2.2"]),
        (ONGOING, ["1.4"]),
        (WAITING, ["1.5"]),
        (UNDATED, ["1.6"]),
    ]
    lines = text.splitlines()
    at = lines.index(f"#{office.tasks['1.1']} [1.1] Nhiệm vụ 1.1: tổ chức thực hiện và báo cáo")
    assert lines[at + 1] == f"   due {en_date(date(2026, 2, 28))} (Tháng 02/2026)"
    at = lines.index(f"#{office.tasks['1.4']} [1.4] Nhiệm vụ 1.4: tổ chức thực hiện và báo cáo")
    assert lines[at + 1] == "   Thường xuyên"


async def test_tasks_of_a_partner_unit_are_listed_too(office: Office) -> None:
    assert grouped(await office.hoa.text_of("/tasks")) == [
        (OVERDUE, ["2.1", "1.1"]),
        (LATER, ["1.3"]),
    ]


async def test_the_groups_follow_the_clock_and_what_is_done(office: Office) -> None:
    due = (await occurrence(office.runtime, office.occurrences["1.3"])).due_date
    office.clock.set(datetime.combine(due - DUE_SOON, datetime.min.time(), VN))
    office.clock.advance(timedelta(hours=9))
    assert grouped(await office.hoa.text_of("/tasks")) == [
        (OVERDUE, ["2.1", "1.1"]),
        (SOON, ["1.3"]),
    ]
    office.clock.advance(timedelta(days=-1))
    assert (LATER, ["1.3"]) in grouped(await office.hoa.text_of("/tasks"))
    await finish(office, "1.3")
    await finish(office, "2.1")
    assert grouped(await office.hoa.text_of("/tasks")) == [
        (OVERDUE, ["1.1"]),
        (DONE, ["1.3", "2.1"]),
    ]


async def test_people_without_a_unit_have_no_tasks_and_citizens_may_not_ask(
    office: Office,
) -> None:
    for who in (office.leader, office.admin):
        assert await who.text_of("/tasks") == "You have no tasks from the plans."
    assert await office.citizen.text_of("/tasks") == NOT_ALLOWED


async def test_a_long_group_is_cut_with_a_count_of_the_rest(office: Office) -> None:
    many: list[tuple[str, list[str], list[str], str, str]] = [
        (f"5.{n}", [VP], [], "Thường xuyên", "") for n in range(1, 36)
    ]
    await import_small_plan(office.runtime, office.org_id, small_plan("Kế hoạch khác", many))
    text = await office.minh.text_of("/tasks")
    assert "Ongoing (36):" in text
    assert "… and 6 more" in text
    ongoing = dict(grouped_loose(text))["Ongoing"]
    assert len(ongoing) == 30


def grouped_loose(text: str) -> list[tuple[str, list[str]]]:
    """Like ``grouped`` without checking the counts (for groups that are cut)."""
    groups: list[tuple[str, list[str]]] = []
    for line in text.splitlines()[1:]:
        if heading := _HEADING.match(line):
            groups.append((heading.group(1), []))
        elif task := _TASK.match(line):
            groups[-1][1].append(task.group(2))
    return groups


# /task


async def test_task_card(office: Office) -> None:
    task_id, occ_id = office.tasks["1.1"], office.occurrences["1.1"]
    outcome = await office.minh.say(f"/task {task_id}")
    [card] = outcome.replies
    assert card.text.splitlines() == [
        f"#{task_id} [1.1] Nhiệm vụ 1.1: tổ chức thực hiện và báo cáo",
        "Plan: Kế hoạch cải thiện Chỉ số PAPI năm 2026",
        "Dimension: D1",
        "Lead: Văn phòng - Thống kê",
        "Partners: Tư pháp - Hộ tịch",
        "Time frame: Tháng 02/2026",
        "Expected evidence: Biên bản kiểm tra",
        f"• {en_date(date(2026, 2, 28))} — pending",
    ]
    assert payloads(card) == [
        f"occ:done:{occ_id}",
        f"occ:progress:{occ_id}",
        f"occ:blocked:{occ_id}",
        f"occ:more:{occ_id}",
        f"occ:snooze:{occ_id}",
    ]
    assert texts(await office.minh.press(f"task:open:{task_id}")) == [card.text]
    assert (await office.minh.say(f"/task #{task_id}")).replies == [card]
    for who in (office.leader, office.admin, office.hoa):
        assert await who.text_of(f"/task {task_id}") == card.text


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ("", "?"),
        ("abc", "abc"),
        ("999999", "999999"),
        ("-1", "-1"),
        ("2147483648", "2147483648"),
        ("99999999999", "99999999999"),
        ("1" * 40, "1" * 12),
    ],
)
async def test_task_card_of_no_task(office: Office, args: str, shown: str) -> None:
    before = await snapshot(office.runtime)
    assert await office.minh.text_of(f"/task {args}".strip()) == (
        f"There is no task #{shown} for you."
    )
    # A button's payload is parsed by the router: only a well-formed id reaches the card.
    assert texts(await office.minh.press(f"task:open:{args}")) == [
        f"There is no task #{shown} for you."
        if args == "999999"
        else "This button is no longer valid. Nothing was changed."
    ]
    assert await snapshot(office.runtime) == before


async def test_task_card_of_another_organization(office: Office, elsewhere: Elsewhere) -> None:
    task_id = elsewhere.tasks["1.1"]
    for who in (office.minh, office.leader, office.admin):
        assert await who.text_of(f"/task {task_id}") == f"There is no task #{task_id} for you."
    assert await office.citizen.text_of(f"/task {office.tasks['1.1']}") == NOT_ALLOWED


# /undated and /setdate


async def test_undated_lists_the_tasks_without_a_date(office: Office) -> None:
    assert (await office.admin.text_of("/undated")).splitlines() == [
        "Tasks that need a date (set one with /setdate ID DATE):",
        f"#{office.tasks['1.6']} [1.6] Nhiệm vụ 1.6: tổ chức thực hiện và báo cáo",
        "   Theo kế hoạch",
    ]
    for who in (office.minh, office.leader, office.citizen):
        assert await who.text_of("/undated") == NOT_ALLOWED


async def test_setdate_gives_an_undated_task_a_date(office: Office) -> None:
    task_id = office.tasks["1.6"]
    assert await office.admin.text_of(f"/setdate {task_id} 15/04/2026") == (
        f"Task #{task_id} is now due on {en_date(date(2026, 4, 15))}."
    )
    async with office.runtime.sessions() as session:
        [stored] = (
            await session.scalars(select(Occurrence).where(Occurrence.task_id == task_id))
        ).all()
    admin = await office.person_id(office.admin)
    assert (stored.planned_date, stored.due_date, stored.status, stored.set_by) == (
        date(2026, 4, 15),
        date(2026, 4, 15),
        OccurrenceStatus.PENDING,
        admin,
    )
    [event] = await events(office.runtime, task_id)
    assert (event.kind, event.day, event.person_id) == (
        EventKind.DATE_SET,
        date(2026, 4, 15),
        admin,
    )
    [entry] = await audits(office.runtime, "task.date_set")
    assert (entry.entity, entry.entity_id, entry.after) == (
        "task",
        str(task_id),
        {"due": "2026-04-15"},
    )
    assert await office.admin.text_of("/undated") == "Every task has a date or needs none."
    assert (LATER, ["1.6", "2.2"]) in grouped(await office.minh.text_of("/tasks"))
    assert await office.admin.text_of(f"/setdate #{task_id} 2026-04-15") == (
        f"Task #{task_id} is already due on {en_date(date(2026, 4, 15))}."
    )
    card = await office.minh.text_of(f"/task {task_id}")
    assert f"• {en_date(date(2026, 4, 15))} — pending" in card


async def test_setdate_of_a_past_day_makes_the_task_overdue(office: Office) -> None:
    task_id = office.tasks["1.6"]
    await office.admin.say(f"/setdate {task_id} 27/02/2026")
    today = local_day(office.clock.now(), office.runtime)
    # The earliest due day first: 1.6 (27 February) before 1.1 (28 February).
    assert (OVERDUE, ["1.6", "1.1"]) in grouped(await office.minh.text_of("/tasks"))
    assert f"[1.6] {(today - date(2026, 2, 27)).days} days late" in (
        await office.leader.text_of("/overdue")
    )


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/setdate", "Write it as /setdate ID DATE, for example /setdate 12 31/12/2024."),
        (
            "/setdate 15/04/2026",
            "Write it as /setdate ID DATE, for example /setdate 12 31/12/2024.",
        ),
        (
            "/setdate abc 15/04/2026",
            "Write it as /setdate ID DATE, for example /setdate 12 31/12/2024.",
        ),
        ("/setdate 999999 15/04/2026", "There is no task #999999."),
        ("/setdate 2147483648 15/04/2026", "There is no task #2147483648."),
        ("/setdate 99999999999999999999 15/04/2026", "There is no task #999999999999."),
        (
            "/setdate {id} tomorrow",
            "“tomorrow” is not a date. Write it as day/month/year, for example 10/01/2026.",
        ),
        (
            "/setdate {id} 31/04/2026",
            "“31/04/2026” is not a date. Write it as day/month/year, for example 10/01/2026.",
        ),
    ],
)
async def test_setdate_with_bad_input_changes_nothing(
    office: Office, command: str, answer: str
) -> None:
    before = await snapshot(office.runtime)
    assert await office.admin.text_of(command.format(id=office.tasks["1.6"])) == answer
    assert await snapshot(office.runtime) == before


async def test_setdate_is_for_admins_of_the_task_organization(
    office: Office, elsewhere: Elsewhere
) -> None:
    before = await snapshot(office.runtime)
    for who in (office.minh, office.leader, office.citizen):
        assert await who.text_of(f"/setdate {office.tasks['1.6']} 15/04/2026") == NOT_ALLOWED
    foreign = elsewhere.tasks["1.6"]
    assert await office.admin.text_of(f"/setdate {foreign} 15/04/2026") == (
        f"There is no task #{foreign}."
    )
    assert await snapshot(office.runtime) == before


async def test_the_task_card_offers_its_evidence_files_to_those_who_may_see_it(
    office: Office, elsewhere: Elsewhere
) -> None:
    task_id, occ_id = office.tasks["1.2"], office.occurrences["1.2"]
    await office.minh.press(f"occ:done:{occ_id}")
    content = b"%PDF-1.4 bao cao ket qua"
    await send_file(office.minh, "bao-cao.pdf", content, mime_type="application/pdf")
    [event] = await events(office.runtime, task_id)
    [card] = (await office.minh.say(f"/task {task_id}")).replies
    evidence = f"task:file:{task_id}:{event.id}"
    assert payloads(card)[-1] == evidence
    assert card.buttons[-1][0].text == "📎 bao-cao.pdf"
    for who in (office.minh, office.leader, office.admin):
        [sent] = (await who.press(evidence)).replies
        assert sent.file is not None
        assert (sent.file.filename, sent.file.mime_type, sent.file.content) == (
            "bao-cao.pdf",
            "application/pdf",
            content,
        )
    # Not for citizens, nor for another organization's staff, nor under another task's id.
    [citizen] = (await office.citizen.press(evidence)).replies
    assert citizen.file is None
    other_task = office.tasks["1.1"]
    [forged] = (await office.admin.press(f"task:file:{other_task}:{event.id}")).replies
    assert forged.file is None
    assert forged.text == "This button is no longer valid. Nothing was changed."
    [outsider] = (
        await office.admin.press(f"task:file:{elsewhere.tasks['1.1']}:{event.id}")
    ).replies
    assert outsider.file is None
