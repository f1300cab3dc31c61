"""End to end on the Zalo Bot: the real HTTP server and channel against the emulator."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.messages import Attachment, Reply
from bot.runtime import Runtime
from bot.settings import Settings
from db.models import (
    ExtensionRequest,
    ExtensionStatus,
    Identity,
    InboxEvent,
    InboxStatus,
    Occurrence,
    OccurrenceStatus,
    Role,
)
from jobs.outbox import Sweeper
from tests.conftest import VN
from tests.handlers.conftest import VP, import_small_plan, small_plan
from tests.handlers.test_common import add_unit, issue_code, root_org
from tests.support.running import free_port, running_bot
from tests.support.zalo_bot import SimulatedBotUser, ZaloBotEmulator

SECRET = secrets.token_urlsafe(40)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 2048


@pytest.fixture
async def zbot() -> AsyncIterator[ZaloBotEmulator]:
    """A Zalo bot on 127.0.0.1."""
    async with ZaloBotEmulator() as emu:
        yield emu


def bot_settings(settings: Settings, zbot: ZaloBotEmulator, *, webhook: bool = True) -> Settings:
    """Settings for a bot on the Zalo Bot only, its HTTP server on a free port."""
    port = free_port()
    return replace(
        settings,
        **zbot.settings(SECRET if webhook else None),  # type: ignore[arg-type]
        http_port=port,
        public_url=f"http://127.0.0.1:{port}",
    )


@asynccontextmanager
async def running(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with running_bot(settings, clock) as runtime:
        yield runtime


async def say(user: SimulatedBotUser, text: str, count: int = 1) -> list[str]:
    """Write, and return the texts the bot answered with."""
    before = len(user.messages())
    status = await user.send(text)
    assert status in (200, None)
    return [m.text or "" for m in (await user.wait_for(before + count))[before:]]


async def inbox_rows(runtime: Runtime) -> list[InboxEvent]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(InboxEvent).order_by(InboxEvent.id))).all())


async def settled(runtime: Runtime, count: int) -> list[InboxEvent]:
    """The inbox once ``count`` events are done."""
    rows: list[InboxEvent] = []
    for _ in range(300):
        rows = await inbox_rows(runtime)
        if len(rows) == count and all(r.status is InboxStatus.DONE for r in rows):
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError(f"inbox not settled: {[(r.kind, r.status) for r in rows]}")


def number_of(text: str, label: str) -> str:
    """The number a numbered line with ``label`` carries."""
    for line in text.splitlines():
        head, _, rest = line.partition(". ")
        if head.isdigit() and rest.startswith(label):
            return head
    raise AssertionError(f"no numbered line {label!r} in {text!r}")


async def sweep(runtime: Runtime, at: datetime) -> None:
    sweeper = Sweeper(
        runtime.sessions, ManualClock(at), runtime.senders, runtime.settings.tz, worker="e2e"
    )
    stats = await sweeper.sweep()
    assert stats.failed == 0


async def test_staff_take_reminders_and_decide_on_the_zalo_bot(
    settings: Settings, clock: ManualClock, zbot: ZaloBotEmulator
) -> None:
    settings = bot_settings(settings, zbot)
    minh, dung = zbot.user("Minh"), zbot.user("Dũng")
    async with running(settings, clock) as runtime:
        assert zbot.webhook_url == f"{settings.public_url}/zalo-bot/webhook"
        assert zbot.webhook_secret == SECRET
        vp = await add_unit(runtime, VP)
        official_code = await issue_code(runtime, Role.OFFICIAL, unit_id=vp)
        leader_code = await issue_code(runtime, Role.LEADER, unit_id=vp)

        [welcome] = await say(minh, f"/start {official_code}")
        assert welcome.startswith(f"Chào mừng! Bạn đã trở thành công chức của {VP}.")
        [welcome] = await say(dung, f"#start {leader_code}")
        assert welcome.startswith("Chào mừng! Bạn đã trở thành lãnh đạo")
        await import_small_plan(runtime, root_org(runtime), small_plan())

        # The reminders go out through the outbox: one digest, its buttons numbered.
        await sweep(runtime, datetime(2026, 3, 9, 9, 0, tzinfo=VN))
        reminder = (await minh.wait_for(2))[-1].text or ""
        assert "⏰ [1.2] Nhiệm vụ 1.2: tổ chức thực hiện và báo cáo" in reminder
        assert "4. Xem 1.2" in reminder.splitlines()

        # Done, by number, with a link as evidence.
        [card] = await say(minh, number_of(reminder, "Xem 1.1"))
        assert card.splitlines()[-5:] == [
            "1. Đã hoàn thành",
            "2. Báo tiến độ",
            "3. Vướng mắc",
            "4. Xin gia hạn",
            "5. Nhắc lại sau",
        ]
        [asked] = await say(minh, "1")
        assert asked.startswith("Nhiệm vụ [1.1]: gửi minh chứng (Biên bản kiểm tra)")
        [done] = await say(minh, "https://drive.example.vn/bien-ban.pdf")
        assert done == "Đã ghi nhận hoàn thành, chậm 2 ngày. Xin cảm ơn."
        # A number after an answer without choices is not an old choice pressed again.
        assert await say(minh, "1") == ["Tôi chưa hiểu ý bạn. Gửi /help để xem tôi có thể làm gì."]

        # More time on another task; the leader approves it by number.
        [listed] = await say(minh, "/tasks")
        task_id = next(line.split()[0] for line in listed.splitlines() if "[1.2]" in line)
        [card] = await say(minh, f"#task {task_id.lstrip('#')}")
        [when] = await say(minh, number_of(card, "Xin gia hạn"))
        assert when.startswith("Nhiệm vụ [1.2] có hạn 10/03/2026.")
        await say(minh, "20/03/2026")
        [sent] = await say(minh, "Chờ số liệu của thôn")
        assert sent.startswith("Đề nghị của bạn đã được gửi tới lãnh đạo.")
        await sweep(runtime, datetime(2026, 3, 9, 10, 0, tzinfo=VN))
        asks = (await dung.wait_for(2))[-1].text or ""
        assert asks.splitlines()[-3:] == [
            "🕒 Minh đề nghị gia hạn nhiệm vụ [1.2] từ ngày 10/03/2026 sang ngày 20/03/2026. "
            "Lý do: Chờ số liệu của thôn",
            "1. Đồng ý",
            "2. Không đồng ý",
        ]
        assert await say(dung, "1") == ["Đã đồng ý: nhiệm vụ [1.2] có hạn mới là 20/03/2026."]
        before = len(minh.messages())
        await sweep(runtime, datetime(2026, 3, 9, 11, 0, tzinfo=VN))
        told = (await minh.wait_for(before + 1))[-1].text or ""
        assert "✅" in told and "20/03/2026" in told

        await settled(runtime, len(await inbox_rows(runtime)))
        async with runtime.sessions() as session:
            statuses = {
                o.status
                for o in await session.scalars(
                    select(Occurrence).where(Occurrence.status == OccurrenceStatus.DONE)
                )
            }
            request = await session.scalar(select(ExtensionRequest))
            channels = set(await session.scalars(select(Identity.channel)))
        assert statuses == {OccurrenceStatus.DONE}
        assert request is not None
        assert request.status is ExtensionStatus.APPROVED
        assert channels == {"zalo_bot"}
        assert all(len(m.text or "") <= 2000 for m in minh.messages() + dung.messages())
