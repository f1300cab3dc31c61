"""Alembic environment: runs on a connection handed over by ``db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import db.models  # noqa: F401  (registers every table)
from db.base import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `python -m bot db upgrade`")
_run(connection)
