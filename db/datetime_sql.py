"""Date arithmetic both databases do the same way: ``local_date`` and ``days_between``.

Reports count "done late" and "extension approved in time" by local calendar days, and time
to answer in days. Doing it in the database lets a province's figures be a GROUP BY instead
of a walk over every row. PostgreSQL knows time zones; SQLite shifts by the zone's offset
when it has only one, and calls a Python function (added to every connection) when not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, SQLColumnExpression, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SQLITE_NAME = "local_date"


class local_date(FunctionElement[date]):
    """The date, in ``tz``, of a UTC datetime column or expression (NULL stays NULL)."""

    type = Date()
    inherit_cache = True
    name = SQLITE_NAME

    def __init__(self, moment: SQLColumnExpression[Any], tz: ZoneInfo) -> None:
        super().__init__(moment, literal(tz.key), literal(_fixed_offset(tz.key), String()))


@compiles(local_date, "sqlite")
def _sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    # A zone that keeps one offset (Vietnam's, since 1975) is shifted natively, several times
    # faster than calling Python per row; others use the function ``register_sqlite`` adds.
    # Both branches are in the SQL and the offset is a parameter, so one cached statement
    # serves every zone. Fractions of a second are cut, as Python does: SQLite would round them.
    moment, zone, offset = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"CASE WHEN {offset} IS NULL THEN {SQLITE_NAME}({moment}, {zone}) "
        f"ELSE date(substr({moment}, 1, 19), {offset}) END"
    )


@compiles(local_date, "postgresql")
def _postgresql(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    moment, zone, _offset = element.clauses
    return (
        f"CAST(timezone({compiler.process(zone, **kw)}, {compiler.process(moment, **kw)}) AS DATE)"
    )


@lru_cache(maxsize=8)
def _fixed_offset(key: str) -> str | None:
    """SQLite's date modifier for a zone with one offset in January and July of every year
    from 1976 (none of its changes, such as summer time, falls in the reports' years), else
    None."""
    zone = ZoneInfo(key)
    offsets = {
        zone.utcoffset(datetime(year, month, 1)) for year in range(1976, 2100) for month in (1, 7)
    }
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return None if offset is None else f"{int(offset.total_seconds()):+d} seconds"


class days_between(FunctionElement[float]):
    """Days, with fractions, from one UTC datetime to a later one."""

    type = Float()
    inherit_cache = True

    def __init__(self, start: SQLColumnExpression[Any], end: SQLColumnExpression[Any]) -> None:
        super().__init__(start, end)


@compiles(local_date)
@compiles(days_between)
def _unsupported(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    raise NotImplementedError(f"{type(element).__name__} on {compiler.dialect.name}")


@compiles(days_between, "sqlite")
def _julian_days(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between, "postgresql")
def _epoch_days(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


@lru_cache(maxsize=8)
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def _sqlite_local_date(moment: str | None, key: str) -> str | None:
    if moment is None:
        return None
    utc = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    return utc.astimezone(_zone(key)).date().isoformat()


def register_sqlite(dbapi_connection: Any) -> None:
    """Give a new SQLite connection the ``local_date`` function."""
    dbapi_connection.create_function(SQLITE_NAME, 2, _sqlite_local_date, deterministic=True)
