"""End to end on Zalo: the real HTTP server and channel against the Zalo OA emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.settings import Settings
from tests.bot.channels.zalo_support import running_on_zalo, zalo_settings
from tests.support.zalo_oa import SentZaloMessage, SimulatedZaloUser, ZaloOAEmulator


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloOAEmulator]:
    """A Zalo OA on 127.0.0.1."""
    async with ZaloOAEmulator() as emu:
        yield emu


@pytest.fixture
def z_settings(settings: Settings, zalo: ZaloOAEmulator) -> Settings:
    """Settings pointing the bot at the emulator."""
    return zalo_settings(settings, zalo)


async def say(user: SimulatedZaloUser, text: str) -> list[SentZaloMessage]:
    """Write, and return what the OA answered."""
    before = len(user.messages())
    assert await user.send(text) == 200
    return (await user.wait_for(before + 1))[before:]


async def test_probe(z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator) -> None:
    lan = zalo.user("Lan")
    async with running_on_zalo(z_settings, clock, zalo):
        assert await lan.follow() == 200
        print((await lan.wait_for(1))[-1].text)
        for text in ["#lang", "English", "#feedback", "1", "1", "The drain is blocked.", "1"]:
            got = await say(lan, text)
            print(">>", text)
            for m in got:
                print(m.text)
        raise AssertionError
