"""Shared by the task, progress and plan handler tests: an office with a small imported plan.

The office is the deployment's own organization with two units, a leader overseeing one of
them, a leader over everything, an administrator, one official in each unit and a citizen,
each of whom joined by redeeming an invite with ``/start CODE``. The plan is for 2026 (the
test clock stands on Monday 2 March 2026) and holds one task of each kind of time frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.base import Sender
from bot.clock import ManualClock
from bot.i18n import Translator
from bot.messages import Attachment, Incoming, Outcome, Reply
from bot.plans import ParsedPlan, ParsedTask
from bot.plans.importer import import_plan
from bot.reminders.scheduling import replan
from bot.runtime import Runtime
from bot.workcal import WorkCalendar
from db.models import AuditEntry, Identity, Occurrence, OutboxMessage, Role, TaskEvent
from db.models import Person as PersonRow
from db.queries import orgs, plans
from jobs.outbox import Sweeper
from tests.conftest import Person
from tests.handlers.test_common import add_unit, member, root_org

VP = "Văn phòng - Thống kê"
TP = "Tư pháp - Hộ tịch"
YEAR = 2026

# code, lead, partners, time frame, expected evidence
TASKS: tuple[tuple[str, list[str], list[str], str, str], ...] = (
    ("1.1", [VP], [TP], "Tháng 02/2026", "Biên bản kiểm tra"),
    ("1.2", [VP], [], "chậm nhất ngày 10/3/2026", "Báo cáo kết quả"),
    ("1.3", [TP], [], "Quý II/2026", ""),
    ("1.4", [VP], [], "Thường xuyên", ""),
    ("1.5", [VP], [], "Trong vòng 05 ngày làm việc kể từ khi có văn bản chỉ đạo", ""),
    ("1.6", [VP], [], "Theo kế hoạch", ""),
    ("2.1", [TP], [], "Trước ngày 20/02/2026", ""),
    ("2.2", [VP], [], "Quý III/2026", ""),
)


def small_plan(
    title: str = "Kế hoạch cải thiện Chỉ số PAPI năm 2026",
    tasks: Sequence[tuple[str, list[str], list[str], str, str]] = TASKS,
) -> ParsedPlan:
    """A parsed plan with the given tasks (section 1: D1, section 2: D2)."""
    return ParsedPlan(
        title=title,
        year=YEAR,
        source="kehoach-2026.docx",
        tasks=[
            ParsedTask(
                code=code,
                section="Công khai, minh bạch" if code.startswith("2") else "Tham gia",
                dimension="D2" if code.startswith("2") else "D1",
                subsection=None,
                task=f"Nhiệm vụ {code}: tổ chức thực hiện và báo cáo",
                target="",
                output=output,
                lead=lead,
                partners=partners,
                timeframe_text=phrase,
                flags=[],
                row=row,
            )
            for row, (code, lead, partners, phrase, output) in enumerate(tasks, start=2)
        ],
        warnings=[],
    )


async def import_small_plan(runtime: Runtime, org_id: int, plan: ParsedPlan) -> int:
    """Store a plan the way the chat import does (then plan its reminders); return its id."""
    now = runtime.clock.now()
    async with runtime.sessions.begin() as session:
        report = await import_plan(
            session,
            org_id=org_id,
            plan=plan,
            data_hash="0" * 64,
            actor_id=None,
            now=now,
            dry_run=False,
        )
        await replan(session, org_id=org_id, now=now, tz=runtime.settings.tz)
    assert report.plan_id is not None
    return report.plan_id


@dataclass
class Office:
    """The deployment's organization with its people and its small plan."""

    runtime: Runtime
    clock: ManualClock
    org_id: int
    plan_id: int
    vp: int
    tp: int
    admin: Person
    leader: Person
    chief: Person
    minh: Person
    hoa: Person
    citizen: Person
    tasks: dict[str, int] = field(default_factory=dict)
    occurrences: dict[str, int] = field(default_factory=dict)

    async def person_id(self, who: Person) -> int:
        """The database id of a simulated person."""
        return await person_id(self.runtime, who)


async def person_id(runtime: Runtime, who: Person) -> int:
    """The database id of a simulated person."""
    async with runtime.sessions() as session:
        found = await session.scalar(
            select(Identity.person_id).where(
                Identity.channel == "test", Identity.user_id == str(who.user_id)
            )
        )
    assert found is not None, who.name
    return found


async def task_ids(runtime: Runtime, plan_id: int) -> dict[str, int]:
    """Task ids by code."""
    async with runtime.sessions() as session:
        return {t.code: t.id for t in await plans.tasks_of_plan(session, plan_id)}


async def first_occurrences(runtime: Runtime, plan_id: int) -> dict[str, int]:
    """The earliest occurrence id of every dated task, by code."""
    async with runtime.sessions() as session:
        found: dict[str, int] = {}
        for task in await plans.tasks_of_plan(session, plan_id):
            if task.occurrences:
                found[task.code] = min(task.occurrences, key=lambda o: o.due_date).id
        return found


