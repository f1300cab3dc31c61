"""Queries that keep received files until the dialog that needs them ends."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Upload


async def save_upload(
    session: AsyncSession, *, person_id: int, filename: str, content: bytes, now: datetime
) -> Upload:
    """Keep a received file."""
    upload = Upload(
        person_id=person_id,
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        created_at=now,
    )
    session.add(upload)
    await session.flush()
    return upload


async def upload_of(session: AsyncSession, person_id: int, upload_id: int) -> Upload | None:
    """A kept file, only if that person sent it."""
    upload = await session.get(Upload, upload_id)
    return upload if upload is not None and upload.person_id == person_id else None


async def drop_upload(session: AsyncSession, upload_id: int) -> None:
    """Forget a kept file."""
    await session.execute(delete(Upload).where(Upload.id == upload_id))


async def purge_uploads(session: AsyncSession, before: datetime) -> None:
    """Forget files older than ``before`` that no dialog finished."""
    await session.execute(delete(Upload).where(Upload.created_at < before))
