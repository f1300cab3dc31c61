"""The status screen's kept figures equal a fresh count after any write, wherever it came from.

A province (the deployment's organization) → a district → four communes, each with three
units and a 2026 plan stored by the importer (one commune also keeps a 2025 plan with open
due dates). Random writes through the domain functions — due dates done (some on an earlier
day), more time asked and decided, an event's day and an administrator's date recorded,
blockers, plans imported again with tasks added, removed, re-dated and given another lead
unit, units renamed, citizens' cases — each in a random commune; after each one the status
screens of the province, a commune, and narrowed ones equal ``task_figures`` and
``feedback_summary`` counted afresh, and the province's recounts only the commune written.
A unit renamed by the command line in another process, a due date marked done through
another engine, and the next day are seen too.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any, Final

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import units
from bot.clock import ManualClock
from bot.errors import BotError
from bot.operations import Actor, Operation
from bot.periods import Period, current_quarter, parse_period
from bot.plans.importer import import_plan
from bot.plans.preview import ParsedPlan, ParsedTask
from bot.reports import status
from bot.reports.figures import Narrow, feedback_summary, task_figures
from bot.reports.model import StatusFigures
from bot.roles import Audience
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.tasks import extensions, progress
from bot.tasks.progress import Evidence
from db.models import (
    Case,
    CaseKind,
    ExtensionRequest,
    ExtensionStatus,
    Occurrence,
    OccurrenceStatus,
    Plan,
    Task,
    TaskState,
)
from db.queries import audit, orgs, people, reports
from db.queries.reports import CaseGroup, CaseScope, Scope
from tests.conftest import REPO_ROOT, VN

TODAY: Final = date(2026, 9, 16)
YEAR: Final = 2026
UNIT_NAMES: Final = ("Văn phòng - Thống kê", "Tư pháp - Hộ tịch", "Địa chính - Xây dựng")
TIMEFRAMES: Final = (
    "Hàng quý",
    "Hàng tháng",
    "Trước ngày 30/6/{year}",
    "Quý III/{year}",
    "Tháng 10/{year}",
    "Trước 15/09/{year}",
    "Năm {year}",
    "Thường xuyên",
    "Trong vòng 5 ngày làm việc kể từ khi có văn bản",
    "",
)
COMMUNES: Final = 4
TASKS: Final = 9
STEPS: Final = 36


@pytest.fixture
def clock() -> ManualClock:
    """Wednesday 16 September 2026, 09:00 in Vietnam: late in Q3."""
    return ManualClock(datetime.combine(TODAY, time(9), tzinfo=VN))


@dataclass
class World:
    """The organizations, people and plans the writes pick from."""

    runtime: Runtime
    rng: random.Random
    province: int
    district: int
    communes: list[int]
    names: dict[int, str]
    plans: dict[int, list[ParsedTask]]
    leader: int
    official: int
    numbered: int = 0
    cases: int = 0
    recounted: list[list[int]] = field(default_factory=list)
    cases_recounted: list[list[int]] = field(default_factory=list)

    @property
    def everyone(self) -> list[int]:
        return [self.province, self.district, *self.communes]

    def operation(self, session: AsyncSession, org_id: int, person: int | None = None) -> Operation:
        audiences = frozenset({Audience.LEADER, Audience.ADMIN})
        actor = Actor(person_id=person, org_id=org_id, audiences=audiences)
        return Operation(session, actor, self.runtime.clock.now(), VN)

    def task(self, year: int = YEAR) -> ParsedTask:
        self.numbered += 1
        lead, *partners = self.rng.sample(UNIT_NAMES, self.rng.randint(1, 3))
        return ParsedTask(
            code=f"{self.numbered % 7 + 1}.{self.numbered}",
            section=None,
            dimension=f"D{self.rng.randint(1, 3)}",
            subsection=None,
            task=f"Nhiệm vụ {self.numbered}",
            target="",
            output="",
            lead=[lead],
            partners=partners,
            timeframe_text=self.rng.choice(TIMEFRAMES).format(year=year),
            flags=[],
            row=self.numbered,
        )


async def store_plan(world: World, org_id: int, tasks: list[ParsedTask], year: int) -> None:
    """Import the plan as the importer does (again: only the differences)."""
    plan = ParsedPlan(
        title=f"Kế hoạch nâng cao chỉ số PAPI năm {year}",
        year=year,
        source="test",
        tasks=list(tasks),
        warnings=[],
    )
    async with world.runtime.sessions.begin() as session:
        await import_plan(
            session,
            org_id=org_id,
            plan=plan,
            data_hash=f"{world.numbered:064d}",
            actor_id=None,
            now=world.runtime.clock.now(),
            dry_run=False,
        )


@pytest.fixture
async def world(runtime: Runtime) -> World:
    now = runtime.clock.now()
    province = runtime.dispatcher.deployment.root_org_id
    async with runtime.sessions.begin() as session:
        district = await orgs.add_org(
            session, name="UBND huyện Thử", level="district", parent_id=province, now=now
        )
        communes, names = [], {}
        for n in range(COMMUNES):
            name = f"UBND xã Thử {n + 1}"
            commune = await orgs.add_org(
                session, name=name, level="commune", parent_id=district.id, now=now
            )
            communes.append(commune.id)
            names[commune.id] = name
            for unit in UNIT_NAMES:
                await orgs.add_unit(session, org_id=commune.id, name=unit, aliases=[], now=now)
        found = []
        for user in ("1", "2"):
            person, _ = await people.person_for_identity(
                session,
                channel="test",
                user_id=user,
                chat_id=user,
                display_name=f"Cán bộ {user}",
                username=None,
                now=now,
            )
            found.append(person.id)
    world = World(
        runtime,
        random.Random(2026),
        province,
        district.id,
        communes,
        names,
        {},
        leader=found[0],
        official=found[1],
    )
    for org_id in communes:
        world.plans[org_id] = [world.task() for _ in range(TASKS)]
        await store_plan(world, org_id, world.plans[org_id], YEAR)
    # Last year's open due dates stay on this year's screen until they are done.
    await store_plan(world, communes[0], [world.task(2025) for _ in range(4)], 2025)
    for _ in range(12):
        await mark_done(world, world.rng.choice(communes))
    return world


# -- the writes ------------------------------------------------------------------------------


async def pending(world: World, org_id: int) -> list[tuple[int, date]]:
    """``(occurrence, due)`` of the organization's open due dates."""
    async with world.runtime.sessions() as session:
        rows = await session.execute(
            select(Occurrence.id, Occurrence.planned_date)
            .join(Task, Task.id == Occurrence.task_id)
            .join(Plan, Plan.id == Task.plan_id)
            .where(
                Plan.org_id == org_id,
                Task.state == TaskState.ACTIVE,
                Occurrence.status == OccurrenceStatus.PENDING,
            )
            .order_by(Occurrence.id)
        )
        return [(occ, due) for occ, due in rows]


