"""The bot's Prometheus metrics, and the one-line hooks the rest of the bot calls.

Counters and histograms move as things happen (updates handled, sweeps run); the outbox and
case gauges are read from the database when ``/metrics`` is scraped, so every worker process
reports the same truth.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Concatenate, Final, ParamSpec, Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
REGISTRY: Final = CollectorRegistry(auto_describe=True)

UPDATES: Final = Counter(
    "bot_updates_handled", "Updates handled, by channel.", ["channel"], registry=REGISTRY
)
UPDATE_SECONDS: Final = Histogram(
    "bot_update_seconds", "Time to handle one update, by channel.", ["channel"], registry=REGISTRY
)
WEBHOOK_SECONDS: Final = Histogram(
    "bot_webhook_seconds",
    "Time to store and acknowledge one webhook call, by channel.",
    ["channel"],
    registry=REGISTRY,
)
SWEEP_SECONDS: Final = Histogram(
    "bot_outbox_sweep_seconds", "Duration of one outbox sweep.", registry=REGISTRY
)
LAST_SWEEP: Final = Gauge(
    "bot_outbox_last_sweep_timestamp_seconds",
    "When the last outbox sweep of this process finished (Unix time).",
    registry=REGISTRY,
)
OUTBOX: Final = Gauge(
    "bot_outbox_rows",
    "Outbox rows by channel and state (due now, sent, failed, retried).",
    ["channel", "state"],
    registry=REGISTRY,
)
CASES_OPEN: Final = Gauge(
    "bot_cases_open", "Open feedback cases by status.", ["status"], registry=REGISTRY
)

_last_sweep: datetime | None = None


class _HasChannel(Protocol):
    @property
    def channel(self) -> str: ...


R = TypeVar("R")
P = ParamSpec("P")
S = TypeVar("S")
In = TypeVar("In", bound=_HasChannel)


def observe_update(channel: str, seconds: float) -> None:
    """Count one handled update of ``channel`` and how long it took."""
    UPDATES.labels(channel).inc()
    UPDATE_SECONDS.labels(channel).observe(seconds)


def observe_webhook(channel: str, seconds: float) -> None:
    """Record how long one webhook call of ``channel`` took to be stored and acknowledged."""
    WEBHOOK_SECONDS.labels(channel).observe(seconds)


def observe_sweep(seconds: float, finished: datetime) -> None:
    """Record one outbox sweep's duration and when it finished."""
    global _last_sweep
    SWEEP_SECONDS.observe(seconds)
    LAST_SWEEP.set(finished.timestamp())
    _last_sweep = finished


def last_sweep() -> datetime | None:
    """When this process last finished an outbox sweep."""
    return _last_sweep


def timed_updates(
    handle: Callable[Concatenate[S, In, P], Awaitable[R]],
) -> Callable[Concatenate[S, In, P], Awaitable[R]]:
    """Wrap ``Dispatcher.handle`` so every update is counted and timed by its channel."""

    @functools.wraps(handle)
    async def wrapper(self: S, incoming: In, /, *args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        try:
            return await handle(self, incoming, *args, **kwargs)
        finally:
            observe_update(incoming.channel, time.perf_counter() - started)

    return wrapper


def timed_sweep(sweep: Callable[[S], Awaitable[R]]) -> Callable[[S], Awaitable[R]]:
    """Wrap ``Sweeper.sweep`` so every sweep's duration and end are recorded."""

    @functools.wraps(sweep)
    async def wrapper(self: S) -> R:
        started = time.perf_counter()
        try:
            return await sweep(self)
        finally:
            observe_sweep(time.perf_counter() - started, datetime.now(UTC))

    return wrapper


def set_outbox(rows: Iterable[tuple[str, str, int]]) -> None:
    """Replace the outbox gauges with ``(channel, state, rows)`` read from the database."""
    OUTBOX.clear()
    for channel, state, n in rows:
        OUTBOX.labels(channel, state).set(n)


def set_open_cases(rows: Iterable[tuple[str, int]]) -> None:
    """Replace the open-case gauges with ``(status, cases)`` read from the database."""
    CASES_OPEN.clear()
    for status, n in rows:
        CASES_OPEN.labels(status).set(n)


def exposition() -> bytes:
    """Every metric in the Prometheus text format."""
    return generate_latest(REGISTRY)
