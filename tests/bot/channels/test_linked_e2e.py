"""End to end across channels: an official links Zalo OA and Telegram with /link, picks
Zalo with a numbered /channel answer, and a reminder Zalo refuses outside its messaging
window reaches her on Telegram, through the real sweep and both emulators over HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.settings import Settings
from db.models import Identity, OutboxStatus, Role
from jobs.scheduler import build_sweeper
from tests.bot.channels.zalo_support import running_on_zalo, zalo_settings
from tests.handlers.test_common import issue_code
from tests.jobs.conftest import World
from tests.support.botapi import BotApiEmulator
from tests.support.zalo_oa import SimulatedZaloUser, ZaloOAEmulator


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloOAEmulator]:
    """A Zalo OA on 127.0.0.1."""
    async with ZaloOAEmulator() as emu:
        yield emu


async def say(user: SimulatedZaloUser, text: str) -> str:
    """Write on Zalo; return the OA's one answer."""
    before = len(user.messages())
    assert await user.send(text) == 200
    return (await user.wait_for(before + 1))[before].text or ""


async def test_a_reminder_refused_outside_the_zalo_window_arrives_on_linked_telegram(
    tg_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator, emulator: BotApiEmulator
) -> None:
    settings = replace(zalo_settings(tg_settings, zalo), telegram_mode="webhook")
    mai_zalo = zalo.user("Mai")
    mai_tg = emulator.user(777, "Mai", language_code="en")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        world = World(runtime, clock)
        unit = await world.unit("Tư pháp - Hộ tịch")
        invite = await issue_code(runtime, Role.OFFICIAL, unit_id=unit)
        assert "Tư pháp - Hộ tịch" in await say(mai_zalo, f"/join {invite}")

        # /link on Zalo gives a code; sent on Telegram, it joins the two.
        offered = await say(mai_zalo, "/link")
        found = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4})", offered)
        assert found, offered
        await mai_tg.send(f"/link {found.group(1)}")
        assert await emulator.push_to_webhook() == 1
        done = (await mai_tg.wait_for(1))[-1].text or ""
        assert done.startswith("Done: your channels are now one account"), done
        assert "Zalo OA" in done
        assert "Telegram" in done
        # The Zalo chat, already hers, is warned of the new channel at once, in its own chat
        # and in that chat's language (Zalo reports none: Vietnamese), as its replies are,
        # not in her Telegram client's English.
        before_notice = len(mai_zalo.messages())
        await build_sweeper(runtime).sweep()
        [warned] = (await mai_zalo.wait_for(before_notice + 1))[before_notice:]
        assert (warned.text or "").startswith(
            "🔐 Tài khoản của bạn vừa được liên kết với kênh mới: Telegram. Nếu không phải bạn"
        )

        # /channel on Zalo shows numbered choices; "1" picks Zalo.
        listed = await say(mai_zalo, "/channel")
        assert "1. ✓ Zalo OA" in listed
        assert "2. Telegram" in listed
        assert (await say(mai_zalo, "1")).startswith(
            "Từ nay nhắc việc được gửi trước tiên qua Zalo OA"
        )

        cal = await world.calendar()
        today = clock.now().astimezone(settings.tz).date()
        await world.task("1.1", lead=[unit], due=[cal.add_working_days(today, 3)])
        await world.plan()
        before_zalo = len(mai_zalo.messages())
        zalo_calls = zalo.calls.count("message/cs")
        zalo.fail_next(mai_zalo.user_id, -230)  # outside the messaging window

        stats = await build_sweeper(runtime).sweep()

        assert (stats.messages, stats.failed) == (1, 0)
        assert zalo.calls.count("message/cs") == zalo_calls + 1  # Zalo was tried first
        assert len(mai_zalo.messages()) == before_zalo
        reminder = mai_tg.messages()[-1].text or ""
        assert "[1.1]" in reminder
        async with runtime.sessions() as session:
            identities = {i.channel: i for i in (await session.scalars(select(Identity))).all()}
        assert identities["zalo_oa"].unreachable_reason == "zalo-230"
        assert identities["telegram"].unreachable_since is None
        assert identities["zalo_oa"].person_id == identities["telegram"].person_id
        assert {r.status for r in await world.rows() if r.due_at <= clock.now()} == {
            OutboxStatus.SENT
        }

        # Writing on Zalo again opens the window: Zalo is reachable again.
        await say(mai_zalo, "/whoami")
        async with runtime.sessions() as session:
            zalo_identity = await session.scalar(
                select(Identity).where(Identity.channel == "zalo_oa")
            )
        assert zalo_identity is not None
        assert zalo_identity.unreachable_since is None
