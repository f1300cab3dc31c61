"""Engines and session factories for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.datetime_sql import register_sqlite

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_FIRST: Final = "commune_bot_read_first"
"""Execution option of a connection whose SQLite transaction begins without the write lock."""
_SQLITE_BUSY: Final = 5


class WriteLockNeeded(Exception):
    """A read-first SQLite transaction could not start writing: run its work again."""


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide where transactions begin (see _on_sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    register_sqlite(dbapi_connection)


def _on_sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get(READ_FIRST):
        conn.exec_driver_sql("BEGIN")
    else:
        # IMMEDIATE takes the write lock up front, so a transaction that reads then writes
        # waits for the lock instead of failing with SQLITE_BUSY half-way through.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _on_sqlite_error(context: ExceptionContext) -> BaseException | None:
    # A deferred transaction that has read cannot wait for the write lock: SQLite answers
    # SQLITE_BUSY at once when another connection holds it or wrote since this one's
    # snapshot. Nothing was written yet, so the work can run again from the start.
    code = getattr(context.original_exception, "sqlite_errorcode", None)
    conn = context.connection
    busy = code is not None and code & 0xFF == _SQLITE_BUSY
    if busy and conn is not None and conn.get_execution_options().get(READ_FIRST):
        return WriteLockNeeded()
    return None


def _on_sqlite_reset(dbapi_connection: Any, record: Any, reset_state: Any) -> None:
    # Sessions end their transactions themselves; a rollback on every return to the pool
    # is one more trip to aiosqlite's thread. Roll back only what is really left open.
    if reset_state.terminate_only:
        return
    driver = record.driver_connection
    if driver is None or getattr(driver, "in_transaction", True):
        dbapi_connection.rollback()


async def begin_read_first(session: AsyncSession) -> None:
    """Begin ``session``'s transaction without taking SQLite's write lock.

    Reads then never wait for a writer. The first write takes the lock when it is free and
    nothing was committed since the transaction began; otherwise it raises
    ``WriteLockNeeded``, and the caller runs the work again in a fresh session (whose
    transaction takes the lock up front). On PostgreSQL this changes nothing.
    """
    await session.connection(execution_options={READ_FIRST: True})


def _on_postgresql_connect(dbapi_connection: Any, _record: Any) -> None:
    # PostgreSQL's JIT judges a province's report queries expensive and spends ~0.6 s
    # compiling them; they run in tens of milliseconds without it.
    cursor = dbapi_connection.cursor()
    cursor.execute("SET jit = off")
    cursor.close()
    # The driver opened a transaction for the SET; a rollback at the end of the first
    # session would undo it, so the setting is committed now.
    dbapi_connection.commit()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, a busy timeout and immediate transactions."""
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_async_engine(url, pool_reset_on_return=None, **kwargs)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        event.listen(engine.sync_engine, "handle_error", _on_sqlite_error)
        event.listen(engine.sync_engine.pool, "reset", _on_sqlite_reset)
        return engine
    engine = create_async_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine.sync_engine, "connect", _on_postgresql_connect)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the factory that opens one session per update or job."""
    return async_sessionmaker(engine, expire_on_commit=False)
