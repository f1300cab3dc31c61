"""Queries for the local overrides of the working-day calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CalendarOverride


async def list_overrides(
    session: AsyncSession, since: date | None = None
) -> Sequence[CalendarOverride]:
    """The overrides, by day (from ``since`` on, when given)."""
    query = select(CalendarOverride).order_by(CalendarOverride.day)
    if since is not None:
        query = query.where(CalendarOverride.day >= since)
    return (await session.scalars(query)).all()


async def set_override(
    session: AsyncSession,
    *,
    day: date,
    working: bool,
    note: str,
    actor_id: int | None,
    now: datetime,
) -> tuple[CalendarOverride, bool | None]:
    """Make ``day`` a working day or a day off; return it with what it was before."""
    override = await session.get(CalendarOverride, day)
    before = None if override is None else override.working
    if override is None:
        override = CalendarOverride(day=day, created_at=now)
        session.add(override)
    override.working = working
    override.note = note
    override.created_by = actor_id
    override.created_at = now
    await session.flush()
    return override, before


async def clear_override(session: AsyncSession, day: date) -> bool:
    """Drop the override of ``day``; tell whether there was one."""
    result = await session.execute(delete(CalendarOverride).where(CalendarOverride.day == day))
    return bool(getattr(result, "rowcount", 0))
