"""Shared fixtures for the reminder jobs: a small organization built in the database, a
recording sender, and helpers to plan, sweep and read the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.channels.base import DeliveryError
from bot.clock import ManualClock
from bot.messages import Reply
from bot.reminders.scheduling import replan
from bot.runtime import Runtime
from bot.workcal import WorkCalendar, load_calendar
from db.models import (
    Identity,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    Person,
    Plan,
    Role,
    Task,
    TaskRole,
    TaskState,
    TaskUnit,
)
from db.queries import orgs, outbox, people
from jobs.outbox import Sweeper
from jobs.reminders import plan_reminders

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local moment in Vietnam."""
    return datetime.combine(day, time(hour, minute), tzinfo=VN)


@dataclass(frozen=True, slots=True)
class Sent:
    """One message a sender delivered."""

    at: datetime
    chat_id: int
    reply: Reply

    @property
    def text(self) -> str:
        return self.reply.text


@dataclass(slots=True)
class RecordingSender:
    """A channel that records what it delivers; failures can be queued per chat."""

    clock: ManualClock
    yields: bool = False
    sent: list[Sent] = field(default_factory=list)
    tries: list[int] = field(default_factory=list)
    failures: dict[int, list[DeliveryError]] = field(default_factory=dict)
    always_fail: dict[int, DeliveryError] = field(default_factory=dict)

    async def send(self, chat_id_text: str, reply: Reply) -> None:
        """Deliver, or raise what was queued for this chat."""
        chat_id = int(chat_id_text)
        if self.yields:
            await asyncio.sleep(0)
        self.tries.append(chat_id)
        if chat_id in self.always_fail:
            raise self.always_fail[chat_id]
        queued = self.failures.get(chat_id)
        if queued:
            raise queued.pop(0)
        if self.yields:
            await asyncio.sleep(0)
        self.sent.append(Sent(self.clock.now().astimezone(VN), chat_id, reply))

    def to(self, chat_id: int) -> list[Sent]:
        """What one chat received, in order."""
        return [s for s in self.sent if s.chat_id == chat_id]


@dataclass(frozen=True, slots=True)
class Member:
    """A person of the test organization, reachable on one chat."""

    id: int
    chat_id: int
    name: str


