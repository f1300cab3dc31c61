"""The sliding window that limits code lookups and filings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.public.limits import SlidingWindow, TooMany


def test_the_window_slides_and_keys_are_apart(clock: ManualClock) -> None:
    window = SlidingWindow(clock, 3, timedelta(minutes=10), keys=2)
    for _ in range(3):
        window.hit("a")
        clock.advance(timedelta(minutes=1))
    with pytest.raises(TooMany) as caught:
        window.hit("a")
    assert caught.value.retry_after == 7 * 60 + 1
    window.hit("b")  # another address is not held back
    clock.advance(timedelta(minutes=7))
    window.hit("a")  # the first hit has left the window
    with pytest.raises(TooMany):
        window.hit("a")


def test_forgotten_keys_start_again(clock: ManualClock) -> None:
    window = SlidingWindow(clock, 1, timedelta(minutes=10), keys=2)
    window.hit("a")
    window.hit("b")
    window.hit("c")  # "a" is forgotten to keep memory bounded
    window.hit("a")
    with pytest.raises(TooMany):
        window.hit("c")
