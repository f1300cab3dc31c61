"""Check values of the keys, and whether anything in the database needs them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry, Case, Dialog, KeyCheck, Person


async def key_check(session: AsyncSession, name: str) -> str | None:
    """The stored check value of a key, if one was recorded."""
    return await session.scalar(select(KeyCheck.check).where(KeyCheck.name == name))


async def save_key_check(session: AsyncSession, name: str, check: str, now: datetime) -> None:
    """Record (or replace) the check value of a key."""
    row = await session.get(KeyCheck, name)
    if row is None:
        session.add(KeyCheck(name=name, check=check, created_at=now))
    else:
        row.check, row.created_at = check, now
    await session.flush()


async def sealed_sample(session: AsyncSession) -> str | None:
    """One sealed value, to try a key on."""
    found = await session.scalar(
        select(Case.contact_sealed).where(Case.contact_sealed.is_not(None)).limit(1)
    )
    if found is not None:
        return found
    return await session.scalar(
        select(Person.name_sealed).where(Person.name_sealed.is_not(None)).limit(1)
    )


async def key_in_use(session: AsyncSession, name: str) -> bool:
    """Whether the database holds anything made with key ``name`` ("data" or "audit")."""
    if name == "audit":
        return (
            await session.scalar(select(AuditEntry.id).where(AuditEntry.mac.is_not(None)).limit(1))
        ) is not None
    return await sealed_sample(session) is not None


async def sealed_contacts(session: AsyncSession) -> Sequence[tuple[int, str]]:
    """``(case id, sealed contact)`` of every case that has one."""
    rows = await session.execute(
        select(Case.id, Case.contact_sealed)
        .where(Case.contact_sealed.is_not(None))
        .order_by(Case.id)
        .with_for_update()
    )
    return [(i, v) for i, v in rows.tuples() if v is not None]


async def set_sealed_contact(session: AsyncSession, case_id: int, sealed: str | None) -> None:
    """Replace a case's sealed contact."""
    await session.execute(update(Case).where(Case.id == case_id).values(contact_sealed=sealed))


async def sealed_names(session: AsyncSession) -> Sequence[tuple[int, str]]:
    """``(person id, sealed name)`` of everyone whose name is sealed."""
    rows = await session.execute(
        select(Person.id, Person.name_sealed)
        .where(Person.name_sealed.is_not(None))
        .order_by(Person.id)
        .with_for_update()
    )
    return [(i, v) for i, v in rows.tuples() if v is not None]


async def set_sealed_name(session: AsyncSession, person_id: int, sealed: str | None) -> None:
    """Replace a person's sealed name."""
    await session.execute(update(Person).where(Person.id == person_id).values(name_sealed=sealed))


async def dialogs_with_sealed_fields(session: AsyncSession, fields: Sequence[str]) -> list[Dialog]:
    """Dialogs holding any of ``fields`` (sealed values), locked for re-sealing."""
    result = await session.scalars(select(Dialog).order_by(Dialog.person_id).with_for_update())
    return [d for d in result.all() if any(d.data.get(f) for f in fields)]
