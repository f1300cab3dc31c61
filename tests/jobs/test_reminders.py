"""The planning job and re-planning after a change: the outbox follows the tasks at once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.workcal import WorkCalendar
from db.models import (
    Occurrence,
    OccurrenceStatus,
    Organization,
    OutboxMessage,
    OutboxStatus,
    Role,
    Task,
    TaskRole,
    TaskState,
    TaskUnit,
)
from db.queries.outbox import SyncResult
from tests.jobs.conftest import VN, Member, RecordingSender, World, at

Step = tuple[int, str, str, date]


def steps_of(rows: list[OutboxMessage], status: OutboxStatus = OutboxStatus.PENDING) -> set[Step]:
    """``(person, step, audience, day)`` of the reminder rows with ``status``."""
    return {
        (r.person_id, r.params["step"], r.params["audience"], r.due_at.astimezone(VN).date())
        for r in rows
        if r.kind == "reminder" and r.status == status
    }


def ladder(cal: WorkCalendar, due: date, person: int, first: date, last: date) -> set[Step]:
    """The lead steps of a due date that fall from ``first`` to ``last``, by the rules."""
    want = {(person, f"before{n}", "lead", cal.add_working_days(due, -n)) for n in (7, 3, 1)} | {
        (person, "due", "lead", due),
        (person, "overdue", "lead", cal.add_working_days(due, 1)),
    }
    return {s for s in want if first <= s[3] <= last}


class Scene:
    """Two units with an official each, a partner unit, a leader and an admin; one dated
    task, one ongoing task and one undated task."""

    def __init__(self, world: World) -> None:
        self.world = world

    async def build(self) -> None:
        w = self.world
        self.cal = await w.calendar()
        self.today = w.clock.now().astimezone(VN).date()
        self.unit_a = await w.unit("Văn phòng - Thống kê")
        self.unit_b = await w.unit("Tư pháp - Hộ tịch")
        self.unit_c = await w.unit("Địa chính - Xây dựng")
        self.anh: Member = await w.member("Anh", Role.OFFICIAL, self.unit_a)
        self.binh = await w.member("Bình", Role.OFFICIAL, self.unit_b)
        self.chi = await w.member("Chi", Role.OFFICIAL, self.unit_c)
        self.leader = await w.member("Lãnh đạo", Role.LEADER)
        self.admin = await w.member("Quản trị", Role.ADMIN)
        self.due = self.cal.add_working_days(self.today, 5)
        self.task, (self.occ,) = await w.task(
            "1.1", lead=[self.unit_a], partners=[self.unit_b], due=[self.due]
        )
        self.ongoing, _ = await w.task("2.1", lead=[self.unit_b], kind="ongoing")
        self.undated, _ = await w.task("3.1", lead=[self.unit_c], kind="unspecified")

    def horizon(self) -> date:
        return self.today + timedelta(days=14)


async def scene(world: World) -> Scene:
    s = Scene(world)
    await s.build()
    return s


async def test_the_first_plan_follows_the_rules(world: World) -> None:
    s = await scene(world)
    added = await world.plan()
    rows = await world.rows()
    assert added == len(rows)
    got = steps_of(rows)
    expected = ladder(s.cal, s.due, s.anh.id, s.today, s.horizon())
    expected |= {
        (s.binh.id, "before3", "partner", s.cal.add_working_days(s.due, -3)),
        (s.leader.id, "overdue", "leaders", s.cal.add_working_days(s.due, 1)),
    }
    assert got == expected
    checkins = {(r.person_id, r.due_at.astimezone(VN).date()) for r in rows if r.kind == "checkin"}
    assert checkins
    assert {person for person, _ in checkins} == {s.binh.id}
    undated = [r for r in rows if r.kind == "undated"]
    assert undated
    assert {r.person_id for r in undated} == {s.admin.id}
    assert all(r.status == OutboxStatus.PENDING for r in rows)
    assert all(r.due_at.astimezone(VN).time().isoformat() == "08:00:00" for r in rows)


async def test_planning_twice_adds_nothing(world: World) -> None:
    await scene(world)
    first = await world.plan()
    before = [(r.id, r.dedupe_key, r.status, r.due_at) for r in await world.rows()]
    assert first > 0
    assert await world.plan() == 0
    world.clock.advance(timedelta(hours=3))
    assert await world.replan() == SyncResult(0, 0, 0)
    assert [(r.id, r.dedupe_key, r.status, r.due_at) for r in await world.rows()] == before


async def test_a_done_occurrence_cancels_its_pending_rows_at_once(world: World) -> None:
    s = await scene(world)
    await world.plan()
    pending = [r for r in await world.rows() if r.task_id == s.task and r.status == "pending"]
    others = {r.id for r in await world.rows() if r.task_id != s.task}
    async with world.sessions.begin() as session:
        occ = await session.get_one(Occurrence, s.occ)
        occ.status = OccurrenceStatus.DONE
    result = await world.replan(task_id=s.task)
    assert result == SyncResult(0, 0, len(pending))
    rows = await world.rows()
    assert {r.status for r in rows if r.task_id == s.task} == {OutboxStatus.CANCELLED}
    assert {r.id for r in rows if r.status == OutboxStatus.PENDING} == others
    assert await world.plan() == 0  # the hourly plan does not bring them back

    async with world.sessions.begin() as session:
        (await session.get_one(Occurrence, s.occ)).status = OccurrenceStatus.PENDING
    assert await world.replan(task_id=s.task) == SyncResult(0, len(pending), 0)
    assert steps_of(await world.rows()) == steps_of(pending)


async def test_an_approved_extension_moves_the_ladder(world: World) -> None:
    s = await scene(world)
    await world.plan()
    old = steps_of([r for r in await world.rows() if r.task_id == s.task])
    moved = s.cal.add_working_days(s.due, 4)
    async with world.sessions.begin() as session:
        (await session.get_one(Occurrence, s.occ)).due_date = moved
    result = await world.replan(task_id=s.task)
    rows = [r for r in await world.rows() if r.task_id == s.task]
    expected = ladder(s.cal, moved, s.anh.id, s.today, s.horizon())
    expected |= {
        (s.binh.id, "before3", "partner", s.cal.add_working_days(moved, -3)),
        (s.leader.id, "overdue", "leaders", s.cal.add_working_days(moved, 1)),
    }
    expected = {e for e in expected if e[3] <= s.horizon()}
    assert steps_of(rows) == expected
    assert steps_of(rows, OutboxStatus.CANCELLED) == old - expected
    assert result.cancelled == len(old - expected)
    assert result.added == len(expected - old)
    assert (s.anh.id, "due", "lead", s.due) in old - expected


async def test_a_new_lead_unit_takes_over_the_reminders(world: World) -> None:
    s = await scene(world)
    await world.plan()
    before = steps_of([r for r in await world.rows() if r.task_id == s.task])
    async with world.sessions.begin() as session:
        link = await session.scalar(
            select(TaskUnit).where(TaskUnit.task_id == s.task, TaskUnit.role == TaskRole.LEAD)
        )
        assert link is not None
        link.unit_id = s.unit_c
    await world.replan(task_id=s.task)
    rows = [r for r in await world.rows() if r.task_id == s.task]
    anh_before = {x for x in before if x[0] == s.anh.id}
    assert anh_before
    assert steps_of(rows, OutboxStatus.CANCELLED) == anh_before
    assert {x for x in steps_of(rows) if x[0] == s.chi.id} == {
        (s.chi.id, step, audience, day) for _, step, audience, day in anh_before
    }
    assert not {x for x in steps_of(rows) if x[0] == s.anh.id}


async def test_a_removed_task_loses_its_pending_rows(world: World) -> None:
    s = await scene(world)
    await world.plan()
    async with world.sessions.begin() as session:
        (await session.get_one(Task, s.ongoing)).state = TaskState.REMOVED
    result = await world.replan(task_id=s.ongoing)
    rows = await world.rows()
    assert result.cancelled == len([r for r in rows if r.task_id == s.ongoing]) > 0
    assert {r.status for r in rows if r.task_id == s.ongoing} == {OutboxStatus.CANCELLED}
    assert {r.status for r in rows if r.task_id == s.task} == {OutboxStatus.PENDING}


async def test_rows_already_sent_are_left_alone(world: World, sender: RecordingSender) -> None:
    s = await scene(world)
    # Plan on the day of the 3-day step, send it, then finish the task.
    three = s.cal.add_working_days(s.due, -3)
    world.clock.set(at(three, 7))
    await world.plan()
    world.clock.set(at(three, 9))
    await world.sweeper(sender).sweep()
    sent = [r for r in await world.rows() if r.status == OutboxStatus.SENT]
    assert {(r.person_id, r.params.get("step")) for r in sent if r.task_id == s.task} == {
        (s.anh.id, "before3"),
        (s.binh.id, "before3"),
    }
    async with world.sessions.begin() as session:
        (await session.get_one(Occurrence, s.occ)).status = OccurrenceStatus.DONE
    await world.replan(task_id=s.task)
    rows = {r.id: r for r in await world.rows()}
    assert all(rows[r.id].status == OutboxStatus.SENT for r in sent)
    assert all(
        r.status == OutboxStatus.CANCELLED
        for r in rows.values()
        if r.task_id == s.task and r.id not in {x.id for x in sent}
    )


async def test_the_organization_policy_is_followed(world: World) -> None:
    s = await scene(world)
    async with world.sessions.begin() as session:
        org = await session.get_one(Organization, world.org_id)
        org.policy = {"lead_before": [2], "partner_before": [], "send_time": "09:30"}
    await world.plan()
    rows = [r for r in await world.rows() if r.task_id == s.task]
    assert steps_of(rows) == {
        (s.anh.id, "before2", "lead", s.cal.add_working_days(s.due, -2)),
        (s.anh.id, "due", "lead", s.due),
        (s.anh.id, "overdue", "lead", s.cal.add_working_days(s.due, 1)),
        (s.leader.id, "overdue", "leaders", s.cal.add_working_days(s.due, 1)),
    }
    assert {r.due_at.astimezone(VN).strftime("%H:%M") for r in rows} == {"09:30"}
