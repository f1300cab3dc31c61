"""Every change of the unit directory: add, rename, merge, delete a unit, add aliases.

Each operation checks the names, takes the rows it changes, writes the audit trail and
returns what it did. Chat and command line call the same functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.units.errors import (
    AliasTaken,
    BadUnitName,
    SameUnit,
    UnitChanged,
    UnitExists,
    UnitInUse,
)
from db.models import Unit, UnitKind
from db.queries import audit, orgs

NAME_LIMIT: Final = 200
ALIASES_LIMIT: Final = 10


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changes the directory (``person_id`` ``None``: an operator on the command line)."""

    org_id: int
    person_id: int | None
    now: datetime


@dataclass(frozen=True, slots=True)
class UnitAdded:
    """A new unit and the aliases it was given."""

    unit_id: int
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnitRenamed:
    """A unit's new name; the old one stays as an alias so plans still find it."""

    unit_id: int
    old_name: str
    name: str


@dataclass(frozen=True, slots=True)
class UnitsMerged:
    """What moved from the merged unit into the kept one."""

    source_name: str
    target_id: int
    target_name: str
    moved: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnitDeleted:
    """The unit that was removed."""

    unit_id: int
    name: str


@dataclass(frozen=True, slots=True)
class AliasesAdded:
    """The aliases a unit received (those it already had are left out)."""

    unit_id: int
    name: str
    added: tuple[str, ...]


def clean_name(name: str) -> str:
    """The name on one line with single spaces, or ``BadUnitName``."""
    tidy = " ".join(name.split())
    if (
        not tidy
        or tidy.startswith("/")
        or len(tidy) > NAME_LIMIT
        or not orgs.name_key(tidy)
        or any(not ch.isprintable() for ch in tidy)
    ):
        raise BadUnitName(tidy or name, NAME_LIMIT)
    return tidy


async def _check_free(session: AsyncSession, org_id: int, name: str, own: int) -> None:
    owner = await orgs.unit_by_name_key(session, org_id, orgs.name_key(name))
    if owner is not None and owner.id != own:
        raise AliasTaken(name, owner.name)


async def _free_aliases(
    session: AsyncSession, org_id: int, aliases: Sequence[str], own: Unit | None
) -> list[str]:
    """The aliases to add, in order, without repeats or names the unit already has."""
    # An alias may spell the unit's own name differently ("ĐC-XD"): people like to see it.
    keys = {a.key for a in await orgs.aliases_of(session, own.id)} if own is not None else set()
    kept: list[str] = []
    for raw in aliases[:ALIASES_LIMIT]:
        if not orgs.name_key(raw):
            # Punctuation between separators ("VP;;-;") names nothing.
            continue
        alias = clean_name(raw)
        key = orgs.name_key(alias)
        if key in keys:
            continue
        owner = await orgs.unit_by_name_key(session, org_id, key)
        if owner is not None and (own is None or owner.id != own.id):
            raise AliasTaken(alias, owner.name)
        keys.add(key)
        kept.append(alias)
    return kept


async def _record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    unit_id: int,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    await audit.record(
        session,
        at=actor.now,
        actor_id=actor.person_id,
        org_id=actor.org_id,
        action=action,
        entity="unit",
        entity_id=unit_id,
        before=before,
        after=after,
    )


async def add_unit(
    session: AsyncSession,
    actor: Actor,
    name: str,
    aliases: Sequence[str] = (),
    kind: UnitKind = UnitKind.OFFICE,
) -> UnitAdded:
    """Add a unit with its aliases; any name another unit has refuses the whole change."""
    name = clean_name(name)
    existing = await orgs.unit_by_name_key(session, actor.org_id, orgs.name_key(name))
    if existing is not None:
        raise UnitExists(existing.name)
    free = await _free_aliases(session, actor.org_id, aliases, None)
    try:
        async with session.begin_nested():
            unit = await orgs.add_unit(
                session, org_id=actor.org_id, name=name, aliases=free, now=actor.now, kind=kind
            )
    except IntegrityError:
        # Another admin added the same name between the check and the insert.
        raise UnitExists(name) from None
    await _record(
        session,
        actor,
        "unit.created",
        unit.id,
        None,
        {"name": name, "aliases": free, "kind": kind.value},
    )
    return UnitAdded(unit.id, name, tuple(free))


