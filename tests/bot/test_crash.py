"""A crash in the middle of an outbox sweep: the real bot is killed, restarted, and catches up.

The bot runs as a real process (``python -m bot run``) against the Bot API emulator, whose
answers are slowed down so that a sweep takes a while. The process is killed with SIGKILL
while the first sweep is sending, then started again: every person gets their message, and
nobody gets it more than twice (a message that left just before the kill, but whose row
was not yet marked sent, is sent once more; that is the price of never losing one).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.clock import SystemClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import OutboxMessage, OutboxStatus
from db.queries import calendar, people
from jobs.outbox import LEASE
from tests.conftest import REPO_ROOT
from tests.support.botapi import BotApiEmulator
from tests.support.processes import start_bot
from tests.support.running import free_port

TOKEN = "424242:CRASH-test"
ORG = "UBND phường Thử Nghiệm"
PEOPLE = 40
FIRST_USER = 70_000
LATENCY = 0.5  # seconds the emulator takes to answer each call
WAIT = 40.0  # at most this long for each phase (a real process on real time)


def midday_zone(now: datetime) -> str:
    """A fixed-offset time zone in which ``now`` is around noon, well inside working hours."""
    offset = 12 - now.astimezone(UTC).hour  # -11 .. +12 hours from UTC
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-7 is UTC+7


async def prepare(settings: Settings) -> None:
    """People with Telegram identities, each with one due notice in the outbox."""
    now = datetime.now(UTC)
    async with open_runtime(settings, SystemClock()) as runtime:
        org_id = runtime.dispatcher.deployment.root_org_id
        today = now.astimezone(settings.tz).date()
        async with runtime.sessions.begin() as session:
            # Whatever day it is, today is a working day for this test.
            for day in (today, today + timedelta(days=1)):
                await calendar.set_override(
                    session, day=day, working=True, note="test", actor_id=None, now=now
                )
            for n in range(PEOPLE):
                user_id = FIRST_USER + n
                person, _ = await people.person_for_identity(
                    session,
                    channel="telegram",
                    user_id=str(user_id),
                    chat_id=str(user_id),
                    display_name=f"Cán bộ {n}",
                    username=None,
                    now=now,
                )
                session.add(
                    OutboxMessage(
                        dedupe_key=f"crash:{n}",
                        person_id=person.id,
                        org_id=org_id,
                        task_id=None,
                        channel="telegram",
                        chat_id=str(user_id),
                        kind="notice",
                        params={
                            "notice": "blocked",
                            "name": f"Cán bộ {n}",
                            "code": f"{n}.1",
                            "reason": f"lý do số {n}",
                        },
                        due_at=now - timedelta(minutes=1),
                        status=OutboxStatus.PENDING,
                        attempts=0,
                    )
                )


async def wait_until(check: Callable[[], bool], seconds: float, what: Callable[[], str]) -> None:
    """Poll ``check`` (real time: a real process is working) until true, or fail."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(what())
        await asyncio.sleep(0.01)


async def statuses(settings: Settings) -> list[OutboxStatus]:
    async with open_runtime(settings, SystemClock()) as runtime, runtime.sessions() as session:
        return list(await session.scalars(select(OutboxMessage.status)))


async def test_a_bot_killed_during_a_sweep_catches_up_after_a_restart(
    database_url: str, tmp_path: Path
) -> None:
    zone = midday_zone(datetime.now(UTC))
    # The bot process and this test open the same sealed data.
    settings = Settings(
        database_url=database_url,
        org_name=ORG,
        timezone=zone,
        data_key=Fernet.generate_key().decode(),
        audit_key=secrets.token_urlsafe(32),
    )
    await prepare(settings)
    log_path = tmp_path / "bot.log"

    async with BotApiEmulator(token=TOKEN, username="commune_test_bot", latency=LATENCY) as emu:
        chats = [emu.user(FIRST_USER + n, f"Cán bộ {n}").chat_id for n in range(PEOPLE)]

        def received() -> dict[int, list[str]]:
            return {chat: [m.text or "" for m in emu.messages(chat)] for chat in chats}

        def reached() -> int:
            return sum(1 for texts in received().values() if texts)

        def log_tail() -> str:
            return log_path.read_text(errors="replace")[-3000:]

        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": emu.base_url,
            "TELEGRAM_FILE_BASE_URL": emu.base_file_url,
            "BOT_TIMEZONE": zone,
            "BOT_ORG_NAME": ORG,
            "BOT_LOG_LEVEL": "INFO",
            "BOT_DATA_KEY": settings.data_key or "",
            "BOT_AUDIT_KEY": settings.audit_key or "",
            "BOT_HTTP_PORT": str(free_port()),
        }
        with log_path.open("ab") as log:
            first = await start_bot(env, tmp_path, log)
            try:
                await wait_until(
                    lambda: reached() >= 5,
                    WAIT,
                    lambda: f"no message arrived ({reached()}):\n{log_tail()}",
                )
            finally:
                first.send_signal(signal.SIGKILL)
                await first.wait()
            at_kill = reached()
            assert first.returncode == -signal.SIGKILL
            assert 0 < at_kill < PEOPLE, f"the kill came too late: {at_kill} reached"
            # Killed in the middle: rows claimed by the dead worker are left "sending".
            assert OutboxStatus.SENDING in await statuses(settings)

            # The dead worker's claims expire after the lease: let that time pass for them.
            async with (
                open_runtime(settings, SystemClock()) as runtime,
                runtime.sessions.begin() as session,
            ):
                claimed = await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)
                )
                for row in claimed:
                    assert row.claimed_at is not None
                    row.claimed_at -= LEASE

            second = await start_bot(env, tmp_path, log)
            try:
                await wait_until(
                    lambda: reached() == PEOPLE,
                    WAIT,
                    lambda: (
                        f"only {reached()} of {PEOPLE} reached after the restart:\n" + log_tail()
                    ),
                )
                deadline = time.monotonic() + WAIT
                while set(await statuses(settings)) != {OutboxStatus.SENT}:
                    assert time.monotonic() < deadline, log_tail()
                    await asyncio.sleep(0.1)
            finally:
                second.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(second.wait(), 20)
                except TimeoutError:
                    second.kill()
                    await second.wait()
            # Let any answer still on its way land before counting.
            await asyncio.sleep(LATENCY * 2)

    for n, chat in enumerate(chats):
        texts = received()[chat]
        assert 1 <= len(texts) <= 2, (n, texts)
        assert all(f"lý do số {n}" in text for text in texts), (n, texts)
    assert set(await statuses(settings)) == {OutboxStatus.SENT}
