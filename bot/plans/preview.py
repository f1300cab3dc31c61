"""The parsed plan: its model, its JSON form and a readable preview for the importer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeAlias

from bot.msgid import N_
from bot.safetext import displayable
from bot.timeframes import parse_timeframe

if TYPE_CHECKING:
    from bot.i18n import Translator

FLAGS: Final = (
    "no_deadline",
    "unspecified_deadline",
    "merged_cell",
    "new_unit",
    "ambiguous_unit",
    "unknown_dimension",
)
_FLAG_LABELS: Final = {
    "no_deadline": N_("no deadline"),
    "unspecified_deadline": N_("deadline not specific"),
    "merged_cell": N_("merged cell"),
    "new_unit": N_("new unit"),
    "ambiguous_unit": N_("unit unclear"),
    "unknown_dimension": N_("no PAPI dimension"),
}
KIND_LABELS: Final = {
    "once": N_("once"),
    "recurring": N_("recurring"),
    "ongoing": N_("ongoing"),
    "event": N_("on an event"),
    "unspecified": N_("not specific"),
}
TASK_CHARS: Final = 90
MAX_DUE_SHOWN: Final = 4


class TimeframeLike(Protocol):
    """What the plan parser needs of ``bot.timeframes.Timeframe``."""

    @property
    def kind(self) -> str:
        """once, recurring, ongoing, event or unspecified."""

    @property
    def text(self) -> str:
        """The phrase as written."""

    @property
    def offset_days(self) -> int | None:
        """For events: the days allowed after the event."""

    def due_dates(self, start: date, end: date) -> list[date]:
        """Every due date between ``start`` and ``end``."""


TimeframeParser: TypeAlias = Callable[[str, int], TimeframeLike]


class PlanWarning(str):
    """A warning about the file: reads as English text, translates through ``localize``."""

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> PlanWarning:
        """Keep the message id and its parameters for translation."""
        warning = super().__new__(cls, msgid.format(**params))
        warning.msgid = msgid
        warning.params = params
        return warning

    def localize(self, t: Translator) -> str:
        """The warning in the reader's language."""
        return t._(self.msgid, **self.params)


@dataclass(frozen=True, slots=True)
class ParsedTask:
    """One task row of a plan's table, as written, with what needs the importer's eye."""

    code: str
    section: str | None
    dimension: str | None
    subsection: str | None
    task: str
    target: str
    output: str
    lead: list[str]
    partners: list[str]
    timeframe_text: str
    flags: list[str]
    row: int


@dataclass(frozen=True, slots=True)
class ParsedPlan:
    """A plan file read into tasks, before anything is stored."""

    title: str
    year: int
    source: str
    tasks: list[ParsedTask]
    warnings: list[str]


def _timeframe_json(text: str, year: int, parse: TimeframeParser) -> dict[str, Any]:
    if not text:
        return {"text": "", "kind": "unspecified", "due": [], "offset_days": None}
    timeframe = parse(text, year)
    due = timeframe.due_dates(date(year, 1, 1), date(year, 12, 31))
    return {
        "text": text,
        "kind": timeframe.kind,
        "due": [day.isoformat() for day in due],
        "offset_days": timeframe.offset_days,
    }


def to_json(plan: ParsedPlan, timeframe_parser: TimeframeParser) -> dict[str, Any]:
    """The plan as JSON-ready data; due dates are those inside the plan year."""
    return {
        "plan": {"title": plan.title, "year": plan.year, "source": plan.source},
        "tasks": [
            {
                "code": task.code,
                "section": task.section,
                "dimension": task.dimension,
                "subsection": task.subsection,
                "task": task.task,
                "target": task.target,
                "output": task.output,
                "lead": list(task.lead),
                "partners": list(task.partners),
                "timeframe": _timeframe_json(task.timeframe_text, plan.year, timeframe_parser),
                "flags": list(task.flags),
                "row": task.row,
            }
            for task in plan.tasks
        ],
        "warnings": list(plan.warnings),
    }


def shorten(text: str, limit: int = TASK_CHARS) -> str:
    """The first line of ``text``, cut at a word boundary to at most ``limit`` characters."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return f"{cut}…"


def _due_line(task: ParsedTask, year: int, t: Translator, parse: TimeframeParser) -> str:
    if not task.timeframe_text:
        return t._("Due: no deadline given")
    timeframe = parse(task.timeframe_text, year)
    due = timeframe.due_dates(date(year, 1, 1), date(year, 12, 31))
    kind = t._(KIND_LABELS.get(timeframe.kind, timeframe.kind))
    if not due:
        return t._("Due: {text} ({kind})", text=task.timeframe_text, kind=kind)
    shown = ", ".join(t.date(day) for day in due[:MAX_DUE_SHOWN])
    if len(due) > MAX_DUE_SHOWN:
        shown = t.ngettext(
            "{dates} and {n} more", "{dates} and {n} more", len(due) - MAX_DUE_SHOWN, dates=shown
        )
    return t._("Due: {dates} ({kind})", dates=shown, kind=kind)


def flag_label(flag: str, t: Translator) -> str:
    """A task flag in the reader's language ("new unit", not ``new_unit``)."""
    return t._(_FLAG_LABELS[flag]) if flag in _FLAG_LABELS else flag


def _translate(warning: str, t: Translator) -> str:
    return warning.localize(t) if isinstance(warning, PlanWarning) else warning


def render_preview(
    plan: ParsedPlan,
    t: Translator,
    *,
    timeframe_parser: TimeframeParser = parse_timeframe,
) -> str:
    """A readable preview: per section, each task's code, text, lead, due dates and flags."""
    lines = [
        t._("Plan: {title}", title=plan.title),
        t.ngettext(
            "Year {year}, {n} task, from {source}",
            "Year {year}, {n} tasks, from {source}",
            len(plan.tasks),
            year=plan.year,
            source=plan.source,
        ),
    ]
    section: object = object()
    subsection: str | None = None
    for task in plan.tasks:
        if task.section != section:
            section, subsection = task.section, None
            name = task.section or t._("(no section)")
            heading = (
                t._("{section} — dimension {dimension}", section=name, dimension=task.dimension)
                if task.dimension
                else t._("{section} — no PAPI dimension", section=name)
            )
            lines += ["", f"■ {heading}"]
        if task.subsection and task.subsection != subsection:
            subsection = task.subsection
            lines.append(f"  ▸ {subsection}")
        code = task.code or f"#{task.row}"
        lines.append(f"  {code}. {shorten(task.task)}")
        lead = "; ".join(task.lead) or t._("none given")
        lines.append("     " + t._("Lead: {units}", units=lead))
        lines.append("     " + _due_line(task, plan.year, t, timeframe_parser))
        if task.flags:
            flags = ", ".join(flag_label(flag, t) for flag in task.flags)
            lines.append("     " + t._("Check: {flags}", flags=flags))
    if plan.warnings:
        lines += ["", t._("Warnings:")]
        lines += [f"  - {_translate(warning, t)}" for warning in plan.warnings]
    return displayable("\n".join(lines))
