"""The import preview as an .xlsx workbook, for the admin to check at leisure."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date

from bot.i18n import Translator
from bot.plans.preview import KIND_LABELS, ParsedPlan, TimeframeParser, flag_label
from bot.safetext import append_row

_WIDTHS = (8, 30, 6, 60, 30, 30, 30, 12, 30, 30)


def _units(names: list[str], resolved: Mapping[str, str]) -> str:
    return "; ".join(
        f"{name} → {resolved[name]}" if resolved.get(name, name) != name else name for name in names
    )


def preview_workbook(
    plan: ParsedPlan,
    t: Translator,
    parse: TimeframeParser,
    resolved: Mapping[str, str] | None = None,
) -> bytes:
    """One row per task: code, section, dimension, task, units, time frame, due dates, flags.

    ``resolved`` gives, for a unit name as written, the unit it goes to (shown after it).
    """
    resolved = resolved or {}
    # openpyxl is ~15 MiB resident: loaded by the first preview, not by every bot at start.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    if sheet is None:
        raise RuntimeError("openpyxl made a workbook without a sheet")
    sheet.title = t._("Tasks")[:31]
    header = [
        t._("Code"),
        t._("Section"),
        t._("Dimension"),
        t._("Task"),
        t._("Lead"),
        t._("Partners"),
        t._("Time frame"),
        t._("Kind"),
        t._("Due dates"),
        t._("Flags"),
    ]
    append_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    year_start, year_end = date(plan.year, 1, 1), date(plan.year, 12, 31)
    for task in plan.tasks:
        timeframe = parse(task.timeframe_text, plan.year) if task.timeframe_text else None
        due = timeframe.due_dates(year_start, year_end) if timeframe else []
        kind = timeframe.kind if timeframe else "unspecified"
        append_row(
            sheet,
            [
                task.code,
                task.section or "",
                task.dimension or "",
                task.task,
                _units(task.lead, resolved),
                _units(task.partners, resolved),
                task.timeframe_text,
                t._(KIND_LABELS[kind]),
                ", ".join(t.date(d) for d in due),
                ", ".join(flag_label(flag, t) for flag in task.flags),
            ],
        )
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
