"""Zalo's messaging window: each message sent counted in its class, priced, and reported."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from docx import Document
from sqlalchemy import select

from bot.channels.zalo_oa.window import MessageClass, WindowPolicy
from bot.clock import ManualClock
from bot.i18n import Translator
from bot.messages import Reply
from bot.periods import parse_period
from bot.reports.document import render_document
from bot.reports.figures import figures
from bot.reports.screen import status_screen
from bot.settings import Settings
from db.models import Identity, MessageCount
from tests.bot.channels.zalo_support import running_on_zalo, zalo_settings
from tests.support.zalo_oa import ZaloOAEmulator


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloOAEmulator]:
    """A Zalo OA on 127.0.0.1."""
    async with ZaloOAEmulator() as emu:
        yield emu


def test_the_class_follows_the_age_of_the_last_interaction() -> None:
    policy = WindowPolicy()
    now = datetime(2026, 3, 10, 9, 0).astimezone()
    assert policy.classify(now - timedelta(hours=47), 7, now) is MessageClass.REPLY
    assert policy.classify(now - timedelta(hours=47), 8, now) is MessageClass.CONSULTATION
    assert policy.classify(now - timedelta(hours=49), 0, now) is MessageClass.CONSULTATION
    assert policy.classify(now - timedelta(days=7), 100, now) is MessageClass.CONSULTATION
    assert policy.classify(now - timedelta(days=8), 0, now) is MessageClass.TRANSACTION
    assert policy.classify(None, 0, now) is MessageClass.TRANSACTION
    assert WindowPolicy(free_replies=0).classify(now, 0, now) is MessageClass.CONSULTATION


async def test_sends_are_counted_by_class_and_month_and_reported(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = replace(zalo_settings(settings, zalo), zalo_price_consultation=60)
    lan = zalo.user("Lan")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        sender = runtime.senders["zalo_oa"]

        async def send(n: int) -> None:
            for i in range(n):
                await sender.send(lan.user_id, Reply(f"Tin {i}"))

        async def counts() -> dict[str, tuple[int, int]]:
            async with runtime.sessions() as session:
                rows = await session.scalars(select(MessageCount))
                return {r.message_class: (r.count, r.cost_vnd) for r in rows}

        assert await lan.follow() == 200
        await lan.wait_for(1)
        await asyncio.sleep(0.5)  # every piece of the greeting is out
        greeting = len(lan.messages())
        await send(10 - greeting)  # 10 within 48 hours: 8 free, then consultation
        assert await counts() == {"reply": (8, 0), "consultation": (2, 120)}

        clock.advance(timedelta(days=3))
        await send(1)
        clock.advance(timedelta(days=10))
        await send(2)
        assert await counts() == {
            "reply": (8, 0),
            "consultation": (3, 180),
            "transaction": (2, 330),
        }

        before = len(lan.messages())
        assert await lan.send("xin chào") == 200  # writing opens the window again
        await lan.wait_for(before + 1)
        await asyncio.sleep(0.5)
        answered = len(lan.messages()) - before
        await send(1)
        async with runtime.sessions() as session:
            identity = await session.scalar(select(Identity).where(Identity.user_id == lan.user_id))
            assert identity is not None
            assert identity.last_interaction_at == clock.now()
            assert identity.sent_since_interaction == answered + 1
        assert (await counts())["reply"] == (8 + answered + 1, 0)

        async with runtime.sessions() as session:
            data = await figures(
                session,
                org_id=runtime.dispatcher.deployment.root_org_id,
                period=parse_period("Q1/2026", clock.now().date()),
                as_of=clock.now().date(),
                tz=settings.tz,
            )
    reply = 8 + answered + 1
    assert data.to_json()["messaging"] == [
        {"month": "2026-01", "counts": {}, "cost": 0},
        {"month": "2026-02", "counts": {}, "cost": 0},
        {
            "month": "2026-03",
            "counts": {"reply": reply, "consultation": 3, "transaction": 2},
            "cost": 510,
        },
    ]
    en = Translator("en", settings.tz)
    line = (
        f"Zalo messages in 03/2026: {reply} free replies, 3 consultation messages, "
        "2 transaction messages; estimated cost 510 VND "
        "(Zalo's 2023 prices; check the current price list)."
    )
    assert line in status_screen(data, "Q1/2026", en).splitlines()
    document = Document(io.BytesIO(render_document(data, en)))
    assert f"- {line}" in [p.text for p in document.paragraphs]
    vi = status_screen(data, "Q1/2026", Translator("vi", settings.tz))
    assert "Tin nhắn Zalo tháng 03/2026" in vi
    assert "510 đồng" in vi
