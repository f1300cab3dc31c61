"""Retention: contact details of closed cases are kept for a set period, then erased."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.privacy.forget import finish_pending_erasures
from db.queries import audit, privacy


async def apply_retention(session: AsyncSession, *, now: datetime, retention: timedelta) -> int:
    """Erase contacts of cases closed longer than ``retention`` ago, and finish erasures."""
    purged = await privacy.purge_closed_contacts(session, now - retention)
    if purged:
        await audit.record(
            session,
            at=now,
            actor_id=None,
            org_id=None,
            action="contacts.purged",
            entity="case",
            entity_id="retention",
            after={"contacts": purged, "retention_days": retention.days},
        )
    return purged + await finish_pending_erasures(session, now=now)
