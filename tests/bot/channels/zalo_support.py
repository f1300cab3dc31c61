"""Running the bot with the Zalo OA channel against the emulator, connected by consent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx

from bot.channels.zalo_oa.channel import token_store
from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support.running import free_port, running_bot
from tests.support.zalo_oa import ZaloOAEmulator


def zalo_settings(settings: Settings, zalo: ZaloOAEmulator) -> Settings:
    """Settings for a bot on Zalo only, its HTTP server on a free port."""
    port = free_port()
    return replace(
        settings,
        **zalo.settings(),  # type: ignore[arg-type]
        http_port=port,
        public_url=f"http://127.0.0.1:{port}",
    )


async def connect(runtime: Runtime, zalo: ZaloOAEmulator) -> None:
    """What an admin does: print the consent link, approve it on Zalo, land on the callback."""
    async with httpx.AsyncClient() as http:
        tokens = token_store(runtime, http)
        url = await tokens.consent_url(f"{runtime.settings.public_url}/zalo/oauth")
        callback = zalo.approve(url)
        landed = await http.get(callback)
    assert landed.status_code == 200, landed.text
    assert "connected" in landed.text.lower() or "kết nối" in landed.text.lower()


@asynccontextmanager
async def running_on_zalo(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> AsyncIterator[Runtime]:
    """The bot running on Zalo, connected, with Zalo posting to its webhook."""
    async with running_bot(settings, clock) as runtime:
        await connect(runtime, zalo)
        zalo.webhook_url = f"{settings.public_url}/zalo/webhook"
        yield runtime
