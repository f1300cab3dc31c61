"""uvicorn serving the bot's Starlette app inside the bot's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

log = logging.getLogger(__name__)


class HttpServerError(RuntimeError):
    """The HTTP server could not start (the port is taken, the host unknown)."""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The bot's loop owns SIGINT/SIGTERM and stops every part in order; uvicorn must not
        # take them over.
        yield


def _bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError:
        raise HttpServerError(f"cannot listen on {host}:{port}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise HttpServerError(f"cannot listen on {host}:{port}") from None
    return sock


async def serve(
    app: Starlette,
    host: str,
    port: int,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
) -> None:
    """Serve ``app`` on ``host:port`` until ``stop`` is set."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    # Bound here, not by uvicorn: uvicorn answers a taken port with sys.exit, which would end
    # the whole bot from inside a task.
    sock = _bind(host, port)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            sock.close()
            with contextlib.suppress(Exception):
                task.result()
            raise HttpServerError(f"cannot serve on {host}:{port}")
        await asyncio.sleep(0.01)
    log.info("HTTP server listening on %s:%d", host, port)
    if ready is not None:
        ready.set()
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    server.should_exit = True
    await task
