"""A bot killed after acknowledging a Zalo event and before handling it loses nothing.

The real ``python -m bot run`` takes the event (200), starts handling it, and is killed with
SIGKILL while it waits for Zalo's profile call. Started again, it handles the event once: one
person, one answer.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.channels.zalo_oa.channel import token_store
from bot.clock import SystemClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import Identity, InboxEvent, InboxStatus
from tests.support.processes import bot_environ, log_tail, start_bot, until
from tests.support.running import free_port
from tests.support.zalo_oa import ZaloOAEmulator


async def _inbox(settings: Settings) -> list[tuple[InboxStatus, bool]]:
    async with open_runtime(settings, SystemClock()) as runtime, runtime.sessions() as session:
        rows = await session.scalars(select(InboxEvent))
        return [(r.status, r.payload_sealed is not None) for r in rows]


async def _identities(settings: Settings) -> int:
    async with open_runtime(settings, SystemClock()) as runtime, runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Identity)) or 0)


async def test_a_bot_killed_after_the_200_handles_the_event_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode()
    audit_key = secrets.token_urlsafe(32)
    port = free_port()
    log_path = tmp_path / "bot.log"
    async with ZaloOAEmulator() as zalo:
        settings = Settings(
            database_url=database_url,
            data_key=key,
            audit_key=audit_key,
            **zalo.settings(),  # type: ignore[arg-type]
        )
        async with open_runtime(settings, SystemClock()) as runtime, httpx.AsyncClient() as http:
            await token_store(runtime, http).store_refresh_token(zalo.grant())
        env = bot_environ(
            database_url, key, audit_key, port, BOT_INBOX_LEASE_SECONDS="2", **zalo.environ()
        )
        zalo.webhook_url = f"http://127.0.0.1:{port}/zalo/webhook"
        lan = zalo.user("Lan")

        async def serving() -> bool:
            try:
                async with httpx.AsyncClient() as http:
                    answer = await http.get(f"http://127.0.0.1:{port}/zalo/oauth")
            except httpx.HTTPError:
                return False
            return answer.status_code == 400  # the channel runs (the link lacks its code)

        with log_path.open("ab") as log:
            first = await start_bot(env, tmp_path, log)
            try:
                await until(serving, "the bot did not start", log_path)
                zalo.detail_latency = 60.0  # handling hangs on Zalo's profile call
                assert await lan.send("/whoami") == 200
                await until(lambda: "user/detail" in zalo.calls, "not handling", log_path)
            finally:
                first.send_signal(signal.SIGKILL)
                await first.wait()
            assert await _inbox(settings) == [(InboxStatus.PENDING, True)]
            assert await _identities(settings) == 0
            assert lan.messages() == []

            zalo.detail_latency = 0.0
            second = await start_bot(env, tmp_path, log)
            try:
                await until(lambda: len(lan.messages()) >= 1, "no answer after restart", log_path)

                async def done() -> bool:
                    return await _inbox(settings) == [(InboxStatus.DONE, False)]

                await until(done, "the event is not closed", log_path)
                await asyncio.sleep(1.0)  # any second handling would answer by now
            finally:
                second.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(second.wait(), 20)
                except TimeoutError:
                    second.kill()
                    await second.wait()
        assert second.returncode == 0, log_tail(log_path)
    [answer] = lan.messages()
    assert (answer.text or "").startswith("Bạn là Lan.")
    assert await _identities(settings) == 1
