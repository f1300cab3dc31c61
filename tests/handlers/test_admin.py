"""What administrators do: invites and units; and what everyone else may not do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.zalo_oa.window import MessageClass, WindowPolicy, record_sent
from bot.clock import ManualClock
from bot.runtime import Runtime
from db.models import AuditEntry, Invite, Membership, Role, Unit, UnitAlias
from db.queries import audit, orgs
from tests.conftest import Person
from tests.handlers.test_common import (
    add_unit,
    count,
    member,
    root_org,
    snapshot,
)

NOT_VALID = "This button is no longer valid. Nothing was changed."


async def admin_of(runtime: Runtime, language: str = "en") -> Person:
    return await member(runtime, Role.ADMIN, user_id=9001, name="Thu", language=language)


def code_in(text: str) -> str:
    """The invite code an invite message carries."""
    for line in text.splitlines():
        for prefix in ("Code: ", "Mã: "):
            if line.startswith(prefix):
                return line.removeprefix(prefix)
    raise AssertionError(f"no code in {text!r}")


async def unit_names(runtime: Runtime) -> list[str]:
    async with runtime.sessions() as session:
        return list(await session.scalars(select(Unit.name).order_by(Unit.id)))


async def audit_actions(runtime: Runtime) -> list[str]:
    async with runtime.sessions() as session:
        return list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# Who may do what


@pytest.mark.parametrize(
    "text", ["/addunit Tư pháp", "/addunit", "/invite admin", "/invite", "/units"]
)
async def test_citizen_is_refused_in_vietnamese_and_nothing_changes(
    runtime: Runtime, text: str
) -> None:
    hoa = Person(runtime, 2002, "Hoa", "vi")
    await hoa.say("/start")
    before = await snapshot(runtime)
    outcome = await hoa.say(text)
    assert [r.text for r in outcome.replies] == ["Bạn không có quyền dùng lệnh này."]
    assert await snapshot(runtime) == before


async def test_citizen_is_refused_in_english(person: Person) -> None:
    assert await person.text_of("/addunit Tư pháp") == "You are not allowed to use this command."


@pytest.mark.parametrize(
    "payload", ["invite:role:admin", "invite:role:official", "invite:unit:1", "invite:page:0"]
)
async def test_citizen_pressing_admin_buttons_is_refused(runtime: Runtime, payload: str) -> None:
    await add_unit(runtime, "Tư pháp")
    hoa = Person(runtime, 2002, "Hoa", "vi")
    await hoa.say("/start")
    before = await snapshot(runtime)
    outcome = await hoa.press(payload)
    assert [r.text for r in outcome.replies] == [
        "Nút này không dành cho bạn. Không có gì bị thay đổi."
    ]
    assert await snapshot(runtime) == before


async def test_official_and_leader_may_list_units_but_not_add(runtime: Runtime) -> None:
    unit_id = await add_unit(runtime, "Tư pháp")
    official = await member(runtime, Role.OFFICIAL, user_id=1, name="A", unit_id=unit_id)
    leader = await member(runtime, Role.LEADER, user_id=2, name="B")
    for someone in (official, leader):
        assert (await someone.text_of("/units")).splitlines() == ["Units:", "• Tư pháp"]
        assert await someone.text_of("/addunit Y tế") == "You are not allowed to use this command."
        assert await someone.text_of("/invite leader") == (
            "You are not allowed to use this command."
        )
    assert await unit_names(runtime) == ["Tư pháp"]


# Units


async def test_units_empty(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    assert await admin.text_of("/units") == "No units yet. Add one with /addunit."


async def test_addunit_directly(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    assert await admin.text_of("/addunit   Văn phòng   -  Thống kê ") == (
        "Unit “Văn phòng - Thống kê” added."
    )
    assert await unit_names(runtime) == ["Văn phòng - Thống kê"]
    assert (await admin.text_of("/units")).splitlines() == ["Units:", "• Văn phòng - Thống kê"]


async def test_addunit_in_vietnamese(runtime: Runtime) -> None:
    admin = await admin_of(runtime, "vi")
    assert await admin.text_of("/addunit Tư pháp") == "Đã thêm đơn vị “Tư pháp”."
    # The refusal names the unit that already has the name.
    assert await admin.text_of("/addunit TU PHAP") == "Đơn vị “Tư pháp” đã có."


async def test_addunit_step_by_step(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    assert await admin.text_of("/addunit") == "Send the unit's full name (or /cancel)."
    assert "“Công an xã”" in await admin.text_of("  Công an   xã ")
    assert await admin.text_of("CA xã ; Công an ;; ") == "Unit “Công an xã” added."
    assert (await admin.text_of("/units")).splitlines() == [
        "Units:",
        "• Công an xã (CA xã, Công an)",
    ]
    # Aliases find the unit too.
    async with runtime.sessions() as session:
        found = await orgs.unit_by_name(session, root_org(runtime), "ca XA")
        assert found is not None
        assert found.name == "Công an xã"
    assert "did not understand" in await admin.text_of("anything")


async def test_addunit_without_aliases(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    await admin.say("/addunit")
    await admin.say("Y tế")
    assert await admin.text_of("-") == "Unit “Y tế” added."
    assert await count(runtime, UnitAlias) == 0


async def test_addunit_cancelled(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    await admin.say("/addunit")
    await admin.say("Y tế")
    assert await admin.text_of("/cancel") == "Cancelled. Nothing was saved."
    assert await unit_names(runtime) == []


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("!!! ... ---", "Please send the unit's name as text (or /cancel)."),
        ("“”;:?", "Please send the unit's name as text (or /cancel)."),
        ("x" * 100_000, "That name is too long (at most 200 characters)."),
        ("Đ" * 201, "That name is too long (at most 200 characters)."),
        ("TƯ   PHÁP", "A unit called “Tư pháp” already exists."),
        ("tu-phap", "A unit called “Tư pháp” already exists."),
    ],
    ids=["punctuation", "quotes", "huge", "long", "same-name", "same-key"],
)
async def test_bad_unit_names_are_refused_directly(
    runtime: Runtime, name: str, answer: str
) -> None:
    await add_unit(runtime, "Tư pháp")
    admin = await admin_of(runtime)
    before = await snapshot(runtime)
    assert await admin.text_of(f"/addunit {name}") == answer
    assert await snapshot(runtime) == before


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("", "Please send the unit's name as text (or /cancel)."),
        ("   ", "Please send the unit's name as text (or /cancel)."),
        ("!!!", "Please send the unit's name as text (or /cancel)."),
        ("x" * 100_000, "That name is too long (at most 200 characters)."),
        ("Tư pháp", "A unit called “Tư pháp” already exists."),
    ],
    ids=["empty", "blank", "punctuation", "huge", "taken"],
)
async def test_bad_unit_names_are_refused_in_the_dialog(
    runtime: Runtime, name: str, answer: str
) -> None:
    await add_unit(runtime, "Tư pháp")
    admin = await admin_of(runtime)
    await admin.say("/addunit")
    before = await snapshot(runtime)
    assert await admin.text_of(name) == answer
    assert await snapshot(runtime) == before
    # The dialog still waits for a name.
    assert "“Y tế”" in await admin.text_of("Y tế")


async def test_hostile_aliases(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    await admin.say("/addunit")
    await admin.say("Văn hóa - Xã hội")
    aliases = ";".join(["VHXH", "vhxh", "V.H.X.H", "!!!", "Ư" * 120])
    assert await admin.text_of(aliases) == "Unit “Văn hóa - Xã hội” added."
    async with runtime.sessions() as session:
        unit = await orgs.unit_by_name(session, root_org(runtime), "VHXH")
        assert unit is not None
        assert unit.name == "Văn hóa - Xã hội"
        stored = list(await session.scalars(select(UnitAlias.alias).order_by(UnitAlias.id)))
    assert stored == ["VHXH", "V.H.X.H", "Ư" * 120]


async def test_a_huge_alias_is_refused_and_nothing_is_added(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    await admin.say("/addunit")
    await admin.say("Văn hóa - Xã hội")
    before = await snapshot(runtime)
    assert await admin.text_of("VHXH;" + "x" * 100_000) == (
        "That name is too long (at most 200 characters)."
    )
    assert await snapshot(runtime) == {**before, "dialogs": []}


async def test_an_alias_another_unit_has_is_refused_with_its_owner(runtime: Runtime) -> None:
    await add_unit(runtime, "Tư pháp - Hộ tịch")
    admin = await admin_of(runtime, "vi")
    await admin.say("/addunit")
    await admin.say("Văn hóa - Xã hội")
    before = await snapshot(runtime)
    reply = await admin.text_of("VHXH; tư pháp hộ tịch")
    assert reply == (
        "“tư pháp hộ tịch” đã là tên của đơn vị “Tư pháp - Hộ tịch”. Không có gì bị thay đổi; "
        "hãy bỏ tên đó ra, hoặc gộp hai đơn vị."
    )
    assert await snapshot(runtime) == {**before, "dialogs": []}
    assert await admin.text_of("/addunit Y tế") == "Đã thêm đơn vị “Y tế”."


async def test_unit_creation_is_audited(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    await admin.say("/addunit")
    await admin.say("Công an xã")
    await admin.say("CA")
    async with runtime.sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "unit.created"))
        unit_id = await session.scalar(select(Unit.id))
        assert entry is not None
        assert entry.entity == "unit"
        assert entry.entity_id == str(unit_id)
        assert entry.after == {"name": "Công an xã", "aliases": ["CA"], "kind": "office"}
        assert entry.org_id == root_org(runtime)
        assert entry.actor_id is not None
        assert await audit.verify(session) == (2, None)


# Invites


async def test_invite_without_arguments_offers_the_roles(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    (reply,) = (await admin.say("/invite")).replies
    assert reply.text == "Who is the invite for?"
    assert [[b.data for b in row] for row in reply.buttons] == [
        ["invite:role:official"],
        ["invite:role:leader"],
        ["invite:role:admin"],
    ]
    assert [row[0].text for row in reply.buttons] == ["official", "leader", "administrator"]


async def test_invite_unknown_role(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    (reply,) = (await admin.say("/invite wizard")).replies
    assert reply.text == "Unknown role. Choose one:"
    assert len(reply.buttons) == 3
    assert await count(runtime, Invite) == 1  # only the one that made the admin


async def test_invite_leader_and_redeem(runtime: Runtime, clock: ManualClock) -> None:
    admin = await admin_of(runtime)
    text = await admin.text_of("/invite LEADER")
    assert text.splitlines()[0] == "Invite for a new leader:"
    code = code_in(text)
    assert f"They send /start {code} to the bot." in text
    assert "https://t.me/" not in text
    newcomer = Person(runtime, 5005, "Bình", "en")
    outcome = await newcomer.say(f"/start {code}")
    assert outcome.roles == {"citizen", "leader"}
    assert await audit_actions(runtime) == [
        "invite.redeemed",  # the admin's own invite, issued straight in the database
        "invite.created",
        "invite.redeemed",
    ]
    async with runtime.sessions() as session:
        assert await audit.verify(session) == (3, None)


async def test_invite_shows_expiry_in_vietnamese(runtime: Runtime) -> None:
    admin = await admin_of(runtime, "vi")
    text = await admin.text_of("/invite admin")
    assert text.splitlines()[0] == "Mã mời cho quản trị viên mới:"
    # 7 days after 09:00 on 2 March 2026, Vietnam time.
    assert "hết hạn lúc 09:00 09/03/2026." in text


async def test_invite_carries_a_deep_link_once_the_bot_has_a_name(runtime: Runtime) -> None:
    runtime.set_bot_username("XaThuNghiemBot")
    admin = await admin_of(runtime)
    text = await admin.text_of("/invite admin")
    assert f"https://t.me/XaThuNghiemBot?start={code_in(text)}" in text


async def test_invite_official_by_unit_name(runtime: Runtime) -> None:
    unit_id = await add_unit(runtime, "Tư pháp - Hộ tịch")
    admin = await admin_of(runtime)
    text = await admin.text_of("/invite official tu phap ho tich")
    assert text.splitlines()[0] == "Invite for a new official — Tư pháp - Hộ tịch:"
    newcomer = Person(runtime, 5005, "Bình", "en")
    await newcomer.say(f"/start {code_in(text)}")
    async with runtime.sessions() as session:
        membership = await session.scalar(
            select(Membership).where(Membership.role == Role.OFFICIAL)
        )
    assert membership is not None
    assert membership.unit_id == unit_id


async def test_invite_official_unknown_unit(runtime: Runtime) -> None:
    await add_unit(runtime, "Tư pháp")
    admin = await admin_of(runtime)
    replies = (await admin.say("/invite official Thiên đình")).replies
    assert [r.text for r in replies] == [
        "There is no unit called “Thiên đình”.",
        "Which unit will the official work in?",
    ]
    assert await count(runtime, Invite) == 1


async def test_invite_official_without_units(runtime: Runtime) -> None:
    admin = await admin_of(runtime)
    assert await admin.text_of("/invite official") == "No units yet. Add one with /addunit."
    assert await admin.text_of("/invite official Tư pháp") == (
        "There is no unit called “Tư pháp”.\nNo units yet. Add one with /addunit."
    )


async def test_invite_by_buttons(runtime: Runtime) -> None:
    unit_id = await add_unit(runtime, "Tư pháp")
    admin = await admin_of(runtime)
    (reply,) = (await admin.press("invite:role:official")).replies
    assert reply.text == "Which unit will the official work in?"
    assert [[b.data for b in row] for row in reply.buttons] == [[f"invite:unit:{unit_id}"]]
    text = "\n".join(r.text for r in (await admin.press(f"invite:unit:{unit_id}")).replies)
    assert text.startswith("Invite for a new official — Tư pháp:")
    text = "\n".join(r.text for r in (await admin.press("invite:role:leader")).replies)
    assert text.startswith("Invite for a new leader:")
    assert await count(runtime, Invite) == 3
    assert (await audit_actions(runtime)).count("invite.created") == 2


async def test_unit_buttons_come_in_pages(runtime: Runtime) -> None:
    for n in range(1, 11):
        await add_unit(runtime, f"Tổ dân phố {n:02d}")
    admin = await admin_of(runtime)

    async def page(payload: str) -> tuple[list[str], list[str]]:
        (reply,) = (await admin.press(payload)).replies
        rows = [[b.data for b in row] for row in reply.buttons]
        units = [row[0] for row in rows if row[0].startswith("invite:unit:")]
        nav = rows[-1] if rows[-1][0].startswith("invite:page:") else []
        return units, nav

    units, nav = await page("invite:role:official")
    assert len(units) == 8
    assert nav == ["invite:page:1"]
    units, nav = await page("invite:page:1")
    assert len(units) == 2
    assert nav == ["invite:page:0"]
    assert await page("invite:page:999") == (units, nav)
    # A forged page is not a page: typed payloads name nothing else.
    (forged,) = (await admin.press("invite:page:abc")).replies
    assert forged.text == "This button is no longer valid. Nothing was changed."
    assert await count(runtime, Invite) == 1


async def test_another_organizations_unit_is_refused(runtime: Runtime, clock: ManualClock) -> None:
    async with runtime.sessions.begin() as session:
        other = await orgs.add_org(
            session, name="UBND xã Bên Cạnh", level="commune", parent_id=None, now=clock.now()
        )
        other_id = other.id
    foreign_unit = await add_unit(runtime, "Tư pháp", org_id=other_id)
    own_unit = await add_unit(runtime, "Tư pháp")
    admin = await admin_of(runtime)
    before = await snapshot(runtime)
    outcome = await admin.press(f"invite:unit:{foreign_unit}")
    assert [r.text for r in outcome.replies] == [NOT_VALID]
    assert await snapshot(runtime) == before
    # The admin's own unit of the same name works, and the foreign one is never offered.
    (reply,) = (await admin.press("invite:role:official")).replies
    assert [[b.data for b in row] for row in reply.buttons] == [[f"invite:unit:{own_unit}"]]
    assert (await admin.text_of("/units")).splitlines() == ["Units:", "• Tư pháp"]


async def test_admin_of_another_organization_works_in_it(
    runtime: Runtime, clock: ManualClock
) -> None:
    async with runtime.sessions.begin() as session:
        other = await orgs.add_org(
            session,
            name="UBND xã Bên Cạnh",
            level="commune",
            parent_id=root_org(runtime),
            now=clock.now(),
        )
        other_id = other.id
    root_unit = await add_unit(runtime, "Tư pháp")
    admin = await member(runtime, Role.ADMIN, user_id=7, name="Khoa", org_id=other_id)
    assert await admin.text_of("/units") == "No units yet. Add one with /addunit."
    assert [r.text for r in (await admin.press(f"invite:unit:{root_unit}")).replies] == [NOT_VALID]
    await admin.say("/addunit Tư pháp")
    async with runtime.sessions() as session:
        assert await orgs.unit_by_name(session, other_id, "Tư pháp") is not None


@pytest.mark.parametrize(
    "payload",
    [
        "invite:unit:999999",
        "invite:unit:abc",
        "invite:unit:",
        "invite:unit",
        "invite:unit:-1",
        "invite:unit:0",
        "invite:unit:1.5",
        "invite:unit:²",
        "invite:unit:١",
        "invite:unit:" + "9" * 40,
        "invite:role:superuser",
        "invite:role:",
        "invite:role:ADMIN",
        "invite:nothing:1",
        "nonsense",
        "a:b:c:d",
        "",
        ":",
        "invite:unit:1:" + "x" * 80,
        "lang:set:" + "é" * 40,
    ],
)
async def test_forged_or_stale_buttons_change_nothing(runtime: Runtime, payload: str) -> None:
    await add_unit(runtime, "Tư pháp")
    admin = await admin_of(runtime)
    before = await snapshot(runtime)
    outcome = await admin.press(payload)
    assert [r.text for r in outcome.replies] == [NOT_VALID]
    assert not outcome.roles_changed
    assert await snapshot(runtime) == before


async def test_forged_button_refused_in_vietnamese(runtime: Runtime) -> None:
    admin = await admin_of(runtime, "vi")
    assert [r.text for r in (await admin.press("invite:unit:999999")).replies] == [
        "Nút này không còn hiệu lực. Không có gì bị thay đổi."
    ]


async def test_stale_unit_button_after_the_invite_expired_still_issues_fresh_code(
    runtime: Runtime, clock: ManualClock
) -> None:
    unit_id = await add_unit(runtime, "Tư pháp")
    admin = await admin_of(runtime)
    await admin.press("invite:role:official")
    clock.advance(timedelta(days=30))
    text = "\n".join(r.text for r in (await admin.press(f"invite:unit:{unit_id}")).replies)
    newcomer = Person(runtime, 5005, "Bình", "en")
    assert (await newcomer.say(f"/start {code_in(text)}")).roles == {"citizen", "official"}


async def test_admins_see_the_zalo_messages_of_this_month_and_the_last(
    runtime: Runtime, clock: ManualClock
) -> None:
    admin = await admin_of(runtime)
    empty = await admin.text_of("/zalocost")
    assert empty.splitlines() == [
        "Zalo messages in 03/2026: 0 free replies, 0 consultation messages, 0 transaction "
        "messages; estimated cost 0 VND (Zalo's 2023 prices; check the current price list).",
        "Zalo messages in 02/2026: 0 free replies, 0 consultation messages, 0 transaction "
        "messages; estimated cost 0 VND (Zalo's 2023 prices; check the current price list).",
    ]
    async with runtime.sessions.begin() as session:
        for message_class, times in ((MessageClass.CONSULTATION, 1200), (MessageClass.REPLY, 3)):
            for _ in range(times):
                await record_sent(
                    session,
                    policy=WindowPolicy(),
                    channel="zalo_oa",
                    user_id="1",
                    message_class=message_class,
                    now=clock.now(),
                    tz=runtime.settings.tz,
                )
    first = (await admin.text_of("/zalocost")).splitlines()[0]
    assert first == (
        "Zalo messages in 03/2026: 3 free replies, 1,200 consultation messages, 0 transaction "
        "messages; estimated cost 66,000 VND (Zalo's 2023 prices; check the current price list)."
    )
    citizen = Person(runtime, 2002, "Hoa", "en")
    assert await citizen.text_of("/zalocost") == "You are not allowed to use this command."
