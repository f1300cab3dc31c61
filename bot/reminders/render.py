"""How reminders read: one message per person per sweep, bundling what is due together."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from bot.feedback.notices import LEGAL_KINDS
from bot.i18n import Translator
from bot.messages import Button, Reply
from bot.plans.preview import shorten
from bot.reminders.notice_kinds import read_notice
from bot.reminders.notices import BadNotice, Notice
from bot.reminders.stored import stored_id
from bot.tasks.payloads import (
    AskMoreTime,
    MarkDone,
    NoteProgress,
    OpenTask,
    ReportBlocked,
    Snooze,
    TaskHappened,
    TaskProgress,
)
from bot.workcal import WorkCalendar
from db.queries.reminders import CaseSubject, Subject

log = logging.getLogger(__name__)

AWAY_AFTER: Final = timedelta(hours=2)
MAX_BUTTONS: Final = 8


@dataclass(frozen=True, slots=True)
class Row:
    """The part of an outbox row that rendering needs."""

    id: int
    kind: str
    params: dict[str, Any]
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Rendered:
    """The message for a person, and the rows it covers or found no longer relevant."""

    reply: Reply | None
    covered: list[int]
    stale: list[int]


def _late_days(due: date, today: date) -> int:
    return (today - due).days


def _reminder_line(
    t: Translator, subject: Subject, step: str, audience: str, today: date, cal: WorkCalendar
) -> str | None:
    due = subject.due
    if due is None:
        return None
    head = f"[{subject.code}] {shorten(subject.text, 90)}"
    when = t.date(due)
    if due > today:
        if step == "due" or step.startswith("reraise") or step == "overdue":
            return None
        left = cal.working_days_between(today, due)
        if left == 0:
            line = t._(
                "due {date} ({phrase}), a day off: today is the last working day before it",
                date=when,
                phrase=subject.phrase,
            )
            return f"📌 {head}\n   {line}"
        line = t.ngettext(
            "due {date} ({phrase}), in {n} working day",
            "due {date} ({phrase}), in {n} working days",
            left,
            date=when,
            phrase=subject.phrase,
        )
        prefix = "🤝 " if audience == "partner" else "⏰ "
        return f"{prefix}{head}\n   {line}"
    if due == today:
        return f"📌 {head}\n   " + t._("due today ({phrase})", phrase=subject.phrase)
    if step.startswith("before") or step == "due":
        return None
    late = _late_days(due, today)
    line = t.ngettext(
        "overdue since {date}: {n} day late",
        "overdue since {date}: {n} days late",
        late,
        date=when,
    )
    return f"⚠️ {head}\n   {line}"


def render_bundle(
    rows: Sequence[Row],
    occurrences: dict[int, Subject],
    tasks: dict[int, Subject],
    undated: int,
    t: Translator,
    now: datetime,
    today: date,
    cal: WorkCalendar,
    cases: dict[int, CaseSubject] | None = None,
) -> Rendered:
    """Compose one message from a person's due rows; rows about settled things are stale."""
    lines: list[str] = []
    covered: list[int] = []
    stale: list[int] = []
    seen: set[tuple[str, int]] = set()
    for row in rows:
        line, subject_key = _line(row, occurrences, tasks, undated, t, today, cal, cases or {})
        if line is None:
            stale.append(row.id)
            continue
        covered.append(row.id)
        if subject_key not in seen:
            seen.add(subject_key)
            lines.append(line)
    if not lines:
        return Rendered(None, covered, stale)
    header: list[str] = []
    if now - min(r.due_at for r in rows if r.id in covered) > AWAY_AFTER:
        header.append(t._("While you were away:"))
    if len(lines) > 1:
        header.append(t.ngettext("You have {n} reminder:", "You have {n} reminders:", len(lines)))
    text = "\n".join([*header, "\n\n".join(lines)])
    return Rendered(Reply(text, _buttons(rows, covered, occurrences, tasks, t)), covered, stale)


def _line(
    row: Row,
    occurrences: dict[int, Subject],
    tasks: dict[int, Subject],
    undated: int,
    t: Translator,
    today: date,
    cal: WorkCalendar,
    cases: dict[int, CaseSubject],
) -> tuple[str | None, tuple[str, int]]:
    params = row.params if isinstance(row.params, Mapping) else {}
    if row.kind == "case_reminder":
        case_id = _id_or_cancel(row, "case") or 0
        case = cases.get(case_id)
        if case is None or case.phase != params.get("phase") or case.due is None:
            return None, ("case", case_id)
        return _case_line(t, case, str(params.get("step")), today, cal), ("case", case_id)
    if row.kind == "reminder":
        occ_id = _id_or_cancel(row, "occurrence") or 0
        subject = occurrences.get(occ_id)
        if subject is None or not subject.active or not subject.pending:
            return None, ("occ", occ_id)
        line = _reminder_line(
            t, subject, str(params.get("step")), str(params.get("audience")), today, cal
        )
        return line, ("occ", occ_id)
    if row.kind in {"checkin", "event_check"}:
        task_id = _id_or_cancel(row, "task") or 0
        subject = tasks.get(task_id)
        if subject is None or not subject.active:
            return None, ("task", task_id)
        head = f"[{subject.code}] {shorten(subject.text, 90)}"
        if row.kind == "checkin":
            return (
                f"📝 {head}\n   " + t._("ongoing: please send a short progress note"),
                ("task", task_id),
            )
        return (
            f"❓ {head}\n   "
            + t._(
                "has it happened yet? ({phrase}) Record the date when it does.",
                phrase=subject.phrase,
            ),
            ("task", task_id),
        )
    if row.kind == "undated":
        if not undated:
            return None, ("undated", 0)
        return (
            "🗓 "
            + t.ngettext(
                "{n} task has no date yet. See /undated and set dates with /setdate.",
                "{n} tasks have no date yet. See /undated and set dates with /setdate.",
                undated,
            ),
            ("undated", 0),
        )
    if row.kind == "notice":
        notice = _read(row)
        if notice is None or _moved_on(notice, cases):
            return None, ("notice", row.id)
        return notice.render(t), ("notice", row.id)
    return None, ("unknown", row.id)


