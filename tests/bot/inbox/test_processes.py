"""``python -m bot run`` hands stored events to inbox worker processes and keeps them running.

The real bot process serves the Zalo OA webhook; its workers (``BOT_INBOX_WORKERS``, batch
work for Linux's scheduler, the first one running the scheduled jobs) handle the events. A
worker killed in the middle of an event is replaced, and the event is handled once by
whichever worker takes it after the lease; SIGTERM stops the bot and every worker with
status 0; a worker whose bot is gone stops by itself.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import psutil
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.channels.zalo_oa.channel import token_store
from bot.clock import SystemClock
from bot.inbox.processes import supervise
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import Identity, InboxEvent, InboxStatus
from tests.conftest import REPO_ROOT
from tests.support.processes import bot_environ, log_tail, start_bot, until
from tests.support.running import free_port
from tests.support.zalo_oa import ZaloOAEmulator


def _workers(bot: asyncio.subprocess.Process) -> set[int]:
    """The bot's inbox worker processes (its children running ``inbox-worker``)."""
    found = set()
    for child in psutil.Process(bot.pid).children():
        try:
            if "inbox-worker" in child.cmdline():
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def _batch(workers: set[int]) -> bool:
    """Whether every one of ``workers`` runs as batch work (``SCHED_BATCH``)."""
    try:
        return all(os.sched_getscheduler(pid) == os.SCHED_BATCH for pid in workers)
    except ProcessLookupError:
        return False


async def _events(settings: Settings) -> list[tuple[InboxStatus, str | None]]:
    async with open_runtime(settings, SystemClock()) as runtime, runtime.sessions() as session:
        rows = await session.scalars(select(InboxEvent).order_by(InboxEvent.id))
        return [(row.status, row.claimed_by) for row in rows]


async def _identities(settings: Settings) -> int:
    async with open_runtime(settings, SystemClock()) as runtime, runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Identity)) or 0)


@asynccontextmanager
async def _bot(
    database_url: str, tmp_path: Path, zalo: ZaloOAEmulator, workers: int
) -> AsyncIterator[tuple[asyncio.subprocess.Process, Settings, Path]]:
    """The real ``python -m bot run`` on Zalo with ``workers`` inbox workers, serving."""
    key, audit_key = Fernet.generate_key().decode(), secrets.token_urlsafe(32)
    settings = Settings(
        database_url=database_url,
        data_key=key,
        audit_key=audit_key,
        **zalo.settings(),  # type: ignore[arg-type]
    )
    async with open_runtime(settings, SystemClock()) as runtime, httpx.AsyncClient() as http:
        await token_store(runtime, http).store_refresh_token(zalo.grant())
    port = free_port()
    env = bot_environ(
        database_url,
        key,
        audit_key,
        port,
        BOT_INBOX_LEASE_SECONDS="2",
        BOT_INBOX_WORKERS=str(workers),
        **zalo.environ(),
    )
    zalo.webhook_url = f"http://127.0.0.1:{port}/zalo/webhook"
    log_path = tmp_path / "bot.log"

    async def serving() -> bool:
        try:
            async with httpx.AsyncClient() as http:
                answer = await http.get(f"http://127.0.0.1:{port}/zalo/oauth")
        except httpx.HTTPError:
            return False
        return answer.status_code == 400  # the channel runs (the link lacks its code)

    with log_path.open("ab") as log:
        bot = await start_bot(env, tmp_path, log)
    try:
        await until(serving, "the bot did not start", log_path)
        await until(lambda: len(_workers(bot)) == workers, "workers not started", log_path)
        # Marked as batch work right after asking the kernel to kill them with the bot.
        await until(lambda: _batch(_workers(bot)), "workers not started", log_path)
        yield bot, settings, log_path
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()


