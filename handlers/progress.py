"""Officials act on a task (done, progress, blocked, more time, snooze, event); leaders decide."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from bot.context import Context
from bot.dates import parse_date
from bot.numbers import parse_id
from bot.reminders.ladder import send_at
from bot.reminders.policy import policy_from
from bot.reminders.render import action_buttons
from bot.roles import Audience
from db.models import EventKind, ExtensionStatus, Occurrence, OccurrenceStatus, Task, TaskRole
from db.queries import calendar, outbox, plans, progress, reminders
from handlers.tasks import show_task

NOTE_LIMIT: Final = 2000
EVIDENCE_LIMIT: Final = 20 * 1024 * 1024
FLOW_DONE, FLOW_NOTE, FLOW_BLOCKED, FLOW_MORE, FLOW_EVENT = (
    "done",
    "progress",
    "blocked",
    "moretime",
    "event",
)


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.deployment.settings.tz).date()


def _stale(ctx: Context) -> None:
    ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))


def _arg_id(ctx: Context) -> int | None:
    return parse_id(ctx.args[0]) if ctx.args else None


async def _may_act(ctx: Context, task: Task, *, lead_only: bool) -> bool:
    if ctx.is_(Audience.ADMIN) or ctx.is_(Audience.LEADER):
        return True
    mine = await progress.official_unit_ids(ctx.session, ctx.person.id, ctx.org_id)
    roles = {TaskRole.LEAD} if lead_only else {TaskRole.LEAD, TaskRole.PARTNER}
    return any(u.unit_id in mine and u.role in roles for u in task.units)


async def _occurrence(ctx: Context, *, lead_only: bool) -> Occurrence | None:
    """The pending occurrence named by the button, if this person may act on it."""
    occ_id = _arg_id(ctx)
    occ = (
        None
        if occ_id is None
        else await progress.occurrence_in_org(ctx.session, ctx.org_id, occ_id)
    )
    if occ is None or not await _may_act(ctx, occ.task, lead_only=lead_only):
        ctx.reply(ctx._("This button is not for you. Nothing was changed."))
        return None
    if occ.status != OccurrenceStatus.PENDING:
        ctx.reply(
            ctx._(
                "Task [{code}] is already settled for {date}.",
                code=occ.task.code,
                date=ctx.t.date(occ.due_date),
            )
        )
        return None
    return occ


async def _dialog_occurrence(ctx: Context) -> Occurrence | None:
    occ_id = int(ctx.dialog.data["occ"]) if ctx.dialog else 0
    occ = await progress.occurrence_in_org(ctx.session, ctx.org_id, occ_id)
    if occ is None or occ.status != OccurrenceStatus.PENDING:
        await ctx.end_dialog()
        _stale(ctx)
        return None
    return occ


async def open_task(ctx: Context) -> None:
    """Show a task's card with the buttons to act on it."""
    await show_task(ctx)


async def start_done(ctx: Context) -> None:
    """Ask for the evidence before marking an occurrence done."""
    occ = await _occurrence(ctx, lead_only=True)
    if occ is None:
        return
    await ctx.start_dialog(FLOW_DONE, "evidence", {"occ": occ.id})
    expected = occ.task.output or ctx._("what the plan expects")
    ctx.reply(
        ctx._(
            "Task [{code}]: send the evidence ({expected}) as a file, a photo, a link or a "
            "short note. /cancel to stop.",
            code=occ.task.code,
            expected=expected,
        )
    )


async def receive_evidence(ctx: Context) -> None:
    """Record the evidence and mark the occurrence done, on time or late."""
    occ = await _dialog_occurrence(ctx)
    if occ is None:
        return
    attachment = ctx.incoming.attachment
    text = (ctx.incoming.text or "").strip()
    content: bytes | None = None
    if attachment is not None:
        if attachment.size is not None and attachment.size > EVIDENCE_LIMIT:
            ctx.reply(
                ctx._("That file is too large (at most 20 MB). Send a smaller one or a link.")
            )
            return
        content = await attachment.read()
        if len(content) > EVIDENCE_LIMIT:
            ctx.reply(
                ctx._("That file is too large (at most 20 MB). Send a smaller one or a link.")
            )
            return
    elif not text:
        ctx.reply(ctx._("Please send a file, a photo, a link or a short note (or /cancel)."))
        return
    if len(text) > NOTE_LIMIT:
        ctx.reply(ctx._("That note is too long (at most {limit} characters).", limit=NOTE_LIMIT))
        return
    today = _today(ctx)
    late = today > occ.due_date
    link = text if text.startswith(("http://", "https://")) and " " not in text else None
    await progress.record_event(
        ctx.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=ctx.person.id,
        kind=EventKind.DONE,
        at=ctx.now,
        note=None if link else (text or None),
        link=link,
        file_name=attachment.filename if attachment else None,
        file_content=content,
        late=late,
    )
    occ.status = OccurrenceStatus.DONE
    occ.done_at = ctx.now
    occ.done_by = ctx.person.id
    await ctx.audit(
        "task.done",
        "occurrence",
        occ.id,
        before={"status": "pending"},
        after={
            "status": "done",
            "late": late,
            "evidence": "file" if content else ("link" if link else "note"),
        },
    )
    await ctx.end_dialog()
    await ctx.replan(occ.task_id)
    if late:
        days = (today - occ.due_date).days
        ctx.reply(
            ctx.t.ngettext(
                "Recorded as done, {n} day late. Thank you.",
                "Recorded as done, {n} days late. Thank you.",
                days,
            )
        )
    else:
        ctx.reply(ctx._("Recorded as done on time. Thank you."))


