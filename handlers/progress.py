"""Officials act on a task (done, progress, blocked, more time, snooze, event); leaders decide."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from bot.context import Context
from bot.dates import parse_date, parse_past_date
from bot.errors import AlreadyDone, NotAllowed
from bot.numbers import parse_id
from bot.reminders.render import action_buttons
from bot.tasks import extensions, policy
from bot.tasks import progress as steps
from bot.tasks.payloads import (
    ApproveExtension,
    AskMoreTime,
    ExtensionButton,
    MarkDone,
    NoteProgress,
    ReportBlocked,
    Snooze,
    TaskHappened,
    TaskProgress,
)
from db.models import Occurrence, Task
from db.queries import plans, progress

NOTE_LIMIT: Final = 2000
EVIDENCE_LIMIT: Final = 20 * 1024 * 1024
FLOW_DONE, FLOW_NOTE, FLOW_BLOCKED, FLOW_MORE, FLOW_EVENT = (
    "done",
    "progress",
    "blocked",
    "moretime",
    "event",
)
# "xong ngày 15/10", "hoàn thành ngày 15/10/2026", "done on 15/10" in the evidence's text.
_DONE_ON: Final = re.compile(
    r"\b(?:xong|hoàn thành|done)\s+(?:vào\s+)?(?:ngày|on)\s+"
    r"([0-9]{1,2}[/.-][0-9]{1,2}(?:[/.-][0-9]{4})?)(?![0-9])",
    re.IGNORECASE,
)


def _stale(ctx: Context) -> None:
    ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))


async def _dialog_occurrence(ctx: Context, *, lead_only: bool) -> Occurrence | None:
    """The dialog's due date, or ``None`` (and the dialog closed) if it was settled meanwhile."""
    occ_id = int(ctx.dialog.data["occ"]) if ctx.dialog else 0
    try:
        return await policy.occurrence_to_act_on(ctx.operation(), occ_id, lead_only=lead_only)
    except (NotAllowed, AlreadyDone):
        await ctx.end_dialog()
        _stale(ctx)
        return None


async def _lost(ctx: Context, exc: AlreadyDone) -> None:
    """Someone settled the due date while this person was typing: close the step, say who."""
    await ctx.end_dialog()
    ctx.reply(exc.message(ctx.t))


async def start_done(ctx: Context) -> None:
    """Ask for the evidence before marking an occurrence done."""
    occ_id = ctx.payload_as(MarkDone).occurrence
    occ = await policy.occurrence_to_act_on(ctx.operation(), occ_id, lead_only=True)
    await _ask_evidence(ctx, occ, None)


async def _ask_evidence(ctx: Context, occ: Occurrence, done_on: date | None) -> None:
    data: dict[str, object] = {"occ": occ.id}
    if done_on is not None:
        data["done_on"] = done_on.isoformat()
    await ctx.start_dialog(FLOW_DONE, "evidence", data)
    expected = occ.task.output or ctx._("what the plan expects")
    text = ctx._(
        "Task [{code}]: send the evidence ({expected}) as a file, a photo, a link or a "
        "short note. /cancel to stop.",
        code=occ.task.code,
        expected=expected,
    )
    if done_on is not None:
        text += "\n" + ctx._("It will be recorded as done on {date}.", date=ctx.t.date(done_on))
    elif occ.due_date < ctx.operation().today:
        text += "\n" + ctx._(
            "Done earlier? Add the day to your note, for example “xong ngày {example}”.",
            example=occ.due_date.strftime("%d/%m"),
        )
    ctx.reply(text)


async def done_command(ctx: Context) -> None:
    """Mark a task's next due date done: ``/done 12`` or ``/done 1.2 15/10`` (the day it was
    really done, for an official catching up); the evidence is asked next."""
    if not 1 <= len(ctx.args) <= 2:
        ctx.reply(
            ctx._(
                "Write it as /done TASK [DATE]: the task's number or code, and the day it was "
                "done if not today, for example /done 1.2 15/10."
            )
        )
        return
    op = ctx.operation()
    task = await _task_named(ctx, ctx.args[0][:40])
    if task is None:
        return
    pending = plans.next_due(task)
    if pending is None:
        ctx.reply(ctx._("Task [{code}] has no due date waiting to be done.", code=task.code))
        return
    occ = await policy.occurrence_to_act_on(op, pending.id, lead_only=True)
    done_on = None
    if len(ctx.args) == 2:
        done_on = steps.check_done_on(occ, parse_past_date(ctx.args[1], op.today), op.today)
    await _ask_evidence(ctx, occ, done_on)


