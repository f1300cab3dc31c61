"""Turn the body rows of one task table into tasks, sections and sub-sections."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from bot.msgid import N_
from bot.plans.headers import Role, is_column_number_row, repeats_header
from bot.plans.normalize import clean, one_line
from bot.plans.preview import PlanWarning
from bot.plans.sections import (
    LEVEL_BULLET,
    LEVEL_ROMAN,
    code_level,
    is_dimension_title,
    match_dimension,
    normalize_code,
    split_code,
)
from bot.plans.units import is_unit_name, split_lead, split_units

if TYPE_CHECKING:
    from bot.plans.headers import Header
    from bot.plans.readers import RawTable

_FIELDS: Final = (Role.TARGET, Role.OUTPUT, Role.LEAD, Role.PARTNERS, Role.TIME)
_BULLET_START: Final = ("- ", "+ ", "• ", "* ", "– ")
_MAX_TITLE_CHARS: Final = 100


@dataclass(frozen=True, slots=True)
class _Row:
    """One body row seen through the header: its number, text and the other fields."""

    index: int
    code: str
    level: int | None
    text: str
    fields: dict[Role, str]
    dimension: str
    subdimension: str
    spans: bool
    merged: bool
    echo: bool = False
    """The task cell continues a merge from above and every other cell is empty or merged
    from above too: the row only carries the merge down, it is no task of its own."""

    @property
    def heading_shaped(self) -> bool:
        """Only a number and a text: what section rows look like."""
        return bool(self.text) and not any(self.fields.values())


@dataclass(slots=True)
class Draft:
    """A task being assembled; flags are added as the parser learns more."""

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
    row: int
    flags: set[str] = field(default_factory=set)


def _cell(table: RawTable, header: Header, r: int, role: Role) -> str:
    c = header.columns.get(role)
    if c is None or table.h_copy(r, c):
        return ""
    return table.rows[r][c]


def _view(table: RawTable, header: Header, r: int) -> _Row:
    code = _cell(table, header, r, Role.CODE)
    text = _cell(table, header, r, Role.TASK)
    text_col = header.columns.get(Role.TASK)
    if code and code_level(code) is None and not text:
        # A row merged across the whole table keeps its text in the first (number) column.
        text, code, text_col = code, "", header.columns.get(Role.CODE)
    if not code and text:
        code, text = split_code(text)
        if not code and text.startswith(_BULLET_START):
            code, text = text[0], text[2:].strip()
    fields = {role: _cell(table, header, r, role) for role in _FIELDS}
    spans = False
    if text_col is not None:
        origin = table.origins[r][text_col]
        for role in _FIELDS:
            c = header.columns.get(role)
            if c is not None and table.origins[r][c] == origin:
                spans = True
    for role, value in fields.items():
        # Some exports write a merged title into every cell of its row.
        if value and value == text:
            fields[role], spans = "", True
    task_col = header.columns.get(Role.TASK)
    merged = task_col is not None and bool(text) and table.v_merged(r, task_col)
    echo = (
        task_col is not None
        and table.v_copy(r, task_col)
        and not any(
            value and not table.v_copy(r, header.columns[role])
            for role, value in fields.items()
            if role in header.columns
        )
    )
    level = code_level(code)
    return _Row(
        index=r,
        code=normalize_code(code) if level is not None else code,
        level=level,
        text=text,
        fields=fields,
        dimension=_cell(table, header, r, Role.DIMENSION),
        subdimension=_cell(table, header, r, Role.SUBDIMENSION),
        spans=spans,
        merged=merged,
        echo=echo,
    )


def _is_heading(row: _Row, next_level: int | None) -> bool:
    if not row.heading_shaped:
        return False
    if row.level is None:
        return True
    if row.level == LEVEL_BULLET:
        return False
    return (
        row.level <= LEVEL_ROMAN
        or row.spans
        or (next_level is not None and next_level > row.level)
        or (len(row.text) <= _MAX_TITLE_CHARS and is_dimension_title(row.text))
    )


class _Extractor:
    """Walks the rows in order, keeping track of the current section and sub-section."""

    def __init__(self, table: RawTable, header: Header) -> None:
        self.table = table
        self.header = header
        self.drafts: list[Draft] = []
        self.warnings: list[PlanWarning] = []
        self.section: str | None = None
        self.section_level: int | None = None
        self.section_dimension: str | None = None
        self.subsection: str | None = None
        self.subsection_dimension: str | None = None
        self.dimension_cell = ""
        self.subdimension_cell = ""

    def run(self) -> None:
        """Classify every body row."""
        rows = [
            _view(self.table, self.header, r)
            for r in range(self.header.row + 1, len(self.table.rows))
            if not is_column_number_row(self.table.rows[r])
            and not repeats_header(self.table.rows[r], self.header)
        ]
        rows = [row for row in rows if not row.echo]
        task_col = self.header.columns.get(Role.TASK)
        if task_col is not None:
            # A task cell merged only over echo rows is one task: nothing to check.
            shared = Counter(self.table.origins[row.index][task_col] for row in rows)
            rows = [
                dataclasses.replace(row, merged=False)
                if row.merged and shared[self.table.origins[row.index][task_col]] < 2
                else row
                for row in rows
            ]
        next_levels: list[int | None] = []
        upcoming: int | None = None
        for row in reversed(rows):
            next_levels.append(upcoming)
            if row.level is not None:
                upcoming = row.level
        next_levels.reverse()
        headings = [_is_heading(row, nxt) for row, nxt in zip(rows, next_levels, strict=True)]
        numbered = any(h and row.level is not None for h, row in zip(headings, rows, strict=True))
        for row, heading in zip(rows, headings, strict=True):
            self._carry_columns(row)
            if heading:
                self._heading(row, numbered=numbered)
            else:
                self._task(row)

    def _carry_columns(self, row: _Row) -> None:
        # Dimension columns are often merged down their group or filled on its first row only.
        if row.dimension and row.dimension != self.dimension_cell:
            self.dimension_cell, self.subdimension_cell = row.dimension, ""
        if row.subdimension:
            self.subdimension_cell = row.subdimension

    def _heading(self, row: _Row, *, numbered: bool) -> None:
        text = one_line(row.text)
        if row.level is None:
            is_section = is_dimension_title(text) or self.section is None or not numbered
        elif row.level <= LEVEL_ROMAN:
            is_section = True
        else:
            is_section = self.section_level is None or self.section_level >= row.level
        found = match_dimension(text)
        if is_section:
            self.section, self.section_level = text, row.level
            self.section_dimension = found.code if found else None
            self.subsection = self.subsection_dimension = None
            self.dimension_cell = self.subdimension_cell = ""
        else:
            self.subsection = text
            self.subsection_dimension = found.code if found else None

    def _task(self, row: _Row) -> None:
        number = row.index + 1
        if not row.text:
            if not row.code and any(row.fields.values()) and self.drafts:
                self._continuation(row)
            elif row.code or any(row.fields.values()):
                self.warnings.append(
                    PlanWarning(N_("Row {row} skipped: it has no task text."), row=number)
                )
            return
        if row.level is None and not row.fields[Role.LEAD] and not row.fields[Role.TIME]:
            self.warnings.append(
                PlanWarning(
                    N_("Row {row} skipped: no number, lead unit or time frame for “{text}”."),
                    row=number,
                    text=one_line(row.text)[:60],
                )
            )
            return
        leads, extra = split_lead(row.fields[Role.LEAD])
        partners = split_units(row.fields[Role.PARTNERS])
        partners += [unit for unit in extra if unit not in partners]
        draft = Draft(
            code=row.code if row.level != LEVEL_BULLET else "",
            section=self.dimension_cell or self.section,
            dimension=self._dimension(),
            subsection=self.subdimension_cell or self.subsection,
            task=clean(row.text),
            target=clean(row.fields[Role.TARGET]),
            output=clean(row.fields[Role.OUTPUT]),
            lead=self._units(leads, number),
            partners=self._units(partners, number),
            timeframe_text=one_line(row.fields[Role.TIME]),
            row=number,
        )
        if row.merged:
            draft.flags.add("merged_cell")
        self.drafts.append(draft)

    def _continuation(self, row: _Row) -> None:
        """A row under a task cell merged downwards, exported with that cell left empty."""
        previous = self.drafts[-1]
        previous.flags.add("merged_cell")
        number = row.index + 1
        leads, extra = split_lead(row.fields[Role.LEAD])
        partners = split_units(row.fields[Role.PARTNERS]) + extra
        self.drafts.append(
            Draft(
                code=previous.code,
                section=previous.section,
                dimension=previous.dimension,
                subsection=previous.subsection,
                task=previous.task,
                target=clean(row.fields[Role.TARGET]),
                output=clean(row.fields[Role.OUTPUT]),
                lead=self._units(leads, number),
                partners=self._units(partners, number),
                timeframe_text=one_line(row.fields[Role.TIME]),
                row=number,
                flags={"merged_cell"},
            )
        )

    def _dimension(self) -> str | None:
        if self.dimension_cell:
            found = match_dimension(self.dimension_cell)
            if found is not None:
                return found.code
        if self.subdimension_cell:
            found = match_dimension(self.subdimension_cell)
            if found is not None:
                return found.code
        return self.section_dimension or self.subsection_dimension

    def _units(self, names: list[str], number: int) -> list[str]:
        kept = []
        for name in names:
            if is_unit_name(name):
                kept.append(name)
            else:
                self.warnings.append(
                    PlanWarning(
                        N_("Row {row}: “{text}” is not a unit name; left out."),
                        row=number,
                        text=name,
                    )
                )
        return kept


def extract_tasks(table: RawTable, header: Header) -> tuple[list[Draft], list[PlanWarning]]:
    """The task drafts of a table below ``header``, in order, with warnings on odd rows."""
    extractor = _Extractor(table, header)
    extractor.run()
    return extractor.drafts, extractor.warnings