async def tasks_of(world: World, org_id: int, kinds: Sequence[str]) -> list[int]:
    async with world.runtime.sessions() as session:
        rows = await session.scalars(
            select(Task.id)
            .join(Plan, Plan.id == Task.plan_id)
            .where(
                Plan.org_id == org_id,
                Plan.year == YEAR,
                Task.state == TaskState.ACTIVE,
                Task.timeframe_kind.in_(kinds),
            )
            .order_by(Task.id)
        )
        return list(rows)


async def mark_done(world: World, org_id: int) -> set[int]:
    found = await pending(world, org_id)
    if not found:
        return set()
    occurrence, due = world.rng.choice(found)
    done_on = None
    if world.rng.random() < 0.5:
        shifted = due + timedelta(days=world.rng.randint(-10, 10))
        done_on = min(TODAY, max(date(due.year, 1, 1), shifted))
    async with world.runtime.sessions.begin() as session:
        await progress.mark_done(
            world.operation(session, org_id), occurrence, Evidence("Biên bản"), done_on=done_on
        )
    return {org_id}


async def ask_more_time(world: World, org_id: int) -> set[int]:
    found = await pending(world, org_id)
    if not found:
        return set()
    occurrence, _ = world.rng.choice(found)
    async with world.runtime.sessions() as session:
        due = await session.scalar(select(Occurrence.due_date).where(Occurrence.id == occurrence))
    assert due is not None
    proposed = due + timedelta(days=world.rng.randint(3, 40))
    async with world.runtime.sessions.begin() as session:
        op = world.operation(session, org_id, world.official)
        await extensions.ask_for_more_time(op, occurrence, proposed, "Chờ kinh phí")
    return {org_id}


async def decide(world: World, org_id: int) -> set[int]:
    async with world.runtime.sessions() as session:
        requests = list(
            await session.scalars(
                select(ExtensionRequest.id)
                .join(Occurrence, Occurrence.id == ExtensionRequest.occurrence_id)
                .join(Task, Task.id == Occurrence.task_id)
                .join(Plan, Plan.id == Task.plan_id)
                .where(
                    Plan.org_id == org_id,
                    ExtensionRequest.status == ExtensionStatus.PENDING,
                    Occurrence.status == OccurrenceStatus.PENDING,
                )
            )
        )
    if not requests:
        return await ask_more_time(world, org_id)
    async with world.runtime.sessions.begin() as session:
        op = world.operation(session, org_id, world.leader)
        await extensions.decide(op, world.rng.choice(requests), approve=world.rng.random() < 0.7)
    return {org_id}


