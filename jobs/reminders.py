"""The planning job: keep every organization's reminders planned two weeks ahead."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.reminders.scheduling import replan
from db.queries import reminders

log = logging.getLogger(__name__)


async def plan_reminders(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: ZoneInfo
) -> int:
    """Re-plan each organization in its own transaction; return the rows added."""
    async with sessions() as session:
        org_ids = await reminders.orgs_with_plans(session)
    added = 0
    for org_id in org_ids:
        async with sessions.begin() as session:
            result = await replan(session, org_id=org_id, now=clock.now(), tz=tz)
        added += result.added + result.revived
        if result.added or result.cancelled or result.revived:
            log.info(
                "org %d: %d reminders planned, %d revived, %d cancelled",
                org_id,
                result.added,
                result.revived,
                result.cancelled,
            )
    return added
