"""Find a task table's header row(s) and tell which column holds what."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from bot.plans.normalize import one_line
from db.names import fold

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bot.plans.readers import RawTable

MAX_HEADER_CHARS: Final = 90
_WORDS: Final = re.compile(r"[a-z0-9]+")
SCAN_ROWS: Final = 30
MAX_HEADER_ROWS: Final = 3


class Role(StrEnum):
    """What a column of a task table holds."""

    CODE = "code"
    TASK = "task"
    DIMENSION = "dimension"
    SUBDIMENSION = "subdimension"
    TARGET = "target"
    OUTPUT = "output"
    LEAD = "lead"
    PARTNERS = "partners"
    TIME = "time"


# Order matters: the first rule that matches a header cell wins, so the specific phrases
# ("phối hợp", "thời gian thực hiện") come before the generic ones ("thực hiện").
_RULES: Final[tuple[tuple[Role, re.Pattern[str]], ...]] = (
    (Role.CODE, re.compile(r"^(s ?t ?t|so t ?t|t ?t|(so )?thu tu)$")),
    (Role.PARTNERS, re.compile(r"phoi hop")),
    (Role.TIME, re.compile(r"thoi (gian|han|diem)|hoan thanh|cham nhat|tien do")),
    (Role.SUBDIMENSION, re.compile(r"noi dung thanh phan|chi so thanh phan|tieu chi thanh phan")),
    (Role.DIMENSION, re.compile(r"chi so noi dung|^chi so$|^linh vuc$|^truc noi dung")),
    (Role.TARGET, re.compile(r"^chi tieu")),
    (Role.OUTPUT, re.compile(r"^(ket qua|san pham)")),
    (Role.LEAD, re.compile(r"chu tri|^(co quan|don vi|trach nhiem|bo phan|nguoi)")),
    (Role.TASK, re.compile(r"nhiem vu|^noi dung|^hoat dong|^giai phap|^cong viec")),
    (Role.LEAD, re.compile(r"thuc hien|tham muu|phu trach")),
)


def role_of(label: str) -> Role | None:
    """The role a header cell names, or ``None`` for an unrelated cell."""
    if len(label) > MAX_HEADER_CHARS:
        # Checked first: a task's text is long, and every row is asked (``repeats_header``).
        return None
    text = " ".join(_WORDS.findall(fold(label)))
    if not text:
        return None
    for role, pattern in _RULES:
        if pattern.search(text):
            return role
    return None


@dataclass(frozen=True, slots=True)
class Header:
    """Where a task table's header starts and ends, and which column holds each role."""

    start: int
    row: int
    columns: dict[Role, int]
    labels: tuple[str, ...]

    def has(self, role: Role) -> bool:
        """True if the table has a column for ``role``."""
        return role in self.columns


def _roles(cells: Sequence[str]) -> list[Role | None]:
    return [role_of(cell) if cell else None for cell in cells]


def _looks_like_header(roles: Sequence[Role | None]) -> bool:
    found = {role for role in roles if role is not None}
    return len(found) >= 3 or {Role.TASK, Role.LEAD} <= found


def _continues_header(table: RawTable, r: int) -> bool:
    """True if row ``r`` is the second line of a header that starts on row ``r - 1``."""
    row = table.rows[r]
    named = 0
    for c, cell in enumerate(row):
        if not cell or table.v_copy(r, c) or table.h_copy(r, c) or cell == table.rows[r - 1][c]:
            continue
        if role_of(cell) is None:
            return False
        named += 1
    return named > 0


def find_header(table: RawTable, start: int = 0) -> Header | None:
    """The first header of ``table`` from row ``start`` on: a row naming three roles or more
    (or the task and the lead).

    A second header row (sub-columns under a merged "Trách nhiệm thực hiện") refines the roles
    of the columns it names.
    """
    for r in range(start, min(start + SCAN_ROWS, len(table.rows))):
        roles = _roles(table.rows[r])
        if not _looks_like_header(roles):
            continue
        labels = [one_line(cell) for cell in table.rows[r]]
        end = r
        while (
            end + 1 < len(table.rows)
            and end + 1 - r < MAX_HEADER_ROWS
            and _continues_header(table, end + 1)
        ):
            end += 1
            for c, cell in enumerate(table.rows[end]):
                role = role_of(cell) if cell and not table.v_copy(end, c) else None
                if role is not None and cell != table.rows[end - 1][c]:
                    roles[c] = role
                    labels[c] = f"{labels[c]} / {one_line(cell)}" if labels[c] else one_line(cell)
        columns: dict[Role, int] = {}
        for c, role in enumerate(roles):
            if role is not None:
                columns.setdefault(role, c)
        return Header(r, end, columns, tuple(labels))
    return None


_NUMBER_CELL: Final = re.compile(r"^\(?\d{1,2}\)?$")


def is_column_number_row(cells: Sequence[str]) -> bool:
    """True for the "(1) (2) (3)…" row some tables put under the header."""
    filled = [cell for cell in cells if cell]
    return len(filled) >= 3 and all(_NUMBER_CELL.match(cell) for cell in filled)


def repeats_header(cells: Sequence[str], header: Header) -> bool:
    """True for a copy of the header row (tables split across pages repeat it)."""
    task = header.columns.get(Role.TASK)
    lead = header.columns.get(Role.LEAD)
    return (
        task is not None
        and lead is not None
        and role_of(cells[task]) is Role.TASK
        and role_of(cells[lead]) in (Role.LEAD, Role.PARTNERS)
    )
