"""Flood control: never send faster than the channel allows, and back off when told to."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]

# Summing 1/30 thirty times lands a hair under one second; keep every window strictly inside.
_MARGIN = 1e-10


@dataclass(frozen=True, slots=True)
class Limits:
    """How fast one channel may send."""

    overall_per_second: float = 30.0
    per_private_chat_interval: float = 1.0
    per_group_interval: float = 3.0  # 20 messages a minute
    # Requests leave the event loop a little late or early and arrive in bunches; spacing
    # them 5% wider keeps Telegram's sliding windows unbroken without wasting much.
    safety: float = 0.05

    @property
    def overall_interval(self) -> float:
        """Seconds between two sends, whatever the chat."""
        return (1.0 + self.safety) / self.overall_per_second


class FloodControl:
    """Reserves a send slot per message so that every limit holds, spreading bursts out."""

    def __init__(
        self,
        limits: Limits = Limits(),
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._next_overall = 0.0
        self._next_chat: dict[int | str, float] = {}

    async def acquire(self, chat_id: int | str | None) -> None:
        """Wait until a message to ``chat_id`` (``None``: not chat-bound) may go out."""
        now = self._clock()
        slot = max(now, self._next_overall)
        if chat_id is not None:
            slot = max(slot, self._next_chat.get(chat_id, 0.0))
            self._next_chat[chat_id] = slot + self._chat_interval(chat_id) + _MARGIN
        self._next_overall = slot + self.limits.overall_interval + _MARGIN
        if len(self._next_chat) > 10_000:
            self._forget_idle(now)
        if slot > now:
            await self._sleep(slot - now)

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (the channel said we went too fast)."""
        self._next_overall = max(self._next_overall, self._clock() + seconds)

    def _chat_interval(self, chat_id: int | str) -> float:
        is_group = isinstance(chat_id, str) or chat_id < 0
        base = self.limits.per_group_interval if is_group else self.limits.per_private_chat_interval
        return base * (1.0 + self.limits.safety)

    def _forget_idle(self, now: float) -> None:
        self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
