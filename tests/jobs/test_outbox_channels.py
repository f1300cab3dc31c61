"""The outbox and linked channels: the chosen channel first, the next one when a channel
refuses the person, the admins told only when none delivers."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.channels.base import TemporaryFailure, Unreachable
from bot.operations import Actor, Operation
from bot.people.linking import choose_channel
from db.models import Identity, OutboxStatus, Person, Role
from db.queries import reach, reminders
from jobs.outbox import Sweeper
from tests.jobs.conftest import VN, Member, RecordingSender, World

ZALO_ID = 88_001


def today_of(world: World) -> date:
    return world.clock.now().astimezone(VN).date()


async def linked_official(world: World) -> tuple[Member, int]:
    """Anh, an official on the test channel with a linked Zalo OA account and a reminder due
    now; return her and her Zalo chat."""
    cal = await world.calendar()
    unit = await world.unit("Tư pháp")
    anh = await world.member("Anh", Role.OFFICIAL, unit)
    async with world.sessions.begin() as session:
        session.add(
            Identity(
                person_id=anh.id,
                channel="zalo_oa",
                user_id=str(ZALO_ID),
                chat_id=str(ZALO_ID),
            )
        )
    await world.task("1.1", lead=[unit], due=[cal.add_working_days(today_of(world), 3)])
    return anh, ZALO_ID


def two_channel_sweeper(world: World, test: RecordingSender, zalo: RecordingSender) -> Sweeper:
    return Sweeper(world.sessions, world.clock, {"test": test, "zalo_oa": zalo}, VN, worker="w1")


async def choose(world: World, person_id: int, channel: str) -> None:
    async with world.sessions.begin() as session:
        person = await session.get_one(Person, person_id)
        op = Operation(session, Actor(person_id, world.org_id, frozenset()), world.clock.now(), VN)
        await choose_channel(op, person=person, channel=channel)


async def marks(world: World, person_id: int) -> dict[str, tuple[object, str | None]]:
    async with world.sessions() as session:
        rows = await session.scalars(select(Identity).where(Identity.person_id == person_id))
        return {i.channel: (i.unreachable_since, i.unreachable_reason) for i in rows}


async def test_the_chosen_channel_gets_the_reminders_even_those_planned_before(
    world: World, sender: RecordingSender
) -> None:
    zalo = RecordingSender(world.clock)
    anh, zalo_chat = await linked_official(world)
    await world.plan()  # planned while the oldest account (test) was the one to use
    assert {r.channel for r in await world.rows(anh.id)} == {"test"}
    await choose(world, anh.id, "zalo_oa")

    stats = await two_channel_sweeper(world, sender, zalo).sweep()

    assert stats.messages == 1
    assert sender.sent == []
    [message] = zalo.to(zalo_chat)
    assert "[1.1]" in message.text
    # New rows (plans, notices) are addressed to the chosen channel too.
    async with world.sessions() as session:
        contact = (await reminders.contacts_of(session, {anh.id}))[anh.id]
    assert (contact.channel, contact.chat_id) == ("zalo_oa", str(zalo_chat))


async def test_a_refusal_on_one_channel_is_delivered_on_the_next_without_alarming_admins(
    world: World, sender: RecordingSender
) -> None:
    zalo = RecordingSender(world.clock)
    anh, zalo_chat = await linked_official(world)
    admin = await world.member("Quản trị", Role.ADMIN)
    await world.plan()
    await choose(world, anh.id, "zalo_oa")
    zalo.always_fail[zalo_chat] = Unreachable("zalo -230: outside the window", code="zalo-230")
    sweeper = two_channel_sweeper(world, sender, zalo)

    stats = await sweeper.sweep()

    assert (stats.messages, stats.failed) == (1, 0)
    [message] = sender.to(anh.chat_id)
    assert "[1.1]" in message.text
    state = await marks(world, anh.id)
    assert state["zalo_oa"] == (world.clock.now(), "zalo-230")
    assert state["test"] == (None, None)
    sent = [r for r in await world.rows(anh.id) if r.status == OutboxStatus.SENT]
    assert sent
    # Anh was reached: nobody is told, nobody is listed.
    world.clock.advance(timedelta(minutes=1))
    await sweeper.sweep()
    assert sender.to(admin.chat_id) == []
    async with world.sessions() as session:
        assert await reach.unreachable_in(session, world.org_id, []) == []


async def test_only_when_every_channel_refuses_is_the_person_unreachable_and_admins_told(
    world: World, sender: RecordingSender
) -> None:
    zalo = RecordingSender(world.clock)
    anh, zalo_chat = await linked_official(world)
    admin = await world.member("Quản trị", Role.ADMIN)
    await world.plan()
    zalo.always_fail[zalo_chat] = Unreachable("zalo -213", code="zalo-213")
    sender.always_fail[anh.chat_id] = Unreachable("Forbidden: blocked", code="telegram-blocked")
    sweeper = two_channel_sweeper(world, sender, zalo)

    stats = await sweeper.sweep()

    assert (stats.messages, stats.failed) == (0, 1)
    assert sender.tries.count(anh.chat_id) == 1
    assert zalo.tries == [zalo_chat]
    [failed] = [r for r in await world.rows(anh.id) if r.status == OutboxStatus.FAILED]
    assert failed.last_error == "zalo -213"
    state = await marks(world, anh.id)
    assert {c: reason for c, (_, reason) in state.items()} == {
        "test": "telegram-blocked",
        "zalo_oa": "zalo-213",
    }
    world.clock.advance(timedelta(minutes=1))
    await sweeper.sweep()
    [notice] = sender.to(admin.chat_id)
    assert "Anh cannot be reached" in notice.text
    async with world.sessions() as session:
        [entry] = await reach.unreachable_in(session, world.org_id, [])
    assert entry.name == "Anh"
    assert [(r.channel, r.reason) for r in entry.refusals] == [
        ("test", "telegram-blocked"),
        ("zalo_oa", "zalo-213"),
    ]


async def test_a_temporary_failure_is_retried_later_not_sent_elsewhere(
    world: World, sender: RecordingSender
) -> None:
    zalo = RecordingSender(world.clock)
    anh, _ = await linked_official(world)
    await world.plan()
    sender.failures[anh.chat_id] = [TemporaryFailure("timeout")]

    stats = await two_channel_sweeper(world, sender, zalo).sweep()

    assert stats.retried == 1
    assert zalo.tries == []
    state = await marks(world, anh.id)
    assert state["test"] == (None, None)


async def english_client_no_choice(world: World, anh: Member) -> None:
    """Anh chose no language; her test-channel client reports English, Zalo reports none."""
    async with world.sessions.begin() as session:
        (await session.get_one(Person, anh.id)).locale = None
        test = await session.scalar(
            select(Identity).where(Identity.person_id == anh.id, Identity.channel == "test")
        )
        assert test is not None
        test.language_code = "en-US"


async def test_a_message_is_worded_for_the_account_it_is_delivered_on(
    world: World, sender: RecordingSender
) -> None:
    zalo = RecordingSender(world.clock)
    anh, zalo_chat = await linked_official(world)
    await english_client_no_choice(world, anh)
    await world.plan()
    await choose(world, anh.id, "zalo_oa")

    await two_channel_sweeper(world, sender, zalo).sweep()

    [message] = zalo.to(zalo_chat)
    # Zalo reports no language: Vietnamese, as the bot answers her there.
    assert "[1.1]" in message.text
    assert "hạn 05/03/2026" in message.text
    assert "working day" not in message.text


async def test_a_fallback_account_gets_the_message_in_its_own_language(
    world: World, sender: RecordingSender
) -> None:
    zalo = RecordingSender(world.clock)
    anh, zalo_chat = await linked_official(world)
    await english_client_no_choice(world, anh)
    await world.plan()
    await choose(world, anh.id, "zalo_oa")
    zalo.always_fail[zalo_chat] = Unreachable("zalo -230: outside the window", code="zalo-230")

    await two_channel_sweeper(world, sender, zalo).sweep()

    [message] = sender.to(anh.chat_id)
    assert "[1.1]" in message.text
    assert "working day" in message.text
    assert "ngày làm việc" not in message.text


async def test_the_chosen_language_is_used_on_every_account(
    world: World, sender: RecordingSender
) -> None:
    zalo = RecordingSender(world.clock)
    anh, zalo_chat = await linked_official(world)
    await english_client_no_choice(world, anh)
    await world.set_locale(anh.id, "en")
    await world.plan()
    await choose(world, anh.id, "zalo_oa")

    await two_channel_sweeper(world, sender, zalo).sweep()

    [message] = zalo.to(zalo_chat)
    assert "working day" in message.text
    assert "ngày làm việc" not in message.text
