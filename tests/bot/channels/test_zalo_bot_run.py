"""``python -m bot run`` with a Zalo Bot token: a real process, polling or pushed to.

An official redeems an invite and is answered; the process stops at once on SIGTERM, even
in the middle of a long poll.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot import invites
from bot.clock import SystemClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import Role
from db.queries import orgs
from tests.support.processes import bot_environ, start_bot, until
from tests.support.running import free_port
from tests.support.zalo_bot import ZaloBotEmulator


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_bot_runs_on_the_zalo_bot_and_stops_cleanly(
    database_url: str, tmp_path: Path, mode: str
) -> None:
    key, audit_key = Fernet.generate_key().decode(), secrets.token_urlsafe(32)
    port = free_port()
    secret = secrets.token_urlsafe(40) if mode == "webhook" else None
    settings = Settings(database_url=database_url, data_key=key, audit_key=audit_key)
    now = datetime.now(UTC)
    async with (
        open_runtime(settings, SystemClock()) as runtime,
        runtime.sessions.begin() as session,
    ):
        unit = await orgs.add_unit(
            session,
            org_id=runtime.dispatcher.deployment.root_org_id,
            name="Văn phòng - Thống kê",
            aliases=[],
            now=now,
        )
        _, code = await invites.create_invite(
            session,
            org_id=runtime.dispatcher.deployment.root_org_id,
            role=Role.OFFICIAL,
            unit_id=unit.id,
            created_by=None,
            now=now,
            ttl=timedelta(days=1),
        )
    log_path = tmp_path / "bot.log"
    async with ZaloBotEmulator() as zbot:
        env = bot_environ(database_url, key, audit_key, port, **zbot.environ(secret))
        minh = zbot.user("Minh")
        with log_path.open("ab") as log:
            process = await start_bot(env, tmp_path, log)
            try:
                wanted = "setWebhook" if mode == "webhook" else "getUpdates"
                await until(lambda: wanted in zbot.calls, "the bot did not start", log_path)
                status = await minh.send(f"/start {code}")
                assert status == (200 if mode == "webhook" else None)
                await until(lambda: len(minh.messages()) >= 1, "no answer", log_path)
                await asyncio.sleep(0.3)  # a long poll is under way again
                started = time.monotonic()
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 20)
                stopped_in = time.monotonic() - started
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
    assert process.returncode == 0, log_path.read_text(errors="replace")[-3000:]
    assert stopped_in < 10
    [welcome] = minh.messages()
    assert (welcome.text or "").startswith(
        "Chào mừng! Bạn đã trở thành công chức của Văn phòng - Thống kê."
    )
    logged = log_path.read_text(errors="replace")
    assert zbot.token not in logged
    assert code not in logged