async def start_progress(ctx: Context) -> None:
    """Ask for a short progress note."""
    occ = await _occurrence(ctx, lead_only=False)
    if occ is None:
        return
    await ctx.start_dialog(FLOW_NOTE, "note", {"occ": occ.id, "task": occ.task_id})
    ctx.reply(ctx._("Task [{code}]: write a short progress note (or /cancel).", code=occ.task.code))


async def start_task_progress(ctx: Context) -> None:
    """Ask for a progress note on a task without a date (ongoing, event)."""
    task_id = _arg_id(ctx)
    task = None if task_id is None else await plans.task_in_org(ctx.session, ctx.org_id, task_id)
    if task is None or not await _may_act(ctx, task, lead_only=False):
        ctx.reply(ctx._("This button is not for you. Nothing was changed."))
        return
    await ctx.start_dialog(FLOW_NOTE, "note", {"task": task.id})
    ctx.reply(ctx._("Task [{code}]: write a short progress note (or /cancel).", code=task.code))


async def _note_text(ctx: Context, limit: int = NOTE_LIMIT) -> str | None:
    text = (ctx.incoming.text or "").strip()
    if not text or text.startswith("/"):
        ctx.reply(ctx._("Please write it as text (or /cancel)."))
        return None
    if len(text) > limit:
        ctx.reply(ctx._("That note is too long (at most {limit} characters).", limit=limit))
        return None
    return text


async def receive_progress(ctx: Context) -> None:
    """Record a progress note."""
    if ctx.dialog is None:
        return
    text = await _note_text(ctx)
    if text is None:
        return
    occ_id = ctx.dialog.data.get("occ")
    task_id = int(ctx.dialog.data["task"])
    await progress.record_event(
        ctx.session,
        task_id=task_id,
        occurrence_id=int(occ_id) if occ_id else None,
        person_id=ctx.person.id,
        kind=EventKind.PROGRESS,
        at=ctx.now,
        note=text,
    )
    await ctx.audit("task.progress", "task", task_id, after={"note_chars": len(text)})
    await ctx.end_dialog()
    ctx.reply(ctx._("Progress note saved."))


async def start_blocked(ctx: Context) -> None:
    """Ask what blocks the task."""
    occ = await _occurrence(ctx, lead_only=False)
    if occ is None:
        return
    await ctx.start_dialog(FLOW_BLOCKED, "reason", {"occ": occ.id})
    ctx.reply(ctx._("Task [{code}]: what is blocking it? (or /cancel)", code=occ.task.code))


async def receive_blocker(ctx: Context) -> None:
    """Record the blocker and tell the overseeing leaders at once."""
    occ = await _dialog_occurrence(ctx)
    if occ is None:
        return
    reason = await _note_text(ctx, 1000)
    if reason is None:
        return
    event = await progress.record_event(
        ctx.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=ctx.person.id,
        kind=EventKind.BLOCKED,
        at=ctx.now,
        note=reason,
    )
    await ctx.audit("task.blocked", "occurrence", occ.id, after={"reason": reason})
    leads = [u.unit_id for u in occ.task.units if u.role == TaskRole.LEAD]
    leaders = await progress.leaders_for(ctx.session, ctx.org_id, leads)
    await ctx.notify(
        people=[p for p in leaders if p != ctx.person.id],
        org_id=ctx.org_id,
        notice="blocked",
        params={"name": ctx.person.display_name, "code": occ.task.code, "reason": reason},
        key=f"blocked:{event.id}",
        task_id=occ.task_id,
    )
    await ctx.end_dialog()
    ctx.reply(ctx._("The blocker is recorded and the leaders are told."))


async def start_more_time(ctx: Context) -> None:
    """Ask for the proposed new date."""
    occ = await _occurrence(ctx, lead_only=True)
    if occ is None:
        return
    await ctx.start_dialog(FLOW_MORE, "date", {"occ": occ.id})
    ctx.reply(
        ctx._(
            "Task [{code}] is due {date}. By which date can it be done? "
            "(for example 15/10/2024, or /cancel)",
            code=occ.task.code,
            date=ctx.t.date(occ.due_date),
        )
    )


