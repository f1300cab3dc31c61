"""Every new connection is prepared the way the application relies on."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    WriteLockBusy,
    WriteLockNeeded,
    begin_read_first,
    create_engine,
    session_factory,
    write_eagerly,
)


async def test_connections_are_prepared(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        # The connection's first use ends in a rollback; what it was given must outlive that.
        async with engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
            await conn.rollback()
        async with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                settings = [
                    (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                    for name in ("journal_mode", "foreign_keys", "busy_timeout")
                ]
                assert settings == ["wal", 1, 30_000]
                day = await conn.exec_driver_sql(
                    "SELECT local_date('2024-07-01 22:30:00.000000', 'Europe/Berlin')"
                )
                assert day.scalar() == "2024-07-02"
            else:
                assert (await conn.exec_driver_sql("SHOW jit")).scalar() == "off"
    finally:
        await engine.dispose()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_sqlite_database_is_for_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "bot.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x TEXT)"))
            await conn.execute(text("INSERT INTO t VALUES ('Nguyễn Văn Tố')"))
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT x FROM t")) == "Nguyễn Văn Tố"
            wal, shm = (path.with_name(path.name + s) for s in ("-wal", "-shm"))
            assert wal.exists()
            assert shm.exists()
            assert (_mode(path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
    finally:
        await engine.dispose()
    assert _mode(path.parent) == 0o700
    assert _mode(path.parent.parent) == 0o700


async def test_a_database_left_world_readable_is_closed_at_start(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await engine.dispose()
    assert _mode(path) == 0o600


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'locks.sqlite3'}")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    try:
        yield engine
    finally:
        await engine.dispose()


async def _rows(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.exec_driver_sql("SELECT n FROM t ORDER BY n")).scalars())


async def test_a_read_first_session_reads_beside_a_writer(sqlite_engine: AsyncEngine) -> None:
    sessions = session_factory(sqlite_engine)
    async with sessions.begin() as writer:
        await writer.execute(text("INSERT INTO t VALUES (1)"))
        async with sessions() as reader:
            await begin_read_first(reader)
            got = await asyncio.wait_for(reader.scalar(text("SELECT count(*) FROM t")), 5)
            assert got == 0  # the writer has not committed
    assert await _rows(sqlite_engine) == [1]


async def test_a_read_first_session_writes_when_the_lock_is_free(
    sqlite_engine: AsyncEngine,
) -> None:
    async with session_factory(sqlite_engine)() as session:
        await begin_read_first(session)
        await session.execute(text("SELECT count(*) FROM t"))
        await session.execute(text("INSERT INTO t VALUES (2)"))
        await session.commit()
    assert await _rows(sqlite_engine) == [2]


async def test_a_read_first_write_on_a_stale_snapshot_asks_to_run_again(
    sqlite_engine: AsyncEngine,
) -> None:
    sessions = session_factory(sqlite_engine)
    async with sessions() as session:
        await begin_read_first(session)
        await session.execute(text("SELECT count(*) FROM t"))
        async with sessions.begin() as other:
            await other.execute(text("INSERT INTO t VALUES (3)"))
        with pytest.raises(WriteLockNeeded):
            await session.execute(text("INSERT INTO t VALUES (4)"))
    assert await _rows(sqlite_engine) == [3]


async def test_a_transaction_left_open_is_rolled_back_on_return(
    sqlite_engine: AsyncEngine,
) -> None:
    def write_behind_sqlalchemys_back(sync: Connection) -> None:
        cursor = sync.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("BEGIN")
        cursor.execute("INSERT INTO t VALUES (5)")
        cursor.close()

    async with sqlite_engine.connect() as conn:
        await conn.run_sync(write_behind_sqlalchemys_back)
    assert await _rows(sqlite_engine) == []
    async with sqlite_engine.begin() as conn:  # and the connection is usable again
        await conn.exec_driver_sql("INSERT INTO t VALUES (6)")
    assert await _rows(sqlite_engine) == [6]


async def _insert(session: AsyncSession, n: int) -> int:
    await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
    return n


async def test_an_eager_write_takes_the_lock_as_soon_as_it_is_free(
    sqlite_engine: AsyncEngine,
) -> None:
    sessions = session_factory(sqlite_engine)
    async with sessions.begin() as holder:
        await holder.execute(text("INSERT INTO t VALUES (7)"))
        eager = asyncio.create_task(write_eagerly(sessions, partial(_insert, n=8)))
        await asyncio.sleep(0.2)
        assert not eager.done()  # waits for the holder, does not fail
    assert await asyncio.wait_for(eager, 5) == 8
    assert await _rows(sqlite_engine) == [7, 8]
    async with sessions.begin() as after:  # the connection waits as long as before for others
        timeout = await after.scalar(text("PRAGMA busy_timeout"))
    assert timeout == SQLITE_BUSY_TIMEOUT_MS


async def test_an_eager_write_gives_up_after_its_time(sqlite_engine: AsyncEngine) -> None:
    sessions = session_factory(sqlite_engine)
    async with sessions.begin() as holder:
        await holder.execute(text("INSERT INTO t VALUES (9)"))
        with pytest.raises(WriteLockBusy):
            await write_eagerly(sessions, partial(_insert, n=10), within=0.1)
    assert await _rows(sqlite_engine) == [9]


async def test_an_eager_write_that_fails_writes_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        sessions = session_factory(engine)

        async def half(session: AsyncSession) -> None:
            await _insert(session, 11)
            raise LookupError

        with pytest.raises(LookupError):
            await write_eagerly(sessions, half)
        assert await write_eagerly(sessions, partial(_insert, n=12)) == 12
        assert await _rows(engine) == [12]
    finally:
        await engine.dispose()
