"""``python -m bot zalo …``: connect, store a token, show the state, as an operator does."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography.fernet import Fernet

from bot.channels.zalo_oa.channel import token_store
from bot.channels.zalo_oa.window import MessageClass, WindowPolicy, month_of, record_sent
from bot.clock import SystemClock
from bot.runtime import open_runtime
from bot.settings import Settings
from tests.conftest import REPO_ROOT
from tests.support.zalo_oa import ZaloOAEmulator


async def _cli(args: list[str], cwd: Path, env: dict[str, str], stdin: str = "") -> tuple[int, str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **env}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=full_env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(stdin.encode()), 120)
    return proc.returncode or 0, out.decode()


async def test_zalo_commands(tmp_path: Path, database_url: str) -> None:
    key = Fernet.generate_key().decode()
    audit_key = secrets.token_urlsafe(32)
    base = {"DATABASE_URL": database_url, "BOT_DATA_KEY": key, "BOT_AUDIT_KEY": audit_key}
    code, out = await _cli(["zalo", "status"], tmp_path, base)
    assert code == 2
    assert "ZALO_APP_ID" in out
    async with ZaloOAEmulator() as zalo:
        env = {**base, **zalo.environ(), "BOT_PUBLIC_URL": "https://bot.example.vn"}
        code, out = await _cli(["zalo", "status"], tmp_path, env)
        assert code == 1
        assert "connected: no" in out

        code, out = await _cli(["zalo", "connect"], tmp_path, env)
        assert code == 0, out
        assert "https://bot.example.vn/zalo/oauth" in out
        url = out.strip().splitlines()[-1]
        query = parse_qs(urlsplit(url).query)
        assert url.startswith(f"{zalo.base_url}/v4/oa/permission?")
        assert len(query["code_challenge"][0]) == 43
        callback = parse_qs(urlsplit(zalo.approve(url)).query)
        settings = Settings(
            database_url=database_url,
            data_key=key,
            audit_key=audit_key,
            **zalo.settings(),  # type: ignore[arg-type]
        )
        async with open_runtime(settings, SystemClock()) as runtime, httpx.AsyncClient() as http:
            # What the running bot's /zalo/oauth does with the consent this command started.
            await token_store(runtime, http).complete_consent(
                callback["code"][0], callback["state"][0], callback["oa_id"][0]
            )
        code, out = await _cli(["zalo", "status"], tmp_path, env)
        assert code == 0, out
        assert "connected: yes" in out
        assert f"OA id: {zalo.oa_id}" in out
        month = month_of(SystemClock().now(), settings.tz)
        assert f"messages in {month}: reply 0, consultation 0, transaction 0" in out
        async with (
            open_runtime(settings, SystemClock()) as runtime,
            runtime.sessions.begin() as session,
        ):
            for message_class in (MessageClass.REPLY, MessageClass.TRANSACTION):
                await record_sent(
                    session,
                    policy=WindowPolicy(),
                    channel="zalo_oa",
                    user_id="1",
                    message_class=message_class,
                    now=SystemClock().now(),
                    tz=settings.tz,
                )
        code, out = await _cli(["zalo", "status"], tmp_path, env)
        assert f"messages in {month}: reply 1, consultation 0, transaction 1" in out
        assert f"estimated cost in {month}: 165 VND" in out

        code, out = await _cli(["zalo", "token", "--refresh-token", "-"], tmp_path, env, "")
        assert code == 2
        code, out = await _cli(
            ["zalo", "token", "--refresh-token", "-"], tmp_path, env, zalo.grant() + "\n"
        )
        assert code == 0, out
        assert "Zalo token stored" in out
        code, out = await _cli(["zalo", "token", "--refresh-token", "burned"], tmp_path, env)
        assert code == 2
        assert "did not accept" in out


async def test_a_taken_port_stops_the_bot_with_one_line(tmp_path: Path, database_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with ZaloOAEmulator() as zalo:
            env = {
                "DATABASE_URL": database_url,
                "BOT_DATA_KEY": Fernet.generate_key().decode(),
                "BOT_HTTP_PORT": str(port),
                **zalo.environ(),
            }
            code, out = await _cli(["run"], tmp_path, env)
    assert code == 2
    assert out.strip().splitlines()[-1] == (
        f"error: cannot listen on 127.0.0.1:{port} (set BOT_HTTP_HOST / BOT_HTTP_PORT)"
    )
    assert "SystemExit" not in out