@pytest.fixture
async def office(runtime: Runtime, clock: ManualClock) -> Office:
    """The office: units, people who joined by invite, and the imported small plan."""
    org_id = root_org(runtime)
    vp = await add_unit(runtime, VP)
    tp = await add_unit(runtime, TP)
    admin = await member(runtime, Role.ADMIN, user_id=9001, name="Thu")
    leader = await member(runtime, Role.LEADER, user_id=9002, name="Dũng", unit_id=vp)
    chief = await member(runtime, Role.LEADER, user_id=9003, name="Chiến")
    minh = await member(runtime, Role.OFFICIAL, user_id=9004, name="Minh", unit_id=vp)
    hoa = await member(runtime, Role.OFFICIAL, user_id=9005, name="Hoa", unit_id=tp)
    citizen = await member(runtime, None, user_id=9006, name="Lan")
    plan_id = await import_small_plan(runtime, org_id, small_plan())
    return Office(
        runtime=runtime,
        clock=clock,
        org_id=org_id,
        plan_id=plan_id,
        vp=vp,
        tp=tp,
        admin=admin,
        leader=leader,
        chief=chief,
        minh=minh,
        hoa=hoa,
        citizen=citizen,
        tasks=await task_ids(runtime, plan_id),
        occurrences=await first_occurrences(runtime, plan_id),
    )


@dataclass
class Elsewhere:
    """Another organization with its own unit and plan."""

    org_id: int
    plan_id: int
    tasks: dict[str, int]
    occurrences: dict[str, int]


@pytest.fixture
async def elsewhere(office: Office) -> Elsewhere:
    """A second commune whose plan the office's people must not touch."""
    runtime = office.runtime
    async with runtime.sessions.begin() as session:
        org = await orgs.add_org(
            session,
            name="UBND xã Bên Cạnh",
            level="commune",
            parent_id=None,
            now=office.clock.now(),
        )
        org_id = org.id
    await add_unit(runtime, VP, org_id=org_id)
    plan_id = await import_small_plan(runtime, org_id, small_plan("Kế hoạch của xã bên cạnh"))
    return Elsewhere(
        org_id,
        plan_id,
        await task_ids(runtime, plan_id),
        await first_occurrences(runtime, plan_id),
    )


# Files


async def send_file(
    who: Person,
    filename: str,
    content: bytes | None = None,
    *,
    size: int | None = None,
    caption: str | None = None,
    mime_type: str | None = None,
) -> Outcome:
    """Send a file (with an optional caption) as this person, through the dispatcher."""
    attachment = Attachment(
        filename,
        mime_type,
        size if size is not None or content is None else len(content),
        content,
    )
    incoming = Incoming(
        channel="test",
        user_id=str(who.user_id),
        chat_id=str(who.user_id),
        display_name=who.name,
        language_code=who.language,
        text=caption,
        attachment=attachment,
    )
    return await who.runtime.dispatcher.handle(incoming)


def texts(outcome: Outcome) -> list[str]:
    """The texts of an outcome's replies."""
    return [r.text for r in outcome.replies]


def payloads(reply: Reply) -> list[str]:
    """The button payloads under a reply, row by row."""
    return [b.data for row in reply.buttons for b in row]


# Reading the database


async def occurrence(runtime: Runtime, occurrence_id: int) -> Occurrence:
    """One occurrence as stored now."""
    async with runtime.sessions() as session:
        return await session.get_one(Occurrence, occurrence_id)


async def events(runtime: Runtime, task_id: int) -> list[TaskEvent]:
    """A task's history as stored now."""
    async with runtime.sessions() as session:
        return list(
            await session.scalars(
                select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.id)
            )
        )


async def audits(runtime: Runtime, action: str | None = None) -> list[AuditEntry]:
    """The audit rows (of one action), oldest first."""
    async with runtime.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(await session.scalars(query))


async def notices(runtime: Runtime, notice: str | None = None) -> list[OutboxMessage]:
    """The notice rows of the outbox (of one notice), oldest first."""
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "notice").order_by(OutboxMessage.id)
        )
        return [r for r in rows if notice is None or r.params.get("notice") == notice]


async def set_locale(runtime: Runtime, who: Person, locale: str) -> None:
    """Store the language a person reads (what ``/lang`` does), for messages the outbox sends."""
    pid = await person_id(runtime, who)
    async with runtime.sessions.begin() as session:
        (await session.get_one(PersonRow, pid)).locale = locale


# The outbox, delivered


class RecordingSender(Sender):
    """A channel that keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, Reply]] = []

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Keep the reply."""
        self.sent.append((int(chat_id), reply))

    def to(self, who: Person) -> list[Reply]:
        """What one person received."""
        return [reply for chat, reply in self.sent if chat == who.user_id]


async def sweep(runtime: Runtime, at: datetime | None = None) -> RecordingSender:
    """Run the outbox sweep once (at ``at``, else now) and return what was sent."""
    sender = RecordingSender()
    clock = ManualClock(at or runtime.clock.now())
    sweeper = Sweeper(
        runtime.sessions, clock, {"test": sender}, runtime.settings.tz, worker="test-sweeper"
    )
    await sweeper.sweep()
    return sender


def local_day(moment: datetime, runtime: Runtime) -> date:
    """The local calendar day of a moment."""
    return moment.astimezone(runtime.settings.tz).date()


def params_of(row: OutboxMessage) -> dict[str, Any]:
    """An outbox row's parameters."""
    return dict(row.params)


def en_date(day: date) -> str:
    """A date as an English reader sees it."""
    return Translator("en").date(day)


def working_calendar() -> WorkCalendar:
    """The national working-day calendar (the office has no local overrides)."""
    return WorkCalendar()
