"""Why the bot refuses to start: one clear line for the operator, never a traceback."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import BotError

log = logging.getLogger(__name__)


class StartupRefused(BotError):
    """The bot must not run in this state; ``str(exc)`` tells the operator what to do."""


class DatabaseReadOnly(StartupRefused):
    """The database cannot be written: the bot would run and answer nobody."""


async def check_writable(engine: AsyncEngine, url: str) -> None:
    """Write nothing, but take a write transaction the way every update does; refuse if it fails.

    A bot on a read-only database reads every update, fails to store it and answers nobody,
    so it must not start at all.
    """
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                read_only = await conn.scalar(
                    text("SELECT current_setting('transaction_read_only')")
                )
                if read_only == "on" or await conn.scalar(text("SELECT pg_is_in_recovery()")):
                    log.error("database is read-only: %s", shown)
                    raise DatabaseReadOnly(
                        f"DATABASE_URL ({shown}): the database is read-only; give the bot a "
                        "writable primary server, then start again"
                    )
                return
            # Setting the header's user version to itself is a write SQLite refuses when the
            # file, its directory or the connection is read-only; the transaction rolls back.
            version = await conn.scalar(text("PRAGMA user_version"))
            await conn.execute(text(f"PRAGMA user_version = {int(version or 0)}"))
            await conn.rollback()
    except DBAPIError as exc:
        detail = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
        log.error("database is read-only or cannot be opened for writing: %s", detail)
        raise DatabaseReadOnly(
            f"DATABASE_URL ({shown}): cannot write to the database (read-only: {detail}); make "
            "the file and its folder writable by the bot's user, then start again"
        ) from None