async def receive_proposed_date(ctx: Context) -> None:
    """Take the proposed date and ask why."""
    occ = await _dialog_occurrence(ctx)
    if occ is None:
        return
    proposed = parse_date(ctx.incoming.text or "")
    if proposed <= occ.due_date:
        ctx.reply(ctx._("The new date must be after {date}.", date=ctx.t.date(occ.due_date)))
        return
    if proposed > occ.due_date + timedelta(days=366):
        ctx.reply(ctx._("That is more than a year away; please propose a nearer date."))
        return
    await ctx.move_dialog("reason", proposed=proposed.isoformat())
    ctx.reply(ctx._("Why is more time needed? (or /cancel)"))


async def receive_extension_reason(ctx: Context) -> None:
    """File the request and ask the overseeing leaders to decide."""
    occ = await _dialog_occurrence(ctx)
    if occ is None or ctx.dialog is None:
        return
    reason = await _note_text(ctx, 1000)
    if reason is None:
        return
    proposed = date.fromisoformat(str(ctx.dialog.data["proposed"]))
    request = await progress.request_extension(
        ctx.session,
        occurrence_id=occ.id,
        person_id=ctx.person.id,
        proposed=proposed,
        reason=reason,
        now=ctx.now,
    )
    await progress.record_event(
        ctx.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=ctx.person.id,
        kind=EventKind.MORE_TIME,
        at=ctx.now,
        note=reason,
        day=proposed,
    )
    await ctx.audit(
        "task.more_time",
        "occurrence",
        occ.id,
        after={"proposed": proposed.isoformat(), "request": request.id},
    )
    leads = [u.unit_id for u in occ.task.units if u.role == TaskRole.LEAD]
    leaders = await progress.leaders_for(ctx.session, ctx.org_id, leads)
    await ctx.notify(
        people=[p for p in leaders if p != ctx.person.id],
        org_id=ctx.org_id,
        notice="extension",
        params={
            "request": request.id,
            "name": ctx.person.display_name,
            "code": occ.task.code,
            "current": occ.due_date.isoformat(),
            "proposed": proposed.isoformat(),
            "reason": reason,
        },
        key=f"extension:{request.id}",
    )
    await ctx.end_dialog()
    ctx.reply(ctx._("Your request is sent to the leaders. You will be told their decision."))


async def decide_extension(ctx: Context) -> None:
    """Approve or decline a request for more time (``ext:approve:7`` / ``ext:decline:7``)."""
    approve = ctx.incoming.button is not None and ctx.incoming.button.startswith("ext:approve:")
    request_id = _arg_id(ctx)
    request = (
        None
        if request_id is None
        else await progress.extension_in_org(ctx.session, ctx.org_id, request_id)
    )
    if request is None:
        _stale(ctx)
        return
    if request.status != ExtensionStatus.PENDING:
        ctx.reply(ctx._("This request was already decided."))
        return
    if request.requested_by == ctx.person.id:
        ctx.reply(ctx._("Another leader decides your own request. Nothing was changed."))
        return
    occ = await progress.occurrence_in_org(ctx.session, ctx.org_id, request.occurrence_id)
    if occ is None:
        _stale(ctx)
        return
    if occ.status != OccurrenceStatus.PENDING:
        ctx.reply(
            ctx._(
                "Task [{code}] is already settled for {date}, so the request is moot. "
                "Nothing was changed.",
                code=occ.task.code,
                date=ctx.t.date(occ.due_date),
            )
        )
        return
    before = occ.due_date
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.DECLINED
    request.decided_by = ctx.person.id
    request.decided_at = ctx.now
    if approve:
        occ.due_date = request.proposed
    await progress.record_event(
        ctx.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=ctx.person.id,
        kind=EventKind.EXTENDED if approve else EventKind.DECLINED,
        at=ctx.now,
        day=request.proposed,
    )
    await ctx.audit(
        "task.extension_" + ("approved" if approve else "declined"),
        "occurrence",
        occ.id,
        before={"due": before.isoformat()},
        after={
            "due": occ.due_date.isoformat(),
            "planned": occ.planned_date.isoformat(),
            "request": request.id,
        },
    )
    await ctx.notify(
        people=[request.requested_by],
        org_id=ctx.org_id,
        notice="extension_decided",
        params={
            "code": occ.task.code,
            "approved": approve,
            "proposed": request.proposed.isoformat(),
            "current": before.isoformat(),
        },
        key=f"extension-decided:{request.id}",
    )
    await ctx.replan(occ.task_id)
    if approve:
        ctx.reply(
            ctx._(
                "Approved: task [{code}] is now due {date}.",
                code=occ.task.code,
                date=ctx.t.date(occ.due_date),
            )
        )
    else:
        ctx.reply(
            ctx._(
                "Declined: task [{code}] stays due {date}.",
                code=occ.task.code,
                date=ctx.t.date(occ.due_date),
            )
        )