async def add_units(
    session: AsyncSession, actor: Actor, names: Sequence[tuple[str, UnitKind]]
) -> list[int]:
    """Add many units without aliases (a plan's new offices) with one look-up and one insert.

    Returns each name's unit. A name some unit already has (as its name or an alias), or one
    given twice, gives that unit, where ``add_unit`` would refuse it with ``UnitExists``; the
    others are created and audited in the order given. ``UnitExists`` only if another admin
    adds one of the names meanwhile.
    """
    cleaned = [(clean_name(name), kind) for name, kind in names]
    keys = [orgs.name_key(name) for name, _ in cleaned]
    owners = await orgs.owners_of_keys(session, actor.org_id, set(keys))
    fresh: dict[str, tuple[str, UnitKind]] = {}
    for (name, kind), key in zip(cleaned, keys, strict=True):
        if key not in owners:
            fresh.setdefault(key, (name, kind))
    if fresh:
        try:
            async with session.begin_nested():
                made = await orgs.add_units(
                    session, org_id=actor.org_id, units=list(fresh.values()), now=actor.now
                )
        except IntegrityError:
            raise UnitExists(next(iter(fresh.values()))[0]) from None
        owners.update({unit.key: unit.id for unit in made})
        await audit.record_many(
            session,
            at=actor.now,
            actor_id=actor.person_id,
            org_id=actor.org_id,
            entries=[
                (
                    "unit.created",
                    "unit",
                    unit.id,
                    None,
                    {"name": name, "aliases": [], "kind": kind.value},
                )
                for unit, (name, kind) in zip(made, fresh.values(), strict=True)
            ],
        )
    return [owners[key] for key in keys]


async def _locked(session: AsyncSession, actor: Actor, unit: Unit) -> Unit:
    locked = await orgs.lock_unit(session, actor.org_id, unit.id)
    if locked is None:
        raise UnitChanged
    return locked


async def add_aliases(
    session: AsyncSession, actor: Actor, unit: Unit, aliases: Sequence[str]
) -> AliasesAdded:
    """Give a unit other names it is written by in plans."""
    unit = await _locked(session, actor, unit)
    free = await _free_aliases(session, actor.org_id, aliases, unit)
    try:
        async with session.begin_nested():
            for alias in free:
                await orgs.add_alias(session, org_id=actor.org_id, unit_id=unit.id, alias=alias)
    except IntegrityError:
        raise UnitChanged from None
    if free:
        await _record(session, actor, "unit.aliased", unit.id, None, {"aliases": free})
    return AliasesAdded(unit.id, unit.name, tuple(free))


async def rename_unit(session: AsyncSession, actor: Actor, unit: Unit, name: str) -> UnitRenamed:
    """Rename a unit; its old name becomes an alias so plans written with it still match."""
    name = clean_name(name)
    unit = await _locked(session, actor, unit)
    old_name, old_key, key = unit.name, unit.key, orgs.name_key(name)
    await _check_free(session, actor.org_id, name, unit.id)
    try:
        async with session.begin_nested():
            await orgs.drop_alias_key(session, actor.org_id, key)
            if not await orgs.rename_unit_row(
                session, unit_id=unit.id, old_key=old_key, name=name, key=key
            ):
                raise UnitChanged
            if key != old_key:
                await orgs.add_alias(session, org_id=actor.org_id, unit_id=unit.id, alias=old_name)
    except IntegrityError:
        raise UnitChanged from None
    await _record(session, actor, "unit.renamed", unit.id, {"name": old_name}, {"name": name})
    return UnitRenamed(unit.id, old_name, name)


async def merge_units(
    session: AsyncSession, actor: Actor, source: Unit, target: Unit
) -> UnitsMerged:
    """Move everything of ``source`` into ``target`` and remove ``source``.

    Its tasks, members, cases, invites and aliases move; its name becomes an alias.
    """
    if source.id == target.id:
        raise SameUnit
    # Lock in id order so two merges of the same pair cannot wait on each other.
    first, second = sorted((source, target), key=lambda u: u.id)
    locked = {u.id: await _locked(session, actor, u) for u in (first, second)}
    source, target = locked[source.id], locked[target.id]
    moved = await orgs.move_unit_references(session, source_id=source.id, target_id=target.id)
    name = source.name
    await orgs.delete_unit_row(session, source)
    if await orgs.unit_by_name_key(session, actor.org_id, orgs.name_key(name)) is None:
        await orgs.add_alias(session, org_id=actor.org_id, unit_id=target.id, alias=name)
    await _record(
        session,
        actor,
        "unit.merged",
        target.id,
        {"merged": {"id": source.id, "name": name}},
        {"name": target.name, "moved": moved},
    )
    return UnitsMerged(name, target.id, target.name, moved)


async def delete_unit(session: AsyncSession, actor: Actor, unit: Unit) -> UnitDeleted:
    """Remove a unit nothing refers to; a unit in use must be merged instead."""
    unit = await _locked(session, actor, unit)
    uses = await orgs.unit_uses(session, unit.id)
    if uses:
        raise UnitInUse(unit.name, uses)
    unit_id, name = unit.id, unit.name
    await orgs.delete_unit_row(session, unit)
    await _record(session, actor, "unit.deleted", unit_id, {"name": name}, None)
    return UnitDeleted(unit_id, name)
