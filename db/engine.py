"""Engines and session factories for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db import sqlite_driver
from db.datetime_sql import register_sqlite
from db.sqlite_driver import OneTripConnection

log = logging.getLogger(__name__)

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Above the updates handled at once (8, see bot.channels.telegram) plus the jobs: a pool
# smaller than that opens and closes a connection (a thread, its pragmas, its cache of
# prepared statements) for nearly every update.
SQLITE_POOL_SIZE: Final = 12
POSTGRESQL_POOL_SIZE: Final = 15
MIGRATING = "commune_bot_migrating"
"""Execution option of the connection that migrates the schema (see ``db.migrate``)."""
AUDIT_KEY_INFO: Final = "audit_key"
TALLY_ZONE_INFO: Final = "tally_zone"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for PostgreSQL or an in-memory database)."""
    if not url.startswith("sqlite"):
        return None
    parsed = make_url(url)
    database = parsed.database
    if database and parsed.query.get("uri") in {"true", "1"}:
        database = database.removeprefix("file:")
    return Path(database) if database and database != ":memory:" else None


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parent, each enterable by the owner only."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)  # mkdir's mode is filtered by the umask


READ_FIRST: Final = "commune_bot_read_first"
"""Execution option of a connection whose SQLite transaction begins without the write lock."""
EAGER_WRITE: Final = "commune_bot_eager_write"
"""Execution option of a connection whose SQLite transaction asks for the write lock again
every millisecond (see ``write_eagerly``)."""
SINGLE_READ: Final = "commune_bot_single_read"
"""Execution option of a connection whose every statement is a read standing alone: on
SQLite no ``BEGIN`` (each statement is its own transaction), nothing to commit."""
_EAGER_POLL_MS: Final = 1
_SQLITE_BUSY: Final = 5


class WriteLockNeeded(Exception):
    """A read-first SQLite transaction could not start writing: run its work again."""


class WriteLockBusy(Exception):
    """An eager SQLite transaction found the write lock taken: ask again."""


def _prepare_sqlite_file(url: str) -> None:
    # Citizens' cases live in this file: only the bot's own user may read it. The file is
    # made 0600 before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
    path = sqlite_path(url)
    if path is None or make_url(url).query.get("mode") == "ro":
        return
    make_private_dir(path.parent)
    if path.parent.stat().st_mode & 0o077:
        log.warning("%s can be entered by other users; chmod 700 it", path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for sibling in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        # Files an earlier version left readable by others; only the owner may change them.
        if sibling.exists() and (st := sibling.stat()).st_mode & 0o077 and st.st_uid == os.getuid():
            sibling.chmod(0o600)


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
    options = conn.get_execution_options()
    if options.get(MIGRATING):
        # Only outside a transaction does SQLite let foreign keys be switched off.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if options.get(SINGLE_READ):
        return  # the driver is in autocommit mode: each statement reads on its own
    if options.get(READ_FIRST):
        dbapi_connection = conn.connection.dbapi_connection
        if isinstance(dbapi_connection, OneTripConnection):
            # Deferred: it takes no lock, so it goes with the first statement, in one trip.
            dbapi_connection.begin_with_next_statement()
        else:
            conn.exec_driver_sql("BEGIN")
    elif options.get(EAGER_WRITE):
        conn.exec_driver_sql(f"PRAGMA busy_timeout={_EAGER_POLL_MS}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
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
    if busy and conn is not None:
        options = conn.get_execution_options()
        if options.get(READ_FIRST):
            return WriteLockNeeded()
        if options.get(EAGER_WRITE):
            return WriteLockBusy()
    return None


def _on_sqlite_reset(dbapi_connection: Any, record: Any, reset_state: Any) -> None:
    # Sessions end their transactions themselves; a rollback on every return to the pool
    # is one more trip to aiosqlite's thread. Roll back only what is really left open.
    if isinstance(dbapi_connection, OneTripConnection):
        dbapi_connection.take_begin()  # a transaction that never began: nothing to end
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


def read_first_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    """Sessions like ``sessions``' whose transactions begin as ``begin_read_first``'s do.

    The transaction begins (and takes a pooled connection) only when the session first
    touches the database, so work that turns out not to need it costs no trip at all.
    """
    bind = sessions.kw["bind"]
    return async_sessionmaker(
        **{**sessions.kw, "bind": bind.execution_options(**{READ_FIRST: True})}
    )


def single_reads(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` for reads that are one statement each, run outside any transaction.

    No ``BEGIN``, ``COMMIT`` or rollback goes to the database: on SQLite the statement is a
    transaction of its own, on PostgreSQL the connection is in autocommit mode. Only for
    reads: a write through it would be committed at once.
    """
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SINGLE_READ: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT")


async def write_eagerly(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    within: float = SQLITE_BUSY_TIMEOUT_MS / 1000,
) -> T:
    """Run ``work`` in a transaction of its own and commit it; return what it returned.

    On SQLite the transaction waits for the write lock by asking again every millisecond
    (from the driver's thread), where SQLite's own wait sleeps longer the longer it waits
    (up to 100 ms at a time) and loses the lock to other processes' new transactions. It is
    for short writes someone waits on (a webhook's 200); on PostgreSQL it changes nothing.
    """
    deadline = time.monotonic() + within
    while True:
        async with sessions() as session:
            try:
                await session.connection(execution_options={EAGER_WRITE: True})
            except WriteLockBusy:
                if time.monotonic() > deadline:
                    raise
                continue
            result = await work(session)
            await session.commit()
            return result


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
    # SQLAlchemy's errors quote the statement's parameters (names, phones, complaint
    # texts) and would carry them into every logged traceback.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        if sqlite_path(url) is not None:  # a file's queue pool; memory has one connection
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        engine = create_async_engine(
            url, module=sqlite_driver.dbapi(), pool_reset_on_return=None, **kwargs
        )
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        event.listen(engine.sync_engine, "handle_error", _on_sqlite_error)
        event.listen(engine.sync_engine.pool, "reset", _on_sqlite_reset)
        return engine
    # Fifteen at most, as SQLAlchemy's default allows, but all kept: with 256 updates in
    # flight the ten "overflow" connections were closed after every burst and opened again
    # (connect, settings, statements prepared anew) for the next.
    kwargs.setdefault("pool_size", POSTGRESQL_POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    engine = create_async_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine.sync_engine, "connect", _on_postgresql_connect)
    return engine


def session_factory(
    engine: AsyncEngine, audit_key: bytes | None = None, *, zone: str | None = None
) -> async_sessionmaker[AsyncSession]:
    """Return the factory that opens one session per update or job.

    Its sessions carry the audit key (never stored in the database) for signing audit rows,
    and the deployment's zone, whose local days the case tallies count by.
    """
    info: dict[str, Any] = {} if audit_key is None else {AUDIT_KEY_INFO: audit_key}
    if zone is not None:
        info[TALLY_ZONE_INFO] = zone
    return async_sessionmaker(engine, expire_on_commit=False, info=info)
