"""Queries about Open311 API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey


async def key_named(session: AsyncSession, org_id: int, name: str) -> ApiKey | None:
    """An organization's key by name."""
    return await session.scalar(select(ApiKey).where(ApiKey.org_id == org_id, ApiKey.name == name))


async def live_key(session: AsyncSession, key_hash: str) -> ApiKey | None:
    """The key with this hash, unless revoked."""
    return await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )
