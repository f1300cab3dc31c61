"""The outbox sweep: bundling, working hours, stale rows, retries, unreachable people,
catch-up after downtime, crashed workers, several workers, and the real Telegram stack."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from bot.channels.base import TemporaryFailure, Unreachable
from bot.channels.flood import FloodControl, Limits
from bot.channels.telegram import TelegramFloodLimiter, TelegramSender, build_application
from bot.clock import ManualClock
from bot.i18n import Translator
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from db.engine import create_engine, session_factory
from db.models import (
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    OutboxStatus,
    Role,
    Task,
    TaskState,
)
from db.queries import outbox
from jobs.outbox import BACKOFF, LEASE, MAX_ATTEMPTS, MAX_BACKOFF, Sweeper
from tests.conftest import Person
from tests.jobs.conftest import VN, Member, RecordingSender, World, at
from tests.support.botapi import BotApiEmulator

TOKEN = "123456:TEST-token"
EN = Translator("en", VN)


def today_of(world: World) -> date:
    return world.clock.now().astimezone(VN).date()


async def official(world: World, name: str) -> tuple[int, Member]:
    """A unit of its own with one official."""
    unit = await world.unit(f"Đơn vị {name}")
    return unit, await world.member(name, Role.OFFICIAL, unit)


# -- bundling, hours, stale rows ---------------------------------------------------------


async def test_everything_due_for_a_person_goes_out_as_one_message(
    world: World, sender: RecordingSender
) -> None:
    cal = await world.calendar()
    today = today_of(world)
    unit_a, anh = await official(world, "Anh")
    unit_b, binh = await official(world, "Bình")
    await world.task("1.1", lead=[unit_a], partners=[unit_b], due=[cal.add_working_days(today, 3)])
    await world.task("1.2", lead=[unit_a], due=[cal.add_working_days(today, 1)])
    await world.task("1.3", lead=[unit_a], due=[today])
    await world.plan()

    stats = await world.sweeper(sender).sweep()

    assert stats.messages == 2
    assert stats.rows == 4
    [to_anh] = sender.to(anh.chat_id)
    assert to_anh.text.startswith("You have 3 reminders:\n")
    for code in ("[1.1]", "[1.2]", "[1.3]"):
        assert to_anh.text.count(code) == 1
    assert "in 3 working days" in to_anh.text
    assert "in 1 working day" in to_anh.text
    assert "due today" in to_anh.text
    assert "While you were away" not in to_anh.text
    [to_binh] = sender.to(binh.chat_id)
    assert to_binh.text.startswith("🤝 [1.1]")
    now = world.clock.now()
    for row in await world.rows():
        if row.due_at <= now:
            assert (row.status, row.sent_at, row.claimed_by) == (OutboxStatus.SENT, now, "w1")
        else:
            assert row.status == OutboxStatus.PENDING

    again = await world.sweeper(sender).sweep()
    assert again.messages == 0
    assert len(sender.sent) == 2


async def test_nothing_goes_out_after_hours_or_on_days_off_and_rows_wait(
    world: World, sender: RecordingSender
) -> None:
    # Wednesday 7 Feb 2024 is the last working day before Tết (8-14 Feb).
    eve = date(2024, 2, 7)
    world.clock.set(at(eve, 6))
    cal = await world.calendar()
    unit, anh = await official(world, "Anh")
    due = cal.add_working_days(eve, 1)
    assert due == date(2024, 2, 15)
    await world.task("1.1", lead=[unit], due=[due])
    await world.plan()
    sweeper = world.sweeper(sender)

    quiet = [at(eve, 7, 29), at(eve, 17), at(eve, 22)]
    quiet += [at(eve + timedelta(days=n), 9) for n in range(1, 8)]  # Tết and the weekend
    quiet.append(at(due, 7, 29))
    for moment in quiet:
        world.clock.set(moment)
        assert (await sweeper.sweep()).messages == 0
    assert sender.tries == []
    assert {r.status for r in await world.rows()} == {OutboxStatus.PENDING}

    world.clock.set(at(due, 8))
    await sweeper.sweep()
    [message] = sender.to(anh.chat_id)
    assert message.at == at(due, 8)
    assert message.text.startswith("While you were away:\n📌 [1.1]")
    assert message.text.count("[1.1]") == 1
    sent = [r for r in await world.rows() if r.status == OutboxStatus.SENT]
    assert sorted(r.params["step"] for r in sent) == ["before1", "due"]


async def test_rows_about_settled_things_are_cancelled_not_sent(
    world: World, sender: RecordingSender
) -> None:
    cal = await world.calendar()
    today = today_of(world)
    unit_a, anh = await official(world, "Anh")
    unit_b, binh = await official(world, "Bình")
    done_task, (done_occ,) = await world.task(
        "1.1", lead=[unit_a], due=[cal.add_working_days(today, 3)]
    )
    live_task, _ = await world.task("1.2", lead=[unit_a], due=[cal.add_working_days(today, 1)])
    removed_task, _ = await world.task("1.3", lead=[unit_b], due=[cal.add_working_days(today, 7)])
    await world.plan()
    # Settled after planning, before the sweep (no re-plan in between).
    async with world.sessions.begin() as session:
        (await session.get_one(Occurrence, done_occ)).status = OccurrenceStatus.DONE
        (await session.get_one(Task, removed_task)).state = TaskState.REMOVED

    stats = await world.sweeper(sender).sweep()

    [message] = sender.to(anh.chat_id)
    assert "[1.2]" in message.text
    assert "[1.1]" not in message.text
    assert "You have" not in message.text
    assert sender.to(binh.chat_id) == []
    assert stats.stale == 2
    now = world.clock.now()
    due_rows = [r for r in await world.rows() if r.due_at <= now]
    assert {r.task_id: r.status for r in due_rows} == {
        done_task: OutboxStatus.CANCELLED,
        live_task: OutboxStatus.SENT,
        removed_task: OutboxStatus.CANCELLED,
    }


BAD_PARAMS: list[tuple[str, object]] = [
    ("reminder", {}),
    ("reminder", {"occurrence": "một"}),
    ("reminder", {"occurrence": 10**30}),
    ("reminder", {"occurrence": True, "step": "due"}),
    ("reminder", ["occurrence", 1]),
    ("checkin", {"task": 1.5}),
    ("event_check", {"task": None}),
    ("case_reminder", {"case": -3, "phase": "accept"}),
    ("case_reminder", {"case": "9" * 400}),
    ("notice", {"notice": "case", "step": "new", "case": 10**30}),
    ("notice", "not a mapping"),
    ("notice", {"notice": ["case"], "step": {"new": 1}}),
    ("notice", {"notice": "case", "step": ["new"]}),
    ("period_report", {"org": "x", "period": "Q9/20245"}),
    ("period_report", {"org": 1}),
]


async def test_malformed_rows_are_cancelled_and_everyone_else_is_reminded(
    world: World, sender: RecordingSender, caplog: pytest.LogCaptureFixture
) -> None:
    cal = await world.calendar()
    unit_a, anh = await official(world, "Anh")
    unit_b, binh = await official(world, "Bình")
    await world.task("1.1", lead=[unit_a], due=[today_of(world)])
    await world.task("1.2", lead=[unit_b], due=[cal.add_working_days(today_of(world), 1)])
    await world.plan()
    now = world.clock.now()
    async with world.sessions.begin() as session:
        for n, (kind, params) in enumerate(BAD_PARAMS):
            session.add(
                OutboxMessage(
                    dedupe_key=f"bad:{n}",
                    person_id=anh.id,
                    org_id=world.org_id,
                    channel="test",
                    chat_id=str(anh.chat_id),
                    kind=kind,
                    params=params,
                    due_at=now - timedelta(minutes=n),
                )
            )

    stats = await world.sweeper(sender).sweep()

    [to_anh] = sender.to(anh.chat_id)
    assert "[1.1]" in to_anh.text
    [to_binh] = sender.to(binh.chat_id)
    assert "[1.2]" in to_binh.text
    assert stats.failed == 0
    bad = [r for r in await world.rows(anh.id) if r.dedupe_key.startswith("bad:")]
    assert {r.status for r in bad} == {OutboxStatus.CANCELLED}
    assert stats.stale == len(BAD_PARAMS)
    warned = [r.getMessage() for r in caplog.records if "cancelling outbox row" in r.getMessage()]
    assert len(warned) >= len(BAD_PARAMS)
    assert not any(name in line for line in warned for name in ("Anh", "Bình"))
    assert (await world.sweeper(sender).sweep()).messages == 0


# -- failures ------------------------------------------------------------------------------


async def one_row_today(world: World) -> tuple[Member, int]:
    """Anh, with one reminder due now; return Anh and the row."""
    cal = await world.calendar()
    unit, anh = await official(world, "Anh")
    await world.task("1.1", lead=[unit], due=[cal.add_working_days(today_of(world), 3)])
    await world.plan()
    [row] = [r for r in await world.rows(anh.id) if r.due_at <= world.clock.now()]
    return anh, row.id


async def reread(world: World, row_id: int) -> OutboxMessage:
    async with world.sessions() as session:
        return await session.get_one(OutboxMessage, row_id)


async def test_a_temporary_failure_is_retried_with_backoff_then_delivered(
    world: World, sender: RecordingSender
) -> None:
    anh, row_id = await one_row_today(world)
    sender.failures[anh.chat_id] = [TemporaryFailure("network down"), TemporaryFailure("502")]
    sweeper = world.sweeper(sender)
    start = world.clock.now()

    stats = await sweeper.sweep()
    assert (stats.messages, stats.retried) == (0, 1)
    row = await reread(world, row_id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, "network down")
    assert row.due_at == start + BACKOFF

    world.clock.advance(BACKOFF - timedelta(seconds=1))
    await sweeper.sweep()
    assert len(sender.tries) == 1  # not yet

    world.clock.set(start + BACKOFF)
    await sweeper.sweep()
    row = await reread(world, row_id)
    assert (row.attempts, row.last_error) == (2, "502")
    assert row.due_at == start + BACKOFF + 2 * BACKOFF

    world.clock.set(row.due_at)
    stats = await sweeper.sweep()
    assert stats.messages == 1
    [message] = sender.to(anh.chat_id)
    assert message.text.startswith("⏰ [1.1]")
    row = await reread(world, row_id)
    assert (row.status, row.sent_at) == (OutboxStatus.SENT, world.clock.now())
    assert len(sender.tries) == 3


async def test_after_max_attempts_the_row_fails_and_the_admins_are_told(
    world: World, sender: RecordingSender
) -> None:
    anh, row_id = await one_row_today(world)
    admin = await world.member("Quản trị", Role.ADMIN)
    sender.always_fail[anh.chat_id] = TemporaryFailure("server error")
    sweeper = world.sweeper(sender)
    waits: list[timedelta] = []
    for _ in range(MAX_ATTEMPTS + 2):
        await sweeper.sweep()
        row = await reread(world, row_id)
        if row.status != OutboxStatus.PENDING:
            break
        waits.append(row.due_at - world.clock.now())
        world.clock.set(row.due_at)
    assert row.status == OutboxStatus.FAILED
    assert row.last_error == "server error"
    assert len(sender.tries) == MAX_ATTEMPTS
    assert waits == [min(BACKOFF * 2**n, MAX_BACKOFF) for n in range(MAX_ATTEMPTS - 1)]
    assert sender.to(admin.chat_id) == []

    await sweeper.sweep()  # the notice goes out on the next sweep
    [notice] = sender.to(admin.chat_id)
    assert "A message to Anh could not be delivered" in notice.text
    assert len(sender.tries) == MAX_ATTEMPTS + 1


async def test_an_unreachable_person_is_put_on_hold_and_the_admin_is_told(
    world: World, sender: RecordingSender
) -> None:
    cal = await world.calendar()
    today = today_of(world)
    unit, anh = await official(world, "Anh")
    other, binh = await official(world, "Bình")
    admin = await world.member("Quản trị", Role.ADMIN)
    await world.task("1.1", lead=[unit], due=[cal.add_working_days(today, 3)])
    await world.task("1.2", lead=[unit, other], due=[cal.add_working_days(today, 1)])
    await world.plan()
    later = [r.id for r in await world.rows(anh.id) if r.due_at > world.clock.now()]
    assert later
    sender.always_fail[anh.chat_id] = Unreachable("Forbidden: bot was blocked by the user")
    sweeper = world.sweeper(sender)

    stats = await sweeper.sweep()
    assert stats.failed == 2
    failed = [r for r in await world.rows(anh.id) if r.status == OutboxStatus.FAILED]
    assert len(failed) == 2
    assert {r.last_error for r in failed} == {"Forbidden: bot was blocked by the user"}
    assert (await world.identity(anh.id)).unreachable_since == world.clock.now()
    assert len(sender.to(binh.chat_id)) == 1

    world.clock.advance(timedelta(minutes=1))
    await sweeper.sweep()
    [notice] = sender.to(admin.chat_id)
    assert "Anh cannot be reached" in notice.text
    assert len([c for c in sender.tries if c == anh.chat_id]) == 1

    # On hold: the next plan takes Anh's future reminders off...
    await world.plan()
    rows = {r.id: r for r in await world.rows(anh.id)}
    assert {rows[i].status for i in later} == {OutboxStatus.CANCELLED}
    # ...and they come back when Anh writes to the bot again.
    await Person(world.runtime, anh.chat_id, "Anh", "en").say("/help")
    assert (await world.identity(anh.id)).unreachable_since is None
    await world.plan()
    rows = {r.id: r for r in await world.rows(anh.id)}
    assert {rows[i].status for i in later} == {OutboxStatus.PENDING}


# -- downtime and crashes ------------------------------------------------------------------


async def test_rows_missed_while_down_are_sent_once_bundled(
    world: World, sender: RecordingSender
) -> None:
    cal = await world.calendar()
    monday = today_of(world)
    world.clock.set(at(monday, 7))
    unit_a, anh = await official(world, "Anh")
    unit_b, binh = await official(world, "Bình")
    due1 = cal.add_working_days(monday, 7)  # 7-day step today
    due2 = cal.add_working_days(monday, 4)  # 3-day step tomorrow, 1-day step in three days
    due3 = cal.add_working_days(monday, 8)  # 7-day step tomorrow
    await world.task("1.1", lead=[unit_a], due=[due1])
    await world.task("1.2", lead=[unit_a], due=[due2])
    await world.task("1.3", lead=[unit_a], due=[due3])
    await world.task("1.4", lead=[unit_b], due=[cal.add_working_days(monday, 3)])
    await world.plan()

    # The bot is down from Monday 07:00 until Thursday mid-morning.
    back = cal.add_working_days(monday, 3)
    world.clock.set(at(back, 10, 15))
    await world.plan()
    stats = await world.sweeper(sender).sweep()

    [message] = sender.to(anh.chat_id)
    assert message.text.startswith("While you were away:\nYou have 3 reminders:\n")
    for code, due in (("[1.1]", due1), ("[1.2]", due2), ("[1.3]", due3)):
        assert message.text.count(code) == 1
        left = cal.working_days_between(back, due)
        assert (
            f"{code} Task {code[1:-1]}\n   due {EN.date(due)} (by its date), in {left} working day"
            in message.text
        )
    [to_binh] = sender.to(binh.chat_id)
    assert to_binh.text.startswith("While you were away:\n")
    missed = [r for r in await world.rows() if r.due_at <= world.clock.now()]
    assert len(missed) == 7
    assert {r.status for r in missed} == {OutboxStatus.SENT}
    assert stats.rows == 7
    assert stats.messages == 2

    world.clock.advance(timedelta(minutes=5))
    assert (await world.sweeper(sender).sweep()).messages == 0
    assert len(sender.sent) == 2


async def test_a_crash_mid_send_is_sent_again_after_the_lease_once(
    world: World, sender: RecordingSender
) -> None:
    cal = await world.calendar()
    today = today_of(world)
    unit_a, anh = await official(world, "Anh")
    unit_b, binh = await official(world, "Bình")
    await world.task("1.1", lead=[unit_a], partners=[unit_b], due=[cal.add_working_days(today, 3)])
    await world.task("1.2", lead=[unit_a], due=[cal.add_working_days(today, 1)])
    await world.plan()
    crashed_at = world.clock.now()
    scope = outbox.Scope(frozenset({"test"}), frozenset({world.org_id}))
    async with world.sessions.begin() as session:
        claimed = await outbox.claim(
            session,
            person_ids=[anh.id, binh.id],
            worker="crashed",
            now=crashed_at,
            lease=LEASE,
            scope=scope,
        )
    assert len(claimed) == 3
    # The worker dies here: the rows stay claimed, unsettled.
    sweeper = world.sweeper(sender, worker="w2")
    for later in (timedelta(0), timedelta(minutes=5), LEASE):
        world.clock.set(crashed_at + later)
        assert (await sweeper.sweep()).messages == 0
    assert sender.tries == []

    world.clock.set(crashed_at + LEASE + timedelta(seconds=1))
    stats = await sweeper.sweep()
    assert stats.messages == 2
    assert Counter(s.chat_id for s in sender.sent) == {anh.chat_id: 1, binh.chat_id: 1}
    assert sender.to(anh.chat_id)[0].text.startswith("You have 2 reminders:")
    world.clock.advance(LEASE * 2)
    assert (await sweeper.sweep()).messages == 0

    # The dead worker waking up cannot settle rows it no longer holds.
    async with world.sessions.begin() as session:
        await outbox.settle(
            session,
            [r.id for r in claimed],
            OutboxStatus.FAILED,
            now=world.clock.now(),
            worker="crashed",
        )
    rows = {r.id: r for r in await world.rows()}
    assert {(rows[r.id].status, rows[r.id].claimed_by) for r in claimed} == {
        (OutboxStatus.SENT, "w2")
    }


# -- several workers -----------------------------------------------------------------------


async def test_several_workers_never_deliver_a_row_twice(
    world: World, clock: ManualClock, settings: Settings
) -> None:
    cal = await world.calendar()
    today = today_of(world)
    members: list[Member] = []
    for u in range(10):
        unit = await world.unit(f"Đơn vị {u}")
        members += [await world.member(f"CB {u}-{i}", Role.OFFICIAL, unit) for i in range(10)]
        for n in (1, 3, 7):
            await world.task(f"{u}.{n}", lead=[unit], due=[cal.add_working_days(today, n)])
    await world.plan()
    now = clock.now()
    due = [r for r in await world.rows() if r.due_at <= now]
    assert len(due) == 300

    sender = RecordingSender(clock, yields=True)
    engines = [create_engine(settings.database_url) for _ in range(2)]
    try:
        sweepers = [
            Sweeper(session_factory(e), clock, {"test": sender}, VN, worker=f"w{i}", batch=7)
            for i, e in enumerate(engines, 1)
        ]
        for _ in range(5):
            await asyncio.gather(*(s.sweep() for s in sweepers))
    finally:
        for engine in engines:
            await engine.dispose()

    rows = [r for r in await world.rows() if r.due_at <= now]
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    by_worker = Counter(r.claimed_by for r in rows)
    assert set(by_worker) <= {"w1", "w2"}
    for member in members:
        texts = [s.text for s in sender.to(member.chat_id)]
        assert texts
        codes = Counter(code for text in texts for code in _codes(text))
        assert set(codes.values()) == {1}, (member, texts)
        assert len(codes) == 3
    messages_per_person = Counter(s.chat_id for s in sender.sent)
    if not os.environ.get("TEST_POSTGRES_URL"):
        # SQLite serializes writers: each person's rows are claimed together.
        assert set(messages_per_person.values()) == {1}


def _codes(text: str) -> list[str]:
    return [part.split("]")[0] for part in text.split("[")[1:]]


# -- through the real Telegram stack -------------------------------------------------------


class VirtualSleep:
    """Flood control's sleep: remember how long it was asked to wait, then just yield."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A Bot API server on 127.0.0.1."""
    async with BotApiEmulator(token=TOKEN, username="commune_test_bot") as emu:
        yield emu


