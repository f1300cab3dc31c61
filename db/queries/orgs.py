"""Queries about organizations and their units."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.plans.units import unit_key
from db.models import Organization, Unit, UnitAlias


def name_key(name: str) -> str:
    """The loose matching key of an organization or unit name (as plan import matches)."""
    return unit_key(name)


async def ensure_root_org(session: AsyncSession, name: str, now: datetime) -> Organization:
    """Return the deployment's first organization, creating it on first start."""
    org = await session.scalar(select(Organization).order_by(Organization.id).limit(1))
    if org is None:
        org = Organization(name=name, level="commune", parent_id=None, created_at=now)
        session.add(org)
        await session.flush()
    return org


async def org_by_name(session: AsyncSession, name: str) -> Organization | None:
    """Find an organization by loosely matched name."""
    key = name_key(name)
    for org in await session.scalars(select(Organization)):
        if name_key(org.name) == key:
            return org
    return None


async def list_orgs(session: AsyncSession) -> Sequence[Organization]:
    """Every organization, in creation order."""
    return (await session.scalars(select(Organization).order_by(Organization.id))).all()


async def add_org(
    session: AsyncSession, *, name: str, level: str, parent_id: int | None, now: datetime
) -> Organization:
    """Create an organization under ``parent_id``."""
    org = Organization(name=name, level=level, parent_id=parent_id, created_at=now)
    session.add(org)
    await session.flush()
    return org


async def list_units(session: AsyncSession, org_id: int) -> Sequence[Unit]:
    """The organization's units, by name."""
    result = await session.scalars(
        select(Unit)
        .where(Unit.org_id == org_id)
        .order_by(Unit.name)
        .options(selectinload(Unit.aliases))
    )
    return result.all()


async def unit_by_name(session: AsyncSession, org_id: int, name: str) -> Unit | None:
    """Find a unit by its name or an alias, matched loosely."""
    key = name_key(name)
    unit = await session.scalar(select(Unit).where(Unit.org_id == org_id, Unit.key == key))
    if unit is not None:
        return unit
    alias = await session.scalar(
        select(UnitAlias).where(UnitAlias.org_id == org_id, UnitAlias.key == key)
    )
    return None if alias is None else await session.get(Unit, alias.unit_id)


async def unit_in_org(session: AsyncSession, org_id: int, unit_id: int) -> Unit | None:
    """Return the unit only if it belongs to the organization."""
    unit = await session.get(Unit, unit_id)
    return unit if unit is not None and unit.org_id == org_id else None


async def add_unit(
    session: AsyncSession, *, org_id: int, name: str, aliases: Sequence[str], now: datetime
) -> Unit:
    """Create a unit with aliases; the caller has checked that the names are free."""
    unit = Unit(org_id=org_id, name=name, key=name_key(name), created_at=now)
    session.add(unit)
    await session.flush()
    for alias in aliases:
        session.add(UnitAlias(org_id=org_id, unit_id=unit.id, alias=alias, key=name_key(alias)))
    await session.flush()
    return unit


async def unit_directory(session: AsyncSession, org_id: int) -> dict[str, int]:
    """Every name and alias of the organization's units, as ``key -> unit id``."""
    units = await session.execute(select(Unit.key, Unit.id).where(Unit.org_id == org_id))
    aliases = await session.execute(
        select(UnitAlias.key, UnitAlias.unit_id).where(UnitAlias.org_id == org_id)
    )
    return {**dict(aliases.all()), **dict(units.all())}


async def org_policy(session: AsyncSession, org_id: int) -> dict[str, Any] | None:
    """The organization's stored reminder policy (``None``: the defaults)."""
    return (await session.get_one(Organization, org_id)).policy


async def set_org_policy(session: AsyncSession, org_id: int, policy: dict[str, Any]) -> None:
    """Store the organization's reminder policy."""
    (await session.get_one(Organization, org_id)).policy = policy
