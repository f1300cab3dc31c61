"""Officials see their tasks; admins give a date to tasks the plan left without one."""

from __future__ import annotations

from datetime import date
from typing import Final

from bot.context import Context
from bot.dates import parse_date
from bot.errors import NotFound
from bot.feedback.documents import mime_type_of
from bot.messages import Attachment, Button
from bot.numbers import parse_id
from bot.plans.preview import shorten
from bot.reminders.render import action_buttons
from bot.roles import Audience
from bot.task_buttons import TaskFile
from bot.tasks import policy, standing
from bot.tasks import progress as steps
from bot.tasks.errors import NoSuchTask
from bot.tasks.payloads import ApproveExtension, DeclineExtension, OpenTask
from bot.tasks.standing import NextDue
from db.models import EventKind, OccurrenceStatus, Standing, Task, TaskEvent
from db.queries import plans, progress

EVIDENCE_SHOWN: Final = 5

LISTED_PER_GROUP: Final = 30


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.deployment.settings.tz).date()


def _line(ctx: Context, task: Task, due: NextDue | None = None) -> str:
    head = f"#{task.id} [{task.code}] {shorten(task.text, 80)}"
    if due is None:
        return f"{head}\n   {task.timeframe_text or '—'}"
    line = f"{head}\n   " + ctx._(
        "due {date} ({phrase})", date=ctx.t.date(due.counted), phrase=task.timeframe_text
    )
    if due.counted != due.planned:
        line += ctx._(" (moved from {date})", date=ctx.t.date(due.planned))
    elif due.moved != due.planned:
        line += " " + ctx._(
            "— extended to {date}, but approved after the due day, so it still counts late",
            date=ctx.t.date(due.moved),
        )
    return line


async def list_tasks(ctx: Context) -> None:
    """List the person's tasks: overdue, due soon, later, ongoing, waiting, without a date.

    Dated tasks are grouped and ordered by the due day that counts (``bot.tasks.standing``),
    as /overdue, /status and the reports count them: an extension approved after the
    planned day is shown, but does not make the task look on time.
    """
    tasks = await plans.tasks_for_person(ctx.session, ctx.person.id)
    if not tasks:
        ctx.reply(ctx._("You have no tasks from the plans."))
        return
    today = _today(ctx)
    tz = ctx.deployment.settings.tz
    approvals = await progress.approvals_of(
        ctx.session, [o.id for t in tasks for o in t.occurrences]
    )
    approved_on = {o: moment.astimezone(tz).date() for o, moment in approvals.items()}
    dated = {
        Standing.OVERDUE: ctx._("Overdue"),
        Standing.DUE_SOON: ctx._("Due in the next 14 days"),
        Standing.PENDING: ctx._("Later"),
    }
    order = (
        *dated.values(),
        ctx._("Ongoing"),
        ctx._("Waiting for an event"),
        ctx._("Without a date"),
        ctx._("Done"),
    )
    groups: dict[str, list[tuple[date, date, str]]] = {group: [] for group in order}
    for task in tasks:
        due = standing.next_due(task.occurrences, approved_on)
        if due is not None:
            group = dated[standing.standing(due.counted, None, done=False, as_of=today)]
            groups[group].append((due.counted, due.moved, _line(ctx, task, due)))
            continue
        if task.timeframe_kind == "ongoing":
            group = ctx._("Ongoing")
        elif task.timeframe_kind == "event":
            group = ctx._("Waiting for an event")
        elif any(o.status == OccurrenceStatus.DONE for o in task.occurrences):
            group = ctx._("Done")
        else:
            group = ctx._("Without a date")
        groups[group].append((date.max, date.max, _line(ctx, task)))
    lines: list[str] = []
    for group, items in groups.items():
        if not items:
            continue
        # Stable: tasks due the same day keep the plan's order.
        items.sort(key=lambda item: item[:2])
        lines.append(f"\n{group} ({ctx.t.number(len(items))}):")
        lines += [text for _, _, text in items[:LISTED_PER_GROUP]]
        if len(items) > LISTED_PER_GROUP:
            lines.append(ctx._("… and {n} more", n=len(items) - LISTED_PER_GROUP))
    ctx.reply(ctx._("Your tasks:") + "\n".join(lines))


