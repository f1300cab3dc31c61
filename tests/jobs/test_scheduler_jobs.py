"""The scheduler carries the audit checkpoint and the daily backup under fixed ids."""

from __future__ import annotations

from dataclasses import replace

from bot.runtime import Runtime
from jobs.scheduler import build_scheduler


async def test_checkpoint_and_backup_jobs_are_scheduled(runtime: Runtime) -> None:
    scheduler = build_scheduler(runtime)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {"audit.checkpoint", "backup.daily", "privacy.retention"} <= set(jobs)
    assert str(jobs["backup.daily"].trigger).startswith("cron[")
    assert "hour='2', minute='30'" in str(jobs["backup.daily"].trigger)
    assert jobs["audit.checkpoint"].trigger.interval.total_seconds() == 3600


async def test_no_backup_job_when_none_are_kept(runtime: Runtime) -> None:
    runtime.settings = replace(runtime.settings, backup_keep=0)
    assert "backup.daily" not in {job.id for job in build_scheduler(runtime).get_jobs()}
