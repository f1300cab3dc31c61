"""Queries about organizations and their units."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    Case,
    Invite,
    Membership,
    Organization,
    TaskUnit,
    Unit,
    UnitAlias,
    UnitKind,
)
from db.names import unit_key


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
    session: AsyncSession,
    *,
    org_id: int,
    name: str,
    aliases: Sequence[str],
    now: datetime,
    kind: UnitKind = UnitKind.OFFICE,
) -> Unit:
    """Create a unit with aliases; the caller has checked that the names are free."""
    unit = Unit(org_id=org_id, name=name, key=name_key(name), kind=kind, created_at=now)
    session.add(unit)
    await session.flush()
    for alias in aliases:
        session.add(UnitAlias(org_id=org_id, unit_id=unit.id, alias=alias, key=name_key(alias)))
    await session.flush()
    return unit


async def add_units(
    session: AsyncSession, *, org_id: int, units: Sequence[tuple[str, UnitKind]], now: datetime
) -> list[Unit]:
    """Create units without aliases in one batched insert; the caller has checked the names."""
    rows = [
        Unit(org_id=org_id, name=name, key=name_key(name), kind=kind, created_at=now)
        for name, kind in units
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def owners_of_keys(session: AsyncSession, org_id: int, keys: set[str]) -> dict[str, int]:
    """Which unit each of ``keys`` already names (as its name or an alias): ``key -> unit id``."""
    if not keys:
        return {}
    units = await session.execute(
        select(Unit.key, Unit.id).where(Unit.org_id == org_id, Unit.key.in_(keys))
    )
    aliases = await session.execute(
        select(UnitAlias.key, UnitAlias.unit_id).where(
            UnitAlias.org_id == org_id, UnitAlias.key.in_(keys)
        )
    )
    return {**dict(aliases.all()), **dict(units.all())}


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


async def unit_by_name_key(session: AsyncSession, org_id: int, key: str) -> Unit | None:
    """Find a unit by the matching key of its name or of an alias."""
    unit = await session.scalar(select(Unit).where(Unit.org_id == org_id, Unit.key == key))
    if unit is not None:
        return unit
    owner = await session.scalar(
        select(UnitAlias.unit_id).where(UnitAlias.org_id == org_id, UnitAlias.key == key)
    )
    return None if owner is None else await session.get(Unit, owner)


async def lock_unit(session: AsyncSession, org_id: int, unit_id: int) -> Unit | None:
    """Take the unit's row for the rest of the transaction (SQLite locks the whole file)."""
    return await session.scalar(
        select(Unit)
        .where(Unit.id == unit_id, Unit.org_id == org_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def unit_of_kind(session: AsyncSession, org_id: int, kind: UnitKind) -> Unit | None:
    """The organization's first unit of a kind (the committee, outside, every village)."""
    return await session.scalar(
        select(Unit).where(Unit.org_id == org_id, Unit.kind == kind).order_by(Unit.id).limit(1)
    )


async def add_alias(session: AsyncSession, *, org_id: int, unit_id: int, alias: str) -> None:
    """Give a unit another name; the caller has checked that it is free."""
    session.add(UnitAlias(org_id=org_id, unit_id=unit_id, alias=alias, key=name_key(alias)))
    await session.flush()


async def drop_alias_key(session: AsyncSession, org_id: int, key: str) -> None:
    """Forget the alias with this matching key."""
    await session.execute(delete(UnitAlias).where(UnitAlias.org_id == org_id, UnitAlias.key == key))


async def rename_unit_row(
    session: AsyncSession, *, unit_id: int, old_key: str, name: str, key: str
) -> bool:
    """Rename a unit if its name is still the one read; ``False`` if it changed meanwhile."""
    result = await session.execute(
        update(Unit)
        .where(Unit.id == unit_id, Unit.key == old_key)
        .values(name=name, key=key)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))


async def unit_uses(session: AsyncSession, unit_id: int) -> int:
    """How many task links, memberships, cases and invites name the unit."""
    total = 0
    for column in (TaskUnit.unit_id, Membership.unit_id, Case.unit_id, Invite.unit_id):
        total += await session.scalar(select(func.count()).where(column == unit_id)) or 0
    return total


async def move_unit_references(
    session: AsyncSession, *, source_id: int, target_id: int
) -> dict[str, int]:
    """Point every task, membership, case, invite and alias of ``source_id`` at ``target_id``.

    Where the target already has the same task role or the same person's role, the target's
    row stays and the source's is dropped (the unique constraints allow only one).
    """
    moved = {
        "tasks": await _move_rows(
            session,
            TaskUnit,
            source_id,
            target_id,
            select(TaskUnit.task_id, TaskUnit.role).where(TaskUnit.unit_id == target_id),
            lambda row: (row.task_id, row.role),
        ),
        "memberships": await _move_rows(
            session,
            Membership,
            source_id,
            target_id,
            select(Membership.person_id, Membership.role).where(Membership.unit_id == target_id),
            lambda row: (row.person_id, row.role),
        ),
    }
    for name, column in (
        ("cases", Case.unit_id),
        ("invites", Invite.unit_id),
        ("aliases", UnitAlias.unit_id),
    ):
        result = await session.execute(
            update(column.class_)
            .where(column == source_id)
            .values(unit_id=target_id)
            .execution_options(synchronize_session=False)
        )
        moved[name] = int(getattr(result, "rowcount", 0))
    return moved


async def _move_rows(
    session: AsyncSession,
    model: type[TaskUnit] | type[Membership],
    source_id: int,
    target_id: int,
    held_query: Any,
    identity: Any,
) -> int:
    held = {tuple(row) for row in (await session.execute(held_query)).all()}
    rows = cast(
        "Sequence[TaskUnit | Membership]",
        (await session.scalars(select(model).where(model.unit_id == source_id))).all(),
    )
    moved = 0
    for row in rows:
        if identity(row) in held:
            await session.delete(row)
        else:
            row.unit_id = target_id
            held.add(identity(row))
            moved += 1
    await session.flush()
    return moved


async def delete_unit_row(session: AsyncSession, unit: Unit) -> None:
    """Remove a unit that nothing names any more, with its aliases."""
    await session.execute(delete(UnitAlias).where(UnitAlias.unit_id == unit.id))
    await session.execute(delete(Unit).where(Unit.id == unit.id))
    session.expunge(unit)


async def aliases_of(session: AsyncSession, unit_id: int) -> Sequence[UnitAlias]:
    """The unit's aliases."""
    return (await session.scalars(select(UnitAlias).where(UnitAlias.unit_id == unit_id))).all()


async def lock_org(session: AsyncSession, org_id: int) -> Organization:
    """Take the organization's row for the rest of the transaction."""
    return (
        await session.scalars(
            select(Organization)
            .where(Organization.id == org_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()


async def org_name(session: AsyncSession, org_id: int) -> str:
    """The organization's name."""
    return (await session.get_one(Organization, org_id)).name