async def _task_named(ctx: Context, raw: str) -> Task | None:
    """The task ``raw`` names: ``#12`` (its number), or the code of a task with a due date
    waiting that the person may see."""
    task_id = parse_id(raw, prefix="#") if raw.startswith("#") else None
    if task_id is None:
        mine = [
            t
            for t in await policy.visible_with_code(ctx.operation(), ctx.org_id, raw)
            if plans.next_due(t) is not None
        ]
        if len(mine) > 1:
            ctx.reply(
                ctx._(
                    "Several tasks have the code {code}; use the task's number, "
                    "for example /done #{id}.",
                    code=raw,
                    id=mine[0].id,
                )
            )
            return None
        if mine:
            return mine[0]
        task_id = parse_id(raw)
    task = None if task_id is None else await policy.task_to_see(ctx.operation(), task_id)
    if task is None:
        ctx.reply(ctx._("There is no task #{id} for you.", id=raw.lstrip("#")))
    return task


def _done_on_in(ctx: Context, text: str) -> date | None:
    """The day of completion the dialog was started with, or one written in the note."""
    stored = ctx.dialog.data.get("done_on") if ctx.dialog else None
    if stored:
        return date.fromisoformat(str(stored))
    match = _DONE_ON.search(text)
    return None if match is None else parse_past_date(match.group(1), ctx.operation().today)


async def receive_evidence(ctx: Context) -> None:
    """Record the evidence and mark the occurrence done, on time or late."""
    occ = await _dialog_occurrence(ctx, lead_only=True)
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
    evidence = steps.Evidence(text, attachment.filename if attachment else None, content)
    done_on = _done_on_in(ctx, text)
    try:
        done = await steps.mark_done(ctx.operation(), occ.id, evidence, done_on=done_on)
    except AlreadyDone as exc:
        await _lost(ctx, exc)
        return
    await ctx.end_dialog()
    if done_on is not None:
        ctx.reply(
            ctx.t.ngettext(
                "Recorded as done on {date}, {n} day late. Thank you.",
                "Recorded as done on {date}, {n} days late. Thank you.",
                done.late_days,
                date=ctx.t.date(done_on),
            )
            if done.late_days
            else ctx._("Recorded as done on time, on {date}. Thank you.", date=ctx.t.date(done_on))
        )
    elif done.late_days:
        ctx.reply(
            ctx.t.ngettext(
                "Recorded as done, {n} day late. Thank you.",
                "Recorded as done, {n} days late. Thank you.",
                done.late_days,
            )
        )
    else:
        ctx.reply(ctx._("Recorded as done on time. Thank you."))


async def start_progress(ctx: Context) -> None:
    """Ask for a short progress note."""
    occ_id = ctx.payload_as(NoteProgress).occurrence
    occ = await policy.occurrence_to_act_on(ctx.operation(), occ_id, lead_only=False)
    await ctx.start_dialog(FLOW_NOTE, "note", {"occ": occ.id, "task": occ.task_id})
    ctx.reply(ctx._("Task [{code}]: write a short progress note (or /cancel).", code=occ.task.code))


async def start_task_progress(ctx: Context) -> None:
    """Ask for a progress note on a task without a date (ongoing, event)."""
    task_id = ctx.payload_as(TaskProgress).task
    task = await policy.task_to_act_on(ctx.operation(), task_id, lead_only=False)
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
    await steps.note_progress(
        ctx.operation(),
        int(ctx.dialog.data["task"]),
        text,
        occurrence_id=int(occ_id) if occ_id else None,
    )
    await ctx.end_dialog()
    ctx.reply(ctx._("Progress note saved."))


async def start_blocked(ctx: Context) -> None:
    """Ask what blocks the task."""
    occ_id = ctx.payload_as(ReportBlocked).occurrence
    occ = await policy.occurrence_to_act_on(ctx.operation(), occ_id, lead_only=False)
    await ctx.start_dialog(FLOW_BLOCKED, "reason", {"occ": occ.id})
    ctx.reply(ctx._("Task [{code}]: what is blocking it? (or /cancel)", code=occ.task.code))


