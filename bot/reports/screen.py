"""The one-screen status and feedback summaries shown in the chat."""

from __future__ import annotations

from typing import Final

from bot.channels.zalo_oa.window import MonthCost, cost_text
from bot.feedback.catalog import KINDS, topic_label
from bot.i18n import Translator
from bot.plans.preview import shorten
from bot.reports.model import FeedbackFigures, FeedbackTotals, ReportFigures, StatusFigures
from db.models import CaseKind

BAR: Final = 10


def _bar(progress: float | None) -> str:
    filled = round((progress or 0) * BAR)
    return "▓" * filled + "░" * (BAR - filled)


def _percent(t: Translator, share: float | None) -> str:
    return "—" if share is None else f"{t.number(round(share * 100))}%"


def status_screen(figures: StatusFigures | ReportFigures, title: str, t: Translator) -> str:
    """Tasks by state and dimension, the most overdue, and the period's feedback figures."""
    tasks = figures.tasks
    lines = [
        title,
        t._(
            "Tasks: {total} · done on time {on_time} · done late {late} · overdue {overdue} · "
            "due in 14 days {soon} · later {pending} · ongoing {ongoing} · waiting for an "
            "event {waiting} · without a date {undated}",
            total=tasks.total,
            on_time=tasks.done_on_time,
            late=tasks.done_late,
            overdue=tasks.overdue,
            soon=tasks.due_soon,
            pending=tasks.pending,
            ongoing=tasks.ongoing,
            waiting=tasks.waiting_event,
            undated=tasks.undated,
        ),
    ]
    if tasks.by_dimension:
        lines.append(t._("By PAPI dimension:"))
        for row in tasks.by_dimension:
            name = row.dimension or t._("other")
            counts = row.counts
            lines.append(
                f"{name:<5} {_bar(row.progress)} {_percent(t, row.progress)} "
                + t._(
                    "({done} done, {overdue} overdue)", done=counts.finished, overdue=counts.overdue
                )
            )
    if tasks.most_overdue:
        lines.append(t._("Most overdue:"))
        for item in tasks.most_overdue:
            lines.append(
                f"• [{item.code}] {shorten(item.task, 60)} — {item.unit or '—'}, "
                + t.ngettext("{n} day", "{n} days", item.days_late)
            )
    lines.append(feedback_line(figures.feedback, t))
    lines.extend(messaging_lines(figures, t))
    return "\n".join(lines)


def messaging_lines(figures: StatusFigures | ReportFigures, t: Translator) -> list[str]:
    """The Zalo messages of each month of the period and their estimated cost."""
    if not isinstance(figures, ReportFigures):
        return []
    return [cost_text(MonthCost(m.month, m.counts, m.cost), t) for m in figures.messaging]


def feedback_line(feedback: FeedbackTotals, t: Translator) -> str:
    """The feedback figures in one line."""
    return t._(
        "Feedback: received {received} · answered on time {on_time} · late {late} · open "
        "{open} · satisfied {rate}",
        received=feedback.received,
        on_time=feedback.answered_on_time,
        late=feedback.answered_late,
        open=feedback.open,
        rate=_percent(t, feedback.satisfaction_rate),
    )


def feedback_screen(feedback: FeedbackFigures, title: str, t: Translator) -> str:
    """Cases by kind, topic and unit; on-time rate; time to answer; satisfaction."""
    answered = feedback.answered
    rate = feedback.answered_on_time / answered if answered else None
    lines = [
        title,
        feedback_line(feedback, t),
        t._("On-time rate: {rate}", rate=_percent(t, rate)),
        t._(
            "Days to answer: average {avg}, 90% within {p90}",
            avg="—"
            if feedback.avg_days_to_answer is None
            else t.number(feedback.avg_days_to_answer),
            p90="—"
            if feedback.p90_days_to_answer is None
            else t.number(feedback.p90_days_to_answer),
        ),
        t._(
            "Reopened: {reopened} · closed, not resolved: {unresolved} · refused: {refused}",
            reopened=feedback.reopened,
            unresolved=feedback.closed_unresolved,
            refused=feedback.refused,
        ),
    ]
    sections = (
        (t._("By kind:"), feedback.by_kind, lambda k: t._(KINDS[CaseKind(k)].label)),
        (t._("By topic:"), feedback.by_topic, lambda k: topic_label(k, t)),
        (t._("By unit:"), feedback.by_unit, lambda k: k),
    )
    for heading, groups, name in sections:
        if groups:
            lines.append(heading)
            for key, counts in sorted(groups.items()):
                lines.append(
                    f"• {name(key)}: "
                    + t._(
                        "{received} received, {answered} answered ({on_time} on time), {open} open",
                        received=counts.received,
                        answered=counts.answered,
                        on_time=counts.answered_on_time,
                        open=counts.open,
                    )
                )
    return "\n".join(lines)
