"""Read .docx, .xlsx and .csv files into plain tables of cell strings with merge info."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.filelimits import PLAN_LIMITS, PlanLimits
from bot.plans.errors import (
    CorruptFile,
    EncryptedFile,
    FileLimitExceeded,
    FileTooLarge,
    PlanImportError,
    UnsupportedFormat,
)
from bot.plans.inspection import (
    check_archive,
    check_csv_lines,
    check_csv_row,
    check_docx,
    check_xlsx,
)
from bot.plans.normalize import clean

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from openpyxl.worksheet.worksheet import Worksheet

MAX_BYTES: Final = PLAN_LIMITS.max_bytes
OLE_MAGIC: Final = bytes.fromhex("D0CF11E0A1B11AE1")
# Stream names in an OLE2 directory are UTF-16LE: what tells an encrypted .docx/.xlsx (Office
# wraps those in OLE2) from an old Word or Excel file that was merely renamed.
_OLE_ENCRYPTED: Final = "EncryptedPackage".encode("utf-16-le")
_OLE_WORD: Final = "WordDocument".encode("utf-16-le")
_OLE_EXCEL: Final = ("Workbook".encode("utf-16-le"), "Book\0".encode("utf-16-le"))
ZIP_MAGIC: Final = b"PK"
TEXT_SUFFIXES: Final = frozenset({".csv", ".tsv", ".txt"})
_OOXML_SUFFIXES: Final = frozenset({".docx", ".xlsx", ".xlsm"})
_DELIMITERS: Final = (",", "\t", ";")
_SNIFF_LINES: Final = 50

Origin = tuple[int, int]


class RawTable:
    """A rectangular table of cell strings; each cell knows the top-left cell of its merge."""

    def __init__(
        self,
        rows: Sequence[Sequence[str]],
        origins: Sequence[Sequence[Origin]] | None = None,
        before: Sequence[str] = (),
    ) -> None:
        width = max((len(row) for row in rows), default=0)
        self.rows: list[list[str]] = [[*row, *[""] * (width - len(row))] for row in rows]
        self.origins: list[list[Origin]] = (
            [[*row, *[(r, c) for c in range(len(row), width)]] for r, row in enumerate(origins)]
            if origins is not None
            else [[(r, c) for c in range(width)] for r in range(len(self.rows))]
        )
        self.width = width
        self.before: tuple[str, ...] = tuple(before)
        self._v_heads = frozenset(
            origin for r, row in enumerate(self.origins) for origin in row if origin[0] != r
        )

    def h_copy(self, r: int, c: int) -> bool:
        """True if the cell continues a merge from a cell to its left in the same row."""
        orow, ocol = self.origins[r][c]
        return orow == r and ocol != c

    def v_copy(self, r: int, c: int) -> bool:
        """True if the cell continues a merge from a row above."""
        return self.origins[r][c][0] != r

    def v_merged(self, r: int, c: int) -> bool:
        """True if the cell is part of a merge spanning several rows."""
        origin = self.origins[r][c]
        return origin[0] != r or origin in self._v_heads

    def spans_right(self, r: int, c: int) -> bool:
        """True if the cell is the start of a merge that covers the next column."""
        return c + 1 < self.width and self.origins[r][c + 1] == (r, c)


@dataclass(frozen=True, slots=True)
class RawDocument:
    """The tables of a file in document order, each with the text lines just before it."""

    kind: str
    tables: list[RawTable]


def read_document(
    path: Path, *, max_bytes: int = MAX_BYTES, limits: PlanLimits = PLAN_LIMITS
) -> RawDocument:
    """Read a plan file, checking its size, real format and what it claims first."""
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(name, size, max_bytes)
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if data.startswith(ZIP_MAGIC):
        return _read_zip(name, suffix, data, limits)
    if data.startswith(OLE_MAGIC):
        raise _ole_error(name, suffix, data)
    if suffix in _OOXML_SUFFIXES:
        raise CorruptFile(name, "not a zip container")
    if suffix in TEXT_SUFFIXES:
        text = _decode(name, data)
        check_csv_lines(name, text, limits)
        return RawDocument("csv", [read_csv_text(text, name=name, limits=limits)])
    raise UnsupportedFormat(name, suffix)


def _ole_error(name: str, suffix: str, data: bytes) -> PlanImportError:
    """An OLE2 file is an encrypted .docx/.xlsx, or an old .doc/.xls, whatever its name."""
    if _OLE_ENCRYPTED in data:
        return EncryptedFile(name)
    if _OLE_WORD in data:
        return UnsupportedFormat(name, ".doc")
    if any(stream in data for stream in _OLE_EXCEL):
        return UnsupportedFormat(name, ".xls")
    # An OLE2 file without either is some other old Office file: judge by what it is called.
    return UnsupportedFormat(
        name, {".docx": ".doc", ".xlsx": ".xls", ".xlsm": ".xls"}.get(suffix, suffix)
    )


def _read_zip(name: str, suffix: str, data: bytes, limits: PlanLimits) -> RawDocument:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            check_archive(name, archive, limits)
            if "word/document.xml" in names:
                check_docx(name, archive, limits)
            elif "xl/workbook.xml" in names:
                check_xlsx(name, archive, limits)
    except (PlanImportError, MemoryError):
        raise
    # Damaged archives and parts raise zip, XML and value errors of many kinds.
    except Exception as exc:
        raise CorruptFile(name, f"{type(exc).__name__}: {exc}") from exc
    try:
        if "word/document.xml" in names:
            return RawDocument("docx", read_docx(io.BytesIO(data)))
        if "xl/workbook.xml" in names:
            return RawDocument("xlsx", read_xlsx(io.BytesIO(data)))
    except MemoryError:
        # Out of the worker's memory limit: a limit, not damage.
        raise
    # The readers raise many kinds of errors on damaged parts (zip, XML, missing relations).
    except Exception as exc:
        raise CorruptFile(name, f"{type(exc).__name__}: {exc}") from exc
    if suffix in _OOXML_SUFFIXES:
        raise CorruptFile(name, "no document part")
    raise UnsupportedFormat(name, suffix)


def _decode(name: str, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated.
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorruptFile(name, "text is not UTF-8") from exc


def read_csv_text(text: str, *, name: str = "", limits: PlanLimits = PLAN_LIMITS) -> RawTable:
    """Parse CSV text whose delimiter (comma, tab or semicolon) is sniffed."""
    rows: list[list[str]] = []
    try:
        delimiter = _sniff_delimiter(text)
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            check_csv_row(name, len(rows) + 1, len(row), limits)
            longest = max(map(len, row), default=0)
            if longest > limits.field_chars:
                raise FileLimitExceeded(name, "field_chars", longest, limits.field_chars)
            rows.append([clean(cell) for cell in row])
    except csv.Error as exc:
        if "field limit" in str(exc):
            found = csv.field_size_limit() + 1
            raise FileLimitExceeded(name, "field_chars", found, limits.field_chars) from None
        raise CorruptFile(name, str(exc)) from None
    return RawTable(rows)


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:_SNIFF_LINES])

    def score(delimiter: str) -> tuple[int, int]:
        widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter)]
        wide = [w for w in widths if w > 1]
        if not wide:
            return (0, 0)
        modal, count = Counter(wide).most_common(1)[0]
        return (count, modal)

    return max(_DELIMITERS, key=score)


def read_docx(stream: io.BytesIO) -> list[RawTable]:
    """Every top-level table of a Word document, with the paragraphs before each one."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(stream)
    tables: list[RawTable] = []
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = clean(child.text or "")
            if text:
                lines.append(text)
        elif child.tag == qn("w:tbl"):
            tables.append(_docx_table(child, lines))
            lines = []
    return tables


