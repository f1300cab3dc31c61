"""The page cache: one computation per key while fresh, again once stale."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.public.cache import TtlCache


async def test_concurrent_misses_compute_once_and_stale_values_are_recomputed(
    clock: ManualClock,
) -> None:
    cache = TtlCache(clock, timedelta(minutes=5), size=2)
    calls: list[str] = []

    async def compute() -> str:
        calls.append("x")
        await asyncio.sleep(0.01)
        return f"value {len(calls)}"

    got = await asyncio.gather(*(cache.get("page", compute) for _ in range(20)))
    assert {g.value for g in got} == {"value 1"}
    assert len(calls) == 1
    assert got[0].computed_at == clock.now()
    clock.advance(timedelta(minutes=4, seconds=59))
    assert (await cache.get("page", compute)).value == "value 1"
    clock.advance(timedelta(seconds=1))
    assert (await cache.get("page", compute)).value == "value 2"
    # Bounded: the least recently stored key goes first.
    await cache.get("a", compute)
    await cache.get("b", compute)
    assert (await cache.get("page", compute)).value == "value 5"


async def test_a_failed_computation_keeps_nothing(clock: ManualClock) -> None:
    cache = TtlCache(clock, timedelta(minutes=5))

    async def fail() -> str:
        raise LookupError

    async def succeed() -> str:
        return "found"

    for _ in range(3):
        with pytest.raises(LookupError):
            await cache.get("missing", fail)
    assert (await cache.get("missing", succeed)).value == "found"
    assert cache.size() == 1
