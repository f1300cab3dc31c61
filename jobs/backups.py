"""The daily backup: one more folder in the backup directory, the oldest beyond N removed."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.backup import BackupError, prune_backups, write_backup
from bot.clock import Clock
from bot.settings import Settings

log = logging.getLogger(__name__)


async def daily_backup(settings: Settings, clock: Clock) -> Path | None:
    """Write today's backup and keep only the newest ``settings.backup_keep``."""
    out = Path(settings.backup_dir)
    try:
        info = await asyncio.to_thread(write_backup, settings, out, clock.now())
    except (BackupError, OSError) as exc:
        log.error("daily backup failed: %s", exc)
        return None
    removed = await asyncio.to_thread(prune_backups, out, settings.backup_keep)
    log.info("backup written to %s (%d old ones removed)", info.folder, len(removed))
    return info.folder
