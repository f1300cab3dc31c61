"""SQLAlchemy's aiosqlite driver, with one trip to the connection's thread per statement.

aiosqlite runs each sqlite3 call on the connection's own thread, and SQLAlchemy's adapter
makes four such calls per query (open a cursor, execute, fetch the rows, close the cursor):
each a hand-off to the thread and back through the event loop, which costs more CPU than a
small indexed query itself. Here a statement runs, its rows are fetched and its cursor closed
in one call. Server-side cursors (streamed results) keep aiosqlite's own cursor.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None]


def _execute(conn: sqlite3.Connection, operation: str, parameters: Any, begin: bool) -> _Outcome:
    """On the connection's thread: run one statement and take all it returns."""
    if begin:
        conn.execute("BEGIN")
    cursor = conn.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description is not None else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _executemany(
    conn: sqlite3.Connection, operation: str, parameters: Any, begin: bool
) -> _Outcome:
    """On the connection's thread: run one statement for each set of parameters."""
    if begin:
        conn.execute("BEGIN")
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, parameters)
        return cursor.description, [], cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor:
    """A DB-API cursor whose every statement is one call on the connection's thread."""

    server_side = False
    __slots__ = (
        "_adapted",
        "_driver",
        "_rows",
        "arraysize",
        "description",
        "lastrowid",
        "rowcount",
    )

    def __init__(self, adapted: OneTripConnection) -> None:
        self._adapted = adapted
        self._driver: Any = adapted._connection  # an aiosqlite.Connection
        self._rows: deque[Any] = deque()
        self.arraysize = 1
        self.description: Any = None
        self.lastrowid: int | None = None
        self.rowcount = -1

    def _run(self, call: Any, operation: str, parameters: Any) -> None:
        begin = self._adapted.take_begin()
        try:
            # aiosqlite's own queue to the thread; its public calls take one trip each.
            outcome: _Outcome = await_(
                self._driver._execute(call, self._driver._conn, operation, parameters, begin)
            )
        except Exception as error:
            self._adapted._handle_exception(error)
        self.description, rows, self.rowcount, self.lastrowid = outcome
        self._rows = deque(rows)

    def execute(self, operation: str, parameters: Any = None) -> None:
        """Run one statement; its rows wait in this cursor."""
        self._run(_execute, operation, parameters)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        """Run one statement once per set of parameters."""
        self._run(_executemany, operation, seq_of_parameters)

    def fetchone(self) -> Any:
        """The next row, or ``None``."""
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` (default ``arraysize``) more rows."""
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    def fetchall(self) -> list[Any]:
        """Every row left."""
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Nothing to declare to SQLite."""

    def close(self) -> None:
        """Forget the rows left (the sqlite3 cursor is closed already)."""
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """Called by SQLAlchemy's asyncio results; the cursor is closed already."""


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's adapted aiosqlite connection, handing out one-trip cursors.

    A deferred ``BEGIN`` takes no lock, so it can wait and go with the next statement, in
    that statement's trip; if no statement follows, there is nothing to commit or roll back.
    """

    __slots__ = ("_begin",)

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._begin = False

    def begin_with_next_statement(self) -> None:
        """Begin a deferred transaction, in the same trip as the next statement."""
        self._begin = True

    def take_begin(self) -> bool:
        """Whether a ``BEGIN`` is waiting for a statement; it is not waiting any more."""
        begin, self._begin = self._begin, False
        return begin

    def commit(self) -> None:
        """Commit, unless no transaction is open (or it has not begun yet)."""
        if not self.take_begin() and self._connection.in_transaction:
            super().commit()

    def rollback(self) -> None:
        """Roll back, unless no transaction is open (or it has not begun yet)."""
        if not self.take_begin() and self._connection.in_transaction:
            super().rollback()

    def cursor(self, server_side: bool = False) -> Any:
        """A one-trip cursor; aiosqlite's own for a server-side (streamed) result."""
        return super().cursor(server_side) if server_side else OneTripCursor(self)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DB-API module of SQLAlchemy, opening ``OneTripConnection``s."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        """Open a connection as SQLAlchemy's adapter does, then hand out one-trip cursors."""
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    """The module to pass as ``module=`` when creating a ``sqlite+aiosqlite`` engine."""
    return OneTripDBAPI(aiosqlite, sqlite3)
