"""Serving Telegram: polling through python-telegram-bot, or webhook updates through the inbox."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Application, BaseRateLimiter

from bot.channels.telegram import (
    ALLOWED_UPDATES,
    CHANNEL,
    TelegramSender,
    build_application,
    set_default_menus,
    webhook_secret,
)
from bot.channels.telegram_webhook import TelegramProcessor, TelegramWebhook
from bot.inbox.duties import BOTH, Duties
from bot.inbox.worker import InboxWorker
from bot.runtime import Runtime
from jobs.scheduler import worker_id

log = logging.getLogger(__name__)


async def run_telegram(
    runtime: Runtime,
    stop: asyncio.Event,
    limiter: BaseRateLimiter[Any] | None = None,
    ready: asyncio.Event | None = None,
    duties: Duties = BOTH,
) -> None:
    """Serve Telegram (polling or webhook) until ``stop`` is set."""
    settings = runtime.settings
    webhook = settings.telegram_mode == "webhook" and settings.telegram_webhook_url is not None
    if not duties.receive:
        if webhook:
            await _handle_webhook_updates(runtime, stop, limiter, ready)
        else:  # polled updates are handled where they are fetched
            if ready is not None:
                ready.set()
            await stop.wait()
        return
    app = build_application(runtime, limiter)
    async with app:
        runtime.set_bot_username(settings.telegram_bot_username or app.bot.username)
        runtime.senders[CHANNEL] = TelegramSender(app)
        await set_default_menus(app, runtime)
        await app.start()
        updater = app.updater
        if updater is None:
            raise RuntimeError("the application was built without an updater")
        hook_url = settings.telegram_webhook_url
        inbox: InboxWorker | None = None
        if webhook and hook_url:
            # Updates arrive on the bot's HTTP server (POST /telegram), are kept in the
            # inbox before the 200, and are handled from there.
            inbox = _webhook_inbox(runtime, app)
            runtime.channels[CHANNEL] = TelegramWebhook(app, inbox)
            await app.bot.set_webhook(
                hook_url,
                secret_token=webhook_secret(settings),
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)
        log.info("ready: Telegram bot @%s (%s)", app.bot.username, settings.telegram_mode)
        if ready is not None:
            ready.set()
        await (stop.wait() if inbox is None or not duties.handle else inbox.run(stop))
        runtime.senders.pop(CHANNEL, None)
        runtime.channels.pop(CHANNEL, None)
        if updater.running:
            await updater.stop()
        await app.stop()


async def _handle_webhook_updates(
    runtime: Runtime,
    stop: asyncio.Event,
    limiter: BaseRateLimiter[Any] | None,
    ready: asyncio.Event | None,
) -> None:
    """Handle stored webhook updates only: the receiving process owns the webhook and menus."""
    app = build_application(runtime, limiter)
    async with app:
        runtime.set_bot_username(runtime.settings.telegram_bot_username or app.bot.username)
        runtime.senders[CHANNEL] = TelegramSender(app)
        inbox = _webhook_inbox(runtime, app)
        if ready is not None:
            ready.set()
        try:
            await inbox.run(stop)
        finally:
            runtime.senders.pop(CHANNEL, None)


def _webhook_inbox(runtime: Runtime, app: Application[Any, Any, Any, Any, Any, Any]) -> InboxWorker:
    """The inbox worker for webhook updates."""
    return InboxWorker(
        channel=CHANNEL,
        sessions=runtime.sessions,
        clock=runtime.clock,
        sealer=runtime.dispatcher.deployment.sealer,
        processor=TelegramProcessor(runtime, app),
        worker=worker_id(),
        lease=timedelta(seconds=runtime.settings.inbox_lease_seconds),
    )