async def list_undated(ctx: Context) -> None:
    """List tasks that need a date from the admin."""
    tasks = await plans.undated_tasks(ctx.session, ctx.org_id)
    if not tasks:
        ctx.reply(ctx._("Every task has a date or needs none."))
        return
    lines = [ctx._("Tasks that need a date (set one with /setdate ID DATE):")]
    lines += [_line(ctx, task) for task in tasks[:50]]
    ctx.reply("\n".join(lines))


async def set_task_date(ctx: Context) -> None:
    """Give a task a due date: ``/setdate 12 31/12/2024``."""
    raw = ctx.args[0].lstrip("#")[:12] if ctx.args else ""
    if len(ctx.args) < 2 or parse_id(raw, digits=12) is None:
        ctx.reply(ctx._("Write it as /setdate ID DATE, for example /setdate 12 31/12/2024."))
        return
    raw = ctx.args[0].lstrip("#")[:12]
    task_id = parse_id(raw)
    if task_id is None:
        raise NoSuchTask(raw)
    dated = await steps.set_date(ctx.operation(), task_id, parse_date(ctx.args[1]))
    ctx.reply(
        ctx._("Task #{id} is now due on {date}.", id=dated.task_id, date=ctx.t.date(dated.due))
    )


async def show_task(ctx: Context) -> None:
    """Show a task's card: ``/task 12`` (its number) or ``/task 1.2`` (its code)."""
    raw = ctx.args[0].lstrip("#")[:12] if ctx.args else ""
    task_id = parse_id(raw)
    if task_id is None and raw:
        found = await policy.visible_with_code(ctx.operation(), ctx.org_id, raw)
        if len(found) > 1:
            ctx.reply(
                ctx._("Several tasks have the code {code}; choose one:", code=raw),
                [
                    [
                        Button(
                            f"#{t.id} [{t.code}] {shorten(t.plan.title, 40)}"[:60],
                            OpenTask(t.id).data,
                        )
                    ]
                    for t in found[:8]
                ],
            )
            return
        task_id = found[0].id if found else None
    await _show_card(ctx, task_id, raw or "?")


async def open_task(ctx: Context) -> None:
    """Show a task's card from a button under a reminder."""
    task_id = ctx.payload_as(OpenTask).task
    await _show_card(ctx, task_id, str(task_id))


async def _show_card(ctx: Context, task_id: int | None, shown: str) -> None:
    """The card: plan, dimension, target, evidence, due dates, units, history, buttons."""
    task = None if task_id is None else await policy.task_to_see(ctx.operation(), task_id)
    if task is None:
        ctx.reply(ctx._("There is no task #{id} for you.", id=shown))
        return
    units = await plans.units_by_id(ctx.session, [u.unit_id for u in task.units])
    lead = [units[u].name for u in plans.lead_unit_ids(task) if u in units]
    partners = [
        units[u.unit_id].name for u in task.units if u.unit_id not in plans.lead_unit_ids(task)
    ]
    due = [o for o in task.occurrences if o.status != OccurrenceStatus.CANCELLED]
    lines = [
        f"#{task.id} [{task.code}] {task.text}",
        ctx._("Plan: {title}", title=task.plan.title),
        ctx._("Dimension: {dimension}", dimension=task.dimension or "—"),
        ctx._("Lead: {units}", units=", ".join(lead) or "—"),
        ctx._("Partners: {units}", units=", ".join(partners) or "—"),
        ctx._("Time frame: {phrase}", phrase=task.timeframe_text or "—"),
    ]
    if task.target:
        lines.append(ctx._("Target: {text}", text=task.target))
    if task.output:
        lines.append(ctx._("Expected evidence: {text}", text=task.output))
    for occurrence in due:
        state = ctx._("done") if occurrence.status == OccurrenceStatus.DONE else ctx._("pending")
        moved = (
            ctx._(" (moved from {date})", date=ctx.t.date(occurrence.planned_date))
            if occurrence.extended
            else ""
        )
        lines.append(f"• {ctx.t.date(occurrence.due_date)}{moved} — {state}")
    history = await progress.events_of(ctx.session, task.id)
    if history:
        lines.append(ctx._("History:"))
        lines += [_event_line(ctx, event) for event in history[-10:]]
    pending = plans.next_due(task)
    evidence = [
        [Button(f"📎 {e.file_name}"[:60], TaskFile(task.id, e.id).data)]
        for e in history
        if e.file_name and e.file_content
    ][-EVIDENCE_SHOWN:]
    decisions: list[list[Button]] = []
    if policy.oversees(ctx.operation().actor):
        asked, decisions = await _leader_actions(ctx, task)
        lines += asked
    # A leader decides; the official's steps are for those whose unit does the task.
    works_on = bool(ctx.operation().actor.units & {u.unit_id for u in task.units})
    steps_shown = works_on or not ctx.is_(Audience.LEADER)
    ctx.reply(
        "\n".join(lines),
        [
            *decisions,
            *(
                action_buttons(ctx.t, task.id, pending.id if pending else None, task.timeframe_kind)
                if steps_shown
                else []
            ),
            *evidence,
        ],
    )


