"""``local_date``: the calendar date of a stored UTC moment in a time zone, computed in SQL.

Reports count "done late" and "extension approved in time" by local calendar days. Doing it
in the database lets a province's figures be a GROUP BY instead of a walk over every row.
PostgreSQL knows time zones; SQLite gets a Python function on every connection.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, SQLColumnExpression, literal
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
        super().__init__(moment, literal(tz.key))


@compiles(local_date)
def _registered(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite: the Python function each connection gets from ``register_sqlite``.
    return f"{SQLITE_NAME}({compiler.process(element.clauses, **kw)})"


@compiles(local_date, "postgresql")
def _postgresql(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    moment, zone = list(element.clauses)
    return (
        f"CAST(timezone({compiler.process(zone, **kw)}, {compiler.process(moment, **kw)}) AS DATE)"
    )


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
