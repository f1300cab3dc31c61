"""The one-trip SQLite driver answers as aiosqlite's did, in one trip to its thread a statement."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite.core
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import (
    SQLITE_POOL_SIZE,
    begin_read_first,
    create_engine,
    session_factory,
    single_reads,
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Calls handed to aiosqlite's thread, by what they run."""
    counted: Counter[str] = Counter()
    real: Any = aiosqlite.core.Connection._execute

    async def counting(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counted[getattr(fn, "__name__", "?")] += 1
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counting)
    return counted


async def test_rows_counts_and_ids_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('Lan')"))
        assert inserted.lastrowid == 1
        await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "Minh"}, {"n": "Tố"}])
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
    assert rows == [(1, "Lan"), (2, "Minh!"), (3, "Tố!")]
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT name FROM t ORDER BY id"))
        assert result.fetchone() == ("Lan",)
        assert result.fetchmany(1) == [("Minh!",)]
        assert result.scalars().all() == ["Tố!"]
        assert (await conn.execute(text("SELECT name FROM t WHERE id = 9"))).first() is None


async def test_a_statement_is_one_trip(engine: AsyncEngine, trips: Counter[str]) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the transaction has begun
        trips.clear()
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        assert sum(trips.values()) == 1


async def test_errors_are_the_usual_ones_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('Lan')"))
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('Minh')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (name) VALUES ('Lan')"))
        await conn.rollback()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT name FROM t"))).scalars().all() == ["Lan"]


async def test_streamed_results_still_stream(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO t (name) VALUES (:n)"), [{"n": f"p{i}"} for i in range(250)]
        )
    async with engine.connect() as conn:
        stream = await conn.stream(text("SELECT name FROM t ORDER BY id"))
        names = [row.name async for row in stream]
    assert names == [f"p{i}" for i in range(250)]


async def test_updates_in_flight_reuse_the_pooled_connections(
    engine: AsyncEngine, trips: Counter[str]
) -> None:
    async def read() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT count(*) FROM t"))
            await asyncio.sleep(0.01)

    for _ in range(3):
        await asyncio.gather(*(read() for _ in range(8)))
    opened = trips["connector"]
    for _ in range(5):
        await asyncio.gather(*(read() for _ in range(8)))
    # Eight at a time fit in the pool: no connection is opened (and closed) again.
    assert trips["connector"] == opened
    assert SQLITE_POOL_SIZE >= 8


async def test_a_read_first_transaction_begins_with_its_first_statement(
    engine: AsyncEngine, trips: Counter[str]
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:  # the pool has a connection already
        await session.execute(text("SELECT 1"))
    trips.clear()
    async with sessions() as session:
        await begin_read_first(session)
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        await session.commit()
    assert trips == Counter({"_execute": 1, "commit": 1})
    trips.clear()
    async with sessions() as session:  # begun, nothing asked: nothing to end either
        await begin_read_first(session)
        await session.commit()
    assert not trips
    async with sessions() as session:
        await begin_read_first(session)
        await session.execute(text("INSERT INTO t (name) VALUES ('Lan')"))
        await session.commit()
    async with sessions() as session:
        assert (await session.execute(text("SELECT name FROM t"))).scalars().all() == ["Lan"]


async def test_a_single_read_is_one_trip_and_leaves_no_transaction(
    engine: AsyncEngine, trips: Counter[str]
) -> None:
    reads = single_reads(engine)
    async with reads.connect() as conn:  # the pool has a connection already
        await conn.execute(text("SELECT 1"))
    trips.clear()
    async with reads.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        assert not driver.in_transaction
    assert trips == Counter({"_execute": 1})
    # A writer is not held up by it: the read took no lock and left no snapshot open.
    sessions = session_factory(engine)
    async with sessions() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('Lan')"))
        await session.commit()
    async with reads.connect() as conn:
        assert (await conn.execute(text("SELECT name FROM t"))).scalars().all() == ["Lan"]
