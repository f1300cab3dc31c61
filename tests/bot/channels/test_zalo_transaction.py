"""Zalo transaction messages, end to end: a citizen who last wrote weeks ago gets the answer
to their complaint through ``/v3.0/oa/message/transaction``, never at night, and beyond a
year the answer goes to another channel of theirs or the admins hear they cannot be reached.

Everything runs through the real sweep and the Zalo OA emulator, whose windows follow the
test's clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.channels.base import Deferred
from bot.channels.zalo_oa import transaction
from bot.clock import ManualClock
from bot.feedback import lifecycle
from bot.feedback.intake import Submission, receive_case
from bot.messages import Attachment, Reply
from bot.operations import Actor, Operation
from bot.runtime import Runtime
from bot.settings import Settings
from db.models import Case, CaseKind, CaseStatus, Identity, MessageCount, OutboxStatus, Role
from db.queries import orgs
from jobs.scheduler import build_sweeper
from tests.bot.channels.zalo_support import running_on_zalo, zalo_settings
from tests.jobs.conftest import World
from tests.support.botapi import BotApiEmulator
from tests.support.zalo_oa import SimulatedZaloUser, ZaloOAEmulator

ANSWER = (
    "Sau khi xác minh, Ủy ban nhân dân xã giải quyết khiếu nại như sau: hộ gia đình được "
    "cấp lại giấy chứng nhận trong 15 ngày."
)


@pytest.fixture
async def zalo(clock: ManualClock) -> AsyncIterator[ZaloOAEmulator]:
    """A Zalo OA whose messaging windows run on the test's clock."""
    async with ZaloOAEmulator(now=lambda: clock.now().timestamp()) as emu:
        yield emu


async def _citizen(runtime: Runtime, lan: SimulatedZaloUser) -> int:
    """Lan writes to the OA once (which makes her a citizen of the bot); her person id."""
    assert await lan.send("/whoami") == 200
    await lan.wait_for(1)
    for _ in range(200):
        async with runtime.sessions() as session:
            person = await session.scalar(
                select(Identity.person_id).where(Identity.user_id == lan.user_id)
            )
        if person is not None:
            await asyncio.sleep(0.2)  # the answer's count is written after it went
            return person
        await asyncio.sleep(0.02)
    raise AssertionError("no identity for the Zalo user")


async def _complaint(runtime: Runtime, world: World, citizen: int, chat_id: str) -> int:
    """A complaint (khiếu nại) Lan filed, accepted and given to a unit; its id."""
    unit = await world.unit("Địa chính - Xây dựng")
    now = runtime.clock.now()
    async with runtime.sessions.begin() as session:
        received = await receive_case(
            session,
            Submission(
                kind=CaseKind.COMPLAINT,
                topic="land",
                text="Khiếu nại về việc chưa cấp lại giấy chứng nhận.",
                text_hash="0" * 64,
                channel="zalo_oa",
                chat_id=chat_id,
                consent_at=now,
            ),
            citizen_id=citizen,
            org_id=world.org_id,
            audit_org_id=world.org_id,
            now=now,
            tz=runtime.settings.tz,
            sealer=runtime.dispatcher.deployment.sealer,
        )
        case_id = received.case.id
        await lifecycle.assign(
            _operator(runtime, world, session), case_id, unit, without_members=True
        )
    return case_id


def _operator(runtime: Runtime, world: World, session: object) -> Operation:
    return Operation(
        session,  # type: ignore[arg-type]
        Actor(None, world.org_id, frozenset()),
        runtime.clock.now(),
        runtime.settings.tz,
    )


async def _answer(runtime: Runtime, world: World, case_id: int) -> None:
    async with runtime.sessions.begin() as session:
        await lifecycle.write_answer(_operator(runtime, world, session), case_id, ANSWER)


async def _counts(runtime: Runtime) -> dict[tuple[str, str], tuple[int, int]]:
    async with runtime.sessions() as session:
        rows = (await session.scalars(select(MessageCount))).all()
    return {(r.month, r.message_class): (r.count, r.cost_vnd) for r in rows}


async def _sweep_until_sent(runtime: Runtime, lan: SimulatedZaloUser, before: int) -> None:
    stats = await build_sweeper(runtime).sweep()
    assert stats.messages >= 1, stats
    await lan.wait_for(before + 1)