async def event_happened(world: World, org_id: int) -> set[int]:
    found = await tasks_of(world, org_id, ("event",))
    if not found:
        return set()
    happened = TODAY - timedelta(days=world.rng.randint(0, 30))
    async with world.runtime.sessions.begin() as session:
        await progress.record_happened(
            world.operation(session, org_id), world.rng.choice(found), happened
        )
    return {org_id}


async def date_set(world: World, org_id: int) -> set[int]:
    found = await tasks_of(world, org_id, ("ongoing", "unspecified", "event"))
    if not found:
        return set()
    day = date(YEAR, 1, 1) + timedelta(days=world.rng.randrange(365))
    async with world.runtime.sessions.begin() as session:
        await progress.set_date(world.operation(session, org_id), world.rng.choice(found), day)
    return {org_id}


async def blocked(world: World, org_id: int) -> set[int]:
    found = await pending(world, org_id)
    if not found:
        return set()
    async with world.runtime.sessions.begin() as session:
        op = world.operation(session, org_id, world.official)
        await progress.report_blocked(op, world.rng.choice(found)[0], "Thiếu kinh phí")
    return {org_id}


async def import_again(world: World, org_id: int) -> set[int]:
    tasks = world.plans[org_id]
    rng = world.rng
    if len(tasks) > 3:
        tasks.pop(rng.randrange(len(tasks)))
    tasks.append(world.task())
    changed = rng.randrange(len(tasks))
    other = world.task()
    tasks[changed] = replace(tasks[changed], timeframe_text=other.timeframe_text, lead=other.lead)
    await store_plan(world, org_id, tasks, YEAR)
    return {org_id}


async def rename_unit(world: World, org_id: int) -> set[int]:
    async with world.runtime.sessions.begin() as session:
        found = await orgs.list_units(session, org_id)
        unit = world.rng.choice(list(found))
        actor = units.Actor(org_id, None, world.runtime.clock.now())
        world.numbered += 1
        await units.rename_unit(session, actor, unit, f"Phòng số {world.numbered}")
    return {org_id}


async def case_arrives(world: World, org_id: int) -> set[int]:
    world.cases += 1
    received = world.runtime.clock.now() - timedelta(days=world.rng.randint(0, 60))
    async with world.runtime.sessions.begin() as session:
        case = Case(
            code=f"PA-{YEAR}-{world.cases:05d}",
            org_id=org_id,
            citizen_id=world.official,
            channel="test",
            chat_id="1",
            kind=CaseKind.REFLECTION,
            topic="other",
            text="…",
            text_hash=f"{world.cases:064d}",
            publishable=False,
            consent_at=received,
            received_at=received,
        )
        session.add(case)
        await session.flush()
        await audit.record(
            session,
            at=received,
            actor_id=None,
            org_id=org_id,
            action="case.received",
            entity="case",
            entity_id=case.id,
        )
    return set()


WRITES: Final[tuple[Callable[[World, int], Awaitable[set[int]]], ...]] = (
    mark_done,
    mark_done,
    ask_more_time,
    decide,
    decide,
    event_happened,
    date_set,
    blocked,
    import_again,
    import_again,
    rename_unit,
    case_arrives,
)


# -- the check ------------------------------------------------------------------------------


def views(world: World) -> list[tuple[list[int], Narrow | None]]:
    """The screens checked: the province's, a commune's, and narrowed ones."""
    return [
        (world.everyone, None),
        ([world.communes[0]], None),
        (world.everyone, Narrow(dimension="D1")),
        ([world.district, *world.communes], Narrow(unit=UNIT_NAMES[1])),
    ]


def _year(today: date) -> tuple[Period, Period]:
    return parse_period(str(YEAR), today), current_quarter(today)


async def check(world: World) -> None:
    """Every kept screen equals a fresh count of the same day."""
    today = world.runtime.clock.now().astimezone(VN).date()
    year, quarter = _year(today)
    for org_ids, narrow in views(world):
        async with world.runtime.sessions() as session:
            kept = await status.status_figures(session, org_ids, year, quarter, today, VN, narrow)
            fresh = await task_figures(
                session, org_ids, year, today, VN, narrow, details=False, carry_overdue=True
            )
            feedback = await feedback_summary(session, org_ids, quarter, VN, narrow)
        assert kept.tasks == fresh, (org_ids, narrow)
        assert kept.feedback == feedback, (org_ids, narrow)


