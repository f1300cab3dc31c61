"""Housekeeping: expired dialogs, stale invite attempts, and personal data past retention."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.privacy.retention import apply_retention
from db.queries import dialogs, invites, uploads

log = logging.getLogger(__name__)

UPLOAD_TTL = timedelta(days=2)


async def purge_expired(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """Delete expired dialogs and stale invite attempts."""
    async with sessions.begin() as session:
        now = clock.now()
        removed = await dialogs.purge_expired_dialogs(session, now)
        await invites.purge_old_attempts(session, now)
        await uploads.purge_uploads(session, now - UPLOAD_TTL)
    if removed:
        log.info("closed %d expired dialogs", removed)


async def apply_data_retention(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, retention: timedelta
) -> int:
    """Erase contact details of cases closed longer ago than the retention period."""
    async with sessions.begin() as session:
        erased = await apply_retention(session, now=clock.now(), retention=retention)
    if erased:
        log.info("retention erased the personal data of %d cases", erased)
    return erased
