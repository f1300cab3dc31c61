"""In the chat, every unit name the import cannot place is asked about, with buttons."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from bot.runtime import Runtime
from db.models import Plan, Role, Task, TaskUnit, Unit, UnitAlias
from tests.conftest import Person
from tests.handlers.conftest import payloads, send_file, texts
from tests.handlers.test_common import add_unit, member, snapshot

NOT_VALID = "This button is no longer valid. Nothing was changed."
PLAN = (
    "STT,Nhiệm vụ,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian hoàn thành\n"
    "1,Công khai kế hoạch năm 2026,CC VP-TK,Sở Nội vụ,Quý II/2026\n"
    "2,Tiếp công dân năm 2026,Công chức Văn phòng – Thống kê,,Quý III/2026\n"
    "3,Rà soát thủ tục năm 2026,UBND xã,,Quý IV/2026\n"
)


async def _units(runtime: Runtime) -> dict[int, str]:
    async with runtime.sessions() as session:
        return dict((await session.execute(select(Unit.id, Unit.name))).all())


async def test_names_are_asked_one_by_one_and_remembered(runtime: Runtime) -> None:
    for i in range(10):
        await add_unit(runtime, f"Ban số {i + 1}")
    tp = await add_unit(runtime, "Tư pháp - Hộ tịch")
    admin = await member(runtime, Role.ADMIN, user_id=9001, name="Thu", language="vi")
    preview, first = (await send_file(admin, "kehoach.csv", PLAN.encode())).replies
    # The preview shows every name as written, with where it goes (or that it is to choose).
    assert preview.file is not None
    assert preview.file.content is not None
    book = openpyxl.load_workbook(io.BytesIO(preview.file.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][4] == "CC VP-TK → (chưa chọn)"
    assert rows[1][9] == "đơn vị mới, không thuộc chỉ số PAPI"
    assert first.text.startswith("Còn 3 tên đơn vị cần xác định.")
    assert "“Văn phòng - Thống kê” (2 nhiệm vụ) — còn được viết: " in first.text
    upload = payloads(first)[0].split(":")[2]
    assert payloads(first)[:4] == [
        f"plan:map:{upload}:0:new",
        f"plan:map:{upload}:0:committee",
        f"plan:map:{upload}:0:outside",
        f"plan:map:{upload}:0:villages",
    ]
    # Confirm is not offered, and refused, while names wait.
    assert texts(await admin.press(f"plan:confirm:{upload}")) == [
        "Nút này không còn hiệu lực. Không có gì bị thay đổi."
    ]
    second = (await admin.press(f"plan:map:{upload}:0:new")).replies[0]
    assert "“Sở Nội vụ” (1 nhiệm vụ)" in second.text
    # Sở Nội vụ: the paged list of existing units; Tư pháp is on the second page.
    page = (await admin.press(f"plan:units:{upload}:1:0")).replies[0]
    assert len(payloads(page)) == 8 + 1
    page2 = (await admin.press(f"plan:units:{upload}:1:1")).replies[0]
    assert f"plan:map:{upload}:1:u{tp}" in payloads(page2)
    third = (await admin.press(f"plan:map:{upload}:1:outside")).replies[0]
    assert "“UBND xã” (1 nhiệm vụ)" in third.text
    summary = (await admin.press(f"plan:map:{upload}:2:committee")).replies[0]
    assert "Đơn vị mới: Văn phòng - Thống kê, Cơ quan ngoài xã, Lãnh đạo UBND" in summary.text
    assert payloads(summary) == [f"plan:confirm:{upload}", f"plan:cancel:{upload}"]
    done = texts(await admin.press(f"plan:confirm:{upload}"))[0]
    assert done.startswith("Đã nhập kế hoạch.")
    assert "Đơn vị mới: Văn phòng - Thống kê, Cơ quan ngoài xã, Lãnh đạo UBND" in done
    async with runtime.sessions() as session:
        leads = dict(
            (
                await session.execute(
                    select(Task.code, Unit.name)
                    .join(TaskUnit, TaskUnit.task_id == Task.id)
                    .join(Unit, Unit.id == TaskUnit.unit_id)
                    .where(TaskUnit.role == "lead")
                )
            ).all()
        )
        aliases = set(await session.scalars(select(UnitAlias.alias)))
    assert leads == {
        "1": "Văn phòng - Thống kê",
        "2": "Văn phòng - Thống kê",
        "3": "Lãnh đạo UBND",
    }
    assert {"CC VP-TK", "Sở Nội vụ", "UBND xã"} <= aliases
    # A second file naming the same offices asks nothing.
    again = await send_file(
        admin, "kehoach2.csv", PLAN.replace("năm 2026", "mới năm 2026").encode()
    )
    assert [p.rsplit(":", 1)[0] for p in payloads(again.replies[1])] == [
        "plan:confirm",
        "plan:cancel",
    ]
    # Its preview names the unit each name resolved to, next to the name as written.
    second_file = again.replies[0].file
    assert second_file is not None
    assert second_file.content is not None
    sheet = openpyxl.load_workbook(io.BytesIO(second_file.content)).worksheets[0]
    second_rows = list(sheet.iter_rows(values_only=True))
    assert second_rows[1][4] == "CC VP-TK → Văn phòng - Thống kê"
    assert second_rows[1][5] == "Sở Nội vụ → Cơ quan ngoài xã"
    assert second_rows[2][4] == "Công chức Văn phòng – Thống kê → Văn phòng - Thống kê"


async def test_forged_and_stale_mapping_buttons_change_nothing(runtime: Runtime) -> None:
    admin = await member(runtime, Role.ADMIN, user_id=9001, name="Thu")
    other = await member(runtime, Role.ADMIN, user_id=9002, name="Hà")
    official = await member(runtime, Role.OFFICIAL, user_id=9003, name="Minh")
    elsewhere = await add_unit(runtime, "Ban khác")
    first = (await send_file(admin, "kehoach.csv", PLAN.encode())).replies[1]
    upload = payloads(first)[0].split(":")[2]
    before = await snapshot(runtime)
    for who, payload in (
        (admin, f"plan:map:{upload}:9:new"),
        (admin, f"plan:map:{upload}:0:everything"),
        (admin, f"plan:map:{upload}:0:u999999"),
        (admin, f"plan:map:{upload}:0:u"),
        (admin, f"plan:map:{upload}:-1:new"),
        (admin, f"plan:map:{upload}:0"),
        (admin, f"plan:map:{int(upload) + 1}:0:new"),
        (admin, f"plan:units:{upload}:7:0"),
        (admin, f"plan:rest:{int(upload) + 1}"),
        (other, f"plan:map:{upload}:0:new"),
        (other, f"plan:rest:{upload}"),
    ):
        assert texts(await who.press(payload)) == [NOT_VALID], payload
    assert "not for you" in texts(await official.press(f"plan:map:{upload}:0:new"))[0]
    assert await snapshot(runtime) == before
    # A unit of the organization is accepted; cancelling drops everything.
    await admin.press(f"plan:map:{upload}:0:u{elsewhere}")
    assert texts(await admin.press(f"plan:cancel:{upload}")) == [
        "Import cancelled. Nothing was changed."
    ]
    async with runtime.sessions() as session:
        assert (await session.scalars(select(Plan))).all() == []
    assert await _units(runtime) == {elsewhere: "Ban khác"}


async def test_a_person_is_needed_for_each_question(runtime: Runtime, person: Person) -> None:
    assert texts(await person.press("plan:rest:1"))[0] == (
        "This button is not for you. Nothing was changed."
    )


async def test_a_chosen_unit_deleted_before_confirm_stops_the_import(runtime: Runtime) -> None:
    spare = await add_unit(runtime, "Ban khác")
    admin = await member(runtime, Role.ADMIN, user_id=9001, name="Thu")
    first = (await send_file(admin, "kehoach.csv", PLAN.encode())).replies[1]
    upload = payloads(first)[0].split(":")[2]
    await admin.press(f"plan:map:{upload}:0:new")
    await admin.press(f"plan:map:{upload}:1:u{spare}")
    await admin.press(f"plan:map:{upload}:2:committee")
    assert await admin.text_of("/delunit Ban khác") == "Unit “Ban khác” deleted."
    # On SQLite the next unit may get the deleted one's id: it is still not the one chosen.
    assert await admin.text_of("/addunit Ban mới") == "Unit “Ban mới” added."
    before = await snapshot(runtime)
    reply = texts(await admin.press(f"plan:confirm:{upload}"))[0]
    assert reply == (
        "1 unit name in the plan needs a place first: Sở Nội vụ\nSend the file again, please."
    )
    after = await snapshot(runtime)
    # Only the pending upload and its dialog are gone: no unit, alias, plan or audit entry.
    assert {k: v for k, v in after.items() if k not in {"uploads", "dialogs"}} == {
        k: v for k, v in before.items() if k not in {"uploads", "dialogs"}
    }
    assert after["uploads"] == []
