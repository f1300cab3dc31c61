"""What officials record against a task: done, progress, blocked, snooze, an event, a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from bot.dates import check_date
from bot.errors import AlreadyDone, NotAllowed
from bot.operations import Operation
from bot.reminders.ladder import send_at
from bot.roles import Audience
from bot.tasks import policy
from bot.tasks.errors import AlreadyDue, BeforeStart, InTheFuture, NoSuchTask
from bot.tasks.notices import TaskBlocked
from bot.tasks.standing import counted_due, days_late
from bot.workcal import load_calendar
from db.models import EventKind, Occurrence, OccurrenceStatus, Task, TaskRole
from db.queries import outbox, progress

_LINK_SCHEMES: Final = ("http://", "https://")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What shows a due date is done: a file (with an optional caption), a link or a note."""

    text: str = ""
    file_name: str | None = None
    file_content: bytes | None = None

    @property
    def link(self) -> str | None:
        """The text, when it is a single web address."""
        text = self.text
        return text if text.startswith(_LINK_SCHEMES) and " " not in text else None

    @property
    def note(self) -> str | None:
        """The text, when it is not a link."""
        return None if self.link else (self.text or None)

    @property
    def kind(self) -> str:
        """``file``, ``link`` or ``note``, as the audit trail records it."""
        return "file" if self.file_content else ("link" if self.link else "note")


@dataclass(frozen=True, slots=True)
class Done:
    """A due date marked done; ``late_days`` is 0 when on time."""

    occurrence_id: int
    code: str
    late_days: int


@dataclass(frozen=True, slots=True)
class Noted:
    """A progress note saved in a task's history."""

    task_id: int
    event_id: int


@dataclass(frozen=True, slots=True)
class Blocked:
    """A blocker recorded, and how many leaders are told."""

    occurrence_id: int
    event_id: int
    leaders_told: int


@dataclass(frozen=True, slots=True)
class Snoozed:
    """The person is reminded again on ``day``."""

    occurrence_id: int
    day: date


@dataclass(frozen=True, slots=True)
class Dated:
    """A task given a due date (by an admin, or from the day its event happened)."""

    task_id: int
    occurrence_id: int
    code: str
    due: date
    timeframe_kind: str


async def pending_to_act_on(op: Operation, occurrence_id: int, *, lead_only: bool) -> Occurrence:
    """The due date, if the actor may act on it, taken with a lock while still pending.

    Of two steps at once, the second waits for the first and is told who settled it.
    """
    occ = await policy.occurrence_to_act_on(op, occurrence_id, lead_only=lead_only)
    await progress.lock_occurrence(op.session, occ)
    if occ.status != OccurrenceStatus.PENDING:
        raise AlreadyDone(await policy.name_of(op.session, occ.done_by))
    return occ


async def overseeing_leaders(op: Operation, task: Task) -> list[int]:
    """The leaders to tell about the task (other than the actor)."""
    leads = [u.unit_id for u in task.units if u.role == TaskRole.LEAD]
    leaders = await progress.leaders_for(op.session, op.actor.org_id, leads)
    return [p for p in leaders if p != op.actor.person_id]


def earliest_done(occ: Occurrence) -> date:
    """The first day a due date can have been done on: its plan's year began, or it was
    planned, whichever is earlier."""
    return min(date(occ.task.plan.year, 1, 1), occ.planned_date)


def check_done_on(occ: Occurrence, day: date, today: date) -> date:
    """``day`` if the due date can have been done then: not in the future, not before
    ``earliest_done``; else raise ``InTheFuture`` or ``BeforeStart``."""
    check_date(day, day.isoformat())
    if day > today:
        raise InTheFuture
    start = earliest_done(occ)
    if day < start:
        raise BeforeStart(start)
    return day


def _moment_of(day: date, tz: ZoneInfo) -> datetime:
    # Noon local time: the day stays the same in every zone reports convert it to.
    return datetime.combine(day, time(12), tz)


async def mark_done(
    op: Operation, occurrence_id: int, evidence: Evidence, *, done_on: date | None = None
) -> Done:
    """Mark a pending due date done with its evidence, on time or late (lead unit).

    ``done_on`` is the day it was really done, for an official catching up: it counts for
    on time or late instead of today (checked by ``check_done_on``); history and audit keep
    when it was recorded.
    """
    occ = await pending_to_act_on(op, occurrence_id, lead_only=True)
    if done_on is not None:
        check_done_on(occ, done_on, op.today)
    day = op.today if done_on is None else done_on
    approved = await progress.last_approval(op.session, occ.id)
    approved_on = None if approved is None else approved.astimezone(op.tz).date()
    due = counted_due(occ.planned_date, occ.due_date, approved_on)
    late_days = days_late(due, day, op.today)
    await progress.record_event(
        op.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=op.actor.person_id,
        kind=EventKind.DONE,
        at=op.now,
        note=evidence.note,
        link=evidence.link,
        file_name=evidence.file_name,
        file_content=evidence.file_content,
        late=late_days > 0,
        day=done_on,
    )
    occ.status = OccurrenceStatus.DONE
    occ.done_at = op.now if done_on is None else _moment_of(done_on, op.tz)
    occ.done_by = op.actor.person_id
    after: dict[str, object] = {"status": "done", "late": late_days > 0, "evidence": evidence.kind}
    if done_on is not None:
        after["done_on"] = done_on.isoformat()
    await op.audit("task.done", "occurrence", occ.id, before={"status": "pending"}, after=after)
    await op.replan(occ.task_id)
    return Done(occ.id, occ.task.code, late_days)


