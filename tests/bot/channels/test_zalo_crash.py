"""A bot killed after acknowledging a Zalo event and before handling it loses nothing.

The real ``python -m bot run`` takes the event (200), starts handling it, and is killed with
SIGKILL while it waits for Zalo's profile call. Started again, it handles the event once: one
person, one answer.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.channels.zalo_oa.channel import token_store
from bot.clock import SystemClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import Identity, InboxEvent, InboxStatus
from tests.conftest import REPO_ROOT
from tests.support.running import free_port
from tests.support.zalo_oa import ZaloOAEmulator

WAIT = 30.0


async def _start(env: dict[str, str], cwd: Path, log: IO[bytes]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def _until(check: Callable[[], bool | Awaitable[bool]], what: str, log: Path) -> None:
    """Poll ``check`` in real time (a real process is working) until true, or fail."""
    deadline = time.monotonic() + WAIT
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}:\n{_tail(log)}")
        await asyncio.sleep(0.05)


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
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "DATABASE_URL": database_url,
            "BOT_DATA_KEY": key,
            "BOT_AUDIT_KEY": audit_key,
            "BOT_HTTP_PORT": str(port),
            "BOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "BOT_INBOX_LEASE_SECONDS": "2",
            **zalo.environ(),
        }
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
            first = await _start(env, tmp_path, log)
            try:
                await _until(serving, "the bot did not start", log_path)
                zalo.detail_latency = 60.0  # handling hangs on Zalo's profile call
                assert await lan.send("/whoami") == 200
                await _until(lambda: "user/detail" in zalo.calls, "not handling", log_path)
            finally:
                first.send_signal(signal.SIGKILL)
                await first.wait()
            assert await _inbox(settings) == [(InboxStatus.PENDING, True)]
            assert await _identities(settings) == 0
            assert lan.messages() == []

            zalo.detail_latency = 0.0
            second = await _start(env, tmp_path, log)
            try:
                await _until(lambda: len(lan.messages()) >= 1, "no answer after restart", log_path)

                async def done() -> bool:
                    return await _inbox(settings) == [(InboxStatus.DONE, False)]

                await _until(done, "the event is not closed", log_path)
                await asyncio.sleep(1.0)  # any second handling would answer by now
            finally:
                second.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(second.wait(), 20)
                except TimeoutError:
                    second.kill()
                    await second.wait()
        assert second.returncode == 0, _tail(log_path)
    [answer] = lan.messages()
    assert (answer.text or "").startswith("Bạn là Lan.")
    assert await _identities(settings) == 1
