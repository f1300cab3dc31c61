"""Queries behind linking channels: link codes, wrong guesses, and moving a person's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Column, Table, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Dialog, Identity, LinkAttempt, LinkCode, Membership, Person

# References to a person that a merge leaves where they are, and why.
KEPT: Final = {
    # The audit trail is hash-chained: rewriting who acted would break it. The merged
    # person's row stays (``merged_into`` says where they went) so these still resolve.
    ("audit_log", "actor_id"),
}
# References that a unique key makes the merge settle itself before moving the rest.
SETTLED: Final = {("memberships", "person_id"), ("dialogs", "person_id")}


class UnsettledReference(RuntimeError):
    """A table refers to people under a unique key the merge does not know how to settle."""

    def __init__(self, table: str, column: str) -> None:
        super().__init__(f"{table}.{column}: unique per person; teach the merge to settle it")
        self.table = table
        self.column = column


@dataclass(frozen=True, slots=True)
class Reference:
    """A column that names a person."""

    table: Table
    column: Column[Any]

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"


def person_references(tables: Sequence[Table]) -> list[Reference]:
    """Every column of ``tables`` with a foreign key to ``people.id`` that a merge moves.

    Read from the schema, so a table added later is moved too. A reference under a unique
    key (two rows of one person would collide) must be settled by hand: it raises
    ``UnsettledReference`` until it is listed in ``SETTLED``.
    """
    found: list[Reference] = []
    for table in tables:
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
            if fk.column.table.name != "people" or fk.column.name != "id":
                continue
            key = (table.name, fk.parent.name)
            if key in KEPT:
                continue
            if key not in SETTLED and _unique_with(table, fk.parent):
                raise UnsettledReference(*key)
            found.append(Reference(table, fk.parent))
    return found


def _unique_with(table: Table, column: Column[Any]) -> bool:
    keys: list[set[str]] = [{c.name for c in table.primary_key.columns}]
    keys += [
        {c.name for c in constraint.columns}  # type: ignore[attr-defined]
        for constraint in table.constraints
        if constraint.__class__.__name__ == "UniqueConstraint"
    ]
    keys += [{c.name for c in index.columns} for index in table.indexes if index.unique]
    return bool(column.unique) or any(column.name in key for key in keys)


async def lock_people(session: AsyncSession, ids: Sequence[int]) -> list[Person]:
    """These people, locked in id order (two merges of one pair cannot deadlock), fresh."""
    query = (
        select(Person)
        .where(Person.id.in_(ids))
        .order_by(Person.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(query)).all())


async def staff_orgs(session: AsyncSession, person_id: int) -> frozenset[int]:
    """The organizations a person holds a staff role in."""
    result = await session.scalars(
        select(Membership.org_id).where(Membership.person_id == person_id)
    )
    return frozenset(result.all())


async def move_person(session: AsyncSession, *, source: int, target: int) -> dict[str, int]:
    """Point every reference to ``source`` at ``target``; return the rows moved per column.

    A membership ``target`` already holds and ``source``'s dialog (when ``target`` has one)
    are dropped instead: only one of each may exist.
    """
    held = {
        (m.org_id, m.role, m.unit_id)
        for m in (
            await session.scalars(select(Membership).where(Membership.person_id == target))
        ).all()
    }
    for membership in (
        await session.scalars(select(Membership).where(Membership.person_id == source))
    ).all():
        if (membership.org_id, membership.role, membership.unit_id) in held:
            await session.delete(membership)
    if await session.get(Dialog, target) is not None:
        await session.execute(delete(Dialog).where(Dialog.person_id == source))
    await session.flush()
    moved: dict[str, int] = {}
    for ref in person_references(list(Person.metadata.sorted_tables)):
        result = await session.execute(
            update(ref.table)
            .where(ref.column == source)
            .values({ref.column.name: target})
            .execution_options(synchronize_session=False)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            moved[ref.name] = count
    return moved


async def remaining_references(session: AsyncSession, person_id: int) -> dict[str, int]:
    """How many rows of every table still name ``person_id`` (kept references included)."""
    found: dict[str, int] = {}
    for table in Person.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "people" and fk.column.name == "id":
                count = await session.scalar(
                    select(func.count()).select_from(table).where(fk.parent == person_id)
                )
                if count:
                    found[f"{table.name}.{fk.parent.name}"] = int(count)
    return found


async def drop_identity(session: AsyncSession, identity_id: int) -> None:
    """Delete a channel account: its chat is nobody's until it writes again."""
    await session.execute(delete(Identity).where(Identity.id == identity_id))


async def drop_open_codes(session: AsyncSession, person_id: int) -> None:
    """Forget the person's codes nobody used: only the newest one works."""
    await session.execute(
        delete(LinkCode).where(LinkCode.person_id == person_id, LinkCode.used_at.is_(None))
    )


async def add_code(
    session: AsyncSession,
    *,
    person_id: int,
    code_hash: str,
    channel: str,
    now: datetime,
    expires_at: datetime,
) -> LinkCode:
    """Store a new code's hash."""
    row = LinkCode(
        code_hash=code_hash,
        person_id=person_id,
        channel=channel,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return row


async def code_by_hash(session: AsyncSession, code_hash: str) -> LinkCode | None:
    """The code with this hash, locked until the transaction ends."""
    return await session.scalar(
        select(LinkCode)
        .where(LinkCode.code_hash == code_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def use_code(session: AsyncSession, code_id: int, *, by: int, now: datetime) -> bool:
    """Mark a code used, unless someone used it first; tell whether this call did."""
    result = await session.execute(
        update(LinkCode)
        .where(LinkCode.id == code_id, LinkCode.used_at.is_(None))
        .values(used_at=now, used_by=by)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def failures_since(
    session: AsyncSession, person_id: int, since: datetime
) -> tuple[int, datetime | None]:
    """How many wrong codes the person sent since ``since``, and when the oldest was."""
    row = (
        await session.execute(
            select(func.count(), func.min(LinkAttempt.at)).where(
                LinkAttempt.person_id == person_id, LinkAttempt.at > since
            )
        )
    ).one()
    return int(row[0]), row[1]


async def add_failure(session: AsyncSession, person_id: int, now: datetime) -> None:
    """Count one wrong code against the person."""
    session.add(LinkAttempt(person_id=person_id, at=now))
    await session.flush()


async def purge(
    session: AsyncSession, *, codes_before: datetime, attempts_before: datetime
) -> None:
    """Forget expired codes and attempts that no longer count."""
    await session.execute(delete(LinkCode).where(LinkCode.expires_at <= codes_before))
    await session.execute(delete(LinkAttempt).where(LinkAttempt.at <= attempts_before))


async def has_channel(session: AsyncSession, person_id: int, channel: str) -> bool:
    """Whether the person has an account on ``channel``."""
    found = await session.scalar(
        select(Identity.id).where(
            and_(Identity.person_id == person_id, Identity.channel == channel)
        )
    )
    return found is not None
