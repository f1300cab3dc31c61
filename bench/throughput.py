"""Updates handled per second: simulated users each send ``/help`` through the Bot API emulator.

Three bots, all in this process (each against its own emulator, also in this process, so the
emulator's own cost is in every figure), each polling with PTB:

(a) our bot (runtime + ``run_telegram``) with a flood limiter whose limits are effectively
    off, so the figure is the cost of our layers (PTB, dispatcher, router, database, i18n);
(b) our bot with the default limits (30 messages/s overall), which should come out at ~30/s;
(c) a bare python-telegram-bot echo bot: one MessageHandler that sends the text back, no rate
    limiter, the same ``concurrent_updates(256)`` as ours.

A warm-up round (people first seen: their rows are created) is followed by timed rounds, the
three bots' rounds interleaved; in a round every user sends ``/help`` once, and the round ends
when every reply has arrived. Rounds are 1.1 s apart (untimed), so Telegram's 1 message/s per
chat never binds between rounds.

    .venv/bin/python -m bench.throughput [--quick] [--users N] [--rounds N]
                                         [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, Final

from bench._support import BOT_USERNAME, TOKEN, emit, log, median, rounded, setup_logging
from bot.channels.flood import FloodControl, Limits
from bot.channels.telegram import ALLOWED_UPDATES, TelegramFloodLimiter
from bot.channels.telegram_run import run_telegram
from bot.runtime import open_runtime
from bot.settings import Settings
from tests.support.botapi import BotApiEmulator, SimulatedUser

TELEGRAM_OVERALL_PER_SECOND: Final = 30.0
WAIT_TIMEOUT: Final = 300.0
FIRST_USER_ID: Final = 700_000
ROUND_GAP: Final = 1.1

BotRunner = Callable[[BotApiEmulator], AbstractAsyncContextManager[None]]


def unlimited() -> TelegramFloodLimiter:
    """Our limiter with limits that never make anyone wait."""
    return TelegramFloodLimiter(
        FloodControl(
            Limits(overall_per_second=1e12, per_private_chat_interval=0.0, per_group_interval=0.0)
        )
    )


def our_bot(database_url: str, limiter: Callable[[], TelegramFloodLimiter]) -> BotRunner:
    """Run the whole bot (runtime + Telegram channel) on ``database_url``."""

    @asynccontextmanager
    async def running(emu: BotApiEmulator) -> AsyncIterator[None]:
        settings = Settings(
            database_url=database_url,
            telegram_token=TOKEN,
            telegram_api_base_url=emu.base_url,
            telegram_file_base_url=emu.base_file_url,
            org_name="UBND phường Đo Tốc Độ",
        )
        stop, ready = asyncio.Event(), asyncio.Event()
        async with open_runtime(settings) as runtime:
            task = asyncio.create_task(run_telegram(runtime, stop, limiter(), ready))
            await asyncio.wait_for(ready.wait(), 60)
            try:
                yield
            finally:
                stop.set()
                await asyncio.wait_for(task, 60)

    return running


@asynccontextmanager
async def echo_bot(emu: BotApiEmulator) -> AsyncIterator[None]:
    """A bare python-telegram-bot Application that echoes every text, no rate limiter."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await context.bot.send_message(message.chat_id, message.text)

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .concurrent_updates(256)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        updater = app.updater
        assert updater is not None
        await updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)
        try:
            yield
        finally:
            await updater.stop()
            await app.stop()


async def one_round(emu: BotApiEmulator, users: list[SimulatedUser]) -> float:
    """Every user sends /help; return the seconds until every reply arrived."""
    expected = [len(user.messages()) + 1 for user in users]
    started = time.perf_counter()
    for user in users:
        await user.send("/help")
    await asyncio.gather(
        *(emu.wait_for(u.chat_id, n, WAIT_TIMEOUT) for u, n in zip(users, expected, strict=True))
    )
    return time.perf_counter() - started


async def measure(users: int, rounds: int, database_url: str | None) -> dict[str, Any]:
    """Start the three bots side by side, then time their rounds interleaved (a, b, c, a, ...).

    Interleaving spreads any drift of the machine's load over the three alike; a bot waiting
    for its next round only holds an idle long poll.
    """
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:

        def db(name: str) -> str:
            return database_url or f"sqlite+aiosqlite:///{Path(tmp) / f'{name}.sqlite3'}"

        runners: dict[str, BotRunner] = {
            "a": our_bot(db("a"), unlimited),
            "b": our_bot(db("b"), TelegramFloodLimiter),
            "c": echo_bot,
        }
        first: dict[str, float] = {}
        times: dict[str, list[float]] = {name: [] for name in runners}
        async with AsyncExitStack() as stack:
            bots: dict[str, tuple[BotApiEmulator, list[SimulatedUser]]] = {}
            for name, runner in runners.items():
                emu = await stack.enter_async_context(
                    BotApiEmulator(token=TOKEN, username=BOT_USERNAME)
                )
                people = [
                    emu.user(FIRST_USER_ID + i, f"Người dùng {i}", language_code="vi")
                    for i in range(users)
                ]
                await stack.enter_async_context(runner(emu))
                bots[name] = (emu, people)
            for name, (emu, people) in bots.items():
                first[name] = await one_round(emu, people)
                log.info("%s: warm-up round %.1f updates/s", name, users / first[name])
            for _ in range(rounds):
                for name, (emu, people) in bots.items():
                    await asyncio.sleep(ROUND_GAP)  # let the 1 s per-chat windows pass
                    times[name].append(await one_round(emu, people))
                    log.info("%s: round %.1f updates/s", name, users / times[name][-1])
            for name, (emu, _) in bots.items():
                if rejected := len(emu.calls(delivered=False)):
                    log.warning("%s: %d calls were rejected by the emulator", name, rejected)
    rate = {name: users / median(values) for name, values in times.items()}
    return {
        "users": users,
        "rounds": rounds,
        "database": "postgresql" if database_url and "postgres" in database_url else "sqlite",
        "a_ours_unlimited_updates_per_s": rounded(rate["a"], 1),
        "a_first_contact_updates_per_s": rounded(users / first["a"], 1),
        "b_ours_default_limits_updates_per_s": rounded(rate["b"], 1),
        "b_fraction_of_30": rounded(rate["b"] / TELEGRAM_OVERALL_PER_SECOND, 3),
        "c_bare_ptb_echo_updates_per_s": rounded(rate["c"], 1),
        "a_over_c": rounded(rate["a"] / rate["c"], 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 users, 1 timed round")
    parser.add_argument("--users", type=int, help="simulated users (default 100)")
    parser.add_argument("--rounds", type=int, help="timed rounds (default 5)")
    parser.add_argument("--database-url", help="e.g. postgresql+asyncpg://... (default: SQLite)")
    args = parser.parse_args(argv)
    setup_logging()
    users = args.users or (10 if args.quick else 100)
    rounds = args.rounds or (1 if args.quick else 5)
    emit("throughput", asyncio.run(measure(users, rounds, args.database_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
