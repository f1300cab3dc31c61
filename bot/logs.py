"""Logging set-up: one format, and the chatty libraries turned down."""

from __future__ import annotations

import logging

# Libraries that log whole updates, requests, SQL parameters or job arguments at INFO or
# DEBUG: a citizen's name, phone or denunciation would reach the log through them. They stay
# at WARNING whatever BOT_LOG_LEVEL says.
QUIET = (
    "telegram",
    "httpx",
    "httpcore",
    "hpack",
    "apscheduler",
    "aiosqlite",
    "sqlalchemy",
    "asyncpg",
    "uvicorn",
    "uvicorn.access",
    "aiohttp",
    "alembic",
    "asyncio",
    "telegram.ext.Updater",
    "uvicorn.error",
    "multipart",
)


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr at ``level`` with third-party noise kept at WARNING."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
