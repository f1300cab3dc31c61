"""The outbox never names a citizen to the staff: a denouncer who blocked the bot stays unnamed."""

from __future__ import annotations

from datetime import timedelta

from bot.channels.base import TemporaryFailure, Unreachable
from bot.feedback.notices import CaseAssigned
from bot.reminders.notices import notify
from db.models import CaseKind, Role
from jobs.outbox import BACKOFF, MAX_ATTEMPTS, MAX_BACKOFF
from tests.conftest import Person
from tests.handlers.feedback_support import file_case, person_id
from tests.jobs.conftest import RecordingSender, World

DENOUNCER = "Nguyễn Văn Tố"
CHANNEL_NAME = "Tố Nguyễn"


async def _denouncer(world: World) -> tuple[Person, int]:
    who = Person(world.runtime, 9100, CHANNEL_NAME, "en")
    await file_case(
        who,
        CaseKind.DENUNCIATION,
        "conduct",
        "The cadastral officer asks for bribes.",
        address="Thôn 3",
        name=DENOUNCER,
        phone="0912 345 678",
    )
    return who, await person_id(world.runtime, who)


async def _tell(world: World, person: int, key: str) -> None:
    async with world.sessions.begin() as session:
        await notify(
            session,
            people=[person],
            org_id=world.org_id,
            # No case id: a notice about a case is dropped once the case has left the step
            # it speaks of, and this one is only here to be (un)deliverable.
            notice=CaseAssigned(code="TC-2026-00001"),
            key=key,
            now=world.clock.now(),
            tz=world.runtime.settings.tz,
            calendar=await world.calendar(),
        )


async def test_a_denouncer_who_blocked_the_bot_is_not_named_to_the_admins(
    world: World, sender: RecordingSender
) -> None:
    admin = await world.member("Quản trị", Role.ADMIN)
    who, pid = await _denouncer(world)
    await _tell(world, pid, "answered")
    sender.always_fail[who.user_id] = Unreachable("Forbidden: bot was blocked by the user")
    sweeper = world.sweeper(sender)
    await sweeper.sweep()
    world.clock.advance(timedelta(minutes=1))
    await sweeper.sweep()
    notices = [s.text for s in sender.to(admin.chat_id) if "cannot be reached" in s.text]
    assert notices == [
        "⚠️ A citizen cannot be reached: they blocked the bot or left the chat. Answers to "
        "their cases wait until they write to the bot again."
    ]
    for text in (s.text for s in sender.to(admin.chat_id)):
        assert CHANNEL_NAME not in text
        assert DENOUNCER not in text


async def test_a_message_to_a_citizen_that_never_goes_through_names_nobody(
    world: World, sender: RecordingSender
) -> None:
    admin = await world.member("Quản trị", Role.ADMIN)
    who, pid = await _denouncer(world)
    await _tell(world, pid, "answered")
    sender.always_fail[who.user_id] = TemporaryFailure("Bad Gateway")
    sweeper = world.sweeper(sender)
    for attempt in range(MAX_ATTEMPTS + 1):
        await sweeper.sweep()
        world.clock.advance(min(BACKOFF * 2**attempt, MAX_BACKOFF) + timedelta(seconds=1))
    texts = [s.text for s in sender.to(admin.chat_id)]
    assert "⚠️ A message to a citizen could not be delivered after several tries." in texts
    assert not any(CHANNEL_NAME in t or DENOUNCER in t for t in texts)


async def test_staff_are_still_named(world: World, sender: RecordingSender) -> None:
    admin = await world.member("Quản trị", Role.ADMIN)
    anh = await world.member("Anh", Role.OFFICIAL, await world.unit("Tư pháp"))
    await _tell(world, anh.id, "staff")
    sender.always_fail[anh.chat_id] = Unreachable("Forbidden: bot was blocked by the user")
    sweeper = world.sweeper(sender)
    await sweeper.sweep()
    world.clock.advance(timedelta(minutes=1))
    await sweeper.sweep()
    assert any("Anh cannot be reached" in s.text for s in sender.to(admin.chat_id))
