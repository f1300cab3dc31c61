"""Words and formats shared by the report documents: states, dimensions, kinds, topics, dates.

The figures arrive typed (``bot.reports.model``); the states and the PAPI dimensions are
the one list of each (``bot.tasks.standing``, ``bot.papi``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from bot.feedback.catalog import KINDS, topic_label
from bot.i18n import N_, Translator
from bot.papi import dimension
from bot.periods import Period, PeriodError, date_range, label, parse_period
from bot.reports.model import Listed, ReportFigures, StateCounts, TaskFigures
from bot.tasks.standing import STATES
from db.models import CaseKind, Standing

Figures = ReportFigures
"""The figures of one report, as ``bot.reports.figures.figures`` returns them."""

TASK_STATES: Final = STATES
"""The one list of task states, in the order reports show them."""

STATE_LABELS: Final = {
    Standing.DONE_ON_TIME: N_("Done on time"),
    Standing.DONE_LATE: N_("Done late"),
    Standing.OVERDUE: N_("Overdue"),
    Standing.DUE_SOON: N_("Due soon"),
    Standing.PENDING: N_("Not yet due"),
    Standing.ONGOING: N_("Ongoing (regular)"),
    Standing.WAITING_EVENT: N_("Waiting for an instruction or event"),
    Standing.UNDATED: N_("No deadline set"),
}

STATE_GROUPS: Final = (
    (N_("Done on time"), (Standing.DONE_ON_TIME,)),
    (N_("Done late"), (Standing.DONE_LATE,)),
    (N_("Overdue"), (Standing.OVERDUE,)),
    (N_("Not yet due or due soon"), (Standing.PENDING, Standing.DUE_SOON)),
    (
        N_("Ongoing, waiting or no deadline"),
        (Standing.ONGOING, Standing.WAITING_EVENT, Standing.UNDATED),
    ),
)
"""The five groups the chart stacks, in order."""

CASE_STATUS_LABELS: Final = {
    "new": N_("New"),
    "assigned": N_("Being handled"),
    "awaiting_approval": N_("Awaiting approval"),
    "answered": N_("Answered"),
    "reopened": N_("Reopened"),
    "closed": N_("Closed"),
    "closed_unresolved": N_("Closed, not resolved"),
    "refused": N_("Not accepted"),
    "merged": N_("Merged into another case"),
}


def state_label(state: str, t: Translator) -> str:
    """A task state in words."""
    text = STATE_LABELS.get(Standing(state)) if state in STATES else None
    return t._(text) if text else state


def dimension_label(code: str | None, name: str | None, t: Translator) -> str:
    """A dimension's name in the reader's language; a plan's own section name otherwise."""
    found = dimension(code)
    if found is not None:
        return found.name(t.locale)
    if name:
        return name
    return t._("Other tasks (no PAPI dimension)")


def dimension_heading(code: str | None, name: str | None, t: Translator) -> str:
    """A dimension with its code, ``Quản trị điện tử (D8)``, for headings and rows."""
    text = dimension_label(code, name, t)
    return t._("{name} ({code})", name=text, code=code) if dimension(code) else text


def kind_label(kind: str, t: Translator) -> str:
    """A kind of feedback in words (the labels citizens choose from)."""
    try:
        info = KINDS[CaseKind(kind)]
    except ValueError:
        return kind
    return t._(info.label)


def topic_name(topic: str, t: Translator) -> str:
    """A feedback topic in words."""
    return topic_label(topic, t)


def case_status_label(status: str, t: Translator) -> str:
    """A case's status in words, as a report states it."""
    text = CASE_STATUS_LABELS.get(status)
    return t._(text) if text else status


def yes_no(value: bool | None, t: Translator) -> str:
    """Yes, no, or empty for unknown."""
    if value is None:
        return ""
    return t._("Yes") if value else t._("No")


# -- reading the figures ---------------------------------------------------------------


def day(value: object) -> date | None:
    """An ISO date string as a date, ``None`` when missing or unreadable."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def text(value: object) -> str:
    """A value to show as text ("" for ``None``)."""
    return "" if value is None else str(value)


def show_date(value: object, t: Translator) -> str:
    """An ISO date as the reader writes dates, "" when missing."""
    parsed = day(value)
    return t.date(parsed) if parsed else ""


def percent(value: float | None, t: Translator) -> str:
    """A share (0.67) as a percentage (``67%``), or "—" when unknown."""
    if value is None:
        return "—"
    return f"{t.number(round(value * 100, 1))}%"


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or ``None`` when the whole is 0."""
    return part / whole if whole else None


def report_period(figures: Figures) -> Period:
    """The report's period, read from its code (or from its dates when the code is odd)."""
    info = figures.period
    try:
        return parse_period(info.code, figures.as_of, closing=info.closing)
    except PeriodError:
        return date_range(info.start, info.end)


def period_label(figures: Figures, t: Translator) -> str:
    """The report's period as the reader names it: ``Quý III/2024`` or ``Q3 2024``."""
    return label(report_period(figures), t)


_CODE_PART: Final = re.compile(r"\d+|\D+")


def code_key(code: object) -> tuple[tuple[int, int | str], ...]:
    """Sort plan codes naturally: 1.2 before 1.10, numbers before letters."""
    parts = _CODE_PART.findall(text(code))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def listed_key(item: Listed) -> tuple[tuple[tuple[int, int | str], ...], date, int]:
    """Listed occurrences by plan code naturally, then by due date: codes repeat."""
    return code_key(item.code), item.due, item.occurrence_id or 0


@dataclass(slots=True)
class DimensionGroup:
    """One PAPI dimension (or the tasks tied to none) with its counts and listed tasks."""

    code: str | None
    name: str
    counts: StateCounts = field(default_factory=StateCounts)
    done: list[Listed] = field(default_factory=list)
    late: list[Listed] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many tasks the dimension has in the period."""
        return self.counts.total

    @property
    def progress(self) -> float | None:
        """Done as a share of the dated (the one rule), ``None`` when nothing is dated."""
        return self.counts.progress


def dimension_groups(tasks: TaskFigures) -> list[DimensionGroup]:
    """The dimensions in the figures' order, with the done and late occurrences of each.

    Sections tied to no dimension are joined into one group; a listed occurrence whose
    dimension has no counts still gets a group, so nothing listed is dropped.
    """
    found: dict[str | None, DimensionGroup] = {}
    for entry in tasks.by_dimension:
        code = entry.dimension or None
        group = found.get(code)
        if group is None:
            found[code] = DimensionGroup(code, entry.name, entry.counts)
        else:  # a second section without a dimension
            group.name = group.name if group.name == entry.name else ""
            group.counts = _added(group.counts, entry.counts)
    for item in tasks.listed:
        code = item.dimension or None
        if code not in found:
            found[code] = DimensionGroup(code, "")
        if item.done:
            found[code].done.append(item)
        if item.late:
            found[code].late.append(item)
    return list(found.values())


def _added(a: StateCounts, b: StateCounts) -> StateCounts:
    return StateCounts.tally(
        [(state, a.of(state)) for state in STATES] + [(state, b.of(state)) for state in STATES]
    )
