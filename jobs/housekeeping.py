"""Housekeeping: expired dialogs, files no dialog holds, stale invite attempts, closed inbox
events, old links, and personal data past retention."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import invites
from bot.attachments import upload_ids
from bot.clock import Clock
from bot.people.codes import FAILURE_WINDOW
from bot.privacy.retention import apply_retention
from db.queries import dialogs, inbox, links, shared_files, uploads

log = logging.getLogger(__name__)

UPLOAD_TTL = timedelta(days=2)
"""The longest a file is kept, and a receipt counted, whatever holds it."""
ORPHAN_GRACE = timedelta(hours=1)
"""How old a file no dialog holds must be before it goes (a handler may be saving it now)."""
# Zalo retries an event for about two hours; closed events are kept well past that.
INBOX_KEPT = timedelta(days=3)
LINK_CODES_KEPT = timedelta(days=1)
"""How long after it expired a link code's row stays (who used it, for questions)."""


async def purge_expired(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """Delete expired dialogs, files no live dialog holds, stale invite and link attempts,
    and old link codes."""
    async with sessions.begin() as session:
        now = clock.now()
        removed = await dialogs.purge_expired_dialogs(session, now)
        await invites.purge_old_attempts(session, now)
        await links.purge(
            session, codes_before=now - LINK_CODES_KEPT, attempts_before=now - FAILURE_WINDOW
        )
        held = {i for data in await dialogs.all_dialog_data(session) for i in upload_ids(data)}
        files = await uploads.purge_uploads(
            session, before=now - UPLOAD_TTL, orphaned_before=now - ORPHAN_GRACE, keep=held
        )
        await inbox.purge_closed(session, now - INBOX_KEPT)
        await shared_files.purge_shared_files(session, now)
    if removed:
        log.info("closed %d expired dialogs", removed)
    if files:
        log.info("forgot %d files no dialog held", files)


async def apply_data_retention(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, retention: timedelta
) -> int:
    """Erase contact details of cases closed longer ago than the retention period."""
    async with sessions.begin() as session:
        erased = await apply_retention(session, now=clock.now(), retention=retention)
    if erased:
        log.info("retention erased the personal data of %d cases", erased)
    return erased
