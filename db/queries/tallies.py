"""Case tallies: reading them, recounting them from the cases, and putting them right."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    Date,
    Select,
    String,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.datetime_sql import local_date
from db.models import Case, CaseTally
from db.models.tallies import NO_RATING
from db.tallying import KEY_COLUMNS, TallyKey, answered_expression, month_key, zone_of

_BATCH = 5000


@dataclass(frozen=True, slots=True)
class Drift:
    """A tally that does not hold what the cases count."""

    key: TallyKey
    tallied: int
    counted: int


def zone(session: AsyncSession) -> ZoneInfo:
    """The zone whose local days this session's tallies count by."""
    return zone_of(session.sync_session)


def _months(start: date, end: date) -> tuple[date, date]:
    """The whole months inside ``[start, end)``, as ``[first, after)`` (empty when equal)."""
    first = start if start.day == 1 else _next_month(start)
    after = end.replace(day=1)
    return (first, after) if first < after else (start, start)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


async def grouped(
    session: AsyncSession, org_ids: Sequence[int], start: date, end: date, by: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Cases received on local days ``[start, end)``, summed by the tally columns ``by``.

    Whole months are read from the months' tallies, the days around them from the days'
    (all days when ``by`` names the kind, which only the days' tallies keep).
    """
    first, after = (start, start) if "kind" in by else _months(start, end)
    # One range of the primary key (months or days first, then organization, then day) per
    # part, so each organization's rows of the part are read and no other.
    parts = [
        (month, low, high)
        for month, low, high in ((False, start, first), (True, first, after), (False, after, end))
        if low < high
    ]
    if not parts:
        return []
    values: dict[str, Any] = {"org_ids": list(org_ids)}
    for i, (_, low, high) in enumerate(parts):
        values[f"low{i}"], values[f"high{i}"] = low, high
    statement = _grouped(tuple(month for month, _, _ in parts), tuple(by))
    return [tuple(row) for row in await session.execute(statement, values)]


@lru_cache(maxsize=32)
def _grouped(months: tuple[bool, ...], by: tuple[str, ...]) -> Select[Any]:
    """``grouped``'s statement for parts of days or months, built once: parameters
    ``org_ids`` and each part's ``low<i>`` and ``high<i>``."""
    org_ids: BindParameter[int] = bindparam("org_ids", expanding=True)
    reads = [
        select(*(getattr(CaseTally, name) for name in by), CaseTally.cases).where(
            CaseTally.month == month,
            CaseTally.org_id.in_(org_ids),
            CaseTally.day >= bindparam(f"low{i}", type_=Date()),
            CaseTally.day < bindparam(f"high{i}", type_=Date()),
        )
        for i, month in enumerate(months)
    ]
    rows = union_all(*reads).subquery() if len(reads) > 1 else reads[0].subquery()
    columns = [rows.c[name] for name in by]
    total = func.sum(rows.c.cases)
    return select(*columns, total).group_by(*columns).having(total != 0)


def _recount(tz: ZoneInfo) -> Select[Any]:
    """The days' tallies as the cases count them now, in the tallies' column order."""
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
    return select(*columns, false().label("month"), func.count()).group_by(*columns)


async def rebuild(session: AsyncSession) -> int:
    """Count every tally again from the cases; return how many tallies there are."""
    await session.execute(delete(CaseTally))
    await session.execute(
        insert(CaseTally).from_select([*KEY_COLUMNS, "cases"], _recount(zone(session)))
    )
    days = await session.execute(
        select(*(getattr(CaseTally, c) for c in KEY_COLUMNS), CaseTally.cases)
    )
    months = _by_month({_key(row[:-1]): int(row[-1]) for row in days})
    rows = [{**dict(zip(KEY_COLUMNS, k, strict=True)), "cases": n} for k, n in months.items()]
    for at in range(0, len(rows), _BATCH):
        await session.execute(insert(CaseTally), rows[at : at + _BATCH])
    return int(await session.scalar(select(func.count()).select_from(CaseTally)) or 0)


def _by_month(days: dict[TallyKey, int]) -> Counter[TallyKey]:
    months: Counter[TallyKey] = Counter()
    for key, n in days.items():
        months[month_key(key)] += n
    return months


def _key(row: Sequence[Any]) -> TallyKey:
    org, day, kind, status, rating, verdict, reopened, answered, *month = row
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
        bool(month and month[0]),
    )


async def drift(session: AsyncSession) -> list[Drift]:
    """Every tally whose count differs from the cases', in key order."""
    recounted = await session.execute(_recount(zone(session)))
    counted = {_key(row[:-1]): int(row[-1]) for row in recounted}
    counted.update(_by_month(counted))
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
