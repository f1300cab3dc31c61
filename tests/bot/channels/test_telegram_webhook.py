"""Telegram's webhook through the inbox, driven through the real ``python -m bot run``.

The Bot API emulator posts updates to the bot's one HTTP server, as Telegram does once
``setWebhook`` is set: an update is kept before the 200, a retried update is handled once, a
forged secret gets 401 and keeps nothing, and a bot killed after the 200 answers after its
restart, once.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.clock import SystemClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import InboxEvent, InboxStatus
from tests.support.botapi import BotApiEmulator
from tests.support.processes import WAIT, bot_environ, log_tail, start_bot, until
from tests.support.running import TOKEN, free_port

SECRET = "w" * 16 + secrets.token_hex(16)


class _Bot:
    """The real bot as a child process, on its own port, with the emulator as Telegram."""

    def __init__(self, database_url: str, emulator: BotApiEmulator, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        self.log = tmp_path / "bot.log"
        self._cwd = tmp_path
        self._emulator = emulator
        key, audit_key = Fernet.generate_key().decode(), secrets.token_urlsafe(32)
        self.settings = Settings(database_url=database_url, data_key=key, audit_key=audit_key)
        self._env = bot_environ(
            database_url,
            key,
            audit_key,
            self.port,
            BOT_INBOX_LEASE_SECONDS="2",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=emulator.base_url,
            TELEGRAM_FILE_BASE_URL=emulator.base_file_url,
            TELEGRAM_MODE="webhook",
            TELEGRAM_WEBHOOK_SECRET=SECRET,
        )

    @asynccontextmanager
    async def running(self, *, kill: bool = False) -> AsyncIterator[None]:
        """Start the bot, wait until its webhook is set; SIGKILL or SIGTERM it at the end."""
        with self.log.open("ab") as log:
            process = await start_bot(self._env, self._cwd, log)
            try:
                await until(self._serving, "the bot did not start", self.log)
                yield
            finally:
                if kill:
                    process.send_signal(signal.SIGKILL)
                    await process.wait()
                else:
                    process.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(process.wait(), 20)
                    except TimeoutError:
                        process.kill()
                        await process.wait()
                    assert process.returncode == 0, log_tail(self.log)

    async def _serving(self) -> bool:
        if self._emulator.webhook_url != self.url:
            return False
        try:
            async with httpx.AsyncClient() as http:
                answer = await http.post(self.url, content=b"{}")
        except httpx.HTTPError:
            return False
        return answer.status_code == 401  # the inbox endpoint is up (no secret sent)

    async def inbox(self) -> list[tuple[str, InboxStatus]]:
        async with (
            open_runtime(self.settings, SystemClock()) as runtime,
            runtime.sessions() as session,
        ):
            rows = await session.scalars(select(InboxEvent).order_by(InboxEvent.id))
            return [(r.dedupe_key, r.status) for r in rows]


def _update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Hoa", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_updates_arrive_through_the_inbox_once_and_only_with_the_secret(
    database_url: str, tmp_path: Path
) -> None:
    async with BotApiEmulator(token=TOKEN, username="commune_test_bot") as emulator:
        bot = _Bot(database_url, emulator, tmp_path)
        citizen = emulator.user(777, "Lan", language_code="en")
        retried = emulator.user(888, "Hoa", language_code="en")
        good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        forged = {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1] + "x"}
        async with bot.running(), httpx.AsyncClient() as http:
            [hook] = emulator.calls("setWebhook")
            assert hook.payload["url"] == bot.url
            assert hook.payload["secret_token"] == SECRET

            await citizen.send("/help")
            assert await emulator.push_to_webhook() == 1
            [reply] = await citizen.wait_for(1, timeout=WAIT)
            assert (reply.text or "").startswith("What you can do:")

            update = _update(900, 888, "/help")
            for _ in range(3):  # Telegram retries when it did not see the 200
                assert (await http.post(bot.url, json=update, headers=good)).status_code == 200
            await retried.wait_for(1, timeout=WAIT)

            intruder = _update(901, 888, "/help")
            assert (await http.post(bot.url, json=intruder)).status_code == 401
            assert (await http.post(bot.url, json=intruder, headers=forged)).status_code == 401
            long_forged = {b"X-Telegram-Bot-Api-Secret-Token": "ằ\x01".encode() * 2000}
            refused = await http.post(bot.url, json=intruder, headers=long_forged)
            assert refused.status_code == 401
            await asyncio.sleep(1.0)  # a second answer to the retried update would be here

        assert len(retried.messages()) == 1
        assert len(citizen.messages()) == 1
        assert await bot.inbox() == [
            ("update:1", InboxStatus.DONE),
            ("update:900", InboxStatus.DONE),
        ]


async def test_a_bot_killed_after_the_200_handles_the_update_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    async with BotApiEmulator(token=TOKEN, username="commune_test_bot") as emulator:
        bot = _Bot(database_url, emulator, tmp_path)
        citizen = emulator.user(777, "Lan", language_code="en")
        async with bot.running():
            await citizen.send("/help")
            assert await emulator.push_to_webhook() == 1
            [help_message] = await citizen.wait_for(1, timeout=WAIT)

        async with bot.running(kill=True):
            emulator.latency = 60.0  # handling hangs on answering the button press
            await citizen.press_data(help_message.message_id, "invite:role:admin")
            assert await emulator.push_to_webhook() == 1
            await asyncio.sleep(1.5)  # taken from the inbox, waiting on Telegram
        assert (await bot.inbox())[-1][1] is InboxStatus.PENDING
        assert len(citizen.messages()) == 1

        emulator.latency = 0.0
        async with bot.running():
            await citizen.wait_for(2, timeout=WAIT)

            async def closed() -> bool:
                return all(status is InboxStatus.DONE for _, status in await bot.inbox())

            await until(closed, "the update is not closed", bot.log)
            await asyncio.sleep(1.0)  # a second handling would have answered by now
    forged = citizen.messages()[1]
    assert forged.text == "This button is not for you. Nothing was changed."
    assert len(citizen.messages()) == 2
