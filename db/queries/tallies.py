"""Case tallies: reading them, recounting them from the cases, and putting them right."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, case, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.datetime_sql import local_date
from db.models import Case, CaseTally
from db.models.tallies import NO_RATING
from db.tallying import KEY_COLUMNS, TallyKey, answered_expression, zone_of


@dataclass(frozen=True, slots=True)
class Drift:
    """A tally that does not hold what the cases count."""

    key: TallyKey
    tallied: int
    counted: int


def zone(session: AsyncSession) -> ZoneInfo:
    """The zone whose local days this session's tallies count by."""
    return zone_of(session.sync_session)


async def grouped(
    session: AsyncSession, org_ids: Sequence[int], start: date, end: date, by: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Cases received on local days ``[start, end)``, summed by the tally columns ``by``."""
    columns = [getattr(CaseTally, name) for name in by]
    total = func.sum(CaseTally.cases)
    rows = await session.execute(
        select(*columns, total)
        .where(CaseTally.org_id.in_(org_ids), CaseTally.day >= start, CaseTally.day < end)
        .group_by(*columns)
        .having(total != 0)
    )
    return [tuple(row) for row in rows]


def _recount(tz: ZoneInfo) -> Select[Any]:
    """The tallies as the cases count them now, in the tallies' column order."""
    columns = (
        Case.org_id,
        local_date(Case.received_at, tz),
        Case.kind,
        Case.status,
        func.coalesce(Case.rating, NO_RATING, type_=String()),
        case((Case.on_time.is_(None), "none"), (Case.on_time.is_(True), "on_time"), else_="late"),
        Case.reopened > 0,
        answered_expression(),
    )
    return select(*columns, func.count()).group_by(*columns)


async def rebuild(session: AsyncSession) -> int:
    """Count every tally again from the cases; return how many tallies there are."""
    await session.execute(delete(CaseTally))
    await session.execute(
        insert(CaseTally).from_select([*KEY_COLUMNS, "cases"], _recount(zone(session)))
    )
    return int(await session.scalar(select(func.count()).select_from(CaseTally)) or 0)


def _key(row: Sequence[Any]) -> TallyKey:
    org, day, kind, status, rating, verdict, reopened, answered = row
    day = day if isinstance(day, date) else date.fromisoformat(str(day))
    return (
        int(org),
        day,
        str(kind),
        str(status),
        str(rating),
        str(verdict),
        bool(reopened),
        bool(answered),
    )


async def drift(session: AsyncSession) -> list[Drift]:
    """Every tally whose count differs from the cases', in key order."""
    counted = {
        _key(row[:-1]): int(row[-1]) for row in await session.execute(_recount(zone(session)))
    }
    tallied = {
        _key(row[:-1]): int(row[-1])
        for row in await session.execute(
            select(*(getattr(CaseTally, c) for c in KEY_COLUMNS), CaseTally.cases)
        )
    }
    return [
        Drift(key, tallied.get(key, 0), counted.get(key, 0))
        for key in sorted(counted.keys() | tallied.keys())
        if tallied.get(key, 0) != counted.get(key, 0)
    ]
