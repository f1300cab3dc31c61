"""Insert many rows into one table in one statement, on either database.

SQLite runs an ``executemany`` in-process, so that is all it needs. On PostgreSQL asyncpg's
``executemany`` still makes the server plan and run one INSERT per row (5,000 rows of a
plan's task units took a quarter of a second); there the rows go as one array per column
through ``INSERT … SELECT * FROM unnest(…)``: one statement, one round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Column, String, Table, insert, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

# Fewer rows gain nothing from arrays, and keep the statement cache small.
_ARRAYS_FROM: Final = 16


async def insert_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) into ``table``.

    Column defaults are not applied on PostgreSQL's path: give every column a row needs.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or len(rows) < _ARRAYS_FROM:
        await session.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    arrays = {
        f"p{i}": _column_values(column, dialect, [row[name] for row in rows])
        for i, (name, column) in enumerate(zip(names, columns, strict=True))
    }
    casts = ", ".join(
        f"CAST(:p{i} AS {_element_type(column, dialect)}[])" for i, column in enumerate(columns)
    )
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    table_name = dialect.identifier_preparer.format_table(table)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    # Ordered by position, so serial ids follow the rows' order (the audit chain relies on it).
    statement = (
        f"INSERT INTO {table_name} ({quoted}) SELECT {aliases} "
        f"FROM unnest({casts}) WITH ORDINALITY AS r({aliases}, n) ORDER BY n"
    )
    await session.execute(text(statement), arrays)


def _element_type(column: Column[Any], dialect: Dialect) -> str:
    """The array's element type: text for every string column.

    A cast to ``VARCHAR(n)`` would cut a longer value silently; from text, the insert's own
    assignment refuses it, as a plain ``insert`` does.
    """
    if isinstance(column.type, String):
        return "TEXT"
    return column.type.compile(dialect=dialect)


def _column_values(column: Column[Any], dialect: Dialect, values: list[Any]) -> list[Any]:
    """The values as the driver wants them: the column type's own conversion applied.

    ``None`` goes through it too: a JSON column stores it as JSON ``null``, as ``insert`` does.
    """
    process: Callable[[Any], Any] | None = column.type.bind_processor(dialect)
    return values if process is None else [process(value) for value in values]