async def recounted_by_province(world: World) -> list[int]:
    """The organizations whose tasks the province's screen counted again (checked against
    fresh); ``world.cases_recounted`` holds those whose cases it did."""
    world.recounted.clear()
    world.cases_recounted.clear()
    today = world.runtime.clock.now().astimezone(VN).date()
    year, quarter = _year(today)
    async with world.runtime.sessions() as session:
        await status.status_figures(session, world.everyone, year, quarter, today, VN)
    return sorted(org for scope in world.recounted for org in scope)


def cases_recounted(world: World) -> list[int]:
    return sorted(org for scope in world.cases_recounted for org in scope)


@pytest.fixture(autouse=True)
def spy(monkeypatch: pytest.MonkeyPatch) -> Callable[[World], None]:
    """Record which organizations the screens count; parts never expire during a test."""
    monkeypatch.setattr(status, "PART_TTL", 1e9)
    counted, cases_counted = reports.org_parts, reports.org_case_counts
    watching: list[World] = []

    async def recording(session: AsyncSession, scope: Scope, *args: Any) -> reports.OrgParts:
        for world in watching:
            world.recounted.append(list(scope.org_ids))
        return await counted(session, scope, *args)

    async def recording_cases(
        session: AsyncSession, scope: CaseScope
    ) -> list[tuple[int, CaseGroup]]:
        for world in watching:
            world.cases_recounted.append(list(scope.org_ids))
        return await cases_counted(session, scope)

    monkeypatch.setattr(reports, "org_parts", recording)
    monkeypatch.setattr(reports, "org_case_counts", recording_cases)
    return watching.append


# -- the tests ------------------------------------------------------------------------------


async def test_kept_figures_equal_a_fresh_count_after_random_writes(
    world: World, spy: Callable[[World], None]
) -> None:
    spy(world)
    await check(world)
    done: dict[str, int] = {}
    for _ in range(STEPS):
        write = world.rng.choice(WRITES)
        org_id = world.rng.choice(world.communes)
        try:
            touched = await write(world, org_id)
        except BotError:
            touched = set()  # refused (a date already due, a request moot): nothing written
        done[write.__name__] = done.get(write.__name__, 0) + 1
        recounted = await recounted_by_province(world)
        if write is case_arrives:
            assert (recounted, cases_recounted(world)) == ([], [org_id])
        else:
            assert recounted == sorted(touched), write.__name__
            # Writes about tasks leave the cases alone; units and plans count both again.
            assert set(cases_recounted(world)) <= touched, write.__name__
        await check(world)
    assert len(done) >= 8, done


