"""End to end on the Zalo Bot: the real HTTP server and channel against the emulator."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.base import TemporaryFailure, Unreachable
from bot.channels.flood import FloodControl
from bot.channels.zalo_bot.platform import ZaloBotApi
from bot.channels.zalo_bot.sender import ZALO_BOT_LIMITS, ZaloBotSender
from bot.clock import ManualClock
from bot.messages import Attachment, Reply
from bot.runtime import Runtime
from bot.settings import Settings
from db.models import (
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Identity,
    InboxEvent,
    InboxStatus,
    Occurrence,
    OccurrenceStatus,
    Role,
    TaskEvent,
)
from jobs.outbox import Sweeper
from tests.conftest import VN
from tests.handlers.conftest import VP, import_small_plan, small_plan
from tests.handlers.test_common import add_unit, issue_code, root_org
from tests.support.botapi import BotApiEmulator
from tests.support.running import free_port, running_bot
from tests.support.zalo_bot import SentBotMessage, SimulatedBotUser, ZaloBotEmulator
from tests.support.zalo_oa import ZaloOAEmulator

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

        # Done, by number, with a photo as evidence.
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
        [done] = [m.text for m in await _after(minh, minh.send_image(PNG, "biên bản"))]
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
        assert "✅" in told
        assert "20/03/2026" in told

        before = len(dung.messages())
        # The quarter's report: its chart shown as a photo, its table as a signed link.
        assert await dung.send("#report Q1/2026") == 200
        summary, chart, _, table = (await dung.wait_for(before + 4, within=30))[before:]
        assert (summary.text or "").startswith("Báo cáo Quý I/2026")
        assert (chart.photo or b"").startswith(b"\x89PNG")
        name, link = (table.text or "").split("\n📎 ")[1].split(": ")
        assert name == "bao-cao-Q1-2026.xlsx"
        async with httpx.AsyncClient() as http:
            fetched = await http.get(link)
        assert fetched.status_code == 200
        assert fetched.content.startswith(b"PK")
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
            evidence = await session.scalar(
                select(TaskEvent.file_content).where(TaskEvent.kind == EventKind.DONE)
            )
        assert statuses == {OccurrenceStatus.DONE}
        assert request is not None
        assert request.status is ExtensionStatus.APPROVED
        assert channels == {"zalo_bot"}
        assert evidence == PNG
        assert all(len(m.text or "") <= 2000 for m in minh.messages() + dung.messages())


def text_update(user: SimulatedBotUser, text: object, message_id: str = "m1") -> dict[str, object]:
    return {
        "event_name": "message.text.received",
        "message": {
            "message_id": message_id,
            "from": {"id": user.user_id, "display_name": "Minh", "is_bot": False},
            "chat": {"id": user.user_id, "chat_type": "PRIVATE"},
            "date": 1767225600000,
            "text": text,
        },
    }


def wrapped(update: object) -> bytes:
    return json.dumps({"ok": True, "result": update}, ensure_ascii=False).encode()


async def test_a_forged_or_missing_secret_is_refused_and_nothing_is_kept(
    settings: Settings, clock: ManualClock, zbot: ZaloBotEmulator
) -> None:
    settings = bot_settings(settings, zbot)
    minh = zbot.user("Minh")
    body = wrapped(text_update(minh, "/help"))
    async with running(settings, clock) as runtime:
        for forged in (None, "", "x", SECRET[:-1], SECRET + "x", SECRET.upper(), "x" + SECRET[1:]):
            assert await zbot.post(body, forged) == 401, forged
        # The secret is checked before the body is read: a huge forged body is refused the same.
        assert await zbot.post(b"\x00" * (20 * 1024 * 1024), "guess") == 401
        assert await inbox_rows(runtime) == []
        assert minh.messages() == []
        assert await zbot.post(body, SECRET) == 200
        await settled(runtime, 1)


async def test_the_webhook_is_closed_while_the_bot_polls(
    settings: Settings, clock: ManualClock, zbot: ZaloBotEmulator
) -> None:
    settings = bot_settings(settings, zbot, webhook=False)
    minh = zbot.user("Minh")
    async with running(settings, clock) as runtime:
        zbot.webhook_url = f"{settings.public_url}/zalo-bot/webhook"
        assert await zbot.post(wrapped(text_update(minh, "/help")), SECRET) == 404
        assert await zbot.post(wrapped(text_update(minh, "/help")), None) == 404
        assert await inbox_rows(runtime) == []


async def test_a_retried_update_is_handled_once(
    settings: Settings, clock: ManualClock, zbot: ZaloBotEmulator
) -> None:
    settings = bot_settings(settings, zbot)
    minh = zbot.user("Minh")
    async with running(settings, clock) as runtime:
        assert await minh.send("/whoami") == 200
        await minh.wait_for(1)
        for _ in range(3):
            assert await zbot.redeliver_last() == 200
        rows = await settled(runtime, 1)
        assert len(rows) == 1
        await asyncio.sleep(0.2)
        assert len(minh.messages()) == 1


@pytest.mark.parametrize("single", [False, True], ids=["update-ids", "bare-updates"])
async def test_polling_stores_each_update_before_moving_on(
    settings: Settings, clock: ManualClock, single: bool
) -> None:
    async with ZaloBotEmulator(single_updates=single) as zbot:
        settings = bot_settings(settings, zbot, webhook=False)
        minh, dung = zbot.user("Minh"), zbot.user("Dũng")
        async with running(settings, clock) as runtime:
            assert "deleteWebhook" in zbot.calls
            assert zbot.webhook_url is None
            for n in range(5):
                assert await minh.send(f"#track PA-2026-{n:05d}") is None
            assert await dung.send("/help") is None
            await minh.wait_for(5)
            await dung.wait_for(1)
            rows = await settled(runtime, 6)
            for _ in range(200):
                if zbot.pending == 0:
                    break
                await asyncio.sleep(0.02)
            assert zbot.pending == 0
            # Polled again before the offset moved, an update is not handled twice.
            await zbot.redeliver_last()
            await asyncio.sleep(0.3)
            assert len(await inbox_rows(runtime)) == len(rows)
        assert [m.text for m in minh.messages()] == [
            f"Không tìm thấy vụ việc PA-2026-{n:05d} mà bạn được xem." for n in range(5)
        ]
        assert (dung.messages()[0].text or "").startswith("Bạn có thể")


async def test_hostile_input_changes_nothing_and_the_bot_keeps_answering(
    settings: Settings, clock: ManualClock, zbot: ZaloBotEmulator
) -> None:
    settings = bot_settings(settings, zbot)
    minh = zbot.user("Minh")
    good = text_update(minh, "/help")
    message = good["message"]
    assert isinstance(message, dict)
    async with running(settings, clock) as runtime:
        assert await zbot.post(b"{not json", SECRET) == 400
        assert await zbot.post(b"[1, 2, 3]", SECRET) == 400
        assert await zbot.post(b"", SECRET) == 400
        assert await zbot.post(b"\xff\xfe", SECRET) == 400
        assert await zbot.post(b"\x00" * (20 * 1024 * 1024), SECRET) == 413
        dropped = [
            {**good, "event_name": ["message.text.received"]},
            {**good, "event_name": "bot.something.new"},
            {**good, "message": "text"},
            {**good, "message": {**message, "from": {"id": "../../etc"}, "chat": None}},
            {**good, "message": {**message, "from": {"id": True}, "chat": {"id": []}}},
            {**good, "message": {**message, "from": {"id": "9" * 200}, "chat": {}}},
        ]
        for update in dropped:
            assert await zbot.post(wrapped(update), SECRET) == 200
        assert await inbox_rows(runtime) == []
        # Updates with the wrong shape inside are stored, then read defensively.
        odd: list[dict[str, object]] = [
            text_update(minh, 42, "odd1"),
            text_update(minh, {"nested": "text"}, "odd2"),
            {
                "event_name": "message.image.received",
                "message": {**message, "message_id": "odd3", "photo": "file:///etc/passwd"},
            },
        ]
        for update in odd:
            assert await zbot.post(wrapped(update), SECRET) == 200
        await settled(runtime, len(odd))
        huge = "Ư" * 30_000 + "\x00\x1b[31m\u202e"
        assert await zbot.post(wrapped(text_update(minh, huge, "huge")), SECRET) == 200
        await settled(runtime, len(odd) + 1)
        assert await say(minh, "/whoami")
        assert await zbot.post(wrapped(text_update(minh, "\x00\x01\x02", "ctl")), SECRET) == 200
        await settled(runtime, len(odd) + 3)
        async with runtime.sessions() as session:
            people = await session.scalar(select(func.count()).select_from(Identity))
        assert people == 1
    assert all(len(m.text or "") <= 2000 for m in minh.messages())


async def test_stickers_get_a_polite_answer_in_the_persons_language(
    settings: Settings, clock: ManualClock, zbot: ZaloBotEmulator
) -> None:
    settings = bot_settings(settings, zbot)
    minh = zbot.user("Minh")
    async with running(settings, clock):
        [polite] = [m.text for m in await _after(minh, minh.send_sticker())]
        assert polite == (
            "Ở đây tôi chỉ đọc được văn bản và ảnh. Vui lòng viết tin nhắn bằng chữ, "
            "hoặc gửi /help để xem tôi có thể làm gì."
        )
        [choose] = await say(minh, "#lang")
        assert choose == "Chọn ngôn ngữ:\n1. Tiếng Việt\n2. English"
        assert await say(minh, "9") == ["Không có nút nào mang số này."]
        # A sticker and a wrong number leave the numbers as they were.
        await _after(minh, minh.send_sticker())
        assert await say(minh, "2") == ["Language set to English."]
        [polite] = [m.text for m in await _after(minh, minh.send_sticker())]
        assert polite == (
            "Here I can read only text and photos. Please write your message as text, "
            "or send /help to see what I can do."
        )
        # A photo is fetched and handed to the bot like any file.
        replies = await _after(minh, minh.send_image(PNG))
        assert replies
        assert all(m.text for m in replies)


async def _after(user: SimulatedBotUser, action: Awaitable[int | None]) -> list[SentBotMessage]:
    before = len(user.messages())
    assert await action in (200, None)
    return (await user.wait_for(before + 1))[before:]


async def test_texts_are_cut_files_become_links_and_photos_are_shown(
    settings: Settings, clock: ManualClock, zbot: ZaloBotEmulator
) -> None:
    settings = bot_settings(settings, zbot)
    minh, stranger = zbot.user("Minh"), zbot.user("Lạ")
    long_text = "\n".join(f"Dòng {n}: " + "ư" * 80 for n in range(50))
    xlsx = b"PK\x03\x04" + b"\x02" * 4096
    async with running(settings, clock) as runtime:
        await say(minh, "/help")
        sender = runtime.senders["zalo_bot"]
        start = len(minh.messages())
        await sender.send(minh.user_id, Reply(long_text))
        pieces = [m.text or "" for m in minh.messages()[start:]]
        assert len(pieces) == 3
        assert all(len(p) <= 2000 for p in pieces)
        assert "\n".join(pieces).splitlines() == long_text.splitlines()

        start = len(minh.messages())
        await sender.send(
            minh.user_id, Reply("Báo cáo quý I", file=Attachment("bao-cao.xlsx", None, None, xlsx))
        )
        [linked] = minh.messages()[start:]
        head, link = (linked.text or "").split("\n📎 bao-cao.xlsx: ")
        assert head == "Báo cáo quý I"
        assert link.startswith(f"{settings.public_url}/files/")
        async with httpx.AsyncClient() as http:
            fetched = await http.get(link)
            forged = await http.get(link[:-3] + "AAA")
        assert fetched.status_code == 200
        assert fetched.content == xlsx
        assert forged.status_code == 404

        start = len(minh.messages())
        await sender.send(minh.user_id, Reply("Mã QR", file=Attachment("qr.png", None, None, PNG)))
        photo, text = minh.messages()[start:]
        assert (photo.photo, photo.caption, text.text) == (PNG, "qr.png", "Mã QR")

        with pytest.raises(Unreachable):
            await sender.send(stranger.user_id, Reply("Xin chào"))
        zbot.fail_next(minh.user_id, 500)
        with pytest.raises(TemporaryFailure):
            await sender.send(minh.user_id, Reply("Xin chào"))
        await sender.send(minh.user_id, Reply("Xin chào"))
        assert minh.messages()[-1].text == "Xin chào"

        # Told to slow down, every send on the channel waits first.
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        async with httpx.AsyncClient() as http:
            api = ZaloBotApi(zbot.base_url, zbot.token, http)
            paced = ZaloBotSender(runtime, api, FloodControl(ZALO_BOT_LIMITS, sleep=sleep))
            zbot.fail_next(minh.user_id, 429)
            with pytest.raises(TemporaryFailure):
                await paced.send(minh.user_id, Reply("Chậm lại"))
            await paced.send(minh.user_id, Reply("Chậm lại"))
        assert waits
        assert max(waits) > 25
        assert minh.messages()[-1].text == "Chậm lại"


async def test_every_channel_runs_together_in_one_process(
    tg_settings: Settings, clock: ManualClock, emulator: BotApiEmulator, zbot: ZaloBotEmulator
) -> None:
    async with ZaloOAEmulator() as zalo:
        settings = replace(
            bot_settings(tg_settings, zbot),
            **zalo.settings(),  # type: ignore[arg-type]
            telegram_mode="webhook",
        )
        minh = zbot.user("Minh")
        async with running(settings, clock) as runtime:
            assert set(runtime.senders) == {"telegram", "zalo_oa", "zalo_bot"}
            assert (await say(minh, "/help"))[0].startswith("Bạn có thể")
