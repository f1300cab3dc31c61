"""Apply and create Alembic migrations on the bot's own engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def _config(connection: Connection, timezone: str = DEFAULT_TIMEZONE) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    # Data migrations that decide by local days read the deployment's zone from here.
    config.attributes["timezone"] = timezone
    return config


async def upgrade(
    engine: AsyncEngine, revision: str = "head", *, timezone: str = DEFAULT_TIMEZONE
) -> None:
    """Bring the schema up to ``revision``; ``timezone`` is the deployment's."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync, timezone), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to ``revision``."""
    async with engine.begin() as conn:
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
