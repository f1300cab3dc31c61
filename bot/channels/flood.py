"""Flood control: never send faster than the channel allows, and back off when told to."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]

# Summing 1/30 thirty times lands a hair under one second; keep every window strictly inside.
_MARGIN = 1e-10
# Telegram's sliding windows, a millisecond longer for clock reading differences.
_WINDOW = 1.0 + 1e-3


@dataclass(frozen=True, slots=True)
class Limits:
    """How fast one channel may send."""

    overall_per_second: float = 30.0
    per_private_chat_interval: float = 1.0
    per_group_interval: float = 3.0  # 20 messages a minute
    # Sends go 5% further apart than the limits: bursts are spread out, with a margin.
    safety: float = 0.05

    @property
    def overall_interval(self) -> float:
        """Seconds between two sends, whatever the chat."""
        return (1.0 + self.safety) / self.overall_per_second


Ticket = list[float]
"""One send's place in the windows: the moment it is counted from (see ``FloodControl.sent``)."""


class FloodControl:
    """Lets a message go only when every limit holds, counting sends from when they went.

    Telegram counts a message when it arrives. Each send gets a place on an even grid
    (``Limits.overall_interval`` apart), so a burst is spread out and a send woken late may
    catch up; but before it goes it must also fit the windows, where a send is counted from
    the moment it leaves and again from the moment it is answered (``sent``): it arrived in
    between, so catching up never lands more than the limit less one in any second, nor two
    messages to one chat within a second.
    """

    def __init__(
        self,
        limits: Limits = Limits(),
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0
        self._next_slot = 0.0
        self._window: deque[Ticket] = deque()
        self._chats: dict[int | str, Ticket] = {}

    async def acquire(self, chat_id: int | str | None) -> Ticket:
        """Wait until a message to ``chat_id`` (``None``: not chat-bound) may go out."""
        now = self._clock()
        slot = max(now, self._next_slot, self._chat_ready(chat_id))
        self._next_slot = slot + self.limits.overall_interval + _MARGIN
        while (wait := max(slot - now, self._wait(chat_id, now))) > 0:
            await self._sleep(wait)
            now = self._clock()
        ticket = [now]
        self._window.append(ticket)
        if chat_id is not None:
            self._chats[chat_id] = ticket
            if len(self._chats) > 10_000:
                self._forget_idle(now)
        return ticket

    def sent(self, ticket: Ticket) -> None:
        """The send of ``ticket`` was answered: count it from now on."""
        ticket[0] = max(ticket[0], self._clock())

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (the channel said we went too fast)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _chat_ready(self, chat_id: int | str | None) -> float:
        if chat_id is None or (last := self._chats.get(chat_id)) is None:
            return 0.0
        return last[0] + self._chat_interval(chat_id) + _MARGIN

    def _wait(self, chat_id: int | str | None, now: float) -> float:
        waits = [self._paused_until - now, self._chat_ready(chat_id) - now]
        window = self._window
        while window and window[0][0] <= now - _WINDOW:
            window.popleft()
        recent = sorted(t for (t,) in window if t > now - _WINDOW)
        room = max(1, math.ceil(self.limits.overall_per_second) - 1)
        if len(recent) >= room:
            waits.append(recent[len(recent) - room] + _WINDOW - now)
        return max(waits)

    def _chat_interval(self, chat_id: int | str) -> float:
        is_group = isinstance(chat_id, str) or chat_id < 0
        base = self.limits.per_group_interval if is_group else self.limits.per_private_chat_interval
        return base * (1.0 + self.limits.safety)

    def _forget_idle(self, now: float) -> None:
        self._chats = {
            c: t for c, t in self._chats.items() if t[0] + self._chat_interval(c) + _MARGIN > now
        }
