"""Queries for files offered as expiring signed links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import SharedFile


async def add_shared_file(
    session: AsyncSession,
    *,
    filename: str,
    mime_type: str | None,
    content: bytes,
    now: datetime,
    expires_at: datetime,
) -> int:
    """Keep a file to be fetched by link; return its id."""
    row = SharedFile(
        filename=filename[:200],
        mime_type=mime_type,
        content=content,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return row.id


async def shared_file(session: AsyncSession, file_id: int) -> SharedFile | None:
    """A kept file by id."""
    return await session.get(SharedFile, file_id)


async def purge_shared_files(session: AsyncSession, now: datetime) -> int:
    """Delete files whose links have expired."""
    result = await session.execute(delete(SharedFile).where(SharedFile.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
