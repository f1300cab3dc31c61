"""Build small plan files (docx, xlsx, csv) and a stand-in time frame parser for tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import docx
import openpyxl

if TYPE_CHECKING:
    from collections.abc import Sequence

SHARED = Path(
    os.environ.get("BOT_SHARED_DIR")
    or next(
        (p / "shared" for p in Path(__file__).resolve().parents[4:] if (p / "shared").is_dir()),
        Path(__file__).resolve().parents[3].parent / "shared",
    )
)
PLANS = SHARED / "plans"

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column


def write_docx(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    paragraphs: Sequence[str] = (),
    merges: Sequence[Merge] = (),
) -> Path:
    """A Word file with ``paragraphs`` then one table; merged cells keep the first text."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=len(rows), cols=max(len(row) for row in rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for r1, c1, r2, c2 in merges:
        top = table.cell(r1, c1)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    table.cell(r, c).text = ""
        top.merge(table.cell(r2, c2)).text = rows[r1][c1]
    document.save(str(path))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[str]], *, merges: Sequence[Merge] = ()) -> Path:
    """A workbook with one sheet holding ``rows``; merged ranges keep their top-left value."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append([value or None for value in row])
    for r1, c1, r2, c2 in merges:
        sheet.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    workbook.save(path)
    return path


def write_csv(
    path: Path, rows: Sequence[Sequence[str]], *, delimiter: str = ",", bom: bool = False
) -> Path:
    """A CSV file, quoting every cell so commas inside cells are safe."""
    lines = [delimiter.join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows]
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class FakeTimeframe:
    """A time frame that is due on 31 December when it names the year, else unspecified."""

    kind: str
    text: str
    offset_days: int | None = None

    def due_dates(self, start: date, end: date) -> list[date]:
        """The end of the plan year for "once", nothing otherwise."""
        due = date(end.year, 12, 31)
        return [due] if self.kind == "once" and start <= due <= end else []


def fake_timeframe(text: str, plan_year: int) -> FakeTimeframe:
    """Read only "Năm <year>" / "Quý .../<year>" as once; "Theo ..." as unspecified."""
    if str(plan_year) in text:
        return FakeTimeframe("once", text)
    if text.lower().startswith("theo"):
        return FakeTimeframe("unspecified", text)
    return FakeTimeframe("ongoing", text)
