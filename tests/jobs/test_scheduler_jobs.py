"""The scheduler carries the jobs under fixed ids, in the HTTP process or the first inbox worker."""

from __future__ import annotations

from dataclasses import replace

from bot.cli import serving_scheduler
from bot.inbox.processes import worker_command
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


def _job_ids(runtime: Runtime, workers: int) -> set[str] | None:
    scheduler = serving_scheduler(runtime, workers)
    return None if scheduler is None else {job.id for job in scheduler.get_jobs()}


async def test_the_http_process_runs_every_job_only_without_inbox_workers(
    runtime: Runtime,
) -> None:
    runtime.settings = replace(
        runtime.settings, zalo_app_id="1", zalo_app_secret="s", zalo_oa_secret_key="k"
    )
    every = {job.id for job in build_scheduler(runtime).get_jobs()}
    assert {"reminders.plan", "outbox.sweep"} <= every
    assert _job_ids(runtime, 0) == every
    assert _job_ids(runtime, 1) is None  # the first inbox worker runs them


async def test_a_polled_telegram_keeps_its_outbox_sweep_in_the_http_process(
    runtime: Runtime,
) -> None:
    runtime.settings = replace(runtime.settings, telegram_token="1:x", telegram_mode="polling")
    assert runtime.settings.telegram_polls
    assert _job_ids(runtime, 2) == {"outbox.sweep"}
    hooked = replace(runtime.settings, telegram_mode="webhook", webhook_url="https://b.example/t")
    runtime.settings = hooked
    assert not runtime.settings.telegram_polls
    assert _job_ids(runtime, 2) is None


def test_only_the_first_inbox_worker_runs_the_jobs() -> None:
    assert "--jobs" in worker_command(1234, 1)
    assert "--jobs" not in worker_command(1234, 2)
    assert worker_command(1234, 2)[-2:] == ["--parent", "1234"]
