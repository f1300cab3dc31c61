"""Unit operations when two admins act at once: one wins, the other is told."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.i18n import Translator
from bot.runtime import Runtime
from bot.units import Actor, UnitChanged, delete_unit, merge_units, rename_unit
from db.models import Unit
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
