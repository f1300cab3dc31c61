"""Per-key locks: one key's holders in order, other keys at once, nothing left behind."""

from __future__ import annotations

import asyncio

import pytest

from bot.ordering import KeyedLocks

TIMEOUT = 5  # seconds; only reached if the locks deadlock


async def test_same_key_in_order_other_key_concurrently() -> None:
    locks = KeyedLocks()
    log: list[str] = []
    entered = {name: asyncio.Event() for name in ("a1", "a2", "b1")}
    release = {name: asyncio.Event() for name in ("a1", "a2", "b1")}

    async def holder(name: str, key: str) -> None:
        async with locks.hold(key):
            log.append(f"enter {name}")
            entered[name].set()
            await release[name].wait()
            log.append(f"exit {name}")

    a1 = asyncio.create_task(holder("a1", "alice"))
    await asyncio.wait_for(entered["a1"].wait(), TIMEOUT)
    a2 = asyncio.create_task(holder("a2", "alice"))
    b1 = asyncio.create_task(holder("b1", "bob"))
    # b1 gets in while a1 still holds alice's lock; a2 (scheduled before b1) must wait.
    await asyncio.wait_for(entered["b1"].wait(), TIMEOUT)
    assert not entered["a2"].is_set()
    assert len(locks) == 2

    release["b1"].set()
    await asyncio.wait_for(b1, TIMEOUT)
    assert not entered["a2"].is_set()
    assert len(locks) == 1

    release["a1"].set()
    await asyncio.wait_for(entered["a2"].wait(), TIMEOUT)
    assert log.index("exit a1") < log.index("enter a2")
    release["a2"].set()
    await asyncio.wait_for(asyncio.gather(a1, a2), TIMEOUT)

    assert log == ["enter a1", "enter b1", "exit b1", "exit a1", "enter a2", "exit a2"]
    assert len(locks) == 0


async def test_many_waiters_run_one_at_a_time_in_arrival_order() -> None:
    locks = KeyedLocks()
    active = 0
    most = 0
    order: list[int] = []
    gate = asyncio.Event()

    async def holder(n: int) -> None:
        nonlocal active, most
        async with locks.hold(("test", 7)):
            active += 1
            most = max(most, active)
            order.append(n)
            await gate.wait()
            active -= 1

    tasks = [asyncio.create_task(holder(n)) for n in range(10)]
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), TIMEOUT)
    assert most == 1
    assert order == list(range(10))
    assert len(locks) == 0


async def test_cancelled_waiter_leaves_nothing_behind() -> None:
    locks = KeyedLocks()
    holding = asyncio.Event()
    queued = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with locks.hold("k"):
            holding.set()
            await release.wait()

    async def wait_in_line() -> None:
        queued.set()  # runs on, without yielding, into the lock's queue
        async with locks.hold("k"):
            raise AssertionError("the cancelled waiter must never get the lock")

    first = asyncio.create_task(hold())
    await asyncio.wait_for(holding.wait(), TIMEOUT)
    waiter = asyncio.create_task(wait_in_line())
    await asyncio.wait_for(queued.wait(), TIMEOUT)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert len(locks) == 1
    release.set()
    await asyncio.wait_for(first, TIMEOUT)
    assert len(locks) == 0


async def test_error_inside_releases_the_lock() -> None:
    locks = KeyedLocks()
    with pytest.raises(RuntimeError, match="boom"):
        async with locks.hold("k"):
            raise RuntimeError("boom")
    assert len(locks) == 0
    async with locks.hold("k"):
        assert len(locks) == 1
    assert len(locks) == 0
