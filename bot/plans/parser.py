"""The plan import entry point: a file in, a ``ParsedPlan`` (or a domain error) out."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import TYPE_CHECKING, Final

from bot.filelimits import PLAN_LIMITS
from bot.msgid import N_
from bot.plans.errors import MissingColumn, NoTaskTable, YearNotFound
from bot.plans.headers import Role, find_header
from bot.plans.normalize import one_line
from bot.plans.preview import FLAGS, ParsedPlan, ParsedTask, PlanWarning
from bot.plans.readers import MAX_BYTES, iter_lines, read_document
from bot.plans.tasks import Draft, extract_tasks
from bot.plans.units import UnitResolver
from bot.plans.year import infer_year
from bot.timeframes import parse_timeframe
from db.names import fold

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from bot.filelimits import PlanLimits
    from bot.plans.headers import Header
    from bot.plans.preview import TimeframeParser

_SKIPPED_NO_TASK: Final = N_(
    "A table with the columns {columns} was skipped: it has no task column."
)
_SKIPPED_NO_LEAD: Final = N_(
    "A table with the columns {columns} was skipped: it has no column for the lead unit."
)
_TITLE_WORDS: Final = ("ke hoach",)
_MIN_TITLE_LETTERS: Final = 10
_UPPER_SHARE: Final = 0.8


def _is_upper_heading(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    if len(letters) < _MIN_TITLE_LETTERS:
        return False
    return sum(ch.isupper() for ch in letters) >= _UPPER_SHARE * len(letters)


def infer_title(lines: Sequence[str], default: str) -> str:
    """The plan's title: the line under "KẾ HOẠCH", else the last heading before the table."""
    for i, line in enumerate(lines):
        folded = " ".join(fold(one_line(line)).split())
        if folded in _TITLE_WORDS and i + 1 < len(lines):
            parts = [one_line(lines[i + 1])]
            # A title wrapped onto the next line continues in lower case.
            for follow in lines[i + 2 :]:
                if not follow[:1].islower():
                    break
                parts.append(one_line(follow))
            return " ".join(parts)
    headings = [one_line(line) for line in lines if _is_upper_heading(line)]
    return headings[-1] if headings else default


def _missing(name: str, header: Header) -> MissingColumn:
    column = Role.TASK if not header.has(Role.TASK) else Role.LEAD
    return MissingColumn(name, column.value, header.labels)


def _freeze(draft: Draft) -> ParsedTask:
    return ParsedTask(
        code=draft.code,
        section=draft.section,
        dimension=draft.dimension,
        subsection=draft.subsection,
        task=draft.task,
        target=draft.target,
        output=draft.output,
        lead=draft.lead,
        partners=draft.partners,
        timeframe_text=draft.timeframe_text,
        flags=[flag for flag in FLAGS if flag in draft.flags],
        row=draft.row,
    )


def _unique_codes(drafts: list[Draft]) -> None:
    """Give every task a code of its own: a number the document repeats or leaves out becomes
    section and position ("2.3": the third task of the second section).

    Codes are the only label in notices, buttons and reports; a unique number the document
    gives is kept as written.
    """
    written = Counter(draft.code for draft in drafts)
    if all(code and count == 1 for code, count in written.items()):
        return
    taken = {code for code, count in written.items() if code and count == 1}
    sections = list(dict.fromkeys(draft.section for draft in drafts))
    positions: Counter[str | None] = Counter()
    for draft in drafts:
        positions[draft.section] += 1
        if draft.code and written[draft.code] == 1:
            continue
        code = f"{sections.index(draft.section) + 1}.{positions[draft.section]}"
        suffix = iter("bcdefghijklmnopqrstuvwxyz")
        candidate = code
        while candidate in taken:
            candidate = f"{code}{next(suffix, '')}"
        taken.add(candidate)
        draft.code = candidate


def flag_units(plan: ParsedPlan, directory: Mapping[str, int]) -> ParsedPlan:
    """Add ``new_unit`` / ``ambiguous_unit`` flags against a directory (unit_key -> id).

    A name that matches a unit only by some of its words is unclear until confirmed.
    """
    resolver = UnitResolver(directory)
    tasks = []
    for task in plan.tasks:
        statuses = {resolver.resolve(name).status for name in (*task.lead, *task.partners)}
        flags = set(task.flags) - {"new_unit", "ambiguous_unit"}
        if "new" in statuses:
            flags.add("new_unit")
        if statuses & {"ambiguous", "suggested"}:
            flags.add("ambiguous_unit")
        tasks.append(dataclasses.replace(task, flags=[f for f in FLAGS if f in flags]))
    return dataclasses.replace(plan, tasks=tasks)


def parse_plan(
    path: Path,
    *,
    year: int | None = None,
    directory: Mapping[str, int] | None = None,
    max_bytes: int = MAX_BYTES,
    limits: PlanLimits = PLAN_LIMITS,
    timeframe_parser: TimeframeParser = parse_timeframe,
) -> ParsedPlan:
    """Read a plan file (.docx, .xlsx, .csv) into tasks.

    ``year`` overrides the year found in the file; with ``directory`` (unit_key -> unit id)
    the tasks naming units missing from it, or matching several, are flagged.
    """
    document = read_document(path, max_bytes=max_bytes, limits=limits)
    preface: list[str] = []
    drafts: list[Draft] = []
    warnings: list[str] = []
    missing: MissingColumn | None = None
    tables_used = 0
    for table in document.tables:
        header = find_header(table)
        if tables_used == 0:
            preface.extend(table.before)
            preface.extend(iter_lines(table, header.start if header else len(table.rows)))
        while header is not None and not (header.has(Role.TASK) and header.has(Role.LEAD)):
            missing = missing or _missing(path.name, header)
            columns = "; ".join(label for label in header.labels if label)
            warnings.append(
                PlanWarning(_SKIPPED_NO_TASK, columns=columns)
                if not header.has(Role.TASK)
                else PlanWarning(_SKIPPED_NO_LEAD, columns=columns)
            )
            header = find_header(table, header.row + 1)
        if header is None:
            continue
        tables_used += 1
        found, notes = extract_tasks(table, header)
        drafts.extend(found)
        warnings.extend(notes)
    if tables_used == 0:
        raise missing or NoTaskTable(path.name)
    _unique_codes(drafts)
    title = infer_title(preface, path.stem)
    plan_year = year or infer_year(
        title,
        preface,
        (draft.timeframe_text for draft in drafts),
        (draft.task for draft in drafts),
    )
    if plan_year is None:
        raise YearNotFound(path.name)
    kinds: dict[str, str] = {}
    for draft in drafts:
        text = draft.timeframe_text
        if not text:
            draft.flags.add("no_deadline")
            continue
        if text not in kinds:
            kinds[text] = timeframe_parser(text, plan_year).kind
        if kinds[text] == "unspecified":
            draft.flags.add("unspecified_deadline")
    for draft in drafts:
        if draft.dimension is None:
            draft.flags.add("unknown_dimension")
    if not drafts:
        warnings.append(PlanWarning(N_("The task table has no task rows.")))
    plan = ParsedPlan(
        title=title,
        year=plan_year,
        source=path.name,
        tasks=[_freeze(draft) for draft in drafts],
        warnings=warnings,
    )
    return flag_units(plan, directory) if directory is not None else plan
