"""The report's figures as an Excel workbook: one sheet per topic, ready to filter and sum.

Counts are numbers, dates are dates, shares are numbers shown as percentages. Only the
fields the figures list are written: no citizen's name or contact ever reaches a sheet.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import Translator
from bot.reports.labels import (
    TASK_STATES,
    Figures,
    case_status_label,
    day,
    dimension_groups,
    dimension_heading,
    dimension_label,
    kind_label,
    listed_key,
    period_label,
    share,
    state_label,
    topic_name,
    yes_no,
)
from bot.reports.model import (
    FeedbackFigures,
    GroupCounts,
    Listed,
    StateCounts,
    TaskFigures,
)
from bot.safetext import append_row, displayable

Cell = str | int | float | date | None

MAX_WIDTH: Final = 60
MIN_WIDTH: Final = 8
WRAP_FROM: Final = 40
PERCENT: Final = "0%"
DECIMAL: Final = "0.0"
DATE_FORMATS: Final = {"vi": "DD/MM/YYYY", "en": "YYYY-MM-DD"}
# One object per style, shared by every cell that wears it: building an openpyxl style
# costs as much as writing the cell, and a report has tens of thousands of cells.
HEADER_FONT: Final = Font(bold=True)
HEADER_FILL: Final = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT: Final = Alignment(wrap_text=True, vertical="center")
TOP: Final = Alignment(vertical="top")
WRAPPED_TOP: Final = Alignment(wrap_text=True, vertical="top")
LEFT_TOP: Final = Alignment(horizontal="left", vertical="top")
LINK_FONT: Final = Font(color="0563C1", underline="single")
_BAD_TITLE: Final = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class Column:
    """A column's heading and how its numbers show."""

    title: str
    number_format: str | None = None


def _sheet_title(title: str) -> str:
    return _BAD_TITLE.sub("-", displayable(title))[:31]


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _table(
    book: Workbook,
    title: str,
    columns: Sequence[Column],
    body: Sequence[Sequence[Cell]],
    t: Translator,
) -> Worksheet:
    """A sheet holding one table: bold frozen header, typed cells, fitted widths."""
    sheet: Worksheet = book.create_sheet(_sheet_title(title))
    append_row(sheet, [c.title for c in columns])
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
    date_format = DATE_FORMATS.get(t.locale, DATE_FORMATS["vi"])
    for values in body:
        append_row(sheet, values)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        widest = max(
            [len(w) for w in column.title.split()] + [_width(v[index - 1]) for v in body],
            default=0,
        )
        width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[letter].width = width
        alignment = WRAPPED_TOP if widest > WRAP_FROM else TOP
        for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell = row[0]
            if isinstance(cell.value, date):
                cell.number_format = date_format
            elif column.number_format and isinstance(cell.value, int | float):
                cell.number_format = column.number_format
            cell.alignment = alignment
    sheet.freeze_panes = "A2"
    if body:
        sheet.auto_filter.ref = sheet.dimensions
    return sheet


def _summary(book: Workbook, figures: Figures, t: Translator) -> None:
    organization = figures.organization
    tasks = figures.tasks
    feedback = figures.feedback
    received = feedback.received
    answered = feedback.answered
    body: list[tuple[Cell, Cell]] = [
        (t._("Organization"), organization.name),
        (t._("Reports to"), organization.parent or None),
        (t._("Period"), period_label(figures, t)),
        (t._("Period start"), figures.period.start),
        (t._("Period end"), figures.period.end),
        (t._("Figures as of"), figures.as_of),
        (t._("Tasks"), tasks.total),
        *((state_label(s, t), tasks.of(s)) for s in TASK_STATES),
        (t._("Tasks done"), tasks.finished),
        (t._("Feedback received"), received),
        (t._("Feedback answered"), answered),
        (t._("Answered on time"), feedback.answered_on_time),
        (t._("Answered late"), feedback.answered_late),
        (t._("On-time rate"), share(feedback.answered_on_time, answered)),
        (t._("Still open"), feedback.open),
        (t._("Not accepted"), feedback.refused),
        (t._("Merged into another case"), feedback.merged),
        (t._("Closed, not resolved"), feedback.closed_unresolved),
        (t._("Reopened after the citizen's rating"), feedback.reopened),
        (t._("Answers rated"), feedback.rated),
        (t._("Satisfied"), feedback.satisfied),
        (t._("Neutral"), feedback.neutral),
        (t._("Not satisfied"), feedback.unsatisfied),
        (t._("Satisfaction rate"), feedback.satisfaction_rate),
        (t._("Average days to answer"), feedback.avg_days_to_answer),
        (t._("Days to answer, 90th percentile"), feedback.p90_days_to_answer),
    ]
    sheet = _table(
        book, t._("Summary"), [Column(t._("Item")), Column(t._("Value"), DECIMAL)], body, t
    )
    percent_rows = {t._("On-time rate"), t._("Satisfaction rate")}
    for label_cell, value_cell in sheet.iter_rows(min_row=2):
        if isinstance(value_cell.value, int):
            value_cell.number_format = "0"
        if label_cell.value in percent_rows:
            value_cell.number_format = PERCENT
        value_cell.alignment = LEFT_TOP


def _state_columns(t: Translator) -> list[Column]:
    return [Column(t._("Total")), *(Column(state_label(s, t)) for s in TASK_STATES)]


def _states(counts: StateCounts) -> list[Cell]:
    return [counts.total, *(counts.of(s) for s in TASK_STATES)]


