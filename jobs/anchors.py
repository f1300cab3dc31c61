"""The scheduled audit checkpoint: the trail's length and head, signed, to a file."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.checkpoints import write_checkpoint
from bot.clock import Clock

log = logging.getLogger(__name__)


async def checkpoint_audit(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, key: bytes, directory: Path
) -> Path | None:
    """Write a signed checkpoint if the trail grew since the last one."""
    async with sessions() as session:
        path = await write_checkpoint(session, key=key, directory=directory, now=clock.now())
    if path is not None:
        log.info("audit checkpoint written to %s", path)
    return path
