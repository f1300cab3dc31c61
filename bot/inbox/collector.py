"""Full garbage collections in an inbox worker, only while it holds no transaction.

A full (generation 2) collection of a worker's heap stops it for 0.1–0.2 s. Started by the
interpreter it falls anywhere, also inside a transaction that holds SQLite's write lock, and
the webhook's store (whose 200 a person's server waits for) then waits that long. So a worker
keeps the automatic young collections but makes its full collections itself, between rounds
of events, when none of its transactions is open; and once the first events have loaded what
handling needs (translations, cached statements, the channels' clients), it freezes that
heap too, so later full collections walk only what is new.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

FULL_EVERY: Final = 10.0  # seconds between full collections at a quiet moment
FULL_AT_LATEST: Final = 120.0  # then one even inside a transaction: memory stays bounded
WARM_AFTER: Final = 200  # events handled before the heap is frozen (once)
_NEVER: Final = 1_000_000_000


class QuietCollector:
    """Counts the process's open transactions and collects fully only when there are none."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.open = 0
        self.handled = 0
        self.frozen = False
        self.collections = 0
        self._last = clock()

    def watch(self, engine: AsyncEngine) -> None:
        """Count ``engine``'s transactions from their start to their end."""
        sync = engine.sync_engine
        event.listen(sync, "begin", self._began)
        event.listen(sync, "commit", self._ended)
        event.listen(sync, "rollback", self._ended)

    def take_over(self) -> None:
        """Stop the interpreter's own full collections (young ones still run by themselves)."""
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _NEVER)

    def between_rounds(self, handled: int) -> bool:
        """Called when a round of ``handled`` events is over; ``True`` if it collected."""
        self.handled += handled
        waited = self._clock() - self._last
        if waited < FULL_EVERY or (self.open > 0 and waited < FULL_AT_LATEST):
            return False
        began = time.perf_counter()
        gc.collect()
        if not self.frozen and self.handled >= WARM_AFTER:
            gc.freeze()
            self.frozen = True
            log.info("inbox worker heap frozen after %d events", self.handled)
        self.collections += 1
        self._last = self._clock()
        log.debug("full collection: %.1f ms", (time.perf_counter() - began) * 1000)
        return True

    def _began(self, _conn: Any) -> None:
        self.open += 1

    def _ended(self, _conn: Any) -> None:
        self.open = max(0, self.open - 1)


_installed: QuietCollector | None = None


def install(engine: AsyncEngine) -> QuietCollector:
    """Make this process's full collections quiet ones (an inbox worker process, once)."""
    global _installed
    collector = QuietCollector()
    collector.watch(engine)
    collector.take_over()
    _installed = collector
    return collector


def between_rounds(handled: int) -> None:
    """Tell the installed collector (if any) that a round is over."""
    if _installed is not None:
        _installed.between_rounds(handled)
