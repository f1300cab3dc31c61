"""APScheduler drives cadence only; what is due lives in the database."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from jobs import housekeeping


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Create the scheduler with every recurring job under a fixed id."""
    scheduler = AsyncIOScheduler(timezone=runtime.settings.tz)
    scheduler.add_job(
        housekeeping.purge_expired,
        "interval",
        minutes=5,
        args=(runtime.sessions, runtime.clock),
        id="housekeeping.purge_expired",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
    return scheduler