@pytest.fixture
async def tg_runtime(
    settings: Settings, clock: ManualClock, emulator: BotApiEmulator
) -> AsyncIterator[Runtime]:
    """A runtime whose settings point the Telegram channel at the emulator."""
    tg = replace(
        settings,
        telegram_token=TOKEN,
        telegram_api_base_url=emulator.base_url,
        telegram_file_base_url=emulator.base_file_url,
    )
    async with open_runtime(tg, clock) as runtime:
        yield runtime


async def telegram_world(
    runtime: Runtime, clock: ManualClock, emulator: BotApiEmulator, people: int
) -> tuple[World, list[Member], date]:
    """``people`` officials on Telegram, each leading a task due seven working days ahead."""
    world = World(runtime, clock)
    cal = await world.calendar()
    today = today_of(world)
    members = []
    for i in range(people):
        unit = await world.unit(f"Đơn vị {i}")
        members.append(
            await world.member(f"CB {i}", Role.OFFICIAL, unit, channel="telegram", user_id=900 + i)
        )
        emulator.user(900 + i, f"CB {i}", language_code="en")
        await world.task(f"{i + 1}.1", lead=[unit], due=[cal.add_working_days(today, 7)])
    return world, members, cal.add_working_days(today, 7)


async def sweep_until_settled(world: World, sweeper: Sweeper, day_end: datetime) -> None:
    """Sweep now, then at each retry time, until nothing due today is left pending."""
    for _ in range(30):
        await sweeper.sweep()
        waiting = [
            r
            for r in await world.rows()
            if r.status == OutboxStatus.PENDING and r.due_at <= day_end
        ]
        if not waiting:
            return
        world.clock.set(max(world.clock.now(), min(r.due_at for r in waiting)))
    raise AssertionError("rows still pending after 30 sweeps")


