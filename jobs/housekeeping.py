"""Housekeeping: forget expired dialogs, the files no dialog holds, and stale invite attempts."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.attachments import upload_ids
from bot.clock import Clock
from db.queries import dialogs, invites, uploads

log = logging.getLogger(__name__)

UPLOAD_TTL = timedelta(days=2)
"""The longest a file is kept, and a receipt counted, whatever holds it."""
ORPHAN_GRACE = timedelta(hours=1)
"""How old a file no dialog holds must be before it goes (a handler may be saving it now)."""


async def purge_expired(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """Delete expired dialogs, files no live dialog holds, and stale invite attempts."""
    async with sessions.begin() as session:
        now = clock.now()
        removed = await dialogs.purge_expired_dialogs(session, now)
        await invites.purge_old_attempts(session, now)
        held = {i for data in await dialogs.all_dialog_data(session) for i in upload_ids(data)}
        files = await uploads.purge_uploads(
            session, before=now - UPLOAD_TTL, orphaned_before=now - ORPHAN_GRACE, keep=held
        )
    if removed:
        log.info("closed %d expired dialogs", removed)
    if files:
        log.info("forgot %d files no dialog held", files)
