"""The running Zalo OA channel: tokens, API, sender, and the inbox worker, started together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.notices import ZaloReconnect
from bot.channels.zalo_oa import CHANNEL
from bot.channels.zalo_oa.api import ZaloApi
from bot.channels.zalo_oa.processor import ZaloProcessor
from bot.channels.zalo_oa.sender import ZaloSender
from bot.channels.zalo_oa.tokens import NotConnected, OAuthUnavailable, TokenStore
from bot.inbox.duties import BOTH, Duties
from bot.inbox.worker import InboxWorker
from bot.reminders.notices import notify
from bot.runtime import Runtime
from bot.workcal import load_calendar
from db.queries import reminders
from jobs.scheduler import worker_id

log = logging.getLogger(__name__)

TOKEN_CHECK_EVERY = timedelta(minutes=10)


@dataclass(slots=True)
class ZaloChannel:
    """What the HTTP endpoints need of the running channel."""

    tokens: TokenStore
    inbox: InboxWorker


def token_store(runtime: Runtime, http: httpx.AsyncClient) -> TokenStore:
    """The OA's token store, telling the admins when Zalo refuses the refresh token."""

    async def refused(session: AsyncSession, now: datetime) -> None:
        settings = runtime.settings
        await notify(
            session,
            people=await reminders.org_admins(session, None),
            org_id=None,
            notice=ZaloReconnect(),
            key=f"zalo_reconnect:{now:%Y%m%d}",
            now=now,
            tz=settings.tz,
            calendar=await load_calendar(session),
        )

    return TokenStore(
        runtime.settings,
        runtime.sessions,
        runtime.dispatcher.deployment.sealer,
        runtime.clock,
        http,
        on_refused=refused,
    )


async def run_zalo(
    runtime: Runtime,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
    duties: Duties = BOTH,
) -> None:
    """Serve the Zalo OA channel until ``stop`` is set: receive events, handle them, or both."""
    settings = runtime.settings
    async with httpx.AsyncClient(follow_redirects=False) as http:
        tokens = token_store(runtime, http)
        api = ZaloApi(settings.zalo_oa_api_base_url, tokens, http)
        sender = ZaloSender(runtime, api)
        worker = InboxWorker(
            channel=CHANNEL,
            sessions=runtime.sessions,
            clock=runtime.clock,
            sealer=runtime.dispatcher.deployment.sealer,
            processor=ZaloProcessor(runtime, api, sender),
            worker=worker_id(),
            lease=timedelta(seconds=settings.inbox_lease_seconds),
        )
        runtime.senders[CHANNEL] = sender
        parts = []
        if duties.receive:
            runtime.channels[CHANNEL] = ZaloChannel(tokens, worker)
            status = await tokens.status()
            if not status.connected:
                log.warning("Zalo OA not connected: run `python -m bot zalo connect`")
            log.info("ready: Zalo OA channel (webhook /zalo/webhook)")
            parts.append(_keep_token_fresh(tokens, stop))
        if duties.handle:
            parts.append(worker.run(stop))
        if ready is not None:
            ready.set()
        try:
            await asyncio.gather(*parts)
        finally:
            runtime.senders.pop(CHANNEL, None)
            runtime.channels.pop(CHANNEL, None)


async def _keep_token_fresh(tokens: TokenStore, stop: asyncio.Event) -> None:
    """Refresh the access token well before it expires, not only when a call fails."""
    while not stop.is_set():
        status = await tokens.status()
        if status.connected and status.access_expires_at is not None:
            try:
                await tokens.access_token()  # refreshes when close to expiry
            except (NotConnected, OAuthUnavailable) as exc:
                log.warning("Zalo token check failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TOKEN_CHECK_EVERY.total_seconds())