async def test_a_storm_of_429s_delays_but_loses_nothing_and_keeps_order(
    tg_runtime: Runtime, clock: ManualClock, emulator: BotApiEmulator
) -> None:
    world, members, due = await telegram_world(tg_runtime, clock, emulator, 8)
    cal = await world.calendar()
    await world.plan()
    sleep = VirtualSleep()
    limiter = TelegramFloodLimiter(
        FloodControl(Limits(overall_per_second=1000, per_private_chat_interval=0.0), sleep=sleep)
    )
    app = build_application(tg_runtime, limiter)
    storm = 30  # more than the limiter's own retries for some sends: the outbox retries those
    async with app:
        sweeper = Sweeper(
            world.sessions, clock, {"telegram": TelegramSender(app)}, VN, worker="tg", batch=3
        )
        days = [cal.add_working_days(due, -n) for n in (7, 3, 1)] + [due]
        for day in days:
            emulator.flood(retry_after=1, count=storm)
            clock.set(at(day, 8))
            await sweep_until_settled(world, sweeper, at(day, 17))

    assert len(emulator.calls("sendMessage", delivered=False)) == storm * len(days)
    assert max(sleep.waits) >= 0.9  # Telegram's retry_after was waited out
    rows = [r for r in await world.rows() if r.due_at <= at(due, 17)]
    assert len(rows) == len(members) * len(days)
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert max(r.attempts for r in rows) >= 1  # some went round the outbox's own retry
    for member in members:
        texts = [m.text or "" for m in emulator.messages(member.chat_id)]
        assert len(texts) == len(days)
        assert [t.split("\n")[-1].split(", ")[-1] for t in texts[:3]] == [
            "in 7 working days",
            "in 3 working days",
            "in 1 working day",
        ]
        assert texts[3].endswith("due today (by its date)")
        assert all(not t.startswith("While you were away") for t in texts)


