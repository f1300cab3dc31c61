"""Sending on Zalo: long texts in order, images and documents uploaded, the rest linked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from bot.channels.base import TemporaryFailure, Unreachable
from bot.channels.zalo_oa.sender import split_text
from bot.clock import ManualClock
from bot.messages import Attachment, Button, Reply
from bot.settings import Settings
from tests.bot.channels.zalo_support import running_on_zalo, zalo_settings
from tests.support.zalo_oa import ZaloOAEmulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 2048
XLSX = b"PK\x03\x04" + b"\x02" * 4096


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloOAEmulator]:
    """A Zalo OA on 127.0.0.1."""
    async with ZaloOAEmulator() as emu:
        yield emu


def test_split_text_keeps_order_and_cuts_at_line_breaks() -> None:
    lines = [f"{n:04d} " + "x" * 90 for n in range(60)]
    pieces = split_text("\n".join(lines))
    assert all(len(p) <= 2000 for p in pieces)
    assert "\n".join(pieces).splitlines() == lines
    assert split_text("a" * 4500) == ["a" * 2000, "a" * 2000, "a" * 500]
    assert split_text("short") == ["short"]


async def test_texts_files_and_links_reach_the_person(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    lan = zalo.user("Lan")
    long_text = "\n".join(f"Dòng {n}: " + "ư" * 80 for n in range(50))
    async with running_on_zalo(settings, clock, zalo) as runtime:
        assert await lan.follow() == 200
        await lan.wait_for(1)
        sender = runtime.senders["zalo_oa"]
        start = len(lan.messages())
        await sender.send(lan.user_id, Reply(long_text))
        texts = [m.text or "" for m in lan.messages()[start:]]
        assert len(texts) == 3
        assert "\n".join(texts).splitlines() == long_text.splitlines()

        start = len(lan.messages())
        await sender.send(
            lan.user_id, Reply("Biểu đồ", file=Attachment("chart.png", None, None, PNG))
        )
        await sender.send(
            lan.user_id,
            Reply("Báo cáo", file=Attachment("report.pdf", "application/pdf", None, b"%PDF-1.4")),
        )
        await sender.send(
            lan.user_id, Reply("Bảng", file=Attachment("table.xlsx", None, None, XLSX))
        )
        sent = lan.messages()[start:]
        assert [k for k, _, _ in zalo.uploads] == ["image", "file"]
        assert sent[0].attachment is not None
        assert sent[0].attachment["payload"]["template_type"] == "media"
        assert sent[1].text == "Biểu đồ"
        assert sent[2].attachment is not None
        assert sent[2].attachment["type"] == "file"
        assert sent[3].text == "Báo cáo"
        table = sent[4].lines
        assert table[0] == "Bảng"
        link = table[1].split(": ", 1)[1]
        assert link.startswith(f"{settings.public_url}/files/")
        async with httpx.AsyncClient() as http:
            fetched = await http.get(link)
            assert fetched.status_code == 200
            assert fetched.content == XLSX
            assert "table.xlsx" in fetched.headers["content-disposition"]
            forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
            assert (await http.get(forged)).status_code == 404
            other = link.replace("/files/1.", "/files/2.")
            assert (await http.get(other)).status_code == 404
            clock.advance(timedelta(days=8))
            assert (await http.get(link)).status_code == 404


async def test_zalo_error_codes_become_delivery_outcomes(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    lan = zalo.user("Lan")
    stranger = zalo.user("Khách")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        assert await lan.follow() == 200
        await lan.wait_for(1)
        sender = runtime.senders["zalo_oa"]
        with pytest.raises(Unreachable):
            await sender.send(stranger.user_id, Reply("Xin chào"))  # -213: never interacted
        for code in (-230, -232):
            zalo.fail_next(lan.user_id, code)
            with pytest.raises(Unreachable):
                await sender.send(lan.user_id, Reply("Nhắc việc"))
        for code in (-211, -218, -240):
            zalo.fail_next(lan.user_id, code)
            with pytest.raises(TemporaryFailure):
                await sender.send(lan.user_id, Reply("Nhắc việc"))
        start = len(lan.messages())
        zalo.fail_next(lan.user_id, -210)
        await sender.send(lan.user_id, Reply("Một\n" * 300))
        assert "".join(m.text or "" for m in lan.messages()[start:]).count("Một") == 300
        zalo.fail_next(lan.user_id, -216)  # a token Zalo no longer takes: refreshed, retried
        refreshes = zalo.refresh_calls
        await sender.send(lan.user_id, Reply("Sau khi làm mới"))
        assert lan.messages()[-1].text == "Sau khi làm mới"
        assert zalo.refresh_calls == refreshes + 1
        zalo.fail_next(lan.user_id, -32)  # too many calls: everything waits (last, it is long)
        with pytest.raises(TemporaryFailure):
            await sender.send(lan.user_id, Reply("Nhắc việc"))


async def test_outbox_choices_are_numbered_and_answered_by_number(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    lan = zalo.user("Lan")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        assert await lan.follow() == 200
        await lan.wait_for(1)
        sender = runtime.senders["zalo_oa"]
        await sender.send(
            lan.user_id,
            Reply(
                "Chọn ngôn ngữ",
                [[Button("Tiếng Việt", "lang:set:vi"), Button("English", "lang:set:en")]],
            ),
        )
        assert lan.messages()[-1].lines == ["Chọn ngôn ngữ", "1. Tiếng Việt", "2. English"]
        before = len(lan.messages())
        assert await lan.send("2") == 200
        [done] = (await lan.wait_for(before + 1))[before:]
        assert done.text == "Language set to English."
