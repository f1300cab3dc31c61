"""Words and formats shared by the report documents: states, dimensions, kinds, topics, dates.

The figures arrive as a plain JSON-ready dict (see ``bot.reports.figures``); the helpers here
read it defensively, since an empty period carries zeros, empty lists and nulls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from bot.feedback.catalog import KINDS, topic_label
from bot.i18n import N_, Translator
from bot.periods import Period, PeriodError, date_range, label, parse_period
from db.models import CaseKind

Figures = Mapping[str, Any]
"""The figures of one report, as ``bot.reports.figures.figures`` returns them."""

TASK_STATES: Final = (
    "done_on_time",
    "done_late",
    "overdue",
    "due_soon",
    "pending",
    "ongoing",
    "waiting_event",
    "undated",
)

STATE_LABELS: Final = {
    "done_on_time": N_("Done on time"),
    "done_late": N_("Done late"),
    "overdue": N_("Overdue"),
    "due_soon": N_("Due soon"),
    "pending": N_("Not yet due"),
    "ongoing": N_("Ongoing (regular)"),
    "waiting_event": N_("Waiting for an instruction or event"),
    "undated": N_("No deadline set"),
}

STATE_GROUPS: Final = (
    (N_("Done on time"), ("done_on_time",)),
    (N_("Done late"), ("done_late",)),
    (N_("Overdue"), ("overdue",)),
    (N_("Not yet due or due soon"), ("pending", "due_soon")),
    (N_("Ongoing, waiting or no deadline"), ("ongoing", "waiting_event", "undated")),
)
"""The five groups the chart stacks, in order."""

DIMENSIONS: Final = {
    "D1": ("Tham gia của người dân ở cấp cơ sở", "Participation at local levels"),
    "D2": (
        "Công khai, minh bạch trong việc ra quyết định ở địa phương",
        "Transparency in local decision-making",
    ),
    "D3": ("Trách nhiệm giải trình với người dân", "Vertical accountability"),
    "D4": (
        "Kiểm soát tham nhũng trong khu vực công",
        "Control of corruption in the public sector",
    ),
    "D5": ("Thủ tục hành chính công", "Public administrative procedures"),
    "D6": ("Cung ứng dịch vụ công", "Public service delivery"),
    "D7": ("Quản trị môi trường", "Environmental governance"),
    "D8": ("Quản trị điện tử", "E-governance"),
}
"""PAPI's eight dimensions in Vietnamese and English (reference/papi.md)."""

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
    text = STATE_LABELS.get(state)
    return t._(text) if text else state


def dimension_label(code: str | None, name: str | None, t: Translator) -> str:
    """A dimension's name in the reader's language; a plan's own section name otherwise."""
    if code in DIMENSIONS:
        vi, en = DIMENSIONS[code]
        return en if t.locale == "en" else vi
    if name:
        return name
    return t._("Other tasks (no PAPI dimension)")


def dimension_heading(code: str | None, name: str | None, t: Translator) -> str:
    """A dimension with its code, ``Quản trị điện tử (D8)``, for headings and rows."""
    text = dimension_label(code, name, t)
    return t._("{name} ({code})", name=text, code=code) if code in DIMENSIONS else text


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


def section(figures: Figures, key: str) -> Mapping[str, Any]:
    """A part of the figures (``tasks``, ``feedback``, ``organization``, ``period``) or ``{}``."""
    value = figures.get(key)
    return value if isinstance(value, Mapping) else {}


def rows(part: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """A list of records, or an empty list."""
    value = part.get(key)
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def groups(part: Mapping[str, Any], key: str) -> dict[str, Mapping[str, Any]]:
    """A mapping of name to counts (``by_kind``, ``by_topic``, ``by_unit``), or ``{}``."""
    value = part.get(key)
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, Mapping)}


def count(part: Mapping[str, Any], key: str) -> int:
    """A count, 0 when missing."""
    value = part.get(key)
    return int(value) if isinstance(value, int | float) else 0


def number(part: Mapping[str, Any], key: str) -> float | None:
    """A measure that may be unknown (``null``)."""
    value = part.get(key)
    return float(value) if isinstance(value, int | float) else None


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
    info = section(figures, "period")
    as_of = day(figures.get("as_of")) or date.today()
    closing = bool(info.get("closing"))
    try:
        return parse_period(text(info.get("code")), as_of, closing=closing)
    except PeriodError:
        start, end = day(info.get("start")), day(info.get("end"))
        return date_range(start or as_of, end or start or as_of)


def period_label(figures: Figures, t: Translator) -> str:
    """The report's period as the reader names it: ``Quý III/2024`` or ``Q3 2024``."""
    return label(report_period(figures), t)


_CODE_PART: Final = re.compile(r"\d+|\D+")


def code_key(code: object) -> tuple[tuple[int, int | str], ...]:
    """Sort plan codes naturally: 1.2 before 1.10, numbers before letters."""
    parts = _CODE_PART.findall(text(code))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


@dataclass(slots=True)
class DimensionGroup:
    """One PAPI dimension (or the tasks tied to none) with its counts and listed tasks."""

    code: str | None
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    progress: float | None = None
    done: list[Mapping[str, Any]] = field(default_factory=list)
    late: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many tasks the dimension has in the period."""
        return self.counts.get("total", 0)


def _dimension_code(value: object) -> str | None:
    return str(value) if value else None


def dimension_groups(tasks: Mapping[str, Any]) -> list[DimensionGroup]:
    """The dimensions in the figures' order, with the done and late tasks of each.

    Sections tied to no dimension are joined into one group; a listed task whose dimension
    has no counts still gets a group, so nothing listed is dropped.
    """
    found: dict[str | None, DimensionGroup] = {}
    for entry in rows(tasks, "by_dimension"):
        code = _dimension_code(entry.get("dimension"))
        name = text(entry.get("name"))
        group = found.get(code)
        if group is None:
            group = found[code] = DimensionGroup(code, name, progress=number(entry, "progress"))
        else:  # a second section without a dimension
            group.name = group.name if group.name == name else ""
            group.progress = None
        for key in ("total", *TASK_STATES):
            group.counts[key] = group.counts.get(key, 0) + count(entry, key)
    for key, listed in (("done", "done"), ("late", "late")):
        for item in rows(tasks, listed):
            code = _dimension_code(item.get("dimension"))
            if code not in found:
                found[code] = DimensionGroup(code, "")
            getattr(found[code], key).append(item)
    for group in found.values():
        if group.progress is None:
            group.progress = progress(group.counts)
    return list(found.values())


def progress(counts: Mapping[str, int]) -> float | None:
    """Done tasks as a share of those with a date, ``None`` when none has one."""
    dated = sum(counts.get(s, 0) for s in ("done_on_time", "done_late", "overdue", "due_soon"))
    dated += counts.get("pending", 0)
    return share(counts.get("done_on_time", 0) + counts.get("done_late", 0), dated)