async def test_a_person_who_blocked_the_bot_is_unreachable_and_the_admin_hears_of_it(
    tg_runtime: Runtime, clock: ManualClock, emulator: BotApiEmulator
) -> None:
    world, (anh, binh), due = await telegram_world(tg_runtime, clock, emulator, 2)
    admin = await world.member("Quản trị", Role.ADMIN, channel="telegram", user_id=999)
    emulator.user(999, "Quản trị", language_code="en")
    cal = await world.calendar()
    clock.set(at(cal.add_working_days(due, -7), 8))
    await world.plan()
    emulator.block(anh.chat_id)
    app = build_application(
        tg_runtime,
        TelegramFloodLimiter(FloodControl(Limits(1000, 0.0), sleep=VirtualSleep())),
    )
    async with app:
        sweeper = Sweeper(world.sessions, clock, {"telegram": TelegramSender(app)}, VN, worker="tg")
        first = await sweeper.sweep()
        assert (first.messages, first.failed) == (1, 1)
        identity = await world.identity(anh.id)
        assert identity.unreachable_since == clock.now()
        [failed] = [r for r in await world.rows(anh.id) if r.status == OutboxStatus.FAILED]
        assert failed.last_error is not None
        assert "blocked" in failed.last_error
        assert emulator.messages(admin.chat_id) == []

        clock.advance(timedelta(seconds=30))
        await sweeper.sweep()
    [notice] = emulator.messages(admin.chat_id)
    assert "CB 0 cannot be reached" in (notice.text or "")
    assert len(emulator.messages(binh.chat_id)) == 1
    assert emulator.messages(anh.chat_id) == []
    assert len(emulator.calls("sendMessage", chat_id=anh.chat_id, delivered=False)) == 1


