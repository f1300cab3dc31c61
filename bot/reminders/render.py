"""How reminders read: one message per person per sweep, bundling what is due together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from bot.feedback.buttons import CaseFileOpen, CaseOpen, rating_buttons
from bot.i18n import Translator
from bot.messages import Button, Reply
from bot.plans.preview import shorten
from bot.tasks.payloads import (
    ApproveExtension,
    AskMoreTime,
    DeclineExtension,
    MarkDone,
    NoteProgress,
    OpenTask,
    ReportBlocked,
    Snooze,
    TaskHappened,
    TaskProgress,
)
from bot.workcal import WorkCalendar
from db.models import CaseStatus
from db.queries.reminders import CaseSubject, Subject

AWAY_AFTER: Final = timedelta(hours=2)
MAX_BUTTONS: Final = 8
# Kinds the law lets the commune accept for resolution (thụ lý) and resolve (giải quyết);
# the others are received and answered.
_LEGAL_KINDS: Final = frozenset({"complaint", "denunciation"})
# The states in which a notice about a case still asks for something; in any other it is stale.
_CASE_NOTICE_LIVE: Final = {
    "new_case": frozenset({CaseStatus.NEW}),
    "answer_approval": frozenset({CaseStatus.AWAITING_APPROVAL}),
    "case_reopened": frozenset({CaseStatus.REOPENED}),
    "case_assigned": frozenset(
        {CaseStatus.ASSIGNED, CaseStatus.REOPENED, CaseStatus.AWAITING_APPROVAL}
    ),
}


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
    params = row.params
    if row.kind == "case_reminder":
        case_id = int(params.get("case", 0))
        case = cases.get(case_id)
        if case is None or case.phase != params.get("phase") or case.due is None:
            return None, ("case", case_id)
        return _case_line(t, case, str(params.get("step")), today, cal), ("case", case_id)
    if row.kind == "reminder":
        occ_id = int(params.get("occurrence", 0))
        subject = occurrences.get(occ_id)
        if subject is None or not subject.active or not subject.pending:
            return None, ("occ", occ_id)
        line = _reminder_line(
            t, subject, str(params.get("step")), str(params.get("audience")), today, cal
        )
        return line, ("occ", occ_id)
    if row.kind in {"checkin", "event_check"}:
        task_id = int(params.get("task", 0))
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
        if _settled(params, cases):
            return None, ("notice", row.id)
        return _notice(t, params), ("notice", row.id)
    return None, ("unknown", row.id)


def _settled(params: dict[str, Any], cases: dict[int, CaseSubject]) -> bool:
    """Whether a notice asks about a case that has moved past what it asks.

    The answer's notice carries the rating buttons, which a rated or closed case no longer
    takes; the other notices ask staff for a step that someone has since taken.
    """
    case_id = params.get("case")
    case = cases.get(case_id) if isinstance(case_id, int) else None
    if case is None or case.status is None:
        return False
    notice = params.get("notice")
    if notice == "case":
        if params.get("step") != "answered":
            return False
        return case.status != CaseStatus.ANSWERED or case.rated
    live = _CASE_NOTICE_LIVE.get(str(notice))
    return live is not None and case.status not in live


def _case_line(
    t: Translator, case: CaseSubject, step: str, today: date, cal: WorkCalendar
) -> str | None:
    due = case.due
    if due is None:
        return None
    legal = case.kind in _LEGAL_KINDS
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


def _day(t: Translator, value: object) -> str:
    try:
        return t.date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _notice(t: Translator, params: dict[str, Any]) -> str | None:
    notice = params.get("notice")
    name = str(params.get("name", ""))
    code = str(params.get("code", ""))
    # Only staff have a name in clear; a citizen (perhaps a denouncer) is never named here.
    if notice == "unreachable" and not name:
        return "⚠️ " + t._(
            "A citizen cannot be reached: they blocked the bot or left the chat. Answers to "
            "their cases wait until they write to the bot again."
        )
    if notice == "unreachable":
        return "⚠️ " + t._(
            "{name} cannot be reached: they blocked the bot or left the chat. Their reminders "
            "are on hold until they write to the bot again.",
            name=name,
        )
    if notice == "zalo_reconnect":
        return "⚠️ " + t._(
            "Zalo refused the bot's token: nothing can be sent on Zalo until an admin runs "
            "“python -m bot zalo connect” and approves the consent again."
        )
    if notice == "undelivered" and not name:
        return "⚠️ " + t._("A message to a citizen could not be delivered after several tries.")
    if notice == "undelivered":
        return "⚠️ " + t._(
            "A message to {name} could not be delivered after several tries.", name=name
        )
    if notice == "blocked":
        return "⛔ " + t._(
            "{name} reports that task [{code}] is blocked: {reason}",
            name=name,
            code=code,
            reason=str(params.get("reason", "")),
        )
    if notice == "extension":
        return "🕒 " + t._(
            "{name} asks to move task [{code}] from {current} to {proposed}. Reason: {reason}",
            name=name,
            code=code,
            current=_day(t, params.get("current")),
            proposed=_day(t, params.get("proposed")),
            reason=str(params.get("reason", "")),
        )
    if notice == "extension_decided":
        if params.get("approved"):
            return "✅ " + t._(
                "More time for task [{code}] was approved: now due {proposed}.",
                code=code,
                proposed=_day(t, params.get("proposed")),
            )
        return "❌ " + t._(
            "More time for task [{code}] was declined; it stays due {current}.",
            code=code,
            current=_day(t, params.get("current")),
        )
    if notice == "new_case":
        return "📨 " + t._("New feedback {code} is waiting in /inbox.", code=code)
    if notice == "case_assigned":
        return "📨 " + t._("Feedback {code} is assigned to your unit. See /cases.", code=code)
    if notice == "case_reopened":
        return "🔁 " + t._("The citizen was not satisfied; {code} is reopened.", code=code)
    if notice == "answer_approval":
        return "🖊 " + t._("The answer to {code} waits for your approval.", code=code)
    if notice == "case":
        return _case_step(t, params)
    return None


def _due(t: Translator, legal: bool, due: object) -> str:
    if not due:
        return ""
    if legal:
        return " " + t._("Resolution due by {date}.", date=_day(t, due))
    return " " + t._("Answer due by {date}.", date=_day(t, due))


def _case_step(t: Translator, params: dict[str, Any]) -> str | None:
    code = str(params.get("code", ""))
    step = params.get("step")
    legal = params.get("kind") in _LEGAL_KINDS
    if step == "assigned":
        unit = str(params.get("unit", ""))
        head = (
            t._(
                "Your {code} is accepted for resolution and resolved by {unit}.",
                code=code,
                unit=unit,
            )
            if legal
            else t._(
                "Your feedback {code} is accepted and handled by {unit}.", code=code, unit=unit
            )
        )
        return head + _due(t, legal, params.get("due"))
    if step == "refused":
        reason = str(params.get("text", ""))
        if legal:
            return t._(
                "Your {code} was not accepted for resolution: {reason}", code=code, reason=reason
            )
        return t._("Your feedback {code} was not accepted: {reason}", code=code, reason=reason)
    if step == "merged":
        return t._(
            "Your feedback {code} is joined to {target}, which deals with the same matter.",
            code=code,
            target=str(params.get("target", "")),
        )
    if step == "complex":
        head = t._("Your feedback {code} needs more time because it is complex.", code=code)
        return head + _due(t, legal, params.get("due"))
    if step == "answered":
        text = t._(
            "The answer to your feedback {code}:\n{text}\n\nHow satisfied are you?",
            code=code,
            text=str(params.get("text", "")),
        )
        if params.get("appeal_days"):
            text += "\n\n" + t._(
                "If you disagree with this decision, you may complain a second time to the "
                "authority above within {days} days of receiving it, or file an administrative "
                "lawsuit at court ({basis}).",
                days=str(params.get("appeal_days")),
                basis=str(params.get("appeal_basis", "")),
            )
        return text
    return None


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
            subject = occurrences.get(int(row.params.get("occurrence", 0)))
        elif row.kind in {"checkin", "event_check"}:
            subject = tasks.get(int(row.params.get("task", 0)))
        else:
            subject = None
        if subject is not None:
            subjects.setdefault(subject.task_id, subject)
    decisions = [
        (str(row.params.get("code", "")), buttons)
        for row in rows
        if row.id in covered and row.kind == "notice"
        for buttons in _decision_rows(t, row.params)
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


def _decision_rows(t: Translator, params: dict[str, Any]) -> list[list[Button]]:
    if params.get("notice") == "extension" and "request" in params:
        request = int(params["request"])
        return [
            [
                Button(t._("Approve"), ApproveExtension(request).data),
                Button(t._("Decline"), DeclineExtension(request).data),
            ]
        ]
    rows = [_case_buttons(t, params)]
    document = params.get("document")
    case = params.get("case")
    if params.get("step") == "answered" and isinstance(document, int) and isinstance(case, int):
        rows.append([Button(t._("📄 The signed answer"), CaseFileOpen(case, document).data)])
    return [row for row in rows if row]


def _case_buttons(t: Translator, params: dict[str, Any]) -> list[Button]:
    case = params.get("case")
    notice = params.get("notice")
    if not isinstance(case, int):
        return []
    if notice == "case" and params.get("step") == "answered":
        return rating_buttons(t, case)
    if notice in {"new_case", "case_assigned", "case_reopened", "answer_approval"}:
        return [Button(str(params.get("code", "")), CaseOpen(case).data)]
    return []


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
