"""The Zalo OA webhook under a steady load, through the real ``python -m bot run``.

The bot runs as its own process with the Zalo OA channel (the OA emulator of
``tests/support/zalo_oa.py`` in this process, connected) and Telegram in webhook mode (the
Bot API emulator). This process posts signed ``user_send_text`` events (``/help`` from many
people) at a fixed rate, open loop, and measures each one's time to the 200; then waits until
the bot has handled and answered every stored event (the inbox rows are done). The same is
done with Telegram updates posted to ``/telegram``. The baseline, measured in the same run at
the same rate, is a bare Starlette endpoint on uvicorn in a process of its own that reads the
body and answers 200. CPU is the process's user + system time over a phase (psutil).

    .venv/bin/python -m bench.zalo_webhook [--quick] [--rate 200] [--seconds 60]
                                         [--telegram-seconds 20] [--users 1000]
                                         [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import psutil
from aiohttp import ClientSession, ClientTimeout, TCPConnector
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench._support import BOT_USERNAME, REPO_ROOT, TOKEN, emit, log, rounded, setup_logging
from bot.channels.zalo_oa.channel import token_store
from bot.clock import SystemClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import InboxEvent, InboxStatus
from tests.support.botapi import BotApiEmulator
from tests.support.running import free_port
from tests.support.zalo_oa import ZaloOAEmulator

READY_TIMEOUT: Final = 90.0
DRAIN_TIMEOUT: Final = 3600.0
GOAL_P99_MS: Final = 100.0
# rate a second, Zalo seconds, Telegram seconds, distinct senders
FULL: Final = (200.0, 60.0, 20.0, 1000)
QUICK: Final = (40.0, 1.0, 1.0, 10)

Request = tuple[bytes, dict[str, str]]


class BenchError(RuntimeError):
    """The bot or the baseline did not come up, or did not handle every event."""


@dataclass(frozen=True, slots=True)
class Load:
    """What one open-loop load phase saw from the client side."""

    sent: int
    statuses: dict[int, int]
    latencies: list[float]
    started: float
    finished: float

    def percentile_ms(self, share: float) -> float:
        """The latency below which ``share`` of the answers came, in milliseconds."""
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
        return ordered[index] * 1000


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _tree_cpu(process: psutil.Process) -> float:
    """CPU seconds of ``process`` and its children (the bot's inbox worker processes)."""
    total = _cpu(process)
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += _cpu(child)
    return total


async def _post_all(url: str, requests: Sequence[Request], rate: float) -> Load:
    """Post ``requests`` at ``rate`` a second on a fixed schedule, whatever the answers take.

    This process's own garbage collections are held off while it posts: a full one (0.3–0.8
    s here, with the emulators' records in the heap) would add its pause to every post in
    flight, the bot's and the baseline's alike.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        return await _post_all_now(url, requests, rate)
    finally:
        gc.enable()
        gc.unfreeze()


async def _post_all_now(url: str, requests: Sequence[Request], rate: float) -> Load:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    connector = TCPConnector(limit=256)
    async with ClientSession(connector=connector, timeout=ClientTimeout(total=30)) as http:

        async def one(body: bytes, headers: dict[str, str]) -> None:
            began = time.perf_counter()
            try:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, OSError):
                status = 0
            latencies.append(time.perf_counter() - began)
            statuses[status] += 1

        loop = asyncio.get_running_loop()
        start = loop.time()
        started = time.perf_counter()
        tasks = []
        for index, (body, headers) in enumerate(requests):
            delay = start + index / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body, headers)))
        await asyncio.gather(*tasks)
        finished = time.perf_counter()
    return Load(len(requests), dict(statuses), latencies, started, finished)


async def _until(check: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise BenchError(what)
        await asyncio.sleep(0.1)


# -- the baseline ----------------------------------------------------------------------------


def serve_baseline(port: int) -> None:
    """A bare Starlette endpoint on uvicorn: read the body, answer 200 (the baseline)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import Response
    from starlette.routing import Route

    async def ok(request: StarletteRequest) -> Response:
        await request.body()
        return Response(status_code=200)

    app = Starlette(routes=[Route("/", ok, methods=["POST"])])
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
    )


