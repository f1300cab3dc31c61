"""Run the whole bot (runtime, HTTP server, channels) against the emulators."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.channels.flood import FloodControl, Limits
from bot.channels.telegram import TelegramFloodLimiter
from bot.clock import ManualClock
from bot.runtime import Runtime, open_runtime
from bot.serving import run_channels
from bot.settings import Settings

TOKEN = "123456:TEST-token"


def fast_limiter() -> TelegramFloodLimiter:
    """A limiter that keeps its logic but no pacing: functional tests check behaviour."""
    return TelegramFloodLimiter(
        FloodControl(
            Limits(overall_per_second=1000, per_private_chat_interval=0.0, per_group_interval=0)
        )
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_bot(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    """Run the bot (every configured channel) until the block ends; yield it once ready."""
    stop, ready = asyncio.Event(), asyncio.Event()
    async with open_runtime(settings, clock) as runtime:
        task = asyncio.create_task(
            run_channels(runtime, stop, ready=ready, telegram_limiter=fast_limiter())
        )
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({task, waiter}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if not ready.is_set():
            waiter.cancel()
            stop.set()
            await task
            raise RuntimeError("the bot did not start")
        try:
            yield runtime
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