def _id_or_cancel(row: Row, name: str) -> int | None:
    """The id the row is about; a row without a usable one is cancelled (and said so)."""
    found = stored_id(row.params, name)
    if found is None:
        log.warning("cancelling outbox row %d: %s is missing or not an id", row.id, name)
    return found


def _read(row: Row) -> Notice | None:
    """The row's notice; one that cannot be read (an unknown kind, bad params) is dropped."""
    if not isinstance(row.params, Mapping):
        log.warning("cancelling outbox row %d: its params are not a mapping", row.id)
        return None
    try:
        return read_notice(row.params)
    except BadNotice as exc:
        log.warning("cancelling outbox row %d: %s", row.id, exc.problem)
        return None


def _moved_on(notice: Notice, cases: dict[int, CaseSubject]) -> bool:
    """Whether the case the notice asks about (when the sweep looked it up) moved on."""
    case = cases.get(notice.case_id) if notice.case_id is not None else None
    return case is not None and notice.moved_on(case)


def _case_line(
    t: Translator, case: CaseSubject, step: str, today: date, cal: WorkCalendar
) -> str | None:
    due = case.due
    if due is None:
        return None
    legal = case.kind in LEGAL_KINDS
    if case.phase == "accept":
        what = (
            t._("{code} must be accepted for resolution or refused", code=case.code)
            if legal
            else t._("feedback {code} must be accepted or refused", code=case.code)
        )
    else:
        what = (
            t._("{code} must be resolved", code=case.code)
            if legal
            else t._("feedback {code} must be answered", code=case.code)
        )
    if due > today:
        if not step.startswith("before"):
            return None
        left = cal.working_days_between(today, due)
        return (
            "📨 "
            + what
            + " "
            + t.ngettext(
                "by {date} (in {n} working day)",
                "by {date} (in {n} working days)",
                left,
                date=t.date(due),
            )
        )
    if due == today:
        return "📨 " + what + " " + t._("today")
    if step.startswith("before") or step == "due":
        return None
    return (
        "⚠️ "
        + what
        + " "
        + t.ngettext(
            "— overdue since {date}, {n} day late",
            "— overdue since {date}, {n} days late",
            (today - due).days,
            date=t.date(due),
        )
    )


def _buttons(
    rows: Sequence[Row],
    covered: list[int],
    occurrences: dict[int, Subject],
    tasks: dict[int, Subject],
    t: Translator,
) -> list[list[Button]]:
    subjects: dict[int, Subject] = {}
    for row in rows:
        if row.id not in covered:
            continue
        if row.kind == "reminder":
            subject = occurrences.get(stored_id(row.params, "occurrence") or 0)
        elif row.kind in {"checkin", "event_check"}:
            subject = tasks.get(stored_id(row.params, "task") or 0)
        else:
            subject = None
        if subject is not None:
            subjects.setdefault(subject.task_id, subject)
    notices = [_read(row) for row in rows if row.id in covered and row.kind == "notice"]
    decisions = [
        (notice.label, buttons)
        for notice in notices
        if notice is not None
        for buttons in notice.buttons(t)
    ][: MAX_BUTTONS // 2]
    if len(subjects) == 1 and not decisions:
        subject = next(iter(subjects.values()))
        return action_buttons(t, subject.task_id, subject.occurrence_id, subject.kind)
    # Among several, a row of "Approve | Decline" must say whose it is.
    labelled = len(decisions) > 1
    return [_labelled(code, row) if labelled else row for code, row in decisions] + [
        [Button(t._("Open {code}", code=s.code)[:60], OpenTask(s.task_id).data)]
        for s in list(subjects.values())[: MAX_BUTTONS - len(decisions)]
    ]


def _labelled(code: str, row: list[Button]) -> list[Button]:
    return [Button(f"{code} · {b.text}"[:60], b.data, b.url) for b in row]


def action_buttons(
    t: Translator, task_id: int, occurrence_id: int | None, kind: str
) -> list[list[Button]]:
    """The buttons to act on a task (and its pending occurrence, when it has one)."""
    if occurrence_id is None:
        row = [Button(t._("Progress"), TaskProgress(task_id).data)]
        if kind == "event":
            row.append(Button(t._("Event happened"), TaskHappened(task_id).data))
        return [row]
    return [
        [
            Button(t._("Done"), MarkDone(occurrence_id).data),
            Button(t._("Progress"), NoteProgress(occurrence_id).data),
            Button(t._("Blocked"), ReportBlocked(occurrence_id).data),
        ],
        [
            Button(t._("More time"), AskMoreTime(occurrence_id).data),
            Button(t._("Snooze"), Snooze(occurrence_id).data),
        ],
    ]
