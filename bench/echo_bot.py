"""A bare python-telegram-bot echo bot, run as its own process by ``bench.update_cpu``.

It reads ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL`` and ``TELEGRAM_FILE_BASE_URL`` like
the bot does, sends every text back, polls with the given ``--concurrency`` and logs
``ready:`` on stderr once polling has started; SIGTERM stops it.

    .venv/bin/python -m bench.echo_bot [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.channels.telegram import ALLOWED_UPDATES


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await context.bot.send_message(message.chat_id, message.text)


async def run(concurrency: int) -> None:
    """Poll until SIGTERM, echoing every text."""
    app = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .base_file_url(os.environ["TELEGRAM_FILE_BASE_URL"])
        .concurrent_updates(concurrency)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with app:
        await app.start()
        updater = app.updater
        assert updater is not None
        await updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)
        print("ready: echo bot (polling)", file=sys.stderr, flush=True)
        await stop.wait()
        await updater.stop()
        await app.stop()


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the echo bot."""
    parser = argparse.ArgumentParser(prog="python -m bench.echo_bot", description=__doc__)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    asyncio.run(run(args.concurrency))
    return 0


if __name__ == "__main__":
    sys.exit(main())
