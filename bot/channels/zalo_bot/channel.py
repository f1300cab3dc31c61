"""The running Zalo Bot channel: API, sender, inbox worker, and updates pushed or polled."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import httpx

from bot.channels.zalo_bot import CHANNEL
from bot.channels.zalo_bot.platform import (
    BadUpdate,
    ZaloBotApi,
    ZaloBotApiError,
    head,
    unwrap,
    update_id,
)
from bot.channels.zalo_bot.processor import ZaloBotProcessor
from bot.channels.zalo_bot.sender import ZaloBotSender
from bot.errors import BotError
from bot.inbox.duties import BOTH, Duties
from bot.inbox.worker import InboxWorker
from bot.runtime import Runtime
from jobs.scheduler import worker_id

log = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/zalo-bot/webhook"
RETRY_FIRST: Final = 1.0
RETRY_MOST: Final = 60.0


@dataclass(slots=True)
class ZaloBotChannel:
    """What the webhook endpoint needs of the running channel."""

    inbox: InboxWorker
    secret: str | None


async def keep(inbox: InboxWorker, update: object) -> bool:
    """Store one update in the inbox (committed on return); ``False`` when dropped or repeated.

    Raises ``BadUpdate`` for a body that is not an update at all.
    """
    data = unwrap(update)
    try:
        event = head(data)
    except BadUpdate as exc:
        # From the platform but unreadable: a repeat would not help.
        log.warning("zalo bot update without a readable sender dropped: %s", exc.reason)
        return False
    if event is None:
        log.debug("zalo bot: %s ignored", data.get("event_name"))
        return False
    payload = json.dumps(data, ensure_ascii=False)
    new = await inbox.accept(
        dedupe_key=event.dedupe_key, sender=event.chat, kind=event.kind, payload=payload
    )
    if not new:
        log.info("zalo bot: repeated %s acknowledged once more", event.kind)
    return new


async def run_zalo_bot(
    runtime: Runtime,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
    duties: Duties = BOTH,
) -> None:
    """Serve the Zalo Bot channel until ``stop`` is set: receive updates, handle them, or both."""
    settings = runtime.settings
    token = settings.zalo_bot_token
    if token is None:
        raise ValueError("ZALO_BOT_TOKEN is not set")
    async with httpx.AsyncClient(follow_redirects=False) as http:
        api = ZaloBotApi(settings.zalo_bot_api_base_url, token, http)
        sender = ZaloBotSender(runtime, api)
        worker = InboxWorker(
            channel=CHANNEL,
            sessions=runtime.sessions,
            clock=runtime.clock,
            sealer=runtime.dispatcher.deployment.sealer,
            processor=ZaloBotProcessor(runtime, api, sender),
            worker=worker_id(),
            lease=timedelta(seconds=settings.inbox_lease_seconds),
        )
        mode = settings.zalo_bot_mode
        if settings.zalo_bot_webhook_secret and mode == "polling":
            log.warning("ZALO_BOT_WEBHOOK_SECRET is set but BOT_PUBLIC_URL is not: polling")
        runtime.senders[CHANNEL] = sender
        parts = []
        try:
            if duties.receive:
                runtime.channels[CHANNEL] = ZaloBotChannel(
                    worker, settings.zalo_bot_webhook_secret if mode == "webhook" else None
                )
                await _connect(runtime, api)
                log.info("ready: Zalo Bot channel (%s)", mode)
                if mode == "polling":
                    parts.append(poll(api, worker, stop))
            if duties.handle:
                parts.append(worker.run(stop))
            if ready is not None:
                ready.set()
            await asyncio.gather(*parts, stop.wait())
        finally:
            runtime.senders.pop(CHANNEL, None)
            runtime.channels.pop(CHANNEL, None)


async def _connect(runtime: Runtime, api: ZaloBotApi) -> None:
    """Say who the bot is and where updates go; the platform being down delays nothing."""
    settings = runtime.settings
    try:
        me = await api.get_me()
        log.info("Zalo Bot account: %s", str(me.get("account_name", me.get("id", "?")))[:80])
        if settings.zalo_bot_mode == "webhook" and settings.public_url:
            await api.set_webhook(
                settings.public_url + WEBHOOK_PATH, settings.zalo_bot_webhook_secret or ""
            )
        else:
            await api.delete_webhook()
    except ZaloBotApiError as exc:
        # Polling retries by itself; a webhook needs a restart once the platform answers.
        log.warning("Zalo Bot setup call %s failed (%d)", exc.method, exc.code)


async def poll(api: ZaloBotApi, inbox: InboxWorker, stop: asyncio.Event) -> None:
    """Fetch updates until ``stop``; each is stored before the offset moves past it."""
    offset: int | None = None
    pause = RETRY_FIRST
    while not stop.is_set():
        fetch = asyncio.create_task(api.get_updates(offset))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fetch
            return
        try:
            updates = fetch.result()
            offset = await _store(inbox, updates, offset)
        except ZaloBotApiError as exc:
            log.warning("Zalo Bot getUpdates failed (%d); again in %.0f s", exc.code, pause)
        except _NotStored as exc:
            # Fetched again after the pause: the offset has not moved past it.
            offset = exc.offset
            log.error("zalo bot: an update could not be stored (%s); again in %.0f s", exc, pause)
        else:
            pause = RETRY_FIRST
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
        pause = min(pause * 2, RETRY_MOST)


class _NotStored(BotError):
    """The inbox refused an update (the database is away); the offset stays before it."""

    def __init__(self, reason: str, offset: int | None) -> None:
        super().__init__(reason)
        self.offset = offset


async def _store(inbox: InboxWorker, updates: list[object], offset: int | None) -> int | None:
    """Keep each update in order; return the offset past the last one kept."""
    for update in updates:
        try:
            await keep(inbox, update)
        except BadUpdate as exc:
            log.warning("zalo bot: unreadable update skipped: %s", exc.reason)
        except Exception as exc:
            # Its type only: the message of a database error may quote what a person wrote.
            raise _NotStored(type(exc).__name__, offset) from None
        number = update_id(update)
        if number is not None:
            offset = max(offset or 0, number + 1)
    return offset