async def _leader_actions(ctx: Context, task: Task) -> tuple[list[str], list[list[Button]]]:
    """The task's requests for more time waiting for a decision: lines and their buttons."""
    lines: list[str] = []
    rows: list[list[Button]] = []
    for ext in await progress.pending_extensions(ctx.session, [ctx.org_id], task_id=task.id):
        lines.append(
            ctx._(
                "⏳ {name} asks to move {current} to {proposed}: {reason}",
                name=ext.requester,
                current=ctx.t.date(ext.due),
                proposed=ctx.t.date(ext.proposed),
                reason=shorten(ext.reason, 200),
            )
        )
        if ext.requested_by != ctx.person.id:
            rows.append(
                [
                    Button(
                        ctx._("Approve {date}", date=ctx.t.date(ext.proposed))[:60],
                        ApproveExtension(ext.request_id).data,
                    ),
                    Button(
                        ctx._("Decline {date}", date=ctx.t.date(ext.proposed))[:60],
                        DeclineExtension(ext.request_id).data,
                    ),
                ]
            )
    return lines, rows


async def send_evidence(ctx: Context) -> None:
    """Send an evidence file of a task to staff who may see the task."""
    pressed = ctx.payload_as(TaskFile)
    task = await plans.task_in_org(ctx.session, ctx.org_id, pressed.task)
    mine = {t.id for t in await plans.tasks_for_person(ctx.session, ctx.person.id)}
    staff = ctx.is_(Audience.ADMIN) or ctx.is_(Audience.LEADER)
    event = await progress.event_of(ctx.session, pressed.task, pressed.event)
    if task is None or not (staff or task.id in mine) or event is None:
        raise NotFound
    if not (event.file_name and event.file_content):
        raise NotFound
    content = event.file_content
    ctx.reply(
        f"[{task.code}] {event.file_name}",
        file=Attachment(event.file_name, mime_type_of(event.file_name), len(content), content),
    )


def _event_line(ctx: Context, event: TaskEvent) -> str:
    labels = {
        EventKind.DONE: ctx._("done"),
        EventKind.PROGRESS: ctx._("progress"),
        EventKind.BLOCKED: ctx._("blocked"),
        EventKind.MORE_TIME: ctx._("asked for more time"),
        EventKind.EXTENDED: ctx._("more time approved"),
        EventKind.DECLINED: ctx._("more time declined"),
        EventKind.SNOOZED: ctx._("snoozed"),
        EventKind.EVENT: ctx._("event recorded"),
        EventKind.DATE_SET: ctx._("date set"),
    }
    detail = (
        event.note or event.link or event.file_name or (ctx.t.date(event.day) if event.day else "")
    )
    return f"• {ctx.t.datetime(event.at)} {labels[event.kind]}" + (f": {detail}" if detail else "")