async def test_the_answer_to_a_complaint_a_month_later_goes_as_a_transaction_message(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    lan = zalo.user("Lan")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        world = World(runtime, clock)
        citizen = await _citizen(runtime, lan)
        case_id = await _complaint(runtime, world, citizen, lan.user_id)
        await build_sweeper(runtime).sweep()  # "accepted" goes within the window
        cs_before = zalo.calls.count("message/cs")
        clock.advance(timedelta(days=30))
        await _answer(runtime, world, case_id)
        before = len(lan.messages())
        await _sweep_until_sent(runtime, lan, before)

        sent = lan.messages()[before:]
        assert sent
        assert {m.kind for m in sent} == {"transaction"}
        assert zalo.calls.count("message/cs") == cs_before
        payload = sent[0].attachment["payload"] if sent[0].attachment else {}
        assert payload["template_type"] == "transaction_event"
        assert payload["language"] == "VI"
        assert sent[0].header is not None
        assert sent[0].header.startswith("Thông báo")
        lines = [line for m in sent for line in m.lines]
        assert lines[0] == "Trả lời ý kiến KH-2026-00001 của bạn:"
        assert ANSWER in " ".join(lines)
        assert "1. Hài lòng" in lines  # the numbered choices travel in the text
        month = clock.now().astimezone(settings.tz).strftime("%Y-%m")
        counts = await _counts(runtime)
        assert counts[(month, "transaction")] == (len(sent), 165 * len(sent))

        # She answers in the chat, which reopens the window: the reply is a free one.
        before = len(lan.messages())
        assert await lan.send("1") == 200
        [thanks] = (await lan.wait_for(before + 1))[before:]
        assert thanks.kind == "cs"
        async with runtime.sessions() as session:
            case = await session.get_one(Case, case_id)
        assert case.status is CaseStatus.CLOSED


async def test_at_night_the_transaction_message_waits_for_six_in_the_morning(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    lan = zalo.user("Lan")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        world = World(runtime, clock)
        async with runtime.sessions.begin() as session:
            # A commune that sends until late: only Zalo's own hours hold the message.
            await orgs.set_org_policy(
                session, world.org_id, {"work_start": "05:00", "work_end": "23:30"}
            )
        citizen = await _citizen(runtime, lan)
        case_id = await _complaint(runtime, world, citizen, lan.user_id)
        await build_sweeper(runtime).sweep()
        # Thirty days later, at 23:00 local time.
        night = (clock.now() + timedelta(days=30)).astimezone(settings.tz)
        clock.set(night.replace(hour=23, minute=0))
        await _answer(runtime, world, case_id)
        before = len(lan.messages())
        transaction_calls = zalo.calls.count("message/transaction")

        stats = await build_sweeper(runtime).sweep()

        assert stats.held == 1
        assert stats.messages == 0
        assert len(lan.messages()) == before
        assert zalo.calls.count("message/transaction") == transaction_calls
        [row] = [r for r in await world.rows(citizen) if r.status is OutboxStatus.PENDING]
        morning = (night + timedelta(days=1)).replace(hour=6, minute=0)
        assert row.due_at == morning
        assert row.attempts == 0  # held, not failed

        clock.set(morning - timedelta(minutes=1))
        assert (await build_sweeper(runtime).sweep()).messages == 0
        clock.set(morning)
        await _sweep_until_sent(runtime, lan, before)
        assert {m.kind for m in lan.messages()[before:]} == {"transaction"}


def test_the_quiet_hours_end_at_six_and_begin_at_ten() -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    day = datetime(2026, 4, 1, tzinfo=tz)
    assert transaction.held_until(day.replace(hour=5, minute=59), tz) == day.replace(hour=6)
    assert transaction.held_until(day.replace(hour=6), tz) is None
    assert transaction.held_until(day.replace(hour=21, minute=59), tz) is None
    assert transaction.held_until(day.replace(hour=22), tz) == (day + timedelta(days=1)).replace(
        hour=6
    )


async def test_beyond_a_year_the_answer_goes_to_linked_telegram(
    tg_settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator, emulator: BotApiEmulator
) -> None:
    settings = replace(zalo_settings(tg_settings, zalo), telegram_mode="webhook")
    lan = zalo.user("Lan")
    lan_tg = emulator.user(777, "Lan", language_code="vi")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        world = World(runtime, clock)
        citizen = await _citizen(runtime, lan)
        async with runtime.sessions.begin() as session:
            session.add(
                Identity(person_id=citizen, channel="telegram", user_id="777", chat_id="777")
            )
        case_id = await _complaint(runtime, world, citizen, lan.user_id)
        await build_sweeper(runtime).sweep()
        clock.advance(timedelta(days=367))  # a Thursday, in working hours
        await _answer(runtime, world, case_id)
        before = len(lan.messages())

        stats = await build_sweeper(runtime).sweep()

        assert (stats.messages, stats.failed) == (1, 0)
        assert len(lan.messages()) == before  # Zalo refused: a year has passed
        assert zalo.calls[-1] == "message/transaction"
        assert any(ANSWER.split(":")[0] in (m.text or "") for m in lan_tg.messages())
        async with runtime.sessions() as session:
            zalo_identity = await session.scalar(
                select(Identity).where(Identity.channel == "zalo_oa")
            )
        assert zalo_identity is not None
        assert zalo_identity.unreachable_reason == "zalo-232"


async def test_beyond_a_year_with_zalo_alone_the_admins_hear_the_citizen_is_unreachable(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    lan = zalo.user("Lan")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        world = World(runtime, clock)
        admin = await world.member("Quản trị", Role.ADMIN)
        citizen = await _citizen(runtime, lan)
        case_id = await _complaint(runtime, world, citizen, lan.user_id)
        await build_sweeper(runtime).sweep()
        clock.advance(timedelta(days=400))
        await _answer(runtime, world, case_id)
        before = len(lan.messages())

        stats = await build_sweeper(runtime).sweep()

        assert stats.failed == 1
        assert len(lan.messages()) == before
        assert [r.status for r in await world.rows(citizen)][-1] is OutboxStatus.FAILED
        told = [r for r in await world.rows(admin.id) if r.kind == "notice"]
        assert any((r.params or {}).get("notice") == "unreachable" for r in told)
        async with runtime.sessions() as session:
            identity = await session.scalar(select(Identity).where(Identity.channel == "zalo_oa"))
        assert identity is not None
        assert identity.unreachable_reason == "zalo-232"
        assert identity.unreachable_since == clock.now()


async def _gone_quiet(runtime: Runtime, lan: SimulatedZaloUser, clock: ManualClock) -> None:
    """Lan wrote once, eight days ago: only transaction messages reach her now."""
    await _citizen(runtime, lan)
    clock.advance(timedelta(days=8))


async def test_a_long_text_goes_in_numbered_parts_and_a_refused_part_again_shorter(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    lan = zalo.user("Lan")
    words = " ".join(f"từ{i}" for i in range(200))  # about 1,100 characters
    async with running_on_zalo(settings, clock, zalo) as runtime:
        await _gone_quiet(runtime, lan, clock)
        before = len(lan.messages())
        await runtime.senders["zalo_oa"].send(lan.user_id, Reply(words))
        sent = lan.messages()[before:]
        assert len(sent) == 3
        assert [m.header for m in sent] == [f"Thông báo ({n}/3)" for n in (1, 2, 3)]
        assert " ".join(line for m in sent for line in m.lines) == words

        zalo.fail_next(lan.user_id, -210)  # Zalo counts differently: the part goes shorter
        before = len(lan.messages())
        await runtime.senders["zalo_oa"].send(lan.user_id, Reply(words[:400]))
        sent = lan.messages()[before:]
        assert len(sent) == 2
        elements = [e for m in sent for e in m.attachment["payload"]["elements"]]  # type: ignore[index]
        assert max(len(e["content"]) for e in elements if e["type"] == "text") <= 125
        assert " ".join(line for m in sent for line in m.lines) == words[:400].strip()
        counts = await _counts(runtime)
    assert counts[("2026-03", "transaction")] == (5, 5 * 165)


async def test_zalo_saying_not_at_night_holds_the_message_and_a_file_goes_as_a_link(
    settings: Settings, clock: ManualClock, zalo: ZaloOAEmulator
) -> None:
    settings = zalo_settings(settings, zalo)
    lan = zalo.user("Lan")
    async with running_on_zalo(settings, clock, zalo) as runtime:
        await _gone_quiet(runtime, lan, clock)
        zalo.fail_next(lan.user_id, -234)
        with pytest.raises(Deferred) as held:
            await runtime.senders["zalo_oa"].send(lan.user_id, Reply("Kết quả"))
        assert held.value.until == clock.now() + timedelta(hours=1)

        uploads = len(zalo.uploads)
        before = len(lan.messages())
        pdf = Attachment("ket-qua.pdf", "application/pdf", None, b"%PDF-1.4")
        await runtime.senders["zalo_oa"].send(lan.user_id, Reply("Kết quả", file=pdf))
        [sent] = lan.messages()[before:]
        assert sent.kind == "transaction"
        assert sent.lines[0] == "Kết quả"
        assert sent.lines[1].startswith(f"📎 ket-qua.pdf: {settings.public_url}/files/")
        assert len(zalo.uploads) == uploads  # a template carries no file: a link instead

        local = clock.now().astimezone(settings.tz)
        clock.set(local.replace(hour=22, minute=30))
        calls = zalo.calls.count("message/transaction")
        with pytest.raises(Deferred) as night:
            await runtime.senders["zalo_oa"].send(lan.user_id, Reply("Kết quả"))
        assert night.value.until == (local + timedelta(days=1)).replace(hour=6, minute=0)
        assert zalo.calls.count("message/transaction") == calls


def test_lines_are_packed_into_elements_with_br_and_nothing_is_lost() -> None:
    lines = [f"Dòng {i}" for i in range(100)]
    parts = transaction.messages("\n\n".join(lines))
    pieces = [piece for part in parts for piece in part]
    assert all(len(piece) <= transaction.TEXT_LIMIT for piece in pieces)
    assert all(1 <= len(part) <= transaction.TEXTS_PER_MESSAGE for part in parts)
    assert len(parts) <= 3  # packed, not one message a line
    assert [x for x in "<br>".join(pieces).split("<br>") if x] == lines
    assert transaction.plain(parts[0]).splitlines()[:3] == ["Dòng 0", "", "Dòng 1"]
    one_word = "x" * 600
    assert [len(p) for part in transaction.messages(one_word) for p in part] == [250, 250, 100]
    assert transaction.messages("  \n ") == [[""]]
