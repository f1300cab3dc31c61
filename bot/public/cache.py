"""A short-lived cache: a page's figures are computed once per key and period, not per visitor."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock


@dataclass(frozen=True, slots=True)
class Cached:
    """A computed value and when it was computed."""

    value: Any
    computed_at: datetime


class TtlCache:
    """Values by key for ``ttl``; concurrent misses of one key wait for a single computation."""

    def __init__(self, clock: Clock, ttl: timedelta, size: int = 512) -> None:
        self._clock = clock
        self._ttl = ttl
        self._size = size
        self._values: OrderedDict[Hashable, Cached] = OrderedDict()
        self._locks: dict[Hashable, asyncio.Lock] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Cached:
        """The fresh value of ``key``, computing it when missing or stale."""
        fresh = self._fresh(key)
        if fresh is not None:
            return fresh
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            fresh = self._fresh(key)
            if fresh is not None:
                return fresh
            try:
                computed = Cached(await compute(), self._clock.now())
            except BaseException:
                self._locks.pop(key, None)  # nothing kept for a key that failed
                raise
            self._values[key] = computed
            self._values.move_to_end(key)
            while len(self._values) > self._size:
                old, _ = self._values.popitem(last=False)
                self._locks.pop(old, None)
        return computed

    def size(self) -> int:
        """How many keys are held (values and computations under way)."""
        return len(self._values.keys() | self._locks.keys())

    def clear(self) -> None:
        """Forget everything (tests and operators changing data by hand)."""
        self._values.clear()

    def _fresh(self, key: Hashable) -> Cached | None:
        found = self._values.get(key)
        if found is None or self._clock.now() - found.computed_at >= self._ttl:
            return None
        return found
