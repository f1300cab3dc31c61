"""Running every configured channel at once, with the one HTTP server they share."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Callable, Coroutine, Sequence
from functools import partial
from typing import Any

from starlette.routing import BaseRoute
from telegram.ext import BaseRateLimiter

from bot.http.app import build_app
from bot.http.server import serve
from bot.inbox.duties import BOTH, HANDLE, RECEIVE, Duties
from bot.inbox.processes import supervise, worker_command
from bot.runtime import Runtime

log = logging.getLogger(__name__)

Part = Coroutine[Any, Any, None]


async def run_bot(runtime: Runtime, stop: asyncio.Event, workers: int) -> None:
    """Serve every channel; with ``workers``, handle their events in that many processes.

    The workers start once the HTTP server listens (a taken port starts none) and stop
    after it.
    """
    ready = asyncio.Event()
    duties = RECEIVE if workers else BOTH
    serving = asyncio.create_task(run_channels(runtime, stop, ready=ready, duties=duties))
    started = asyncio.create_task(ready.wait())
    await asyncio.wait({serving, started}, return_when=asyncio.FIRST_COMPLETED)
    if not ready.is_set():
        started.cancel()
        await serving
        return
    freeze_heap()
    if workers == 0:
        await serving
        return
    handling = asyncio.create_task(supervise(workers, stop, partial(worker_command, os.getpid())))
    try:
        await serving
    finally:
        stop.set()
        await handling


def freeze_heap() -> None:
    """Keep what startup made (modules, settings, routes) out of every later collection.

    A full collection of a started bot's heap stops its event loop for ~0.1–0.3 s; frozen,
    collections only look at objects made since.
    """
    gc.collect()
    gc.freeze()


def has_channels(runtime: Runtime) -> bool:
    """Whether any networked channel is configured (else the bot is the console chat)."""
    return runtime.settings.networked


async def run_channels(
    runtime: Runtime,
    stop: asyncio.Event,
    *,
    ready: asyncio.Event | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    telegram_limiter: BaseRateLimiter[Any] | None = None,
    duties: Duties = BOTH,
) -> None:
    """Serve HTTP and every configured channel until ``stop`` is set or one of them fails.

    With ``duties`` that leave handling out, events are only stored here: inbox worker
    processes (``run_handlers``) handle them.
    """
    settings = runtime.settings
    parts: list[tuple[str, Part, asyncio.Event]] = []
    http_ready = asyncio.Event()
    app = build_app(runtime, extra_routes)
    parts.append(
        ("http", serve(app, settings.http_host, settings.http_port, stop, http_ready), http_ready)
    )
    parts += _channels(runtime, stop, telegram_limiter, duties)
    # The server binds first: a taken port stops the bot before any channel or job has
    # opened a connection (cancelling those half-way can leave a database thread hanging).
    (http_name, http_coro, _), rest = parts[0], parts[1:]
    http_task = asyncio.create_task(http_coro, name=http_name)
    bound = asyncio.create_task(http_ready.wait())
    await asyncio.wait({http_task, bound}, return_when=asyncio.FIRST_COMPLETED)
    if http_task.done():
        bound.cancel()
        stop.set()
        for _, coro, _ in rest:
            coro.close()
        http_task.result()
        raise RuntimeError("the HTTP server stopped while starting")
    tasks = {http_task: http_ready}
    tasks |= {asyncio.create_task(coro, name=name): event for name, coro, event in rest}
    await _run_parts(tasks, stop, ready)


async def run_handlers(
    runtime: Runtime, stop: asyncio.Event, *, ready: asyncio.Event | None = None
) -> None:
    """Handle every configured channel's stored events until ``stop`` is set (no HTTP)."""
    parts = _channels(runtime, stop, None, HANDLE)
    tasks = {asyncio.create_task(coro, name=name): event for name, coro, event in parts}

    def started() -> None:
        log.info("ready: inbox worker (pid %d)", os.getpid())
        freeze_heap()

    await _run_parts(tasks, stop, ready, started)


async def _run_parts(
    tasks: dict[asyncio.Task[None], asyncio.Event],
    stop: asyncio.Event,
    ready: asyncio.Event | None,
    started: Callable[[], None] | None = None,
) -> None:
    """Once every part is ready set ``ready`` and call ``started``; then run until ``stop``
    is set or a part ends.

    Every part is stopped and awaited on the way out; the first one's error is raised.
    """
    all_ready = False
    try:
        all_ready = await _until_ready(tasks)
        if all_ready:
            if ready is not None:
                ready.set()
            if started is not None:
                started()
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({*tasks, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
    finally:
        stop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, BaseException):
            log.error("%s stopped with an error", task.get_name())
            raise result
    if not all_ready:
        raise RuntimeError("a channel stopped while starting")


def _channels(
    runtime: Runtime,
    stop: asyncio.Event,
    telegram_limiter: BaseRateLimiter[Any] | None,
    duties: Duties,
) -> list[tuple[str, Part, asyncio.Event]]:
    """Every configured channel, in a fixed order, with the event it sets once ready."""
    settings = runtime.settings
    parts: list[tuple[str, Part, asyncio.Event]] = []
    if settings.telegram_token is not None:
        from bot.channels.telegram_run import run_telegram

        tg_ready = asyncio.Event()
        parts.append(
            ("telegram", run_telegram(runtime, stop, telegram_limiter, tg_ready, duties), tg_ready)
        )
    if settings.zalo_configured:
        from bot.channels.zalo_oa.channel import run_zalo

        zalo_ready = asyncio.Event()
        parts.append(("zalo_oa", run_zalo(runtime, stop, zalo_ready, duties), zalo_ready))
    if settings.zalo_bot_token:
        from bot.channels.zalo_bot.channel import run_zalo_bot

        bot_ready = asyncio.Event()
        parts.append(("zalo_bot", run_zalo_bot(runtime, stop, bot_ready, duties), bot_ready))
    return parts


async def _until_ready(tasks: dict[asyncio.Task[None], asyncio.Event]) -> bool:
    """Wait until every part is ready; ``False`` as soon as one stops instead."""
    waiting: set[asyncio.Task[Any]] = {asyncio.create_task(e.wait()) for e in tasks.values()}
    try:
        while waiting:
            done, _ = await asyncio.wait({*waiting, *tasks}, return_when=asyncio.FIRST_COMPLETED)
            if done & set(tasks):
                return False
            waiting -= done
        return True
    finally:
        for task in waiting:
            task.cancel()
