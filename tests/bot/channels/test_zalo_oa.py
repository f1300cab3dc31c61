"""End to end on Zalo: the real HTTP server and channel against the Zalo OA emulator."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import invites
from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.settings import Settings
from db.models import (
    Case,
    CaseFile,
    ChannelToken,
    Identity,
    InboxEvent,
    InboxStatus,
    OutboxMessage,
    Role,
)
from tests.bot.channels.zalo_support import running_on_zalo, zalo_settings
from tests.handlers.test_common import snapshot
from tests.support.botapi import BotApiEmulator
from tests.support.running import running_bot
from tests.support.zalo_oa import SimulatedZaloUser, ZaloOAEmulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloOAEmulator]:
    """A Zalo OA on 127.0.0.1."""
    async with ZaloOAEmulator() as emu:
        yield emu


@pytest.fixture
def z_settings(settings: Settings, zalo: ZaloOAEmulator) -> Settings:
    """Settings pointing the bot at the emulator."""
    return zalo_settings(settings, zalo)


async def say(user: SimulatedZaloUser, text: str, count: int = 1) -> list[str]:
    """Write, and return the texts the OA answered with."""
    before = len(user.messages())
    assert await user.send(text) == 200
    return [m.text or "" for m in (await user.wait_for(before + count))[before:]]


async def inbox_rows(runtime: Runtime) -> list[InboxEvent]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(InboxEvent).order_by(InboxEvent.id))).all())


async def settled(runtime: Runtime, count: int) -> list[InboxEvent]:
    """The inbox once ``count`` events are done (the worker answers before it closes them)."""
    for _ in range(200):
        rows = await inbox_rows(runtime)
        if len(rows) == count and all(r.status is InboxStatus.DONE for r in rows):
            return rows
        await _tick()
    raise AssertionError(f"inbox not settled: {[(r.kind, r.status) for r in rows]}")


async def _tick() -> None:
    await asyncio.sleep(0.02)


async def test_numbers_survive_a_wrong_number_a_sticker_and_a_restart(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    lan = zalo.user("Lan")
    async with running_on_zalo(z_settings, clock, zalo):
        assert await lan.follow() == 200
        await lan.wait_for(1)
        assert await say(lan, "#lang") == ["Chọn ngôn ngữ:\n1. Tiếng Việt\n2. English"]
        assert await say(lan, "3") == ["Không có nút nào mang số này."]
        assert await say(lan, "99.") == ["Không có nút nào mang số này."]
        before = len(lan.messages())
        assert await lan.send_sticker() == 200
        await lan.wait_for(before + 1)
    async with running_bot(z_settings, clock):
        assert await say(lan, "2") == ["Language set to English."]
        # A plain answer without choices does forget them: "1" is text again.
        [answer] = await say(lan, "1")
        assert answer != "No button has that number."


async def test_a_citizen_sends_feedback_on_zalo_with_numbers_and_labels(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    lan = zalo.user("Lan")
    text = "The drain on Market street is blocked."
    async with running_on_zalo(z_settings, clock, zalo) as runtime:
        assert await lan.follow() == 200
        [greeting] = await lan.wait_for(1)
        assert greeting.lines[0].startswith("Xin chào Lan!")
        assert greeting.lines[-1] == "1. Gửi ý kiến, phản ánh"

        assert await say(lan, "#lang") == ["Chọn ngôn ngữ:\n1. Tiếng Việt\n2. English"]
        assert await say(lan, "english") == ["Language set to English."]
        [kinds] = await say(lan, "#feedback")
        assert kinds.startswith("What would you like to send? (/cancel to stop)")
        assert "2. Report a problem (phản ánh)" in kinds.splitlines()
        [topics] = await say(lan, "2")
        assert topics.splitlines()[0] == "What is it about?"
        assert await say(lan, "Roads, water, power") == [
            "Please describe it in your own words (at most 4000 characters)."
        ]
        [files] = await say(lan, text)
        assert files.splitlines() == [
            "You can send photos or files now (up to 5), or skip.",
            "1. Skip",
        ]
        assert await say(lan, "7") == ["No button has that number."]
        before = len(lan.messages())
        assert await lan.send_sticker() == 200
        [polite] = (await lan.wait_for(before + 1))[before:]
        assert (polite.text or "").startswith("I can read text, photos, files and locations.")
        before = len(lan.messages())
        assert await lan.send_image(PNG) == 200
        [stored] = [m.text or "" for m in (await lan.wait_for(before + 1))[before:]]
        assert "1" in stored
        next_step = stored.splitlines()[-1]
        assert next_step.startswith("1. ")
        [place] = await say(lan, "1")
        assert place.splitlines()[0] == (
            "Where is it? Share a location or type the address, or skip."
        )
        before = len(lan.messages())
        assert await lan.send_location(21.0278, 105.8342) == 200
        [name] = [m.text or "" for m in (await lan.wait_for(before + 1))[before:]]
        assert name.splitlines()[0] == "Your name, if you want an answer in person (optional):"
        [publish] = await say(lan, "1")
        assert "Yes, without my name" in publish
        [consent] = await say(lan, "Yes, without my name")
        assert "I agree" in consent
        [summary] = await say(lan, "I agree")
        assert summary.splitlines()[:3] == [
            "Please check:",
            "Report a problem (phản ánh) · Roads, water, power",
            text,
        ]
        [thanks] = await say(lan, "Send")
        code = "PA-2026-00001"
        assert thanks.splitlines()[0] == (
            f"Thank you. Your feedback is received. Tracking code: {code}"
        )
        [tracked] = await say(lan, f"#track {code}")
        assert "Status: received" in tracked.splitlines() or code in tracked

        rows = await settled(runtime, len(await inbox_rows(runtime)))
        async with runtime.sessions() as session:
            case = await session.scalar(select(Case).where(Case.code == code))
            assert case is not None
            files_kept = await session.scalar(
                select(func.count()).select_from(CaseFile).where(CaseFile.case_id == case.id)
            )
        assert (case.channel, case.chat_id, case.text) == ("zalo_oa", lan.user_id, text)
        assert case.latitude == pytest.approx(21.0278)
        assert files_kept == 1
        assert int(lan.user_id) > 2**63 - 1  # kept exactly, as text
        # What people wrote is dropped from the inbox once handled; only keys stay.
        assert all(r.payload_sealed is None and r.replies_sealed is None for r in rows)
        assert "drain" not in json.dumps([r.dedupe_key for r in rows])


async def test_forged_or_missing_signatures_are_refused_and_nothing_is_kept(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    lan = zalo.user("Lan")
    event = {
        "app_id": zalo.app_id,
        "event_name": "user_send_text",
        "sender": {"id": lan.user_id},
        "recipient": {"id": zalo.oa_id},
        "message": {"text": "/help", "msg_id": "m1"},
        "timestamp": "1767225600000",
    }
    body = json.dumps(event).encode()
    good = zalo.sign(body, event)
    other_app = {**event, "app_id": "1111111111"}
    other_body = json.dumps(other_app).encode()
    async with running_on_zalo(z_settings, clock, zalo) as runtime:
        assert await zalo.post(body, None) == 401
        assert await zalo.post(body, "") == 401
        assert await zalo.post(body, "mac=" + "0" * 64) == 401
        assert await zalo.post(body, good.upper()) == 401  # "MAC=" is not the header's form
        assert await zalo.post(body + b" ", good) == 401  # the body as received, byte for byte
        assert await zalo.post(body.replace(b"/help", b"/hElp"), good) == 401
        wrong_secret = (
            "mac="
            + hashlib.sha256(zalo.app_id.encode() + body + b"1767225600000" + b"guess").hexdigest()
        )
        assert await zalo.post(body, wrong_secret) == 401
        assert await zalo.post(other_body, zalo.sign(other_body, other_app)) == 401
        assert await inbox_rows(runtime) == []
        assert lan.messages() == []


async def test_a_retried_event_is_handled_once(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    lan = zalo.user("Lan")
    async with running_on_zalo(z_settings, clock, zalo) as runtime:
        assert await lan.send("/whoami") == 200
        await lan.wait_for(1)
        for retry in (1, 2, 3):
            assert await zalo.redeliver_last(retry) == 200
        rows = await settled(runtime, 1)
        assert len(rows) == 1
        await _tick()
        assert len(lan.messages()) == 1
        # A follow has no msg_id: the event's hash recognises its retry.
        assert await lan.follow() == 200
        assert await zalo.redeliver_last() == 200
        await settled(runtime, 2)
        assert len(lan.messages()) == 2


async def test_an_expired_access_token_is_refreshed_once(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    lan = zalo.user("Lan")
    async with running_on_zalo(z_settings, clock, zalo) as runtime:
        assert zalo.refresh_calls == 0
        zalo.expire_access_tokens()
        assert await say(lan, "/whoami")
        assert zalo.refresh_calls == 1
        assert await say(lan, "/help")
        assert zalo.refresh_calls == 1
        async with runtime.sessions() as session:
            row = await session.get(ChannelToken, "zalo_oa")
        assert row is not None
        assert row.refresh_sealed is not None
        assert row.refresh_sealed not in zalo.live_refresh_tokens  # sealed, not the token itself
        assert (
            runtime.dispatcher.deployment.sealer.open(row.refresh_sealed)
            in zalo.live_refresh_tokens
        )


async def test_a_refused_refresh_tells_the_admins_to_reconnect(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    admin = zalo.user("Thu")
    lan = zalo.user("Lan")
    async with running_on_zalo(z_settings, clock, zalo) as runtime:
        async with runtime.sessions.begin() as session:
            _, code = await invites.create_invite(
                session,
                org_id=runtime.dispatcher.deployment.root_org_id,
                role=Role.ADMIN,
                unit_id=None,
                created_by=None,
                now=clock.now(),
                ttl=timedelta(days=1),
            )
        assert await say(admin, f"/start {code}")
        zalo.revoke_refresh_tokens()
        zalo.expire_access_tokens()
        assert await lan.send("/help") == 200
        for _ in range(200):
            async with runtime.sessions() as session:
                row = await session.get(ChannelToken, "zalo_oa")
                failure = None if row is None else row.failure
            if failure:
                break
            await _tick()
        assert failure is not None
        assert "-14014" in failure
        async with runtime.sessions() as session:
            notices = (await session.scalars(select(OutboxMessage))).all()
        assert [(n.channel, n.chat_id, n.params["notice"]) for n in notices] == [
            ("zalo_oa", admin.user_id, "zalo_reconnect")
        ]
        refreshes = zalo.refresh_calls
        assert await lan.send("/whoami") == 200
        await _tick()
        assert zalo.refresh_calls == refreshes  # a refused token is not tried again


async def test_hostile_input_changes_nothing_and_the_bot_keeps_answering(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    lan = zalo.user("Lan")

    async def signed(event: Mapping[str, object]) -> int:
        body = json.dumps(event).encode()
        return await zalo.post(body, zalo.sign(body, event))

    base = {"app_id": zalo.app_id, "timestamp": "1767225600000", "recipient": {"id": zalo.oa_id}}
    async with running_on_zalo(z_settings, clock, zalo) as runtime:
        assert await zalo.post(b"{not json", "mac=00") == 401
        assert await zalo.post(b"[1, 2, 3]", "mac=00") == 401
        assert await zalo.post(b"", "mac=00") == 401
        assert await zalo.post(b"\x00" * (20 * 1024 * 1024), "mac=00") == 413
        wrong_types = [
            {**base, "event_name": "user_send_text", "sender": {"id": 12345}},
            {**base, "event_name": "user_send_text", "sender": "12345"},
            {**base, "event_name": "user_send_text", "sender": {"id": "12a45"}},
            {**base, "event_name": "user_send_text", "sender": {"id": "9" * 40}},
            {**base, "event_name": ["user_send_text"], "sender": {"id": lan.user_id}},
            {**base, "event_name": "oa_send_text", "sender": {"id": zalo.oa_id}},
            {**base, "event_name": "user_seen_message", "sender": {"id": lan.user_id}},
            {**base, "event_name": "something_new", "sender": {"id": lan.user_id}},
        ]
        for event in wrong_types:
            assert await signed(event) == 200
        assert await inbox_rows(runtime) == []
        # Signed events whose content has the wrong shape are stored, then read defensively.
        odd = [
            {
                **base,
                "event_name": "user_send_text",
                "sender": {"id": lan.user_id},
                "message": {"text": 42, "msg_id": "odd1"},
            },
            {
                **base,
                "event_name": "user_send_image",
                "sender": {"id": lan.user_id},
                "message": {"attachments": "x", "msg_id": "odd2"},
            },
            {
                **base,
                "event_name": "user_send_location",
                "sender": {"id": lan.user_id},
                "message": {
                    "attachments": [
                        {"payload": {"coordinates": {"latitude": "nan", "longitude": "1e999"}}}
                    ],
                    "msg_id": "odd3",
                },
            },
            {
                **base,
                "event_name": "user_send_file",
                "sender": {"id": lan.user_id},
                "message": {
                    "attachments": [{"payload": {"url": "file:///etc/passwd"}}],
                    "msg_id": "odd4",
                },
            },
        ]
        for event in odd:
            assert await signed(event) == 200
        await settled(runtime, len(odd))
        huge = "Ư" * 30_000 + "\x00\x1b[31m"
        assert await lan.send(huge) == 200
        await settled(runtime, len(odd) + 1)
        assert await say(lan, "/whoami")
        async with runtime.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Case)) == 0
        assert all(len(m.text or "") <= 2000 for m in lan.messages())


async def test_follow_unfollow_contact_and_withdraw(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    lan = zalo.user("Lan")
    async with running_on_zalo(z_settings, clock, zalo) as runtime:
        assert await lan.follow() == 200
        await lan.wait_for(1)
        before = len(lan.messages())
        assert await lan.send_sticker() == 200
        [polite] = (await lan.wait_for(before + 1))[before:]
        assert "văn bản" in (polite.text or "")
        assert await lan.submit_info(name="Nguyễn Thị Lan", phone="0912345678") == 200
        await lan.wait_for(before + 2)
        assert await lan.unfollow() == 200
        rows = await settled(runtime, 4)
        async with runtime.sessions() as session:
            identity = await session.scalar(select(Identity))
        assert identity is not None
        assert identity.unreachable_since is not None
        assert identity.contact_sealed is not None
        assert "0912345678" not in identity.contact_sealed
        opened = runtime.dispatcher.deployment.sealer.open(identity.contact_sealed)
        assert json.loads(opened)["phone"] == "0912345678"
        assert all("0912345678" not in (r.payload_sealed or "") for r in rows)

        assert await lan.withdraw() == 200
        for _ in range(200):
            rows = await inbox_rows(runtime)
            if rows[-1].status is not InboxStatus.PENDING:
                break
            await _tick()
        assert (rows[-1].kind, rows[-1].status) in {
            ("user_withdraw", InboxStatus.HANDLED),
            ("user_withdraw", InboxStatus.DONE),
        }
        # Nothing in any table names or reaches her any more.
        tables = await snapshot(runtime)
        for trace in ("Nguyễn Thị Lan", "0912345678", lan.user_id):
            assert [t for t, rows in tables.items() if trace in repr(rows)] == [], trace


async def test_telegram_and_zalo_run_together_in_one_process(
    tg_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator, emulator: BotApiEmulator
) -> None:
    settings = replace(zalo_settings(tg_settings, zalo), telegram_mode="webhook")
    hoa = emulator.user(777, "Hoa", language_code="en")
    lan = zalo.user("Lan")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        assert set(runtime.senders) == {"telegram", "zalo_oa"}
        assert emulator.webhook_url == f"{settings.public_url}/telegram"
        await hoa.send("/help")
        assert await emulator.push_to_webhook() == 1
        assert ((await hoa.wait_for(1))[-1].text or "").startswith("What you can do:")
        assert (await say(lan, "/help"))[0].startswith("Bạn có thể")


async def test_an_answer_refused_outside_the_window_marks_the_person_unreachable(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    lan = zalo.user("Lan")
    async with running_on_zalo(z_settings, clock, zalo) as runtime:
        assert await say(lan, "/whoami")
        zalo.fail_next(lan.user_id, -230)
        assert await lan.send("/help") == 200
        rows = await settled(runtime, 2)
        assert rows[-1].last_error == "unreachable"
        async with runtime.sessions() as session:
            identity = await session.scalar(select(Identity))
        assert identity is not None
        assert identity.unreachable_since is not None
        # Writing again opens the window: reachable again, answered.
        assert await say(lan, "/whoami")
        async with runtime.sessions() as session:
            identity = await session.scalar(select(Identity))
        assert identity is not None
        assert identity.unreachable_since is None


async def test_a_flood_from_one_person_is_taken_at_once_and_answered_in_order(
    z_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    lan = zalo.user("Lan")
    codes = [f"PA-2026-{n:05d}" for n in range(1, 31)]
    async with running_on_zalo(z_settings, clock, zalo) as runtime:
        for code in codes:  # as fast as the webhook answers, without waiting for replies
            assert await lan.send(f"#track {code}") == 200
        await lan.wait_for(len(codes), within=60)
        await settled(runtime, len(codes))
    answers = [m.text or "" for m in lan.messages()]
    assert answers == [f"Không tìm thấy vụ việc {code} mà bạn được xem." for code in codes]
