"""Every new connection is prepared the way the application relies on."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from db.engine import create_engine


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
