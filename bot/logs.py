"""Logging set-up: one format, and the chatty libraries turned down."""

from __future__ import annotations

import logging
from pathlib import Path

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


def configure_logging(level: str = "INFO", file: Path | None = None) -> None:
    """Log to stderr (or to ``file``) at ``level`` with third-party noise kept at WARNING.

    The console chat logs to a file: lines on stderr would land between the chat's lines.
    """
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
        filename=file,
        encoding="utf-8" if file is not None else None,
    )
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
