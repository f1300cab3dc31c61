"""Cold start of the real ``python -m bot run`` against the Bot API emulator.

Measures the wall time from spawning the process until it logs ``ready:`` (median of N runs),
on a fresh database (migrations run) and on an existing one, the resident memory after 2 s
idle, and the time a SIGTERM takes to stop it (the exit status must be 0).

    .venv/bin/python -m bench.startup [--quick] [--runs N] [--idle SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench._support import (
    BOT_USERNAME,
    REPO_ROOT,
    TOKEN,
    emit,
    log,
    median,
    rounded,
    rss_bytes,
    setup_logging,
)
from tests.support.botapi import BotApiEmulator
from tests.support.running import free_port

READY_MARK: Final = "ready:"
READY_TIMEOUT: Final = 60.0
STOP_TIMEOUT: Final = 10.0


class StartupError(RuntimeError):
    """The bot did not come up, or did not stop cleanly."""


@dataclass(frozen=True, slots=True)
class RunFigures:
    """One start-to-stop cycle of the bot process."""

    ready_s: float
    shutdown_s: float
    exit_code: int
    idle_rss_bytes: int | None


def bot_env(emu: BotApiEmulator, database_url: str) -> dict[str, str]:
    """The environment of the bot process: the emulator, a database, the repository."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "BOT_")) and k != "DATABASE_URL"
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emu.base_url,
        TELEGRAM_FILE_BASE_URL=emu.base_file_url,
        DATABASE_URL=database_url,
        PYTHONPATH=str(REPO_ROOT),
        BOT_LOG_LEVEL="INFO",
        BOT_HTTP_PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )
    return env


async def _drain(stream: asyncio.StreamReader, tail: deque[str]) -> None:
    while line := await stream.readline():
        tail.append(line.decode(errors="replace").rstrip())


async def run_once(
    emu: BotApiEmulator, database_url: str, workdir: Path, idle: float | None
) -> RunFigures:
    """Spawn the bot, wait for ``ready:``, optionally idle and sample RSS, then SIGTERM it."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=workdir,
        env=bot_env(emu, database_url),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    tail: deque[str] = deque(maxlen=40)
    drain: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            while True:
                raw = await proc.stderr.readline()
                if not raw:
                    await proc.wait()
                    raise StartupError(
                        f"bot exited with {proc.returncode} before ready:\n" + "\n".join(tail)
                    )
                line = raw.decode(errors="replace").rstrip()
                tail.append(line)
                if READY_MARK in line:
                    break
        ready_s = time.perf_counter() - started
        drain = asyncio.create_task(_drain(proc.stderr, tail))
        rss = None
        if idle is not None:
            deadline = time.perf_counter() + idle
            while time.perf_counter() < deadline:  # poll: the process must stay up while idle
                rss = rss_bytes(proc.pid)
                await asyncio.sleep(0.1)
            rss = rss_bytes(proc.pid)
        stop_at = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            raise StartupError(
                f"bot did not exit within {STOP_TIMEOUT:g} s of SIGTERM:\n" + "\n".join(tail)
            ) from None
        shutdown_s = time.perf_counter() - stop_at
        await drain
        if code != 0:
            raise StartupError(f"bot exited with {code} after SIGTERM:\n" + "\n".join(tail))
        return RunFigures(ready_s, shutdown_s, code, rss)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        if drain is not None and not drain.done():
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain


async def measure(runs: int, idle: float) -> dict[str, float | int]:
    """Fresh-database and existing-database starts, idle RSS and shutdown times."""
    fresh: list[RunFigures] = []
    existing: list[RunFigures] = []
    async with BotApiEmulator(token=TOKEN, username=BOT_USERNAME) as emu:
        with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
            root = Path(tmp)
            workdir = root / "cwd"
            workdir.mkdir()
            kept_db = f"sqlite+aiosqlite:///{root / 'existing.sqlite3'}"
            for i in range(runs):
                url = f"sqlite+aiosqlite:///{root / f'fresh-{i}.sqlite3'}"
                fresh.append(await run_once(emu, url, workdir, idle=None))
                log.info("fresh database: ready in %.3f s", fresh[-1].ready_s)
            await run_once(emu, kept_db, workdir, idle=None)  # creates and migrates it
            for _ in range(runs):
                existing.append(await run_once(emu, kept_db, workdir, idle=idle))
                log.info(
                    "existing database: ready in %.3f s, idle RSS %.1f MiB",
                    existing[-1].ready_s,
                    (existing[-1].idle_rss_bytes or 0) / 2**20,
                )
    every = fresh + existing
    rss = [r.idle_rss_bytes for r in existing if r.idle_rss_bytes is not None]
    return {
        "runs": runs,
        "ready_fresh_db_s": rounded(median(r.ready_s for r in fresh)),
        "ready_existing_db_s": rounded(median(r.ready_s for r in existing)),
        "idle_after_s": idle,
        "idle_rss_mib": rounded(median(rss) / 2**20, 1),
        "shutdown_s": rounded(median(r.shutdown_s for r in every)),
        "shutdown_max_s": rounded(max(r.shutdown_s for r in every)),
        "exit_code": max(r.exit_code for r in every),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one run of each kind")
    parser.add_argument("--runs", type=int, help="runs of each kind (default 5, 1 with --quick)")
    parser.add_argument("--idle", type=float, default=2.0, help="idle seconds before RSS")
    args = parser.parse_args(argv)
    setup_logging()
    runs = args.runs or (1 if args.quick else 5)
    emit("startup", asyncio.run(measure(runs, args.idle)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
