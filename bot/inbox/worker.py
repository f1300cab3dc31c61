"""The inbox worker: takes stored events in per-person order, handles each once, answers.

An event goes PENDING → HANDLED → DONE. Its changes and the HANDLED mark (with the replies
to send) commit in one transaction, so a crash before it leaves the event to be handled
again from scratch, and a crash after it only sends the stored replies again: every event
is handled exactly once and nothing a person sent is lost.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Final, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import TemporaryFailure, Unreachable
from bot.clock import Clock
from bot.crypto import Sealer
from bot.errors import BotError
from bot.inbox import collector
from bot.inbox.codec import decode_replies, encode_replies
from bot.messages import Reply
from db.engine import write_eagerly
from db.models import InboxEvent, InboxStatus
from db.queries import inbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 8
GROUP: Final = 500  # events stored in one statement at most (SQLite bounds its parameters)
BACKOFF: Final = timedelta(seconds=5)
MAX_BACKOFF: Final = timedelta(minutes=30)

Commit = Callable[[AsyncSession, Sequence[Reply]], Awaitable[None]]


class InboxConflict(BotError):
    """Another worker took over the event while this one was handling it."""


class HoldEvent(BotError):
    """The event must wait for an operator: it is kept, with what it holds, and not retried."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """An event this worker holds, opened."""

    id: int
    sender: str
    kind: str
    payload: str | None
    attempts: int


class Processor(Protocol):
    """The channel's part: what an event means, and how to answer."""

    async def handle(self, event: Claimed, commit: Commit) -> None:
        """Make the event's changes; call ``commit`` inside the transaction that makes them."""
        ...

    async def deliver(self, sender: str, replies: Sequence[Reply]) -> None:
        """Send the replies; raise ``Unreachable`` or ``TemporaryFailure`` on failure."""
        ...


