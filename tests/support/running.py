"""Run the whole bot (runtime and Telegram channel) against the Bot API emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.channels.flood import FloodControl, Limits
from bot.channels.telegram import TelegramFloodLimiter, run_telegram
from bot.clock import ManualClock
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings

TOKEN = "123456:TEST-token"


def fast_limiter() -> TelegramFloodLimiter:
    """A limiter that keeps its logic but no pacing: functional tests check behaviour."""
    return TelegramFloodLimiter(
        FloodControl(
            Limits(overall_per_second=1000, per_private_chat_interval=0.0, per_group_interval=0)
        )
    )


@asynccontextmanager
async def running_bot(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    """Run the bot until the block ends; yield its runtime once it is ready."""
    stop, ready = asyncio.Event(), asyncio.Event()
    async with open_runtime(settings, clock) as runtime:
        task = asyncio.create_task(run_telegram(runtime, stop, fast_limiter(), ready))
        await asyncio.wait_for(ready.wait(), 20)
        try:
            yield runtime
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
