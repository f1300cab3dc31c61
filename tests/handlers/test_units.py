"""Admins rename, merge, delete units and give them aliases in chat; the CLI does the same."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from db.models import AuditEntry, Case, CaseKind, Membership, TaskRole, TaskUnit, Unit, UnitAlias
from tests.bot.test_cli import _run
from tests.handlers.conftest import TP, VP, Office, person_id
from tests.handlers.test_common import add_unit, snapshot


async def _units(office: Office) -> dict[str, int]:
    async with office.runtime.sessions() as session:
        return {u.name: u.id for u in await session.scalars(select(Unit))}


async def _add_case(office: Office, unit_id: int) -> int:
    now = office.clock.now()
    citizen = await person_id(office.runtime, office.citizen)
    async with office.runtime.sessions.begin() as session:
        case = Case(
            code="GY-TEST-1",
            org_id=office.org_id,
            citizen_id=citizen,
            channel="test",
            chat_id="9006",
            kind=CaseKind.SUGGESTION,
            topic="other",
            text="Đèn đường hỏng",
            text_hash="0" * 64,
            publishable=False,
            consent_at=now,
            received_at=now,
            unit_id=unit_id,
        )
        session.add(case)
        await session.flush()
        return case.id


async def test_merge_moves_tasks_people_and_cases(office: Office) -> None:
    case_id = await _add_case(office, office.tp)
    reply = await office.admin.text_of(f"/mergeunit Công chức {TP} = CC VP-TK")
    assert reply == (f"“{TP}” was merged into “{VP}”: 3 tasks, 1 people and 1 cases moved.")
    assert await _units(office) == {VP: office.vp}
    hoa = await person_id(office.runtime, office.hoa)
    async with office.runtime.sessions() as session:
        links = (await session.execute(select(TaskUnit.unit_id, TaskUnit.role))).all()
        assert {unit for unit, _ in links} == {office.vp}
        # Task 1.1 had VP leading and TP helping: both links stay, now on one unit.
        assert (office.vp, TaskRole.PARTNER) in links
        units_of_hoa = await session.scalars(
            select(Membership.unit_id).where(Membership.person_id == hoa)
        )
        assert list(units_of_hoa) == [office.vp]
        assert (await session.get_one(Case, case_id)).unit_id == office.vp
        alias = await session.scalar(select(UnitAlias.alias).where(UnitAlias.unit_id == office.vp))
        assert alias == TP
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "unit.merged"))
        assert entry is not None
        assert entry.after is not None
        assert entry.after["moved"]["tasks"] == 3
    # The merged unit's old name still finds the kept one.
    invite = await office.admin.text_of(f"/invite official {TP}")
    assert invite.startswith(f"Invite for a new official — {VP}:")


async def test_rename_keeps_the_old_name_as_an_alias(office: Office) -> None:
    reply = await office.admin.text_of(f"/renameunit {TP} = Tư pháp – Hộ tịch xã")
    assert (
        reply == f"“{TP}” is now called “Tư pháp – Hộ tịch xã”; plans may still use the old name."
    )
    assert set(await _units(office)) == {VP, "Tư pháp – Hộ tịch xã"}
    async with office.runtime.sessions() as session:
        aliases = list(await session.scalars(select(UnitAlias.alias)))
    assert aliases == [TP]
    # Renaming to a name another unit has is refused and changes nothing.
    before = await snapshot(office.runtime)
    assert await office.admin.text_of("/renameunit Tư pháp – Hộ tịch xã = VP-TK") == (
        f"“VP-TK” is already a name of the unit “{VP}”. Nothing was changed; "
        "leave that alias out, or merge the two units."
    )
    assert await snapshot(office.runtime) == before


async def test_delete_only_an_unused_unit(office: Office) -> None:
    spare = await add_unit(office.runtime, "Quân sự")
    before = await snapshot(office.runtime)
    assert await office.admin.text_of(f"/delunit {TP}") == (
        f"“{TP}” still has 5 tasks, people, cases or invites. Merge it into another unit "
        "instead, so they move with it."
    )
    assert await snapshot(office.runtime) == before
    assert await office.admin.text_of("/delunit quan su") == "Unit “Quân sự” deleted."
    assert spare not in (await _units(office)).values()


async def test_aliases_in_chat_refuse_another_units_name(office: Office) -> None:
    assert await office.admin.text_of(f"/aliasunit {TP} = TP-HT xã; TP-HT xa") == (
        f"“{TP}” got 1 new alias."
    )
    before = await snapshot(office.runtime)
    assert await office.admin.text_of(f"/aliasunit {TP} = VP-TK") == (
        f"“VP-TK” is already a name of the unit “{VP}”. Nothing was changed; "
        "leave that alias out, or merge the two units."
    )
    assert await snapshot(office.runtime) == before


async def test_usage_bad_and_unknown_names(office: Office) -> None:
    before = await snapshot(office.runtime)
    for text, answer in (
        ("/renameunit", "Write: /renameunit current name = new name"),
        ("/renameunit only one", "Write: /renameunit current name = new name"),
        ("/mergeunit =", "Write: /mergeunit unit that goes away = unit that stays"),
        ("/delunit", "Write: /delunit unit name"),
        ("/aliasunit x", "Write: /aliasunit unit name = other name; other name"),
        ("/delunit Thiên đình", "There is no unit called “Thiên đình”."),
        (f"/mergeunit {TP} = {TP}", "Both names are the same unit; nothing was merged."),
        (f"/renameunit {TP} = " + "x" * 5000, "That name is too long (at most 200 characters)."),
        (f"/renameunit {TP} = \u0007\u0000", "Please send the unit's name as text (or /cancel)."),
    ):
        assert await office.admin.text_of(text) == answer, text
    assert await snapshot(office.runtime) == before


async def test_officials_and_citizens_cannot_change_units(office: Office) -> None:
    before = await snapshot(office.runtime)
    for who in (office.minh, office.citizen):
        for text in (f"/mergeunit {TP} = {VP}", f"/delunit {TP}", f"/renameunit {TP} = X"):
            assert "not allowed" in await who.text_of(text)
    assert await snapshot(office.runtime) == before
    async with office.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Unit)) == 2


async def test_chat_and_cli_add_a_unit_the_same_way(office: Office, tmp_path: Path) -> None:
    settings = office.runtime.settings
    env = {
        "DATABASE_URL": settings.database_url,
        "BOT_DEFAULT_LOCALE": "en",
        # The command line opens the same sealed data as the running bot.
        "BOT_DATA_KEY": settings.data_key or "",
        "BOT_AUDIT_KEY": settings.audit_key or "",
    }
    cli = await asyncio.to_thread(
        _run,
        ["units", "add", "Quân sự", "--alias", "BCH Quân sự", "--alias", "TP-HT"],
        tmp_path,
        env,
    )
    chat = await office.admin.text_of("/addunit")
    await office.admin.say("Văn hóa - Xã hội")
    chat = await office.admin.text_of("VHXH; TP-HT")
    # The same refusal, word for word, and nothing stored by either.
    assert cli.returncode == 2
    assert cli.stderr.strip().splitlines()[-1] == f"error: {chat}"
    assert set(await _units(office)) == {VP, TP}
    cli = await asyncio.to_thread(
        _run, ["units", "add", "Quân sự", "--alias", "BCH Quân sự"], tmp_path, env
    )
    assert cli.returncode == 0, cli.stderr
    await office.admin.say("/addunit")
    await office.admin.say("Văn hóa - Xã hội")
    await office.admin.say("VHXH")
    async with office.runtime.sessions() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "unit.created")
                .order_by(AuditEntry.id)
            )
        )
        aliases = list(await session.scalars(select(UnitAlias.alias).order_by(UnitAlias.id)))
    assert [(e.entity, e.after) for e in entries] == [
        ("unit", {"name": "Quân sự", "aliases": ["BCH Quân sự"], "kind": "office"}),
        ("unit", {"name": "Văn hóa - Xã hội", "aliases": ["VHXH"], "kind": "office"}),
    ]
    assert [e.actor_id is None for e in entries] == [True, False]
    assert aliases == ["BCH Quân sự", "VHXH"]