async def test_a_write_by_another_process_or_engine_is_seen(
    world: World, settings: Settings, spy: Callable[[World], None], tmp_path: Path
) -> None:
    spy(world)
    await check(world)
    commune = world.communes[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": settings.database_url,
        "BOT_DATA_KEY": settings.data_key or "",
        "BOT_AUDIT_KEY": settings.audit_key or "",
        "BOT_TIMEZONE": "Asia/Ho_Chi_Minh",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    renamed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "units",
        "--org",
        world.names[commune],
        "rename",
        UNIT_NAMES[1],
        "Tư pháp",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(renamed.communicate(), 120)
    assert renamed.returncode == 0, stderr.decode()
    assert await recounted_by_province(world) == [commune]
    await check(world)
    async with open_runtime(settings, world.runtime.clock) as other:
        other_world = replace(world, runtime=other)
        assert await mark_done(other_world, world.communes[2]) == {world.communes[2]}
    assert await recounted_by_province(world) == [world.communes[2]]
    await check(world)


async def test_an_audit_entry_about_something_else_recounts_its_organization_only(
    world: World, spy: Callable[[World], None]
) -> None:
    spy(world)
    await check(world)
    for org_id, entity, expected in (
        (world.province, "bench", [world.province]),
        (world.communes[3], "invite", [world.communes[3]]),
        (None, "calendar", sorted(world.everyone)),
    ):
        async with world.runtime.sessions.begin() as session:
            await audit.record(
                session,
                at=world.runtime.clock.now(),
                actor_id=None,
                org_id=org_id,
                action=f"{entity}.touch",
                entity=entity,
                entity_id=1,
            )
        assert await recounted_by_province(world) == expected, entity
        await check(world)


async def test_a_district_acting_on_a_commune_task_recounts_that_commune(
    world: World, spy: Callable[[World], None]
) -> None:
    spy(world)
    await check(world)
    commune = world.communes[2]
    occurrence, _ = (await pending(world, commune))[0]
    async with world.runtime.sessions.begin() as session:
        await audit.record(
            session,
            at=world.runtime.clock.now(),
            actor_id=None,
            org_id=world.district,
            action="task.snoozed",
            entity="occurrence",
            entity_id=occurrence,
        )
    assert await recounted_by_province(world) == sorted([world.district, commune])
    await check(world)


async def test_the_next_day_counts_again_and_expired_parts_are_recounted(
    world: World, spy: Callable[[World], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    spy(world)
    await check(world)
    assert isinstance(world.runtime.clock, ManualClock)
    world.runtime.clock.advance(timedelta(days=15))  # past due dates of the 30th
    await check(world)
    assert await recounted_by_province(world) == []
    later = monotonic() + 2e9
    monkeypatch.setattr(status, "monotonic", lambda: later)
    assert await recounted_by_province(world) == sorted(world.everyone)
    await check(world)


async def test_the_feedback_is_kept_after_writes_only_about_tasks(
    world: World, spy: Callable[[World], None]
) -> None:
    spy(world)
    year, quarter = _year(TODAY)

    async def province() -> StatusFigures:
        async with world.runtime.sessions() as session:
            return await status.status_figures(session, world.everyone, year, quarter, TODAY, VN)

    commune = next(iter([c for c in world.communes if await pending(world, c)]))
    first = await province()
    assert await mark_done(world, commune) == {commune}
    world.cases_recounted.clear()
    second = await province()
    assert second.feedback is first.feedback
    assert second.tasks != first.tasks
    assert cases_recounted(world) == []
    await case_arrives(world, commune)
    third = await province()
    assert third.tasks is second.tasks
    assert third.feedback.received == second.feedback.received + 1
    assert cases_recounted(world) == [commune]
    await check(world)
    # A unit renamed may change which cases a unit's screen picks: its commune's are
    # counted again; the province's figures come out the same, and are kept.
    await rename_unit(world, commune)
    world.cases_recounted.clear()
    fourth = await province()
    assert cases_recounted(world) == [commune]
    assert fourth.feedback is third.feedback
    await check(world)


async def test_a_case_recounts_only_its_organization_s_cases(
    world: World, spy: Callable[[World], None]
) -> None:
    spy(world)
    await check(world)
    for commune in world.communes[1:3]:
        await case_arrives(world, commune)
        assert await recounted_by_province(world) == []
        assert cases_recounted(world) == [commune]
        await check(world)


async def test_entries_naming_no_number_or_a_huge_one_are_everyone_s_and_fail_nothing(
    world: World, spy: Callable[[World], None]
) -> None:
    spy(world)
    await check(world)
    everyone = sorted(world.everyone)
    for entity, entity_id, tasks, cases in (
        ("task", "abc", everyone, []),
        ("occurrence", "9" * 30, everyone, []),
        ("plan", "-1", everyone, []),
        ("unit", "12\n", everyone, everyone),
        ("case", "1e3", [], everyone),
        ("case", "99999999", [], everyone),
        ("task", "", everyone, []),
        ("calendar", "2026", everyone, everyone),
    ):
        async with world.runtime.sessions.begin() as session:
            await audit.record(
                session,
                at=world.runtime.clock.now(),
                actor_id=None,
                org_id=None,
                action=f"{entity}.touch",
                entity=entity,
                entity_id=entity_id,
            )
        assert await recounted_by_province(world) == tasks, (entity, entity_id)
        assert cases_recounted(world) == cases, (entity, entity_id)
        await check(world)


async def test_an_entry_about_a_case_recounts_the_case_s_organization(
    world: World, spy: Callable[[World], None]
) -> None:
    """An entry names what changed even when its own rows' ids were read past already (on
    PostgreSQL ids are not handed out in commit order; the trail's are)."""
    spy(world)
    commune = world.communes[3]
    await case_arrives(world, commune)
    await check(world)
    async with world.runtime.sessions() as session:
        case_id = await session.scalar(select(Case.id).where(Case.org_id == commune))
    async with world.runtime.sessions.begin() as session:
        await audit.record(
            session,
            at=world.runtime.clock.now(),
            actor_id=None,
            org_id=world.district,
            action="case.touch",
            entity="case",
            entity_id=case_id or 0,
        )
    assert await recounted_by_province(world) == []
    assert cases_recounted(world) == sorted([world.district, commune])
    await check(world)