async def note_progress(
    op: Operation, task_id: int, text: str, occurrence_id: int | None = None
) -> Noted:
    """Save a progress note on a task, or on one of its due dates (lead or partner unit)."""
    task = await policy.task_to_act_on(op, task_id, lead_only=False)
    if occurrence_id is not None and occurrence_id not in {o.id for o in task.occurrences}:
        raise NotAllowed
    event = await progress.record_event(
        op.session,
        task_id=task.id,
        occurrence_id=occurrence_id,
        person_id=op.actor.person_id,
        kind=EventKind.PROGRESS,
        at=op.now,
        note=text,
    )
    await op.audit("task.progress", "task", task.id, after={"note_chars": len(text)})
    return Noted(task.id, event.id)


async def report_blocked(op: Operation, occurrence_id: int, reason: str) -> Blocked:
    """Record what blocks a pending due date and tell the overseeing leaders at once."""
    occ = await pending_to_act_on(op, occurrence_id, lead_only=False)
    event = await progress.record_event(
        op.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=op.actor.person_id,
        kind=EventKind.BLOCKED,
        at=op.now,
        note=reason,
    )
    await op.audit("task.blocked", "occurrence", occ.id, after={"reason": reason})
    leaders = await overseeing_leaders(op, occ.task)
    name = await policy.name_of(op.session, op.actor.person_id)
    await op.notify(
        people=leaders,
        notice=TaskBlocked(name=name or "", code=occ.task.code, reason=reason),
        key=f"blocked:{event.id}",
        task_id=occ.task_id,
    )
    return Blocked(occ.id, event.id, len(leaders))


async def snooze(op: Operation, occurrence_id: int, *, channel: str, chat_id: str) -> Snoozed:
    """Remind the actor again on the next working day, where they asked from."""
    occ = await pending_to_act_on(op, occurrence_id, lead_only=False)
    person_id = op.actor.person_id
    if person_id is None:
        raise NotAllowed
    day = (await load_calendar(op.session)).next_working_day(op.today)
    await outbox.enqueue(
        op.session,
        outbox.Wanted(
            key=f"s:{occ.id}:{day}:{person_id}",
            person_id=person_id,
            channel=channel,
            chat_id=chat_id,
            kind="reminder",
            due_at=send_at(day, await op.policy(), op.tz),
            params={"occurrence": occ.id, "step": "snooze", "audience": "lead"},
            org_id=None,
            task_id=occ.task_id,
        ),
    )
    await progress.record_event(
        op.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=person_id,
        kind=EventKind.SNOOZED,
        at=op.now,
        day=day,
    )
    await op.audit("task.snoozed", "occurrence", occ.id, after={"until": day.isoformat()})
    return Snoozed(occ.id, day)


async def record_happened(op: Operation, task_id: int, happened: date) -> Dated:
    """Record the day a task's awaited event happened; its deadline runs from that day."""
    task = await policy.task_to_act_on(op, task_id, lead_only=True)
    if happened > op.today:
        raise InTheFuture
    cal = await load_calendar(op.session)
    offset = task.offset_days or 0
    due = (
        cal.add_working_days(happened, offset)
        if task.offset_working_days
        else cal.add_days(happened, offset)
    )
    task = await _lock_task(op, task)
    occ = await progress.add_occurrence(op.session, task, due, op.actor.person_id)
    await progress.record_event(
        op.session,
        task_id=task.id,
        occurrence_id=occ.id,
        person_id=op.actor.person_id,
        kind=EventKind.EVENT,
        at=op.now,
        day=happened,
    )
    await op.audit(
        "task.event",
        "task",
        task.id,
        after={"happened": happened.isoformat(), "due": due.isoformat()},
    )
    await op.replan(task.id)
    return Dated(task.id, occ.id, task.code, due, task.timeframe_kind)


async def set_date(op: Operation, task_id: int, day: date) -> Dated:
    """Give a task a due date (administrators), unless it is already due that day."""
    if not op.actor.is_(Audience.ADMIN):
        raise NotAllowed
    task = await policy.task_to_see(op, task_id)
    if task is None:
        raise NoSuchTask(str(task_id))
    task = await _lock_task(op, task)
    existing = {o.planned_date: o for o in task.occurrences}
    if day in existing and existing[day].status != OccurrenceStatus.CANCELLED:
        raise AlreadyDue(task.id, day)
    occ = await progress.add_occurrence(op.session, task, day, op.actor.person_id)
    await progress.record_event(
        op.session,
        task_id=task.id,
        occurrence_id=occ.id,
        person_id=op.actor.person_id,
        kind=EventKind.DATE_SET,
        at=op.now,
        day=day,
    )
    await op.audit("task.date_set", "task", task.id, after={"due": day.isoformat()})
    await op.replan(task.id)
    return Dated(task.id, occ.id, task.code, day, task.timeframe_kind)


async def _lock_task(op: Operation, task: Task) -> Task:
    # Two dates added at once must each see the other's occurrence, not both add one.
    locked = await progress.lock_task(op.session, task.id)
    if locked is None:
        raise NotAllowed
    return locked
