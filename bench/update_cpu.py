"""CPU per handled ``/help`` update: our bot against a bare python-telegram-bot echo bot.

Both run as their own processes (``python -m bot run`` and ``python -m bench.echo_bot``), each
polling its own Bot API emulator in this process, with the same number of updates in flight
(our bot's: 8 on SQLite, 256 on PostgreSQL). In a round every simulated user sends ``/help``
once and the round ends when every reply has arrived; the CPU time (user + system, from
psutil) the bot's process spent in the round, divided by the users, is its CPU per update.
After a warm-up round (our bot meets the users: their rows are created), the two bots'
rounds are interleaved, 1.1 s apart; medians are reported, and ours over the echo bot's.

    .venv/bin/python -m bench.update_cpu [--quick] [--users N] [--rounds N]
                                         [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, Final

import psutil

from bench._support import BOT_USERNAME, TOKEN, emit, log, median, rounded, setup_logging
from bench.startup import READY_MARK, READY_TIMEOUT, StartupError, bot_env
from tests.support.botapi import BotApiEmulator, SimulatedUser

FIRST_USER_ID: Final = 800_000
ROUND_GAP: Final = 1.1
WAIT_TIMEOUT: Final = 300.0


@asynccontextmanager
async def spawned(
    args: list[str], emu: BotApiEmulator, database_url: str, workdir: Path
) -> AsyncIterator[psutil.Process]:
    """Run ``python ARGS`` against ``emu`` until the block ends; yield it once ready."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=workdir,
        env=bot_env(emu, database_url),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    drain: asyncio.Task[bytes] | None = None
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            while READY_MARK not in (line := (await proc.stderr.readline()).decode()):
                if not line:
                    raise StartupError(f"{args} exited before {READY_MARK}")
        drain = asyncio.create_task(proc.stderr.read())
        yield psutil.Process(proc.pid)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if drain is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await drain


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def one_round(
    emu: BotApiEmulator, users: list[SimulatedUser], process: psutil.Process
) -> float:
    """Every user sends /help; return the bot's CPU seconds until every reply arrived."""
    expected = [len(user.messages()) + 1 for user in users]
    before = _cpu(process)
    for user in users:
        await user.send("/help")
    await asyncio.gather(
        *(emu.wait_for(u.chat_id, n, WAIT_TIMEOUT) for u, n in zip(users, expected, strict=True))
    )
    return _cpu(process) - before


async def measure(users: int, rounds: int, database_url: str | None) -> dict[str, Any]:
    """Start both bots, then time their rounds interleaved (ours, echo, ours, …)."""
    postgres = bool(database_url and database_url.startswith("postgresql"))
    concurrency = 256 if postgres else 8
    with tempfile.TemporaryDirectory(prefix="bench-update-cpu-") as tmp:
        workdir = Path(tmp)
        url = database_url or f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}"
        commands = {
            "ours": ["-m", "bot", "run"],
            "echo": ["-m", "bench.echo_bot", "--concurrency", str(concurrency)],
        }
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        warm: dict[str, float] = {}
        async with AsyncExitStack() as stack:
            bots: dict[str, tuple[BotApiEmulator, list[SimulatedUser], psutil.Process]] = {}
            for name, args in commands.items():
                emu = await stack.enter_async_context(
                    BotApiEmulator(token=TOKEN, username=BOT_USERNAME)
                )
                people = [
                    emu.user(FIRST_USER_ID + i, f"Người dùng {i}", language_code="vi")
                    for i in range(users)
                ]
                process = await stack.enter_async_context(spawned(args, emu, url, workdir))
                bots[name] = (emu, people, process)
            for name, (emu, people, process) in bots.items():
                warm[name] = await one_round(emu, people, process) / users
            for _ in range(rounds):
                for name, (emu, people, process) in bots.items():
                    await asyncio.sleep(ROUND_GAP)
                    started = time.perf_counter()
                    cpu[name].append(await one_round(emu, people, process) / users)
                    log.info(
                        "%s: %.3f ms CPU per update (round %.2f s)",
                        name,
                        1000 * cpu[name][-1],
                        time.perf_counter() - started,
                    )
    ours, echo = median(cpu["ours"]), median(cpu["echo"])
    return {
        "users": users,
        "rounds": rounds,
        "database": "postgresql" if postgres else "sqlite",
        "concurrency": concurrency,
        "ours_cpu_ms_per_update": rounded(1000 * ours, 3),
        "ours_first_contact_cpu_ms_per_update": rounded(1000 * warm["ours"], 3),
        "echo_cpu_ms_per_update": rounded(1000 * echo, 3),
        # CPU time is counted in clock ticks: a tiny run may see none for the echo bot.
        "ours_over_echo": rounded(ours / echo, 2) if echo > 0 else None,
        "goal": "<= 1.5",
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.update_cpu", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20 users, 3 timed rounds")
    parser.add_argument("--users", type=int, help="simulated users (default 100)")
    parser.add_argument("--rounds", type=int, help="timed rounds of each bot (default 5)")
    parser.add_argument("--database-url", help="e.g. postgresql+asyncpg://... (default: SQLite)")
    args = parser.parse_args(argv)
    setup_logging()
    users = args.users or (20 if args.quick else 100)
    rounds = args.rounds or (3 if args.quick else 5)
    emit("update_cpu", asyncio.run(measure(users, rounds, args.database_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
