"""Fixtures for tests that run the real Telegram stack against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.settings import Settings
from tests.support.botapi import BotApiEmulator
from tests.support.running import TOKEN, free_port


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A Bot API server on 127.0.0.1."""
    async with BotApiEmulator(token=TOKEN, username="commune_test_bot") as emu:
        yield emu


@pytest.fixture
def tg_settings(settings: Settings, emulator: BotApiEmulator) -> Settings:
    """Settings pointing the bot at the emulator."""
    return replace(
        settings,
        telegram_token=TOKEN,
        telegram_api_base_url=emulator.base_url,
        telegram_file_base_url=emulator.base_file_url,
        http_port=free_port(),
    )
