"""Zalo tokens: sealed in the database, refreshed exactly once however many workers ask."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.channels.zalo_oa.channel import token_store
from bot.channels.zalo_oa.tokens import REFRESH_AHEAD, NotConnected, TokenStore
from bot.clock import ManualClock
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from db.models import ChannelToken
from tests.bot.channels.zalo_support import zalo_settings
from tests.support.zalo_oa import ZaloOAEmulator


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloOAEmulator]:
    """A Zalo OA on 127.0.0.1."""
    async with ZaloOAEmulator() as emu:
        yield emu


async def _connected(settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator) -> None:
    async with open_runtime(settings, clock) as runtime, httpx.AsyncClient() as http:
        await token_store(runtime, http).store_refresh_token(zalo.grant())


async def _stored(runtime: Runtime) -> ChannelToken:
    async with runtime.sessions() as session:
        row: ChannelToken | None = await session.scalar(select(ChannelToken))
    assert row is not None
    return row


async def test_two_workers_refreshing_at_once_make_one_refresh_call(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    """Two processes' worth of engines and stores; Zalo is slow to answer the refresh."""
    settings = zalo_settings(settings, zalo)
    await _connected(settings, clock, zalo)
    assert zalo.refresh_calls == 1
    zalo.token_latency = 0.5
    zalo.expire_access_tokens()
    async with (
        open_runtime(settings, clock) as first,
        open_runtime(settings, clock) as second,
        httpx.AsyncClient() as http,
    ):
        stale = first.dispatcher.deployment.sealer.open((await _stored(first)).access_sealed or "")
        stores: list[TokenStore] = [token_store(rt, http) for rt in (first, second, first, second)]
        tokens = await asyncio.gather(*(store.refresh(stale=stale) for store in stores))
        assert zalo.refresh_calls == 2  # the connection's own, and exactly one more
        assert len(set(tokens)) == 1
        assert tokens[0] != stale
        row = await _stored(second)
        sealer = second.dispatcher.deployment.sealer
        assert sealer.open(row.access_sealed or "") == tokens[0]
        # The refresh token kept is the one Zalo issued last: it still works.
        assert sealer.open(row.refresh_sealed or "") in zalo.live_refresh_tokens


async def test_the_token_is_refreshed_ahead_of_expiry_and_not_before(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    await _connected(settings, clock, zalo)
    async with open_runtime(settings, clock) as runtime, httpx.AsyncClient() as http:
        store = token_store(runtime, http)
        first = await store.access_token()
        assert zalo.refresh_calls == 1
        row = await _stored(runtime)
        assert row.access_expires_at is not None
        clock.set(row.access_expires_at - REFRESH_AHEAD - timedelta(minutes=1))
        assert await store.access_token() == first
        clock.advance(timedelta(minutes=2))
        assert await store.access_token() != first
        assert zalo.refresh_calls == 2
        status = await store.status()
        assert status.connected
        assert status.failure is None


async def test_a_burned_refresh_token_needs_a_new_consent(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    async with open_runtime(settings, clock) as runtime, httpx.AsyncClient() as http:
        store = token_store(runtime, http)
        with pytest.raises(NotConnected):
            await store.access_token()
        with pytest.raises(NotConnected):
            await store.store_refresh_token("not-a-token-zalo-issued")
        assert zalo.refresh_calls == 1
        status = await store.status()
        assert not status.connected
        assert status.failure is not None
        assert "-14014" in status.failure
        # Nothing secret is kept in the clear.
        row = await _stored(runtime)
        assert "not-a-token-zalo-issued" not in (row.refresh_sealed or "")