class World:
    """An organization with units, people and tasks, built straight in the database."""

    def __init__(self, runtime: Runtime, clock: ManualClock) -> None:
        self.runtime = runtime
        self.clock = clock
        self.sessions = runtime.sessions
        self.org_id = runtime.dispatcher.deployment.root_org_id
        self._plan_id: int | None = None
        self._next_user = 7000
        self._tasks = 0

    async def calendar(self) -> WorkCalendar:
        """The working-day calendar the jobs use."""
        async with self.sessions() as session:
            return await load_calendar(session)

    async def unit(self, name: str) -> int:
        """Add a unit; return its id."""
        async with self.sessions.begin() as session:
            unit = await orgs.add_unit(
                session, org_id=self.org_id, name=name, aliases=[], now=self.clock.now()
            )
            return unit.id

    async def member(
        self,
        name: str,
        role: Role,
        unit_id: int | None = None,
        *,
        channel: str = "test",
        user_id: int | None = None,
        locale: str | None = "en",
    ) -> Member:
        """A person with an identity on ``channel`` and one role."""
        if user_id is None:
            self._next_user += 1
            user_id = self._next_user
        async with self.sessions.begin() as session:
            person, _ = await people.person_for_identity(
                session,
                channel=channel,
                user_id=str(user_id),
                chat_id=str(user_id),
                display_name=name,
                username=None,
                now=self.clock.now(),
            )
            person.locale = locale
            await people.grant_role(
                session,
                person_id=person.id,
                org_id=self.org_id,
                role=role,
                unit_id=unit_id,
                now=self.clock.now(),
            )
            return Member(person.id, user_id, name)

    async def task(
        self,
        code: str,
        *,
        lead: Sequence[int],
        partners: Sequence[int] = (),
        due: Sequence[date] = (),
        kind: str | None = None,
        year: int | None = None,
    ) -> tuple[int, list[int]]:
        """Add an active task with these units and due dates; return its id and occurrences."""
        year = year or (due[0].year if due else self.clock.now().astimezone(VN).year)
        async with self.sessions.begin() as session:
            if self._plan_id is None:
                plan = Plan(
                    org_id=self.org_id,
                    title="Kế hoạch thử",
                    title_key="ke hoach thu",
                    year=year,
                    source="test",
                    content_hash="0" * 64,
                    imported_at=self.clock.now(),
                )
                session.add(plan)
                await session.flush()
                self._plan_id = plan.id
            self._tasks += 1
            task = Task(
                plan_id=self._plan_id,
                match_key=f"c:{code}",
                position=self._tasks,
                code=code,
                section="I",
                text=f"Task {code}",
                timeframe_text="by its date" if due else "when it happens",
                timeframe_kind=kind or ("once" if len(due) == 1 else "recurring"),
                flags={"flags": []},
                state=TaskState.ACTIVE,
            )
            task.units = [
                TaskUnit(unit_id=u, role=role, position=i)
                for role, ids in ((TaskRole.LEAD, lead), (TaskRole.PARTNER, partners))
                for i, u in enumerate(ids)
            ]
            task.occurrences = [
                Occurrence(planned_date=d, due_date=d, status=OccurrenceStatus.PENDING) for d in due
            ]
            session.add(task)
            await session.flush()
            return task.id, [o.id for o in task.occurrences]

    async def plan(self) -> int:
        """Run the planning job now."""
        return await plan_reminders(self.sessions, self.clock, VN)

    async def replan(self, task_id: int | None = None) -> outbox.SyncResult:
        """Re-plan the organization (or one task) now, as a handler does after a change."""
        async with self.sessions.begin() as session:
            return await replan(
                session, org_id=self.org_id, now=self.clock.now(), tz=VN, task_id=task_id
            )

    def sweeper(self, sender: RecordingSender, worker: str = "w1", batch: int = 30) -> Sweeper:
        """A sweeper for the test channel."""
        return Sweeper(self.sessions, self.clock, {"test": sender}, VN, worker=worker, batch=batch)

    async def rows(self, person_id: int | None = None) -> list[OutboxMessage]:
        """The outbox rows (of one person), oldest due first."""
        query = select(OutboxMessage).order_by(OutboxMessage.due_at, OutboxMessage.id)
        if person_id is not None:
            query = query.where(OutboxMessage.person_id == person_id)
        async with self.sessions() as session:
            return list((await session.scalars(query)).all())

    async def identity(self, person_id: int) -> Identity:
        """A person's (only) identity."""
        async with self.sessions() as session:
            return await session.get_one(
                Identity,
                await session.scalar(select(Identity.id).where(Identity.person_id == person_id)),
            )

    async def set_locale(self, person_id: int, locale: str) -> None:
        """Change the language a person reads."""
        async with self.sessions.begin() as session:
            (await session.get_one(Person, person_id)).locale = locale


@pytest.fixture
def world(runtime: Runtime, clock: ManualClock) -> World:
    """An empty organization on a fresh database."""
    return World(runtime, clock)


@pytest.fixture
def sender(clock: ManualClock) -> RecordingSender:
    """A channel that records every message."""
    return RecordingSender(clock)


def days_of(rows: Sequence[OutboxMessage]) -> list[date]:
    """The local days rows are due on."""
    return [r.due_at.astimezone(VN).date() for r in rows]


def working_day_at_or_after(cal: WorkCalendar, day: date) -> date:
    """``day`` if it is a working day, else the next one."""
    return day if cal.is_working_day(day) else cal.next_working_day(day)


ONE_DAY = timedelta(days=1)
