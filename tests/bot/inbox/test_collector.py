"""An inbox worker's full collections happen between rounds, never inside a transaction."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.inbox.collector import FULL_AT_LATEST, FULL_EVERY, WARM_AFTER, QuietCollector
from bot.runtime import Runtime


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


async def test_collects_at_a_quiet_moment_once_it_is_due(runtime: Runtime) -> None:
    ticks = Ticks()
    collector = QuietCollector(ticks)
    collector.watch(runtime.engine)
    assert not collector.between_rounds(3)
    ticks.now += FULL_EVERY
    async with runtime.sessions.begin() as session:
        await session.execute(text("SELECT 1"))
        assert collector.open == 1
        assert not collector.between_rounds(0)  # a transaction is open: later
    assert collector.open == 0
    assert collector.between_rounds(0)
    assert collector.collections == 1
    assert not collector.between_rounds(5)  # not again before FULL_EVERY


async def test_a_rolled_back_or_abandoned_transaction_is_not_counted_as_open(
    runtime: Runtime,
) -> None:
    collector = QuietCollector(Ticks())
    collector.watch(runtime.engine)
    async with runtime.sessions() as session:
        await session.execute(text("SELECT 1"))
        await session.rollback()
        assert collector.open == 0
        await session.execute(text("SELECT 1"))
        assert collector.open == 1
    assert collector.open == 0  # closed without a commit


async def test_collects_even_inside_a_transaction_when_it_waited_too_long(
    runtime: Runtime,
) -> None:
    ticks = Ticks()
    collector = QuietCollector(ticks)
    collector.watch(runtime.engine)
    async with runtime.sessions.begin() as session:
        await session.execute(text("SELECT 1"))
        ticks.now += FULL_AT_LATEST - 1
        assert not collector.between_rounds(1)
        ticks.now += 1
        assert collector.between_rounds(1)


def test_the_heap_is_frozen_once_after_the_first_events() -> None:
    ticks = Ticks()
    collector = QuietCollector(ticks)
    ticks.now += FULL_EVERY
    before = gc.get_freeze_count()
    assert collector.between_rounds(WARM_AFTER - 1)
    assert not collector.frozen
    assert gc.get_freeze_count() == before
    ticks.now += FULL_EVERY
    assert collector.between_rounds(1)
    assert collector.frozen
    frozen = gc.get_freeze_count()
    assert frozen > before
    ticks.now += FULL_EVERY
    assert collector.between_rounds(WARM_AFTER)
    assert gc.get_freeze_count() == frozen


def _full_collections_while_the_heap_grows() -> int:
    before = gc.get_stats()[2]["collections"]
    kept: list[list[int]] = [
        [] for _ in range(300_000)
    ]  # containers that survive into the old generation
    assert len(kept) == 300_000
    return int(gc.get_stats()[2]["collections"] - before)


def test_the_interpreter_makes_no_full_collection_by_itself() -> None:
    assert _full_collections_while_the_heap_grows() > 0  # what the interpreter does alone
    young, middle, _ = gc.get_threshold()
    QuietCollector().take_over()
    assert gc.get_threshold()[:2] == (young, middle)
    assert _full_collections_while_the_heap_grows() == 0
