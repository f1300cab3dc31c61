"""Notices are timed with the working hours of the organization they belong to."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.clock import ManualClock
from bot.feedback.notices import NewCase
from bot.reminders.notices import notify
from db.models import OutboxMessage, Role
from db.queries import orgs
from tests.jobs.conftest import World, at

MONDAY = date(2026, 3, 2)


async def _queue(world: World) -> OutboxMessage:
    admin = await world.member("Quản trị", Role.ADMIN)
    async with world.sessions.begin() as session:
        await notify(
            session,
            people=[admin.id],
            org_id=world.org_id,
            notice=NewCase(case=1, code="PA-2026-00001", kind="reflection"),
            key="new-case:1",
            now=world.clock.now(),
            tz=world.runtime.settings.tz,
            calendar=await world.calendar(),
        )
    async with world.sessions() as session:
        return (await session.scalars(select(OutboxMessage))).one()


async def test_a_notice_waits_for_the_organizations_own_working_hours(
    world: World, clock: ManualClock
) -> None:
    clock.set(at(MONDAY, 8))
    async with world.sessions.begin() as session:
        await orgs.set_org_policy(
            session, world.org_id, {"work_start": "09:00", "send_time": "09:30"}
        )
    row = await _queue(world)
    # The default day starts at 07:30, so 08:00 would be inside it; this commune's does not.
    assert row.due_at == at(MONDAY, 9)


async def test_a_notice_inside_the_default_working_hours_is_due_at_once(
    world: World, clock: ManualClock
) -> None:
    clock.set(at(MONDAY, 8))
    row = await _queue(world)
    assert row.due_at == at(MONDAY, 8)
    assert row.params == {
        "notice": "new_case",
        "case": 1,
        "code": "PA-2026-00001",
        "kind": "reflection",
    }