class InboxWorker:
    """Stores one channel's events and works through them."""

    def __init__(
        self,
        *,
        channel: str,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        sealer: Sealer,
        processor: Processor,
        worker: str,
        lease: timedelta,
        batch: int = 16,
        poll_seconds: float = 1.0,
    ) -> None:
        self.channel = channel
        self._sessions = sessions
        self._clock = clock
        self._sealer = sealer
        self._processor = processor
        self._worker = worker
        self._lease = lease
        self._batch = batch
        self._poll = poll_seconds
        self._wakeup = asyncio.Event()
        self._arrived: list[tuple[inbox.Arrived, asyncio.Future[bool]]] = []
        self._storing: asyncio.Task[None] | None = None

    async def accept(self, *, dedupe_key: str, sender: str, kind: str, payload: str) -> bool:
        """Keep an arrived event (committed on return); ``False`` when it is a repeat.

        Events that arrive while a commit is running are committed together in the next one
        (one statement, one transaction): under a flood each webhook call still returns only
        once its own event is stored, without a transaction of its own.
        """
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._arrived.append(
            (
                inbox.Arrived(
                    dedupe_key=dedupe_key,
                    sender=sender,
                    kind=kind,
                    payload_sealed=self._sealer.seal(payload),
                ),
                waiter,
            )
        )
        if self._storing is None or self._storing.done():
            self._storing = asyncio.create_task(self._store_arrived())
        return await waiter

    async def _store_arrived(self) -> None:
        while self._arrived:
            group, self._arrived = self._arrived[:GROUP], self._arrived[GROUP:]
            try:
                stored = await write_eagerly(self._sessions, partial(self._store, group))
            except Exception as exc:
                for _, waiter in group:
                    if not waiter.done():
                        waiter.set_exception(exc)
                continue
            for (_, waiter), new in zip(group, _firsts(group, stored), strict=True):
                if not waiter.done():
                    waiter.set_result(new)
            if stored:
                self._wakeup.set()

    async def _store(
        self,
        group: Sequence[tuple[inbox.Arrived, asyncio.Future[bool]]],
        session: AsyncSession,
    ) -> set[str]:
        events = [event for event, _ in group]
        return await inbox.store_many(
            session, channel=self.channel, events=events, now=self._clock.now()
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, woken by new events and polling for other workers'."""
        while not stop.is_set():
            try:
                taken = await self.run_once()
                collector.between_rounds(taken)
                if taken:
                    continue
            except Exception as exc:
                log.error("inbox round failed on %s: %s", self.channel, _where(exc))
            self._wakeup.clear()
            waits = {asyncio.create_task(self._wakeup.wait()), asyncio.create_task(stop.wait())}
            await asyncio.wait(waits, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
            for task in waits:
                task.cancel()

    async def run_once(self) -> int:
        """Claim a batch (one event per sender) and handle it; return how many were taken."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            rows = await inbox.claim_heads(
                session,
                channel=self.channel,
                worker=self._worker,
                now=now,
                lease=self._lease,
                limit=self._batch,
            )
            taken = [(row, self._open(row)) for row in rows]
        await asyncio.gather(*(self._process(row, claimed) for row, claimed in taken))
        return len(taken)

    def _open(self, row: InboxEvent) -> Claimed:
        payload = None if row.payload_sealed is None else self._sealer.open(row.payload_sealed)
        return Claimed(row.id, row.sender, row.kind, payload, row.attempts)

    async def _process(self, row: InboxEvent, event: Claimed) -> None:
        replies: Sequence[Reply] = []
        try:
            if row.status is InboxStatus.PENDING:
                replies = await self._handle(event)
            elif row.replies_sealed is not None:
                replies = decode_replies(self._sealer.open(row.replies_sealed))
            await self._processor.deliver(event.sender, replies)
        except Unreachable as exc:
            log.info("inbox event %d answered to an unreachable person: %s", event.id, exc.detail)
            await self._finish(event.id, InboxStatus.DONE, "unreachable")
            return
        except TemporaryFailure as exc:
            await self._retry(event, exc.detail)
            return
        except InboxConflict:
            log.warning("inbox event %d was taken over by another worker", event.id)
            return
        except HoldEvent as exc:
            log.warning("inbox event %d (%s) held: %s", event.id, event.kind, exc)
            await self._finish(event.id, InboxStatus.FAILED, f"held: {exc}"[:200])
            return
        except Exception as exc:
            # The type and the place only: an exception's message may quote what a person wrote.
            log.error("inbox event %d (%s) failed: %s", event.id, event.kind, _where(exc))
            await self._retry(event, type(exc).__name__)
            return
        await self._finish(event.id, InboxStatus.DONE, None)

    async def _handle(self, event: Claimed) -> Sequence[Reply]:
        kept: list[Reply] = []

        async def commit(session: AsyncSession, replies: Sequence[Reply]) -> None:
            sealed = self._sealer.seal(encode_replies(replies))
            if not await inbox.mark_handled(session, event.id, self._worker, sealed):
                raise InboxConflict()
            kept[:] = replies

        await self._processor.handle(event, commit)
        return kept

    async def _finish(self, event_id: int, status: InboxStatus, error: str | None) -> None:
        async with self._sessions.begin() as session:
            await inbox.finish(session, event_id, self._clock.now(), status, error)

    async def _retry(self, event: Claimed, detail: str) -> None:
        if event.attempts >= MAX_ATTEMPTS:
            log.error(
                "inbox event %d (%s) given up after %d attempts",
                event.id,
                event.kind,
                event.attempts,
            )
            await self._finish(event.id, InboxStatus.FAILED, detail[:200])
            return
        wait = min(BACKOFF * 2 ** (event.attempts - 1), MAX_BACKOFF)
        async with self._sessions.begin() as session:
            await inbox.postpone(session, event.id, self._clock.now() + wait, detail)


def _firsts(
    group: Sequence[tuple[inbox.Arrived, asyncio.Future[bool]]], stored: set[str]
) -> list[bool]:
    """Which of the group were stored now: the first of each stored key, not its repeats."""
    seen: set[str] = set()
    firsts = []
    for event, _ in group:
        firsts.append(event.dedupe_key in stored and event.dedupe_key not in seen)
        seen.add(event.dedupe_key)
    return firsts


def _where(exc: BaseException) -> str:
    """An exception's type and innermost frame, without its message."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    last = frames[-1]
    return f"{type(exc).__name__} at {last.filename}:{last.lineno} in {last.name}"
