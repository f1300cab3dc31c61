"""Inbox worker processes: ``python -m bot run`` starts them, replaces them, stops them.

The process that serves HTTP only checks, stores and acknowledges webhook events; handling
them costs tens of milliseconds of CPU each, and done on the same event loop it delayed the
acknowledgements by hundreds (and its many connections emptied the pool the stores need).
So the handling runs in child processes (``python -m bot inbox-worker``) that take stored
events with ``claim_heads``, like workers on other machines would. The first worker also
runs the scheduled jobs (reminder planning, the outbox sweep, housekeeping), which used to
share the HTTP process's event loop too.

Workers tell Linux's scheduler they are batch work (``SCHED_BATCH``): on a small machine a
worker is busy whenever a backlog builds, and a webhook must get its 200 within Zalo's 2 s
while handling may lag behind by seconds. A batch process does not take the CPU from others
when it wakes, but keeps its fair share: a lower priority (``nice``) made the 200 wait far
longer on SQLite, whose write lock a starved worker then held (see bench/README.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Final

log = logging.getLogger(__name__)

RESTART_FIRST: Final = 1.0
RESTART_MOST: Final = 30.0
HEALTHY_AFTER: Final = 30.0  # a worker that ran this long restarts at once if it dies
STOP_WITHIN: Final = 20.0  # then killed: its claimed events come back when their lease ends
_PR_SET_PDEATHSIG: Final = 1


def worker_command(parent: int, number: int) -> list[str]:
    """The command line of inbox worker ``number`` of the process ``parent``.

    The first one runs the scheduled jobs as well.
    """
    command = [sys.executable, "-m", "bot", "inbox-worker", "--parent", str(parent)]
    return [*command, "--jobs"] if number == 1 else command


async def supervise(
    count: int, stop: asyncio.Event, command: Callable[[int], Sequence[str]]
) -> None:
    """Keep ``count`` workers (``command(number)``, numbered from 1) running until ``stop``
    is set, then stop them.

    A worker that dies is started again (after a pause that grows while it keeps dying).
    """
    await asyncio.gather(*(_keep(number, stop, command(number)) for number in range(1, count + 1)))


async def _keep(number: int, stop: asyncio.Event, command: Sequence[str]) -> None:
    pause = RESTART_FIRST
    while not stop.is_set():
        began = time.monotonic()
        try:
            process = await asyncio.create_subprocess_exec(
                *command, stdin=asyncio.subprocess.DEVNULL
            )
        except OSError as exc:
            log.error("inbox worker %d could not start: %s", number, type(exc).__name__)
        else:
            log.info("inbox worker %d started (pid %d)", number, process.pid)
            if await _until_exit_or_stop(process, stop):
                await _stop(number, process)
                return
            log.warning(
                "inbox worker %d (pid %d) ended with status %s; starting another",
                number,
                process.pid,
                process.returncode,
            )
        if time.monotonic() - began >= HEALTHY_AFTER:
            pause = RESTART_FIRST
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
        pause = min(pause * 2, RESTART_MOST)


async def _until_exit_or_stop(process: asyncio.subprocess.Process, stop: asyncio.Event) -> bool:
    """Wait until the worker ends or ``stop`` is set; ``True`` when it is still running."""
    ended = asyncio.create_task(process.wait())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if ended.done():
        return False
    ended.cancel()
    return True


async def _stop(number: int, process: asyncio.subprocess.Process) -> None:
    """SIGTERM (the worker finishes the events in hand), SIGKILL if it takes too long."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_WITHIN)
    except TimeoutError:
        log.warning("inbox worker %d did not stop within %.0f s: killed", number, STOP_WITHIN)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
    if process.returncode not in (0, -signal.SIGKILL):
        log.warning("inbox worker %d stopped with status %s", number, process.returncode)


def run_as_batch() -> bool:
    """Mark this process as batch work for Linux's scheduler; ``False`` where it cannot be."""
    policy = getattr(os, "SCHED_BATCH", None)
    if policy is None:
        return False
    try:
        os.sched_setscheduler(0, policy, os.sched_param(0))
    except OSError as exc:
        log.warning("inbox worker not marked as batch work: %s", type(exc).__name__)
        return False
    return True


def die_with_parent(parent: int) -> bool:
    """Have the kernel kill this worker when ``parent`` dies; ``False`` if it is gone already.

    A bot killed with SIGKILL must not leave workers behind handling events on their own:
    the next bot's workers take over their claimed events once the lease ends.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    return os.getppid() == parent


async def watch_parent(parent: int, stop: asyncio.Event, every: float = 1.0) -> None:
    """Set ``stop`` when ``parent`` is gone (where the kernel cannot be asked to kill us)."""
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("the bot process %d is gone: this inbox worker stops", parent)
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
