"""Waiting on a real ``python -m bot`` process, with its log to show when it does not come."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO

from tests.conftest import REPO_ROOT

WAIT = 30.0


def bot_environ(
    database_url: str, data_key: str, audit_key: str, port: int, **more: str
) -> dict[str, str]:
    """The environment of a ``python -m bot run`` on ``database_url``, serving HTTP on
    ``port``, with this checkout's code; ``more`` adds or overrides settings."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": database_url,
        "BOT_DATA_KEY": data_key,
        "BOT_AUDIT_KEY": audit_key,
        "BOT_HTTP_PORT": str(port),
        "BOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **more,
    }


async def start_bot(env: dict[str, str], cwd: Path, log: IO[bytes]) -> asyncio.subprocess.Process:
    """Start ``python -m bot run`` with its output in ``log``."""
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


def log_tail(log: Path) -> str:
    """The end of a process's log (empty when it wrote none)."""
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


async def until(check: Callable[[], bool | Awaitable[bool]], what: str, log: Path) -> None:
    """Poll ``check`` in real time (real processes are working) until true, or fail with
    ``what`` and the log's tail."""
    deadline = time.monotonic() + WAIT
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}:\n{log_tail(log)}")
        await asyncio.sleep(0.05)
