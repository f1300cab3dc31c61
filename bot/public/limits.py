"""Limits on what a visitor or a client may send: lookups per window, body size."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from datetime import datetime, timedelta

from starlette.requests import Request

from bot.clock import Clock
from bot.errors import BotError


class TooMany(BotError):
    """Someone asked more often than the window allows."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class TooLarge(BotError):
    """A request body is larger than the endpoint accepts."""


class SlidingWindow:
    """At most ``limit`` hits per key in any ``window``; old keys are forgotten."""

    def __init__(self, clock: Clock, limit: int, window: timedelta, keys: int = 10_000) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._keys = keys
        self._hits: dict[Hashable, deque[datetime]] = {}

    def hit(self, key: Hashable) -> None:
        """Count one hit of ``key``; raise ``TooMany`` when it is over the limit."""
        now = self._clock.now()
        hits = self._hits.pop(key, None) or deque()
        while hits and now - hits[0] >= self._window:
            hits.popleft()
        self._hits[key] = hits  # re-inserted, so the dict keeps keys in order of last use
        if len(hits) >= self._limit:
            wait = self._window - (now - hits[0])
            raise TooMany(max(1, int(wait.total_seconds()) + 1))
        hits.append(now)
        while len(self._hits) > self._keys:
            del self._hits[next(iter(self._hits))]


def client_key(request: Request) -> str:
    """Who is asking: the connecting address (the bot's own server, not a proxy header)."""
    return request.client.host if request.client else "unknown"


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with ``TooLarge`` as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)