async def _baseline(requests: Sequence[Request], rate: float) -> tuple[Load, float]:
    """The baseline's load and its CPU seconds over the phase."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.zalo_webhook",
        "--serve-baseline",
        str(port),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:

        async def up() -> bool:
            try:
                async with httpx.AsyncClient() as http:
                    return (await http.post(url, content=b"{}")).status_code == 200
            except httpx.HTTPError:
                return False

        await _until(up, READY_TIMEOUT, "the baseline server did not start")
        watched = psutil.Process(process.pid)
        cpu_before = _cpu(watched)
        load = await _post_all(url, requests, rate)
        return load, _cpu(watched) - cpu_before
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


# -- the bot ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Bot:
    """The bot process and what the bench needs to drive and watch it."""

    process: asyncio.subprocess.Process
    port: int
    secret: str
    database_url: str

    @property
    def watched(self) -> psutil.Process:
        return psutil.Process(self.process.pid)


async def _done(database_url: str, channel: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(
                select(func.count())
                .select_from(InboxEvent)
                .where(InboxEvent.channel == channel, InboxEvent.status == InboxStatus.DONE)
            )
            return int(count or 0)
    finally:
        await engine.dispose()


async def _phase(
    bot: _Bot, path: str, channel: str, requests: Sequence[Request], rate: float
) -> tuple[Load, float, float]:
    """Post at ``rate``, then wait until every stored event is handled.

    Returns the load, the bot's CPU seconds from the first post until the last event was
    done, and that span in seconds.
    """
    before = await _done(bot.database_url, channel)
    cpu_before = _tree_cpu(bot.watched)
    load = await _post_all(f"http://127.0.0.1:{bot.port}{path}", requests, rate)
    accepted = load.statuses.get(200, 0)

    async def drained() -> bool:
        return await _done(bot.database_url, channel) >= before + accepted

    await _until(drained, DRAIN_TIMEOUT, f"the bot did not handle every {channel} event")
    span = time.perf_counter() - load.started
    return load, _tree_cpu(bot.watched) - cpu_before, span


def _zalo_requests(zalo: ZaloOAEmulator, users: int, count: int) -> list[Request]:
    people = [zalo.user(f"Người {n}") for n in range(users)]
    return [zalo.signed(people[i % users].text_event("/help")) for i in range(count)]


def _telegram_requests(emu: BotApiEmulator, users: int, count: int, secret: str) -> list[Request]:
    import json

    ids = [7_000_000 + n for n in range(users)]
    for user_id in ids:
        emu.user(user_id, f"Người {user_id}", language_code="vi")
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    requests = []
    for index in range(count):
        user_id = ids[index % users]
        update = {
            "update_id": 1_000_000 + index,
            "message": {
                "message_id": index + 1,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "Người"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        requests.append((json.dumps(update).encode(), headers))
    return requests


async def _start_bot(
    zalo: ZaloOAEmulator,
    emu: BotApiEmulator,
    database_url: str,
    workdir: Path,
    workers: int | None,
) -> _Bot:
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
    secret = secrets.token_urlsafe(32)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": database_url,
        "BOT_DATA_KEY": key,
        "BOT_AUDIT_KEY": audit_key,
        "BOT_HTTP_PORT": str(port),
        "BOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": emu.base_url,
        "TELEGRAM_FILE_BASE_URL": emu.base_file_url,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_SECRET": secret,
        **({} if workers is None else {"BOT_INBOX_WORKERS": str(workers)}),
        **zalo.environ(),
    }
    log_file = (workdir / "bot.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=workdir,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log_file,
        stderr=log_file,
    )
    log_file.close()
    bot = _Bot(process, port, secret, database_url)
    zalo.webhook_url = f"http://127.0.0.1:{port}/zalo/webhook"

    async def ready() -> bool:
        if process.returncode is not None:
            raise BenchError("the bot stopped: see " + str(workdir / "bot.log"))
        if not emu.webhook_url:
            return False
        try:
            async with httpx.AsyncClient() as http:
                answer = await http.get(f"http://127.0.0.1:{port}/zalo/oauth")
        except httpx.HTTPError:
            return False
        return answer.status_code == 400

    await _until(ready, READY_TIMEOUT, "the bot did not start")
    return bot


async def _stop(bot: _Bot) -> None:
    bot.process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(bot.process.wait(), 30)
    except TimeoutError:
        bot.process.kill()
        await bot.process.wait()


def _ratio(value: float, base: float) -> float:
    return rounded(value / base, 2) if base > 0 else 0.0


async def measure(
    rate: float,
    seconds: float,
    telegram_seconds: float,
    users: int,
    database_url: str | None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Run the three phases and return the figures."""
    zalo_count = max(1, int(rate * seconds))
    tg_count = max(1, int(rate * telegram_seconds))
    with tempfile.TemporaryDirectory(prefix="bench-zalo-") as tmp:
        workdir = Path(tmp)
        url = database_url or f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}"
        async with (
            ZaloOAEmulator() as zalo,
            BotApiEmulator(token=TOKEN, username=BOT_USERNAME) as emu,
        ):
            zalo_requests = _zalo_requests(zalo, users, zalo_count)
            log.info("baseline: %d posts at %g/s", zalo_count, rate)
            base_load, base_cpu = await _baseline(
                [(body, {"Content-Type": "application/json"}) for body, _ in zalo_requests], rate
            )
            bot = await _start_bot(zalo, emu, url, workdir, workers)
            try:
                log.info("zalo: %d events at %g/s", zalo_count, rate)
                zalo_load, zalo_cpu, zalo_span = await _phase(
                    bot, "/zalo/webhook", "zalo_oa", zalo_requests, rate
                )
                tg_requests = _telegram_requests(emu, users, tg_count, bot.secret)
                log.info("telegram: %d updates at %g/s", tg_count, rate)
                tg_load, tg_cpu, tg_span = await _phase(
                    bot, "/telegram", "telegram", tg_requests, rate
                )
            finally:
                await _stop(bot)
    zalo_ok = zalo_load.statuses.get(200, 0)
    tg_ok = tg_load.statuses.get(200, 0)
    base_cpu_ms = base_cpu * 1000 / base_load.sent
    zalo_cpu_ms = zalo_cpu * 1000 / max(zalo_ok, 1)
    tg_cpu_ms = tg_cpu * 1000 / max(tg_ok, 1)
    zalo_p50, zalo_p99 = zalo_load.percentile_ms(0.5), zalo_load.percentile_ms(0.99)
    base_p50, base_p99 = base_load.percentile_ms(0.5), base_load.percentile_ms(0.99)
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "users": users,
        "inbox_workers": "default" if workers is None else workers,
        "zalo_events": zalo_load.sent,
        "zalo_answered_200": zalo_ok,
        "zalo_p50_ms": rounded(zalo_p50, 2),
        "zalo_p99_ms": rounded(zalo_p99, 2),
        "zalo_max_ms": rounded(max(zalo_load.latencies) * 1000, 2),
        "zalo_p99_under_100ms": zalo_p99 < GOAL_P99_MS,
        "zalo_processed_per_s": rounded(zalo_ok / zalo_span, 1),
        "zalo_cpu_ms_per_event": rounded(zalo_cpu_ms, 3),
        "tg_updates": tg_load.sent,
        "tg_p50_ms": rounded(tg_load.percentile_ms(0.5), 2),
        "tg_p99_ms": rounded(tg_load.percentile_ms(0.99), 2),
        "tg_processed_per_s": rounded(tg_ok / tg_span, 1),
        "tg_cpu_ms_per_update": rounded(tg_cpu_ms, 3),
        "base_p50_ms": rounded(base_p50, 2),
        "base_p99_ms": rounded(base_p99, 2),
        "base_cpu_ms_per_request": rounded(base_cpu_ms, 3),
        "zalo_p50_over_base": _ratio(zalo_p50, base_p50),
        "zalo_p99_over_base": _ratio(zalo_p99, base_p99),
        "zalo_processed_over_offered": _ratio(zalo_ok / zalo_span, rate),
        "zalo_cpu_over_base": _ratio(zalo_cpu_ms, base_cpu_ms),
        "tg_cpu_over_base": _ratio(tg_cpu_ms, base_cpu_ms),
        "zalo_cpu_over_tg": _ratio(zalo_cpu_ms, tg_cpu_ms),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, print one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.zalo_webhook", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run (seconds)")
    parser.add_argument("--rate", type=float, help="events a second (200; quick: 40)")
    parser.add_argument("--seconds", type=float, help="Zalo phase length (60; quick: 1)")
    parser.add_argument("--telegram-seconds", type=float, help="Telegram phase (20; quick: 1)")
    parser.add_argument("--users", type=int, help="distinct senders (1000; quick: 10)")
    parser.add_argument(
        "--inbox-workers", type=int, help="BOT_INBOX_WORKERS of the bot (default: its own)"
    )
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_baseline:
        serve_baseline(args.serve_baseline)
        return 0
    setup_logging()
    defaults = QUICK if args.quick else FULL
    figures = asyncio.run(
        measure(
            args.rate or defaults[0],
            args.seconds or defaults[1],
            args.telegram_seconds or defaults[2],
            args.users or defaults[3],
            args.database_url,
            args.inbox_workers,
        )
    )
    emit("zalo_webhook", figures)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
