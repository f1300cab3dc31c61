"""Find a unit by a name as loosely as plan import matches it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.plans.units import UnitResolver
from bot.units.errors import UnitAmbiguous, UnitNotFound
from db.queries import orgs

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from db.models import Unit


async def find_unit(session: AsyncSession, org_id: int, name: str) -> Unit:
    """The unit a name means: its name or an alias, a job title in front, or an abbreviation.

    ``"Công chức Văn phòng - Thống kê"`` finds "Văn phòng - Thống kê".
    """
    exact = await orgs.unit_by_name(session, org_id, name)
    if exact is not None:
        return exact
    match = UnitResolver(await orgs.unit_directory(session, org_id)).resolve(name)
    if match.status == "matched" and match.unit_id is not None:
        unit = await orgs.unit_in_org(session, org_id, match.unit_id)
        if unit is not None:
            return unit
    if match.candidates:
        units = [await orgs.unit_in_org(session, org_id, i) for i in match.candidates]
        raise UnitAmbiguous(name, [u.name for u in units if u is not None])
    raise UnitNotFound(name)
