"""Admins send a plan file in the chat: a preview, then Confirm or Cancel."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.messages import Reply
from bot.plans import MAX_BYTES, parse_plan
from bot.runtime import Runtime
from db.models import AuditEntry, Dialog, Plan, Role, Task, TaskState, TaskUnit, Unit, Upload
from db.queries import orgs
from tests.bot.plans import crafted
from tests.conftest import SHARED, Person
from tests.handlers.conftest import payloads, send_file, texts
from tests.handlers.test_common import count, member, root_org, snapshot

PLANS = SHARED / "plans"
LUONGSON = PLANS / "luongson-2024.docx"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_VALID = "This button is no longer valid. Nothing was changed."
NOT_FOR_YOU = "This button is not for you. Nothing was changed."
NO_FILES = "I cannot take files here. Send /help to see what you can do."
OLE = bytes.fromhex("D0CF11E0A1B11AE1")
UNDATED_CSV = (
    "STT,Nhiệm vụ,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian hoàn thành\n"
    "1,Rà soát thủ tục hành chính,Văn phòng - Thống kê,,Thường xuyên\n"
    "2,Tổ chức đối thoại với người dân,Tư pháp - Hộ tịch,Văn phòng - Thống kê,Hằng quý\n"
)


@pytest.fixture
async def admin(runtime: Runtime) -> Person:
    """An administrator writing in English."""
    return await member(runtime, Role.ADMIN, user_id=9001, name="Thu")


async def upload_id(runtime: Runtime) -> int:
    """The newest upload's id."""
    async with runtime.sessions() as session:
        found = await session.scalar(select(func.max(Upload.id)))
    assert isinstance(found, int)
    return found


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    """The data rows (below the header) of the first sheet of a workbook."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheet = book.worksheets[0]
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]
    book.close()
    return rows


async def all_new(runtime: Runtime, admin: Person) -> Reply:
    """Answer every unit question of the pending import with "a new unit"; the summary."""
    [summary] = (await admin.press(f"plan:rest:{await upload_id(runtime)}")).replies
    return summary


async def nothing_imported(runtime: Runtime) -> None:
    for model in (Plan, Task, Unit, Upload, Dialog):
        assert await count(runtime, model) == 0, model.__name__


async def test_admin_sends_a_plan_gets_a_preview_and_confirms(
    runtime: Runtime, admin: Person
) -> None:
    parsed = parse_plan(LUONGSON)
    outcome = await send_file(admin, LUONGSON.name, LUONGSON.read_bytes())
    preview, question = outcome.replies
    assert question.text.startswith("47 unit names still need a place.")
    summary = await all_new(runtime, admin)
    assert preview.text == "Preview of the import (nothing is stored yet):"
    assert preview.file is not None
    assert (preview.file.filename, preview.file.mime_type) == ("preview-2024.xlsx", XLSX_MIME)
    assert preview.file.content is not None
    rows = sheet_rows(preview.file.content)
    assert len(rows) == len(parsed.tasks) == 47

    lines = summary.text.splitlines()
    assert lines[0] == f"Plan: {parsed.title}"
    assert lines[1] == "Year 2024, 47 tasks, from luongson-2024.docx"
    assert any(line.startswith("New plan: 47 tasks, ") for line in lines)
    upload = await upload_id(runtime)
    assert payloads(summary) == [f"plan:confirm:{upload}", f"plan:cancel:{upload}"]
    for model in (Plan, Task, Unit):
        assert await count(runtime, model) == 0

    confirmed = await admin.press(f"plan:confirm:{upload}")
    [done] = texts(confirmed)
    assert done.startswith("Imported.\nPlan: ")
    assert await count(runtime, Plan) == 1
    assert await count(runtime, Task) == 47
    assert await count(runtime, Upload) == 0
    assert await count(runtime, Dialog) == 0
    async with runtime.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions.count("task.created") == 47
    assert actions.count("plan.imported") == 1

    # An official of a lead unit sees the tasks.
    async with runtime.sessions() as session:
        unit = await orgs.unit_by_name(session, root_org(runtime), "CC VP- TK")
        assert unit is not None
        unit_id = unit.id
        theirs = await session.scalar(
            select(func.count(func.distinct(TaskUnit.task_id))).where(TaskUnit.unit_id == unit_id)
        )
    official = await member(runtime, Role.OFFICIAL, user_id=9010, name="Minh", unit_id=unit_id)
    listing = await official.text_of("/tasks")
    assert "[1.1] " in listing
    shown = sum(
        int(line.rsplit("(", 1)[1].rstrip("):"))
        for line in listing.splitlines()
        if line.endswith("):")
    )
    assert shown == theirs


async def test_sending_the_same_plan_again_changes_nothing(runtime: Runtime, admin: Person) -> None:
    content = LUONGSON.read_bytes()
    await send_file(admin, LUONGSON.name, content)
    await all_new(runtime, admin)
    await admin.press(f"plan:confirm:{await upload_id(runtime)}")
    before = await snapshot(runtime)
    # The answers were remembered: the same file asks nothing the second time.
    again = await send_file(admin, LUONGSON.name, content)
    assert "This plan is already stored exactly so; nothing changes." in again.replies[1].text
    assert await admin.text_of("x") == "I did not understand that. Send /help to see what I can do."
    await send_file(admin, LUONGSON.name, content)
    await admin.press(f"plan:confirm:{await upload_id(runtime)}")
    after = await snapshot(runtime)
    assert {k: v for k, v in after.items() if k != "uploads"} == {
        k: v for k, v in before.items() if k != "uploads"
    }


async def test_cancel_changes_nothing(runtime: Runtime, admin: Person) -> None:
    before = await snapshot(runtime)
    await send_file(admin, LUONGSON.name, LUONGSON.read_bytes())
    upload = await upload_id(runtime)
    assert texts(await admin.press(f"plan:cancel:{upload}")) == [
        "Import cancelled. Nothing was changed."
    ]
    assert await snapshot(runtime) == before
    assert texts(await admin.press(f"plan:confirm:{upload}")) == [NOT_VALID]
    assert await snapshot(runtime) == before


async def test_a_stale_or_forged_confirm_is_refused(runtime: Runtime, admin: Person) -> None:
    other_admin = await member(runtime, Role.ADMIN, user_id=9002, name="Hà")
    official = await member(runtime, Role.OFFICIAL, user_id=9003, name="Minh")
    await send_file(admin, LUONGSON.name, LUONGSON.read_bytes())
    upload = await upload_id(runtime)
    # Confirm before every unit name has a place is refused too.
    assert texts(await admin.press(f"plan:confirm:{upload}")) == [NOT_VALID]
    await all_new(runtime, admin)
    before = await snapshot(runtime)
    for who, payload in (
        (admin, f"plan:confirm:{upload + 1}"),
        (admin, "plan:confirm:abc"),
        (admin, "plan:confirm:"),
        (admin, f"plan:cancel:{upload + 1}"),
        (other_admin, f"plan:confirm:{upload}"),
        (other_admin, f"plan:cancel:{upload}"),
    ):
        assert texts(await who.press(payload)) == [NOT_VALID], payload
    assert texts(await official.press(f"plan:confirm:{upload}")) == [NOT_FOR_YOU]
    assert await snapshot(runtime) == before
    # The real button still works afterwards.
    assert texts(await admin.press(f"plan:confirm:{upload}"))[0].startswith("Imported.")
    assert texts(await admin.press(f"plan:confirm:{upload}")) == [NOT_VALID]
    assert await count(runtime, Plan) == 1


async def test_a_confirm_after_a_newer_upload_is_refused(runtime: Runtime, admin: Person) -> None:
    await send_file(admin, LUONGSON.name, LUONGSON.read_bytes())
    first = await upload_id(runtime)
    other = PLANS / "donghoa-2021-pl1.csv"
    await send_file(admin, other.name, other.read_bytes())
    assert texts(await admin.press(f"plan:confirm:{first}")) == [NOT_VALID]
    assert await count(runtime, Plan) == 0


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.LEADER, None])
async def test_a_non_admin_sending_a_file_gets_a_hint(runtime: Runtime, role: Role | None) -> None:
    someone = await member(runtime, role, user_id=9020, name="An")
    before = await snapshot(runtime)
    outcome = await send_file(someone, LUONGSON.name, LUONGSON.read_bytes())
    assert texts(outcome) == [NO_FILES]
    assert await snapshot(runtime) == before


@pytest.mark.parametrize(
    ("name", "content", "size", "message"),
    [
        (
            "kehoach.doc",
            OLE + bytes(512),
            None,
            "kehoach.doc is in the old .doc format. Open it in Word or Excel, save it as "
            ".docx or .xlsx and send it again.",
        ),
        (
            "kehoach.docx",
            b"PK\x03\x04" + b"\x00garbage" * 64,
            None,
            "kehoach.docx could not be read: the file seems damaged. Open it, save it again "
            "and send it again.",
        ),
        (
            "kehoach.docx",
            b"this is not a zip at all",
            None,
            "kehoach.docx could not be read: the file seems damaged. Open it, save it again "
            "and send it again.",
        ),
        (
            "kehoach.docx",
            crafted.encrypted_ooxml(),
            None,
            "kehoach.docx is protected with a password. Remove the password, save the file "
            "and send it again.",
        ),
        (
            "kehoach.docx",
            crafted.old_doc(),
            None,
            "kehoach.docx is in the old .doc format. Open it in Word or Excel, save it as "
            ".docx or .xlsx and send it again.",
        ),
        (
            "kehoach.xlsx",
            crafted.old_xls(),
            None,
            "kehoach.xlsx is in the old .xls format. Open it in Word or Excel, save it as "
            ".docx or .xlsx and send it again.",
        ),
        (
            "danhsach.csv",
            "Họ tên,Ngày sinh\nAn,1990\nBình,1985\n".encode(),
            None,
            "I found no task table in danhsach.csv. The table needs a header row with "
            "columns such as “Nhiệm vụ” and “Cơ quan chủ trì”.",
        ),
        (
            "kehoach.docx",
            None,
            25 * 1024 * 1024,
            "kehoach.docx is too large (25 MB); the limit is 20 MB.",
        ),
        ("anh.png", b"\x89PNG\r\n\x1a\n", None, None),
    ],
)
async def test_a_bad_file_gets_a_clear_message_and_nothing_is_imported(
    runtime: Runtime,
    admin: Person,
    name: str,
    content: bytes | None,
    size: int | None,
    message: str | None,
) -> None:
    outcome = await send_file(admin, name, content, size=size)
    expected = message or (
        f"{name} is not a file I can read. Send the plan as a Word (.docx), Excel (.xlsx) or "
        "CSV file."
    )
    assert texts(outcome) == [expected]
    await nothing_imported(runtime)


async def test_a_file_just_over_the_limit_is_refused_by_its_size(
    runtime: Runtime, admin: Person
) -> None:
    outcome = await send_file(admin, "kehoach.xlsx", size=MAX_BYTES + 1)
    [text] = texts(outcome)
    assert text.startswith("kehoach.xlsx is too large (")
    assert text.endswith("the limit is 20 MB.")
    await nothing_imported(runtime)


async def test_a_plan_without_a_year_asks_for_it_and_continues(
    runtime: Runtime, admin: Person
) -> None:
    asked = await send_file(admin, "kehoach.csv", UNDATED_CSV.encode())
    assert texts(asked) == ["Which year is this plan for? Send the year, for example 2024."]
    assert await count(runtime, Upload) == 1
    for wrong in ("năm sau", "24", "20255", "2025 và 2026", ""):
        assert await admin.text_of(wrong) == (
            "Please send the plan year as four digits, for example 2024."
        )
    outcome = await admin.say(" 2025 ")
    preview, _ = outcome.replies
    summary = await all_new(runtime, admin)
    assert preview.file is not None
    assert preview.file.filename == "preview-2025.xlsx"
    assert preview.file.content is not None
    assert len(sheet_rows(preview.file.content)) == 2
    assert "Year 2025, 2 tasks, from kehoach.csv" in summary.text
    await admin.press(payloads(summary)[0])
    async with runtime.sessions() as session:
        [plan] = (await session.scalars(select(Plan))).all()
        states = list(await session.scalars(select(Task.state)))
    assert plan.year == 2025
    assert states == [TaskState.ACTIVE, TaskState.ACTIVE]


async def test_a_year_in_the_caption_is_used(runtime: Runtime, admin: Person) -> None:
    outcome = await send_file(
        admin, "kehoach.csv", UNDATED_CSV.encode(), caption="Kế hoạch năm 2027"
    )
    preview, _ = outcome.replies
    summary = await all_new(runtime, admin)
    assert preview.file is not None
    assert preview.file.filename == "preview-2027.xlsx"
    assert "Year 2027, 2 tasks" in summary.text


async def test_cancel_while_asked_for_the_year(runtime: Runtime, admin: Person) -> None:
    await send_file(admin, "kehoach.csv", UNDATED_CSV.encode())
    assert await admin.text_of("/cancel") == "Cancelled. Nothing was saved."
    assert await count(runtime, Plan) == 0
    assert await count(runtime, Dialog) == 0


# Files crafted to explode

CRAFTED = [
    ("a1-xfd1048576.xlsx", crafted.xlsx_far_cell, "cột"),
    ("lying-dimension.xlsx", crafted.xlsx_hidden_far_cell, "hàng"),
    ("merges.xlsx", crafted.xlsx_many_merges, "ô hoặc vùng gộp"),
    ("gridspan.docx", crafted.docx_huge_span, "trải rộng"),
    ("rows.docx", crafted.docx_many_rows, "hàng"),
    ("bomb.docx", crafted.zip_bomb_part, "MB"),
    ("bomb-ratio.docx", crafted.zip_bomb_ratio, "lần"),
    ("members.docx", crafted.zip_many_members, "phần"),
    ("one-line.csv", crafted.csv_one_line, "ký tự"),
    ("huge-field.csv", crafted.csv_huge_field, "ký tự"),
]


@pytest.mark.parametrize(("name", "make", "word"), CRAFTED, ids=[c[0] for c in CRAFTED])
async def test_a_crafted_file_is_refused_in_the_senders_language_and_nothing_changes(
    runtime: Runtime, name: str, make: Any, word: str
) -> None:
    admin = await member(runtime, Role.ADMIN, user_id=9101, name="Thu", language="vi")
    before = await snapshot(runtime)
    [text] = texts(await send_file(admin, name, make()))
    assert name in text
    assert word in text
    assert text.endswith("Hãy gửi riêng bảng nhiệm vụ của kế hoạch, dạng .docx, .xlsx hoặc .csv.")
    assert await snapshot(runtime) == before
    # The bot is still there for the next file.
    [preview, _] = (await send_file(admin, LUONGSON.name, LUONGSON.read_bytes())).replies
    assert preview.file is not None


async def test_others_are_answered_while_a_crafted_file_is_parsed(
    runtime: Runtime, admin: Person
) -> None:
    citizen = await member(runtime, None, user_id=9102, name="Lan")
    reference = texts(await citizen.say("/help"))
    order: list[str] = []

    bomb = crafted.zip_bomb_media()

    async def upload() -> list[str]:
        outcome = await send_file(admin, "bomb.xlsx", bomb)
        order.append("file")
        return texts(outcome)

    async def ask() -> list[str]:
        # Asked only once the file is being parsed in its child process.
        while not _worker_running():  # noqa: ASYNC110 (another process, no event to wait on)
            await asyncio.sleep(0.005)
        outcome = await citizen.say("/help")
        order.append("help" if _worker_running() else "help after the worker")
        return texts(outcome)

    refused, helped = await asyncio.gather(upload(), ask())
    assert order == ["help", "file"]
    assert helped == reference
    assert refused[0].startswith("bomb.xlsx unpacks to")


def _worker_running() -> bool:
    return bool(crafted.worker_pids())


@pytest.mark.parametrize(
    "name",
    [
        "Kế hoạch cải thiện chỉ số PAPI " * 12 + ".docx",
        "../../../etc/passwd.docx",
        "\x00\x0b kế hoạch\x01.docx",
        ".docx",
        "² ³ ١٢.docx",
    ],
)
async def test_any_file_name_is_read_the_same(runtime: Runtime, admin: Person, name: str) -> None:
    [preview, question] = (await send_file(admin, name, LUONGSON.read_bytes())).replies
    assert preview.file is not None
    assert question.text.startswith("47 unit names still need a place.")
    summary = await all_new(runtime, admin)
    assert summary.text.splitlines()[1].startswith("Year 2024, 47 tasks, from ")
