"""Apply and create Alembic migrations on the bot's own engine.

Alembic is imported only when there is something to do: a bot that starts on a database
already at the newest revision never loads it (~20 MiB resident), see ``_known_current``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db.engine import MIGRATING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_REVISION: Final = re.compile(r"^revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN: Final = re.compile(r"^down_revision(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED: Final = re.compile(r"[\"']([^\"']+)[\"']")


DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def _config(connection: Connection, timezone: str = DEFAULT_TIMEZONE) -> Config:
    from alembic.config import Config

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
    if revision == "head" and await _known_current(engine):
        return
    from alembic import command

    async with _migrating(engine) as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync, timezone), revision))


def _single_head() -> str | None:
    """The newest revision read from the scripts' own lines, or ``None`` if unsure."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in MIGRATIONS_DIR.joinpath("versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN.search(source)
        if found is None or down is None:
            return None
        revisions.add(found[1])
        parents.update(_QUOTED.findall(down[1]))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def _known_current(engine: AsyncEngine) -> bool:
    """Whether the database is surely at the single head, told without importing Alembic."""
    head = _single_head()
    if head is None:
        return False
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:  # no version table yet: a fresh database
        return False
    return [row[0] for row in rows] == [head]


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to ``revision``."""
    from alembic import command

    async with _migrating(engine) as conn:
        await conn.run_sync(lambda sync: command.downgrade(_config(sync), revision))


async def revision(engine: AsyncEngine, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync: command.revision(_config(sync), message=message, autogenerate=True)
        )


def _pending(sync: Connection) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config(sync)).get_current_head()
    return MigrationContext.configure(sync).get_current_revision() != head


async def is_current(engine: AsyncEngine) -> bool:
    """Tell whether the database is at the newest migration."""
    async with engine.connect() as conn:
        return not await conn.run_sync(_pending)
