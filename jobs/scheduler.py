"""APScheduler drives cadence only; what is due lives in the database."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from jobs import housekeeping
from jobs.anchors import checkpoint_audit
from jobs.backups import daily_backup
from jobs.outbox import Sweeper
from jobs.reminders import plan_reminders

SWEEP_EVERY = timedelta(seconds=30)
PLAN_EVERY = timedelta(hours=1)
FIRST_CHECKPOINT = timedelta(minutes=1)
RETENTION_AT = (2, 0)
BACKUP_AT = (2, 30)  # local time: nobody works, the reminders are planned long before


def worker_id() -> str:
    """A name for this process that differs from every other worker's."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def build_sweeper(runtime: Runtime) -> Sweeper:
    """The outbox sweeper of this process."""
    settings = runtime.settings
    return Sweeper(
        runtime.sessions,
        runtime.clock,
        runtime.senders,
        settings.tz,
        worker=worker_id(),
        default_locale=settings.default_locale,
    )


def build_scheduler(runtime: Runtime, *, only_sweep: bool = False) -> AsyncIOScheduler:
    """Create the scheduler with every recurring job under a fixed id.

    ``only_sweep``: just the outbox sweep (for channels whose sender lives only in this
    process, when the other jobs run in an inbox worker).
    """
    tz = runtime.settings.tz
    now = runtime.clock.now()
    scheduler = AsyncIOScheduler(timezone=tz)
    common = {"replace_existing": True, "coalesce": True, "max_instances": 1}
    if only_sweep:
        _add_sweep(scheduler, runtime, common)
        return scheduler
    scheduler.add_job(
        housekeeping.purge_expired,
        "interval",
        minutes=5,
        args=(runtime.sessions, runtime.clock),
        id="housekeeping.purge_expired",
        **common,
    )
    scheduler.add_job(
        checkpoint_audit,
        "interval",
        minutes=runtime.settings.audit_checkpoint_minutes,
        args=(
            runtime.sessions,
            runtime.clock,
            runtime.keys.audit_key,
            Path(runtime.settings.audit_checkpoint_dir),
        ),
        id="audit.checkpoint",
        # Not at once: a short run (a console chat, a test) should not end mid-checkpoint.
        next_run_time=now + FIRST_CHECKPOINT,
        **common,
    )
    scheduler.add_job(
        housekeeping.apply_data_retention,
        "cron",
        hour=RETENTION_AT[0],
        minute=RETENTION_AT[1],
        args=(
            runtime.sessions,
            runtime.clock,
            timedelta(days=runtime.settings.contact_retention_days),
        ),
        id="privacy.retention",
        **common,
    )
    if runtime.settings.backup_keep > 0:
        scheduler.add_job(
            daily_backup,
            "cron",
            hour=BACKUP_AT[0],
            minute=BACKUP_AT[1],
            args=(runtime.settings, runtime.clock),
            id="backup.daily",
            **common,
        )
    scheduler.add_job(
        plan_reminders,
        "interval",
        seconds=PLAN_EVERY.total_seconds(),
        args=(runtime.sessions, runtime.clock, tz),
        id="reminders.plan",
        next_run_time=now,
        **common,
    )
    _add_sweep(scheduler, runtime, common)
    return scheduler


def _add_sweep(scheduler: AsyncIOScheduler, runtime: Runtime, common: dict[str, Any]) -> None:
    scheduler.add_job(
        build_sweeper(runtime).sweep,
        "interval",
        seconds=SWEEP_EVERY.total_seconds(),
        id="outbox.sweep",
        next_run_time=runtime.clock.now() + timedelta(seconds=5),
        **common,
    )