async def test_a_worker_skips_rows_another_worker_is_claiming(
    world: World, settings: Settings
) -> None:
    cal = await world.calendar()
    today = today_of(world)
    unit = await world.unit("Văn phòng")
    members = [await world.member(f"CB {i}", Role.OFFICIAL, unit) for i in range(20)]
    await world.task("1.1", lead=[unit], due=[cal.add_working_days(today, 3)])
    await world.task("1.2", lead=[unit], due=[cal.add_working_days(today, 1)])
    await world.plan()
    now = world.clock.now()
    due_ids = {r.id for r in await world.rows() if r.due_at <= now}
    assert len(due_ids) == 40
    scope = outbox.Scope(frozenset({"test"}), frozenset({world.org_id}))
    everyone = [m.id for m in members]
    postgres = settings.database_url.startswith("postgresql")
    engines = [create_engine(settings.database_url) for _ in range(2)]
    first, second = (session_factory(e) for e in engines)
    try:
        async with first.begin() as one:
            held = await outbox.claim(
                one, person_ids=everyone[:12], worker="w1", now=now, lease=LEASE, scope=scope
            )
            if postgres:
                # w1 has not committed: its rows are locked, and w2 skips them.
                async with second.begin() as two:
                    taken = await outbox.claim(
                        two, person_ids=everyone, worker="w2", now=now, lease=LEASE, scope=scope
                    )
        if not postgres:
            # SQLite lets one writer in at a time: w2 claims after w1 committed.
            async with second.begin() as two:
                taken = await outbox.claim(
                    two, person_ids=everyone, worker="w2", now=now, lease=LEASE, scope=scope
                )
    finally:
        for engine in engines:
            await engine.dispose()
    assert len(held) == 24
    assert {r.id for r in held}.isdisjoint({r.id for r in taken})
    assert {r.id for r in held} | {r.id for r in taken} == due_ids
    rows = {r.id: r for r in await world.rows()}
    assert {rows[r.id].claimed_by for r in held} == {"w1"}
    assert {rows[r.id].claimed_by for r in taken} == {"w2"}
