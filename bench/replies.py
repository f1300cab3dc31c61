"""Replies to people against Telegram's limits, counted by the Bot API emulator.

The bot runs as its own process (``python -m bot run``, default flood limiter) against an
emulator in this process that enforces Telegram's limits (1 message per second per chat,
30 per second overall) and answers 429 to any delivery beyond them. P people (100) each send
``/help`` M times (10) at once; the run ends when every reply has arrived. Reported: the
emulator's flood errors (the goal is 0), the replies, and the pace of the deliveries as a
fraction of 30 per second (first to last delivery; the goal keeps it at or above 0.94).

    .venv/bin/python -m bench.replies [--quick] [--people N] [--messages N] [--runs N]
                                      [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from bench._support import BOT_USERNAME, TOKEN, emit, log, median, rounded, setup_logging
from bench.update_cpu import spawned
from tests.support.botapi import BotApiEmulator

FIRST_USER_ID: Final = 900_000
WAIT_TIMEOUT: Final = 600.0


async def one_run(people: int, messages: int, url: str, workdir: Path) -> dict[str, float]:
    """One bot process, one burst of ``people`` x ``messages``; the emulator's counts."""
    async with BotApiEmulator(token=TOKEN, username=BOT_USERNAME) as emu:
        emu.enforce_limits()
        users = [
            emu.user(FIRST_USER_ID + i, f"Người dùng {i}", language_code="vi")
            for i in range(people)
        ]
        async with spawned(["-m", "bot", "run"], emu, url, workdir):
            started = time.perf_counter()
            for _ in range(messages):
                for user in users:
                    await user.send("/help")
            await asyncio.gather(*(emu.wait_for(u.chat_id, messages, WAIT_TIMEOUT) for u in users))
            elapsed = time.perf_counter() - started
        delivered = emu.calls("sendMessage", delivered=True)
        stamps = sorted(c.at for c in delivered)
        pace = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
        return {
            "flood_errors": emu.flood_errors,
            "replies": len(delivered),
            "seconds": elapsed,
            "fraction_of_30": pace / 30,
        }


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """``--runs`` runs, each on a fresh bot process (and a fresh SQLite file)."""
    people = args.people or (30 if args.quick else 100)
    messages = args.messages or (3 if args.quick else 10)
    runs = args.runs or (1 if args.quick else 3)
    figures: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-replies-") as tmp:
        for i in range(runs):
            url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / f'bot{i}.sqlite3'}"
            figures.append(await one_run(people, messages, url, Path(tmp)))
            log.info("run %d: %s", i + 1, figures[-1])
    return {
        "people": people,
        "messages_each": messages,
        "runs": runs,
        "database": "postgresql" if args.database_url else "sqlite",
        "flood_errors_total": sum(int(f["flood_errors"]) for f in figures),
        "flood_errors_per_run": [int(f["flood_errors"]) for f in figures],
        "replies_per_run": int(median(f["replies"] for f in figures)),
        "seconds": rounded(median(f["seconds"] for f in figures), 2),
        "fraction_of_30": rounded(median(f["fraction_of_30"] for f in figures), 3),
        "goal": "0 flood errors, fraction_of_30 >= 0.94",
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.replies", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 people x 3 messages, one run")
    parser.add_argument("--people", type=int, help="people (default 100)")
    parser.add_argument("--messages", type=int, help="messages each (default 10)")
    parser.add_argument("--runs", type=int, help="runs (default 3)")
    parser.add_argument("--database-url", help="e.g. postgresql+asyncpg://... (default: SQLite)")
    args = parser.parse_args(argv)
    setup_logging()
    emit("replies", asyncio.run(measure(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