async def test_a_killed_worker_is_replaced_and_its_event_is_handled_once(
    database_url: str, tmp_path: Path
) -> None:
    async with ZaloOAEmulator() as zalo, _bot(database_url, tmp_path, zalo, 2) as running:
        bot, settings, log = running
        first = _workers(bot)
        assert sum("--jobs" in psutil.Process(pid).cmdline() for pid in first) == 1
        assert _batch(first)
        assert os.sched_getscheduler(bot.pid) == os.SCHED_OTHER
        lan = zalo.user("Lan")
        zalo.detail_latency = 60.0  # handling hangs on Zalo's profile call
        assert await lan.send("/whoami") == 200
        await until(lambda: "user/detail" in zalo.calls, "not handling", log)
        [(status, holder)] = await _events(settings)
        assert status is InboxStatus.PENDING
        assert holder is not None
        busy = int(holder.split(":")[1])  # the claim names the worker's pid
        assert busy in first

        zalo.detail_latency = 0.0
        os.kill(busy, signal.SIGKILL)
        await until(
            lambda: len(_workers(bot)) == 2 and busy not in _workers(bot),
            "the killed worker was not replaced",
            log,
        )
        await until(lambda: len(lan.messages()) >= 1, "the event was not handled", log)

        async def closed() -> bool:
            [(status, _)] = await _events(settings)
            return status is InboxStatus.DONE

        await until(closed, "the event is not closed", log)
        await asyncio.sleep(1.0)  # a second handling would have answered by now
        [answer] = lan.messages()
        assert (answer.text or "").startswith("Bạn là Lan.")
        assert await _identities(settings) == 1

        workers = [psutil.Process(pid) for pid in _workers(bot)]
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 25)
        assert bot.returncode == 0, log_tail(log)
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert alive == []


async def test_events_stored_while_every_worker_is_down_are_handled_by_the_next_one(
    database_url: str, tmp_path: Path
) -> None:
    async with ZaloOAEmulator() as zalo, _bot(database_url, tmp_path, zalo, 1) as running:
        bot, settings, log = running
        [worker] = _workers(bot)
        # Stopped once idle: a worker stopped inside a write (its start-up jobs) would hold
        # SQLite's write lock, and every store with it.
        await until(_idle(worker), "the worker never went idle", log)
        os.kill(worker, signal.SIGSTOP)  # handles nothing, as if stuck
        people = [zalo.user(f"Người {n}") for n in range(3)]
        for person in people:
            assert await person.send("/whoami") == 200
        assert [status for status, _ in await _events(settings)] == [InboxStatus.PENDING] * 3
        os.kill(worker, signal.SIGKILL)
        await until(lambda: _workers(bot) - {worker} != set(), "no new worker", log)

        def answered() -> bool:
            return all(len(person.messages()) == 1 for person in people)

        await until(answered, "not every event was answered once", log)
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 25)
        assert bot.returncode == 0


async def test_workers_of_a_killed_bot_stop_with_it(database_url: str, tmp_path: Path) -> None:
    async with ZaloOAEmulator() as zalo, _bot(database_url, tmp_path, zalo, 2) as running:
        bot, _, log = running
        workers = [psutil.Process(pid) for pid in _workers(bot)]
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        await until(lambda: all(_ended(w) for w in workers), "a worker outlived the bot", log)


def _idle(pid: int) -> Callable[[], bool]:
    """A check that is true once the process used under 20 ms of CPU over a second."""
    process = psutil.Process(pid)

    def used() -> float:
        times = process.cpu_times()
        return float(times.user + times.system)

    mark = [used(), time.monotonic()]

    def idle() -> bool:
        if time.monotonic() - mark[1] < 1.0:
            return False
        spent = used() - mark[0]
        mark[:] = [used(), time.monotonic()]
        return spent < 0.02

    return idle


def _ended(process: psutil.Process) -> bool:
    """Gone, or a zombie: the killed bot cannot reap its workers, and whoever adopts them
    (PID 1 of a container, a subreaper) may not either."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_a_worker_started_for_a_bot_that_is_gone_does_nothing(tmp_path: Path) -> None:
    gone = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await gone.wait()
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "inbox-worker",
        "--parent",
        str(gone.pid),
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert await asyncio.wait_for(worker.wait(), 20) == 0
    assert not (tmp_path / "data").exists()  # it opened no database


async def test_supervise_replaces_a_worker_that_exits_and_stops_the_rest(
    tmp_path: Path,
) -> None:
    starts = tmp_path / "starts"
    script = (
        "import os, sys, time; "
        f"open({str(starts)!r}, 'a').write(str(os.getpid()) + chr(10)); "
        "time.sleep(60)"
    )
    stop = asyncio.Event()
    task = asyncio.create_task(supervise(2, stop, lambda _: [sys.executable, "-c", script]))

    def started() -> list[int]:
        return [int(line) for line in starts.read_text().split()] if starts.exists() else []

    await until(lambda: len(started()) == 2, "two workers not started", tmp_path / "none")
    victim = started()[0]
    os.kill(victim, signal.SIGKILL)
    await until(lambda: len(started()) == 3, "the worker was not replaced", tmp_path / "none")
    running = [psutil.Process(pid) for pid in started()[1:]]
    stop.set()
    await asyncio.wait_for(task, 30)
    assert not any(process.is_running() for process in running)
