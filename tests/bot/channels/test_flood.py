"""Flood control with a fake clock: every channel limit holds, however messages arrive."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence

from bot.channels.flood import FloodControl, Limits

# Slots are computed in floating point; a nanosecond is far below any limit's precision.
EPSILON = 1e-9


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


def most_in_any_window(times: Sequence[float], window: float) -> int:
    """The most of ``times`` that fall in any half-open window ``[t, t + window)``."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, t + window - EPSILON) - i for i, t in enumerate(ordered)),
        default=0,
    )


async def send_all(
    flood: FloodControl, time: FakeTime, chats: Sequence[int | str | None]
) -> list[float]:
    sent = []
    for chat in chats:
        await flood.acquire(chat)
        sent.append(time.now)
    return sent


def make() -> tuple[FloodControl, FakeTime]:
    time = FakeTime()
    return FloodControl(Limits(), clock=time.clock, sleep=time.sleep), time


def test_default_limits_are_telegrams() -> None:
    limits = Limits()
    assert limits.overall_per_second == 30
    assert limits.per_private_chat_interval == 1
    assert 60 / limits.per_group_interval == 20


async def test_first_message_goes_at_once() -> None:
    flood, time = make()
    await flood.acquire(42)
    assert time.sleeps == []
    assert time.now == 1000.0


async def test_never_more_than_30_per_second_overall() -> None:
    flood, time = make()
    sent = await send_all(flood, time, list(range(1, 201)))
    assert 28 <= most_in_any_window(sent, 1.0) <= 30
    assert sent[-1] - sent[0] >= 199 / 30 - EPSILON
    # Not slower than needed: the burst is spread evenly, not in lumps.
    assert sent[-1] - sent[0] <= 200 * Limits().overall_interval


async def test_not_chat_bound_messages_count_overall() -> None:
    flood, time = make()
    sent = await send_all(flood, time, [None] * 100)
    assert 28 <= most_in_any_window(sent, 1.0) <= 30


async def test_never_two_to_one_private_chat_within_a_second() -> None:
    flood, time = make()
    chats: list[int | None] = [7, 8, 7, 7, 9, 8, 7, None, 7, 8, 8, 7]
    sent = await send_all(flood, time, chats)
    for chat in (7, 8, 9):
        times = [t for t, c in zip(sent, chats, strict=True) if c == chat]
        assert all(b - a >= 1.0 - EPSILON for a, b in itertools.pairwise(times))
    assert most_in_any_window(sent, 1.0) <= 30


async def test_other_chats_are_not_held_up_by_a_busy_one() -> None:
    flood, time = make()
    await send_all(flood, time, [7, 7])
    start = time.now
    await flood.acquire(8)
    assert time.now - start <= Limits().overall_interval + EPSILON


async def test_groups_get_20_a_minute() -> None:
    flood, time = make()
    group = -100_123_456_789
    sent = await send_all(flood, time, [group] * 45)
    assert most_in_any_window(sent, 60.0) == 20
    assert all(b - a >= 3.0 - EPSILON for a, b in itertools.pairwise(sent))


async def test_string_chat_ids_are_treated_as_groups() -> None:
    flood, time = make()
    sent = await send_all(flood, time, ["@channel"] * 3)
    assert sent[2] - sent[0] >= 6.0 - EPSILON


async def test_mixed_traffic_keeps_every_limit() -> None:
    flood, time = make()
    groups = [-1, -2]
    chats: list[int | None] = []
    for n in range(300):
        chats.append(groups[n % 2] if n % 5 == 0 else (None if n % 7 == 0 else 1 + n % 13))
    sent = await send_all(flood, time, chats)
    assert most_in_any_window(sent, 1.0) <= 30
    for chat in {c for c in chats if c is not None}:
        times = [t for t, c in zip(sent, chats, strict=True) if c == chat]
        if chat < 0:
            assert most_in_any_window(times, 60.0) <= 20
        else:
            assert most_in_any_window(times, 1.0) <= 1


async def test_pause_holds_every_send() -> None:
    flood, time = make()
    await flood.acquire(1)
    flood.pause(5.0)
    paused_at = time.now
    await flood.acquire(2)
    assert time.now >= paused_at + 5.0 - EPSILON
    await flood.acquire(None)
    assert time.now >= paused_at + 5.0 - EPSILON


async def test_shorter_pause_does_not_cut_a_longer_one() -> None:
    flood, time = make()
    flood.pause(10.0)
    flood.pause(2.0)
    await flood.acquire(1)
    assert time.now >= 1010.0 - EPSILON


async def test_time_passing_frees_the_slots() -> None:
    flood, time = make()
    await send_all(flood, time, [5] * 3)
    time.now += 60.0
    before = len(time.sleeps)
    await flood.acquire(5)
    await flood.acquire(6)
    assert len(time.sleeps) == before + 1  # only the overall spacing for the second
    assert time.sleeps[-1] <= Limits().overall_interval + EPSILON


async def test_many_idle_chats_are_forgotten_without_breaking_limits() -> None:
    flood, time = make()
    await send_all(flood, time, list(range(1, 10_002)))
    time.now += 10.0
    sent = await send_all(flood, time, [1, 1, 2])
    assert sent[1] - sent[0] >= 1.0 - EPSILON


async def test_a_send_answered_late_is_counted_from_its_answer() -> None:
    flood, time = make()
    ticket = await flood.acquire(7)
    time.now += 0.9  # the request left late: Telegram saw it just now
    flood.sent(ticket)
    answered = time.now
    await flood.acquire(7)
    assert time.now >= answered + 1.0


async def test_late_arrivals_never_break_the_limits_and_keep_the_pace() -> None:
    rng = random.Random(11)
    flood, time = make()
    arrivals: list[float] = []
    chats = [1 + n % 40 for n in range(600)]
    for chat in chats:
        ticket = await flood.acquire(chat)
        time.now += rng.choice((0.0, 0.001, 0.004, 0.02, 0.03))  # on the way
        arrivals.append(time.now)
        flood.sent(ticket)
    assert most_in_any_window(arrivals, 1.0) <= 30
    for chat in set(chats):
        times = [t for t, c in zip(arrivals, chats, strict=True) if c == chat]
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    assert len(arrivals) / (arrivals[-1] - arrivals[0]) >= 0.94 * 30
