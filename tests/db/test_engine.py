"""Every new connection is prepared the way the application relies on."""

from __future__ import annotations

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
