"""Queries that keep received files until the dialog that needs them ends."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Upload, UploadReceipt


async def save_upload(
    session: AsyncSession, *, person_id: int, filename: str, content: bytes, now: datetime
) -> Upload:
    """Keep a received file (PostgreSQL text cannot hold NUL, so a name loses its NULs)."""
    upload = Upload(
        person_id=person_id,
        filename=filename.replace("\x00", "")[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        created_at=now,
    )
    session.add(upload)
    await session.flush()
    return upload


async def note_receipt(session: AsyncSession, *, person_id: int, size: int, now: datetime) -> None:
    """Count a received file towards the person's day; the count outlives the file."""
    session.add(UploadReceipt(person_id=person_id, size=size, received_at=now))
    await session.flush()


async def received_since(session: AsyncSession, person_id: int, since: datetime) -> tuple[int, int]:
    """How many files, and how many bytes, the person sent since ``since``."""
    row = (
        await session.execute(
            select(
                func.count(UploadReceipt.id), func.coalesce(func.sum(UploadReceipt.size), 0)
            ).where(UploadReceipt.person_id == person_id, UploadReceipt.received_at >= since)
        )
    ).one()
    return int(row[0]), int(row[1])


async def upload_of(session: AsyncSession, person_id: int, upload_id: int) -> Upload | None:
    """A kept file, only if that person sent it."""
    upload = await session.get(Upload, upload_id)
    return upload if upload is not None and upload.person_id == person_id else None


async def drop_upload(session: AsyncSession, upload_id: int) -> None:
    """Forget a kept file."""
    await session.execute(delete(Upload).where(Upload.id == upload_id))


async def drop_uploads_of(
    session: AsyncSession, person_id: int, upload_ids: Collection[int]
) -> None:
    """Forget the person's kept files among ``upload_ids``."""
    if upload_ids:
        await session.execute(
            delete(Upload).where(Upload.person_id == person_id, Upload.id.in_(upload_ids))
        )


async def purge_uploads(
    session: AsyncSession, *, before: datetime, orphaned_before: datetime, keep: Collection[int]
) -> int:
    """Forget files older than ``before``, and those no dialog needs (``keep`` are needed)
    older than ``orphaned_before``; forget receipts older than ``before``. Return files forgotten.
    """
    old = await session.execute(delete(Upload).where(Upload.created_at < before))
    orphans = await session.execute(
        delete(Upload).where(Upload.created_at < orphaned_before, Upload.id.not_in(list(keep)))
    )
    await session.execute(delete(UploadReceipt).where(UploadReceipt.received_at < before))
    return sum(int(getattr(r, "rowcount", 0) or 0) for r in (old, orphans))
