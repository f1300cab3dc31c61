"""Logging set-up: one format, and the chatty libraries turned down."""

from __future__ import annotations

import logging

QUIET = (
    "httpx",
    "httpcore",
    "apscheduler",
    "telegram.ext.Updater",
    "aiosqlite",
    "alembic",
    "uvicorn",
    "uvicorn.access",
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