def _docx_table(tbl: object, before: Sequence[str]) -> RawTable:
    from bot.plans import docx_text

    rows: list[list[str]] = []
    origins: list[list[Origin]] = []
    above: dict[int, Origin] = {}
    for r, tr in enumerate(docx_text.rows(tbl)):
        texts: list[str] = []
        row_origins: list[Origin] = []
        col = 0
        for _ in range(docx_text.grid_before(tr)):
            texts.append("")
            row_origins.append((r, col))
            col += 1
        for tc in docx_text.cells(tr):
            span = max(docx_text.grid_span(tc), 1)
            if docx_text.v_merge(tc) == "continue" and col in above:
                origin = above[col]
                text = rows[origin[0]][origin[1]]
            else:
                origin = (r, col)
                text = clean(docx_text.cell_text(tc))
            for _ in range(span):
                texts.append(text)
                row_origins.append(origin)
                col += 1
        rows.append(texts)
        origins.append(row_origins)
        above = dict(enumerate(row_origins))
    return RawTable(rows, origins, before)


def read_xlsx(stream: io.BytesIO) -> list[RawTable]:
    """Every visible worksheet as one table, merged ranges filled from their top-left cell."""
    import openpyxl

    workbook = openpyxl.load_workbook(stream, data_only=True)
    try:
        return [
            _sheet_table(sheet) for sheet in workbook.worksheets if sheet.sheet_state == "visible"
        ]
    finally:
        workbook.close()


def _sheet_table(sheet: Worksheet) -> RawTable:
    rows = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    while rows and not any(rows[-1]):
        rows.pop()
    width = max(
        (max((c + 1 for c, v in enumerate(row) if v), default=0) for row in rows), default=0
    )
    rows = [row[:width] + [""] * (width - len(row)) for row in rows]
    origins = [[(r, c) for c in range(width)] for r in range(len(rows))]
    for merged in sheet.merged_cells.ranges:
        top, left = merged.min_row - 1, merged.min_col - 1
        if top >= len(rows) or left >= width:
            continue
        for r in range(top, min(merged.max_row, len(rows))):
            for c in range(left, min(merged.max_col, width)):
                rows[r][c] = rows[top][left]
                origins[r][c] = (top, left)
    return RawTable(rows, origins)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")  # type: ignore[no-any-return]
    return clean(str(value))


def iter_lines(table: RawTable, stop: int) -> Iterator[str]:
    """The distinct non-empty cell texts of the rows above ``stop``, row by row."""
    for r in range(min(stop, len(table.rows))):
        for c, text in enumerate(table.rows[r]):
            if text and table.origins[r][c] == (r, c):
                yield text