async def snooze(ctx: Context) -> None:
    """Remind this person again on the next working day."""
    occ = await _occurrence(ctx, lead_only=False)
    if occ is None:
        return
    cal = await calendar.work_calendar(ctx.session)
    tz = ctx.deployment.settings.tz
    day = cal.next_working_day(_today(ctx))
    policy = policy_from((await reminders.org_policies(ctx.session)).get(ctx.org_id))
    incoming = ctx.incoming
    await outbox.enqueue(
        ctx.session,
        outbox.Wanted(
            key=f"s:{occ.id}:{day}:{ctx.person.id}",
            person_id=ctx.person.id,
            channel=incoming.channel,
            chat_id=incoming.chat_id,
            kind="reminder",
            due_at=send_at(day, policy, tz),
            params={"occurrence": occ.id, "step": "snooze", "audience": "lead"},
            org_id=None,
            task_id=occ.task_id,
        ),
    )
    await progress.record_event(
        ctx.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=ctx.person.id,
        kind=EventKind.SNOOZED,
        at=ctx.now,
        day=day,
    )
    ctx.reply(ctx._("I will remind you again on {date}.", date=ctx.t.date(day)))


async def start_event(ctx: Context) -> None:
    """Ask when the event a task waits for happened."""
    task_id = _arg_id(ctx)
    task = None if task_id is None else await plans.task_in_org(ctx.session, ctx.org_id, task_id)
    if task is None or not await _may_act(ctx, task, lead_only=True):
        ctx.reply(ctx._("This button is not for you. Nothing was changed."))
        return
    await ctx.start_dialog(FLOW_EVENT, "date", {"task": task.id})
    ctx.reply(
        ctx._(
            "Task [{code}]: on which date did it happen? (for example 05/03/2024, or /cancel)",
            code=task.code,
        )
    )


async def receive_event_date(ctx: Context) -> None:
    """Record the event and start the deadline that runs from it."""
    if ctx.dialog is None:
        return
    task = await plans.task_in_org(ctx.session, ctx.org_id, int(ctx.dialog.data["task"]))
    if task is None:
        await ctx.end_dialog()
        _stale(ctx)
        return
    happened = parse_date(ctx.incoming.text or "")
    if happened > _today(ctx):
        ctx.reply(ctx._("That date is in the future; send the date it happened."))
        return
    cal = await calendar.work_calendar(ctx.session)
    offset = task.offset_days or 0
    due = (
        cal.add_working_days(happened, offset)
        if task.offset_working_days
        else cal.add_days(happened, offset)
    )
    occ = await progress.add_occurrence(ctx.session, task, due, ctx.person.id)
    await progress.record_event(
        ctx.session,
        task_id=task.id,
        occurrence_id=occ.id,
        person_id=ctx.person.id,
        kind=EventKind.EVENT,
        at=ctx.now,
        day=happened,
    )
    await ctx.audit(
        "task.event",
        "task",
        task.id,
        after={"happened": happened.isoformat(), "due": due.isoformat()},
    )
    await ctx.end_dialog()
    await ctx.replan(task.id)
    ctx.reply(
        ctx._("Recorded. Task [{code}] is now due {date}.", code=task.code, date=ctx.t.date(due)),
        action_buttons(ctx.t, task.id, occ.id, task.timeframe_kind),
    )


async def list_overdue(ctx: Context) -> None:
    """List overdue tasks grouped by lead unit, with how late each is."""
    today = _today(ctx)
    items = await progress.overdue(ctx.session, ctx.org_id, today)
    if not items:
        ctx.reply(ctx._("Nothing is overdue."))
        return
    lines = [
        ctx.t.ngettext(
            "{n} overdue task:", "{n} overdue tasks:", len({i.occurrence_id for i in items})
        )
    ]
    unit: str | None = "\0"
    for item in items:
        if item.unit != unit:
            unit = item.unit
            lines.append(f"\n{unit or ctx._('No lead unit')}:")
        late = (today - item.due).days
        lines.append(
            f"• #{item.task_id} [{item.code}] "
            + ctx.t.ngettext("{n} day late", "{n} days late", late)
            + f" ({ctx.t.date(item.due)})"
        )
    ctx.reply("\n".join(lines))


async def toggle_digest(ctx: Context) -> None:
    """Switch between messages as they come and one morning digest."""
    digest = not ctx.person.digest
    await progress.set_digest(ctx.session, ctx.person.id, digest)
    if digest:
        ctx.reply(
            ctx._(
                "From now on you get one digest each working morning. Send /digest again to undo."
            )
        )
    else:
        ctx.reply(ctx._("From now on you get messages as they come. Send /digest again to undo."))
