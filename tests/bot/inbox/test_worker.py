"""The inbox: stored once, handled once, each person's events in order, whatever the workers."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.base import TemporaryFailure
from bot.clock import ManualClock
from bot.inbox.worker import Claimed, Commit, HoldEvent, InboxWorker
from bot.messages import Reply
from bot.runtime import Runtime
from db.models import InboxEvent, InboxStatus


class Recorder:
    """A channel's part that records what it handled and delivered, slowly and out of step."""

    runtime: Runtime

    def __init__(self) -> None:
        self.handled: list[tuple[str, str]] = []
        self.delivered: list[tuple[str, str]] = []
        self.fail_delivery: set[str] = set()

    async def handle(self, event: Claimed, commit: Commit) -> None:
        await asyncio.sleep(random.random() / 100)
        text = event.payload or ""
        self.handled.append((event.sender, text))
        if text == "hold":
            raise HoldEvent("waits for an operator")
        if text.startswith("boom"):
            raise ValueError(f"could not store {text!r}")
        async with self.runtime.sessions.begin() as session:
            await commit(session, [Reply(f"got {text}")])

    async def deliver(self, sender: str, replies: Sequence[Reply]) -> None:
        await asyncio.sleep(random.random() / 100)
        text = replies[0].text if replies else ""
        if text in self.fail_delivery:
            self.fail_delivery.discard(text)
            raise TemporaryFailure("try later")
        self.delivered.append((sender, text))


def _worker(runtime: Runtime, recorder: Recorder, name: str) -> InboxWorker:
    recorder.runtime = runtime
    return InboxWorker(
        channel="test",
        sessions=runtime.sessions,
        clock=runtime.clock,
        sealer=runtime.dispatcher.deployment.sealer,
        processor=recorder,
        worker=name,
        lease=timedelta(minutes=1),
        batch=2,
    )


async def _drain(*workers: InboxWorker) -> None:
    while sum(await asyncio.gather(*(w.run_once() for w in workers))):
        pass


async def test_each_person_in_order_each_event_once_with_two_workers(runtime: Runtime) -> None:
    recorder = Recorder()
    first, second = _worker(runtime, recorder, "w1"), _worker(runtime, recorder, "w2")
    sent = [(f"{9_300_000_000_000_000_000 + p}", f"{p}-{n}") for n in range(6) for p in range(4)]
    for sender, text in sent:
        assert await first.accept(dedupe_key=text, sender=sender, kind="text", payload=text)
        # Zalo's retry of the same event is acknowledged and not kept again.
        assert not await second.accept(dedupe_key=text, sender=sender, kind="text", payload=text)
    await _drain(first, second)
    assert sorted(recorder.handled) == sorted(sent)
    for sender in {s for s, _ in sent}:
        mine = [t for s, t in sent if s == sender]
        assert [t for s, t in recorder.handled if s == sender] == mine
        assert [t for s, t in recorder.delivered if s == sender] == [f"got {t}" for t in mine]
    async with runtime.sessions() as session:
        rows = (await session.scalars(select(InboxEvent))).all()
    assert {r.status for r in rows} == {InboxStatus.DONE}
    assert all(r.payload_sealed is None for r in rows)


async def test_a_burst_is_stored_together_each_event_once_in_arrival_order(
    runtime: Runtime,
) -> None:
    recorder = Recorder()
    worker = _worker(runtime, recorder, "w1")
    burst = [(f"{p}", f"{p}-{n}") for n in range(30) for p in range(5)]
    # Zalo's retries arrive in the same burst as the first delivery, and after it.
    calls = [(s, t) for s, t in burst] + [(s, t) for s, t in burst[:10]]
    answers = await asyncio.gather(
        *(worker.accept(dedupe_key=t, sender=s, kind="text", payload=t) for s, t in calls)
    )
    assert answers == [True] * len(burst) + [False] * 10
    async with runtime.sessions() as session:
        rows = (await session.scalars(select(InboxEvent).order_by(InboxEvent.id))).all()
    assert [r.dedupe_key for r in rows] == [t for _, t in burst]
    await _drain(worker)
    for sender in {s for s, _ in burst}:
        assert [t for s, t in recorder.handled if s == sender] == [
            t for s, t in burst if s == sender
        ]


async def test_a_failed_delivery_is_retried_without_handling_again(
    runtime: Runtime, clock: ManualClock
) -> None:
    recorder = Recorder()
    worker = _worker(runtime, recorder, "w1")
    recorder.fail_delivery = {"got a"}
    await worker.accept(dedupe_key="1", sender="1", kind="text", payload="a")
    await worker.accept(dedupe_key="2", sender="1", kind="text", payload="b")
    await _drain(worker)
    assert recorder.handled == [("1", "a")]  # "b" waits behind "a"
    assert recorder.delivered == []
    clock.advance(timedelta(minutes=1))
    await _drain(worker)
    assert recorder.handled == [("1", "a"), ("1", "b")]
    assert recorder.delivered == [("1", "got a"), ("1", "got b")]


async def test_a_held_event_is_kept_for_an_operator(runtime: Runtime) -> None:
    recorder = Recorder()
    worker = _worker(runtime, recorder, "w1")
    await worker.accept(dedupe_key="1", sender="1", kind="user_withdraw", payload="hold")
    await _drain(worker)
    async with runtime.sessions() as session:
        row = await session.scalar(select(InboxEvent))
    assert row is not None
    assert (row.status, row.last_error) == (InboxStatus.FAILED, "held: waits for an operator")
    assert row.payload_sealed is not None
    assert "hold" not in row.payload_sealed  # sealed
    await _drain(worker)
    assert len(recorder.handled) == 1


async def test_a_failing_event_is_retried_and_its_content_never_logged(
    runtime: Runtime, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    worker = _worker(runtime, recorder, "w1")
    await worker.accept(dedupe_key="1", sender="1", kind="text", payload="boom 0912345678")
    await _drain(worker)
    clock.advance(timedelta(hours=1))
    await _drain(worker)
    assert len(recorder.handled) == 2
    assert "ValueError" in caplog.text
    assert "0912345678" not in caplog.text
    async with runtime.sessions() as session:
        row = await session.scalar(select(InboxEvent))
    assert row is not None
    assert (row.status, row.last_error) == (InboxStatus.PENDING, "ValueError")
