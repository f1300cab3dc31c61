"""Apply and create Alembic migrations on the bot's own engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.engine import MIGRATING

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def _config(connection: Connection, timezone: str = DEFAULT_TIMEZONE) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    # Data migrations that decide by local days read the deployment's zone from here.
    config.attributes["timezone"] = timezone
    return config


@asynccontextmanager
async def _migrating(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A transaction for schema changes.

    On SQLite a changed table is rebuilt (copied, dropped, renamed), which foreign keys
    forbid while other tables point at it: they are switched off for the migration (SQLite
    only allows that outside a transaction, see db.engine), checked afterwards, and the
    connection is dropped rather than handed back to the pool with them off.
    """
    async with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            async with conn.begin():
                yield conn
            return
        await conn.execution_options(**{MIGRATING: True})
        try:
            async with conn.begin():
                yield conn
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"migration left {len(broken)} broken references")
        finally:
            await conn.invalidate()


async def upgrade(
    engine: AsyncEngine, revision: str = "head", *, timezone: str = DEFAULT_TIMEZONE
) -> None:
    """Bring the schema up to ``revision``; ``timezone`` is the deployment's."""
    async with _migrating(engine) as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync, timezone), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to ``revision``."""
    async with _migrating(engine) as conn:
        await conn.run_sync(lambda sync: command.downgrade(_config(sync), revision))


async def revision(engine: AsyncEngine, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync: command.revision(_config(sync), message=message, autogenerate=True)
        )


def _pending(sync: Connection) -> bool:
    head = ScriptDirectory.from_config(_config(sync)).get_current_head()
    return MigrationContext.configure(sync).get_current_revision() != head


async def is_current(engine: AsyncEngine) -> bool:
    """Tell whether the database is at the newest migration."""
    async with engine.connect() as conn:
        return not await conn.run_sync(_pending)