async def receive_blocker(ctx: Context) -> None:
    """Record the blocker and tell the overseeing leaders at once."""
    occ = await _dialog_occurrence(ctx, lead_only=False)
    if occ is None:
        return
    reason = await _note_text(ctx, 1000)
    if reason is None:
        return
    try:
        await steps.report_blocked(ctx.operation(), occ.id, reason)
    except AlreadyDone as exc:
        await _lost(ctx, exc)
        return
    await ctx.end_dialog()
    ctx.reply(ctx._("The blocker is recorded and the leaders are told."))


async def start_more_time(ctx: Context) -> None:
    """Ask for the proposed new date."""
    occ_id = ctx.payload_as(AskMoreTime).occurrence
    occ = await policy.occurrence_to_act_on(ctx.operation(), occ_id, lead_only=True)
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
    occ = await _dialog_occurrence(ctx, lead_only=True)
    if occ is None:
        return
    proposed = parse_date(ctx.incoming.text or "")
    extensions.check_proposed(occ, proposed)
    await ctx.move_dialog("reason", proposed=proposed.isoformat())
    ctx.reply(ctx._("Why is more time needed? (or /cancel)"))


async def receive_extension_reason(ctx: Context) -> None:
    """File the request and ask the overseeing leaders to decide."""
    occ = await _dialog_occurrence(ctx, lead_only=True)
    if occ is None or ctx.dialog is None:
        return
    reason = await _note_text(ctx, 1000)
    if reason is None:
        return
    proposed = date.fromisoformat(str(ctx.dialog.data["proposed"]))
    try:
        await extensions.ask_for_more_time(ctx.operation(), occ.id, proposed, reason)
    except AlreadyDone as exc:
        await _lost(ctx, exc)
        return
    await ctx.end_dialog()
    ctx.reply(ctx._("Your request is sent to the leaders. You will be told their decision."))


async def decide_extension(ctx: Context) -> None:
    """Approve or decline a request for more time (``ext:approve:7`` / ``ext:decline:7``)."""
    button = ctx.payload_as(ExtensionButton)
    approve = isinstance(button, ApproveExtension)
    decision = await extensions.decide(ctx.operation(), button.request, approve=approve)
    if decision.approved:
        ctx.reply(
            ctx._(
                "Approved: task [{code}] is now due {date}.",
                code=decision.code,
                date=ctx.t.date(decision.due),
            )
        )
    else:
        ctx.reply(
            ctx._(
                "Declined: task [{code}] stays due {date}.",
                code=decision.code,
                date=ctx.t.date(decision.due),
            )
        )


async def snooze(ctx: Context) -> None:
    """Remind this person again on the next working day."""
    snoozed = await steps.snooze(
        ctx.operation(),
        ctx.payload_as(Snooze).occurrence,
        channel=ctx.incoming.channel,
        chat_id=ctx.incoming.chat_id,
    )
    ctx.reply(ctx._("I will remind you again on {date}.", date=ctx.t.date(snoozed.day)))


async def start_event(ctx: Context) -> None:
    """Ask when the event a task waits for happened."""
    task_id = ctx.payload_as(TaskHappened).task
    task = await policy.task_to_act_on(ctx.operation(), task_id, lead_only=True)
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
    op = ctx.operation()
    try:
        task = await policy.task_to_act_on(op, int(ctx.dialog.data["task"]), lead_only=True)
    except NotAllowed:
        await ctx.end_dialog()
        _stale(ctx)
        return
    happened = parse_date(ctx.incoming.text or "")
    dated = await steps.record_happened(op, task.id, happened)
    await ctx.end_dialog()
    ctx.reply(
        ctx._(
            "Recorded. Task [{code}] is now due {date}.",
            code=dated.code,
            date=ctx.t.date(dated.due),
        ),
        action_buttons(ctx.t, dated.task_id, dated.occurrence_id, dated.timeframe_kind),
    )


async def list_overdue(ctx: Context) -> None:
    """List overdue tasks grouped by lead unit, with how late each is."""
    today = ctx.operation().today
    items = await progress.overdue(ctx.session, ctx.org_id, today, ctx.deployment.settings.tz)
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
        line = (
            f"• #{item.task_id} [{item.code}] "
            + ctx.t.ngettext("{n} day late", "{n} days late", late)
            + f" ({ctx.t.date(item.due)})"
        )
        if item.moved != item.due:
            line += " " + ctx._(
                "— extended to {date}, but approved after the due day, so it still counts late",
                date=ctx.t.date(item.moved),
            )
        lines.append(line)
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
