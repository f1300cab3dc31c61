"""Unit operations when two admins act at once: one wins, the other is told."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.i18n import Translator
from bot.runtime import Runtime
from bot.units import (
    Actor,
    BadUnitName,
    UnitChanged,
    add_aliases,
    add_units,
    delete_unit,
    merge_units,
    rename_unit,
)
from db.models import AuditEntry, Unit, UnitKind
from db.queries import audit
from tests.handlers.test_common import add_unit, root_org


@pytest.mark.parametrize("loser", ["delete", "rename"])
async def test_a_unit_merged_meanwhile_is_not_changed_again(runtime: Runtime, loser: str) -> None:
    vp = await add_unit(runtime, "Văn phòng - Thống kê")
    tp = await add_unit(runtime, "Tư pháp - Hộ tịch")
    actor = Actor(root_org(runtime), None, runtime.clock.now())
    async with runtime.sessions() as session:
        # What the second admin's chat showed before the first admin's merge landed.
        stale = await session.get_one(Unit, tp)
    merged = asyncio.Event()

    async def merge() -> None:
        async with runtime.sessions.begin() as session:
            source, target = await session.get_one(Unit, tp), await session.get_one(Unit, vp)
            await merge_units(session, actor, source, target)
            merged.set()
            # Hold the locks a moment: the other admin's change must wait, then lose.
            await asyncio.sleep(0.3)

    async def change() -> UnitChanged:
        await merged.wait()
        async with runtime.sessions.begin() as session:
            attempt = (
                delete_unit(session, actor, stale)
                if loser == "delete"
                else rename_unit(session, actor, stale, "Tư pháp xã")
            )
            with pytest.raises(UnitChanged) as lost:
                await attempt
        return lost.value

    _, lost = await asyncio.gather(merge(), change())
    assert lost.message(Translator("en")) == (
        "The unit was changed by someone else just now. Look at /units and try again."
    )
    async with runtime.sessions() as session:
        assert list(await session.scalars(select(Unit.name))) == ["Văn phòng - Thống kê"]


async def test_many_units_are_added_at_once_and_known_names_give_their_unit(
    runtime: Runtime,
) -> None:
    vp = await add_unit(runtime, "Văn phòng - Thống kê")
    actor = Actor(root_org(runtime), None, runtime.clock.now())
    async with runtime.sessions.begin() as session:
        await add_aliases(session, actor, await session.get_one(Unit, vp), ["VP-TK"])
    async with runtime.sessions.begin() as session:
        ids = await add_units(
            session,
            actor,
            [
                ("Tư pháp - Hộ tịch", UnitKind.OFFICE),
                ("vp  tk", UnitKind.OFFICE),  # an alias, spelled loosely
                ("Lãnh đạo UBND", UnitKind.COMMITTEE),
                ("TƯ PHÁP - hộ tịch", UnitKind.OFFICE),  # the first one again
                ("Văn phòng - Thống kê", UnitKind.OFFICE),
            ],
        )
    async with runtime.sessions() as session:
        units = {u.name: u for u in await session.scalars(select(Unit).order_by(Unit.id))}
        created = list(
            await session.scalars(
                select(AuditEntry.after)
                .where(AuditEntry.action == "unit.created")
                .order_by(AuditEntry.id)
            )
        )
        assert await audit.verify(session) == (len(created) + 1, None)
    assert list(units) == ["Văn phòng - Thống kê", "Tư pháp - Hộ tịch", "Lãnh đạo UBND"]
    tp, committee = units["Tư pháp - Hộ tịch"].id, units["Lãnh đạo UBND"].id
    assert ids == [tp, vp, committee, tp, vp]
    assert units["Lãnh đạo UBND"].kind == UnitKind.COMMITTEE
    # Audited as add_unit audits each unit, in the order given.
    assert created == [
        {"name": "Tư pháp - Hộ tịch", "aliases": [], "kind": "office"},
        {"name": "Lãnh đạo UBND", "aliases": [], "kind": "committee"},
    ]


async def test_a_bad_name_among_many_adds_none(runtime: Runtime) -> None:
    actor = Actor(root_org(runtime), None, runtime.clock.now())
    with pytest.raises(BadUnitName):
        async with runtime.sessions.begin() as session:
            await add_units(
                session, actor, [("Tư pháp", UnitKind.OFFICE), ("/start", UnitKind.OFFICE)]
            )
    async with runtime.sessions() as session:
        assert list(await session.scalars(select(Unit.name))) == []