def _dimensions(book: Workbook, tasks: TaskFigures, t: Translator) -> None:
    body: list[list[Cell]] = []
    for group in dimension_groups(tasks):
        name = dimension_label(group.code, group.name, t)
        body.append([group.code, name, *_states(group.counts), group.progress])
    columns = [
        Column(t._("Dimension code")),
        Column(t._("PAPI dimension")),
        *_state_columns(t),
        Column(t._("Share done"), PERCENT),
    ]
    _table(book, t._("By dimension"), columns, body, t)


def _dimension_cell(item: Listed, t: Translator) -> str:
    return dimension_heading(item.dimension, None, t) if item.dimension else ""


def _late(book: Workbook, tasks: TaskFigures, t: Translator) -> None:
    body: list[list[Cell]] = [
        [
            item.code,
            item.task,
            _dimension_cell(item, t),
            item.unit or "",
            item.due,
            item.days_late,
            item.done_on,
            "\n".join(item.reasons),
        ]
        for item in sorted(tasks.late_items, key=listed_key)
    ]
    columns = [
        Column(t._("Plan code")),
        Column(t._("Task")),
        Column(t._("PAPI dimension")),
        Column(t._("Unit")),
        Column(t._("Due")),
        Column(t._("Days late"), "0"),
        Column(t._("Done on")),
        Column(t._("Reasons given")),
    ]
    _table(book, t._("Late and overdue"), columns, body, t)


def _evidence(book: Workbook, tasks: TaskFigures, t: Translator) -> None:
    body: list[list[Cell]] = [
        [
            item.code,
            item.task,
            _dimension_cell(item, t),
            item.unit or "",
            item.due,
            item.done_on,
            yes_no(not item.late, t),
            item.evidence or None,
        ]
        for item in sorted(tasks.done_items, key=listed_key)
    ]
    columns = [
        Column(t._("Plan code")),
        Column(t._("Task")),
        Column(t._("PAPI dimension")),
        Column(t._("Unit")),
        Column(t._("Due")),
        Column(t._("Done on")),
        Column(t._("On time")),
        Column(t._("Evidence")),
    ]
    sheet = _table(book, t._("Evidence"), columns, body, t)
    for (cell,) in sheet.iter_rows(min_row=2, min_col=8, max_col=8):
        if isinstance(cell.value, str) and cell.value.startswith(("http://", "https://")):
            cell.hyperlink = cell.value
            cell.font = LINK_FONT


def _cases(book: Workbook, feedback: FeedbackFigures, t: Translator) -> None:
    body: list[list[Cell]] = [
        [
            case.code,
            kind_label(case.kind, t),
            topic_name(case.topic, t),
            case.unit or None,
            case.received,
            case.answer_due,
            case.answered,
            case_status_label(case.status, t),
            yes_no(case.on_time, t),
        ]
        for case in feedback.cases
    ]
    columns = [
        Column(t._("Case code")),
        Column(t._("Kind of feedback")),
        Column(t._("Topic")),
        Column(t._("Unit")),
        Column(t._("Received")),
        Column(t._("Answer due")),
        Column(t._("Answered")),
        Column(t._("Status")),
        Column(t._("Answered on time")),
    ]
    _table(book, t._("Feedback cases"), columns, body, t)


def _feedback_groups(book: Workbook, feedback: FeedbackFigures, t: Translator) -> None:
    body: list[list[Cell]] = []
    for heading, found, name in (
        (t._("Kind of feedback"), feedback.by_kind, kind_label),
        (t._("Topic"), feedback.by_topic, topic_name),
    ):
        for item, counts in found.items():
            body.append(
                [
                    heading,
                    name(item, t),
                    counts.received,
                    counts.answered,
                    counts.answered_on_time,
                    counts.open,
                ]
            )
    for month in feedback.by_month:
        when = day(f"{month.month}-01")
        body.append(
            [
                t._("Month"),
                t.date(when, "MM/y") if when else month.month,
                month.received,
                month.answered,
                None,
                None,
            ]
        )
    columns = [
        Column(t._("Grouped by")),
        Column(t._("Group")),
        Column(t._("Received")),
        Column(t._("Answered")),
        Column(t._("Answered on time")),
        Column(t._("Still open")),
    ]
    _table(book, t._("Feedback by group"), columns, body, t)


def _units(book: Workbook, figures: Figures, t: Translator) -> None:
    by_unit = {item.unit: item.counts for item in figures.tasks.by_unit}
    feedback = figures.feedback.by_unit
    body: list[list[Cell]] = []
    for unit in sorted(set(by_unit) | set(feedback), key=lambda u: (u == "—", u)):
        case_counts = feedback.get(unit, GroupCounts())
        body.append(
            [
                unit,
                *_states(by_unit.get(unit, StateCounts())),
                case_counts.received,
                case_counts.answered,
                case_counts.answered_on_time,
                case_counts.open,
            ]
        )
    columns = [
        Column(t._("Unit")),
        *_state_columns(t),
        Column(t._("Feedback received")),
        Column(t._("Feedback answered")),
        Column(t._("Answered on time")),
        Column(t._("Feedback still open")),
    ]
    _table(book, t._("By unit"), columns, body, t)


def render_workbook(figures: Figures, t: Translator) -> bytes:
    """The figures as an .xlsx workbook, one sheet per topic."""
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    tasks = figures.tasks
    feedback = figures.feedback
    _summary(book, figures, t)
    _dimensions(book, tasks, t)
    _late(book, tasks, t)
    _evidence(book, tasks, t)
    _cases(book, feedback, t)
    _feedback_groups(book, feedback, t)
    _units(book, figures, t)
    book.properties.title = displayable(
        t._(
            "Results of the plan to improve the PAPI index, {period}",
            period=period_label(figures, t),
        )
    )
    book.properties.creator = displayable(figures.organization.name)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
