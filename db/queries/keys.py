"""Check values of the keys, and whether anything in the database needs them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry, Case, KeyCheck, Person


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
