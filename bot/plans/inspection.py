"""Check what a plan file claims (parts, sizes, rows, columns, spans) before it is read.

The readers build every cell a file declares, so a few kilobytes that declare a million rows
or a cell spanning a million columns cost gigabytes. These checks stream the XML parts once,
keeping nothing but counters, and refuse a file whose tables are larger than a plan's.
"""

from __future__ import annotations

import re
import zipfile
from typing import IO, TYPE_CHECKING, Final

from lxml import etree

from bot.filelimits import RATIO_FLOOR
from bot.plans.errors import FileLimitExceeded

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.filelimits import PlanLimits

_W: Final = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S: Final = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_REF: Final = re.compile(r"([A-Za-z]{1,3})?([0-9]{1,7})?")
_XML_SUFFIXES: Final = (".xml", ".rels", ".vml")
_DOCUMENT_TAGS: Final = tuple(
    _W + name
    for name in ("document", "tbl", "tr", "tc", "gridSpan", "gridBefore", "gridAfter", "p")
)


class _Counter:
    """Adds up cells across the tables of one file and refuses past a limit."""

    def __init__(self, name: str, limits: PlanLimits) -> None:
        self.name = name
        self.limits = limits
        self.cells = 0
        self.tables = 0

    def check(self, limit: str, found: int) -> None:
        allowed: int = getattr(self.limits, limit)
        if found > allowed:
            raise FileLimitExceeded(self.name, limit, found, allowed)

    def add_cells(self, n: int) -> None:
        self.cells += n
        self.check("cells", self.cells)


def check_archive(name: str, archive: zipfile.ZipFile, limits: PlanLimits) -> None:
    """Refuse an archive whose parts are too many, too large or packed like a bomb.

    The sizes are the ones the archive declares; ``zipfile`` never unpacks more than a part
    declares, so they bound what reading it can produce.
    """
    counter = _Counter(name, limits)
    members = archive.infolist()
    counter.check("archive_members", len(members))
    counter.check("archive_unpacked", sum(info.file_size for info in members))
    for info in members:
        if info.filename.lower().endswith(_XML_SUFFIXES):
            counter.check("part_unpacked", info.file_size)
        if info.file_size > RATIO_FLOOR:
            counter.check("compression_ratio", info.file_size // max(info.compress_size, 1))


def check_docx(name: str, archive: zipfile.ZipFile, limits: PlanLimits) -> None:
    """Refuse a document whose tables have too many rows, columns, spans or cells."""
    counter = _Counter(name, limits)
    for info in _xml_parts(archive):
        with archive.open(info) as stream:
            _check_document(counter, stream)


def _check_document(counter: _Counter, stream: IO[bytes]) -> None:
    # One entry per open table, nested ones too: [rows so far, columns of the current row].
    open_tables: list[list[int]] = []
    root = True
    # Only the elements counted (and the paragraphs, to release them) reach Python: a
    # document's runs and text, most of its elements, stay in the parser.
    for event, element in _events(stream, tag=_DOCUMENT_TAGS):
        tag = element.tag
        if event == "start":
            if root and tag != _W + "document":
                # Not the document's body (styles, headers, a theme): the readers skip it.
                return
            root = False
            if tag == _W + "tbl":
                counter.tables += 1
                counter.check("tables", counter.tables)
                open_tables.append([0, 0])
            elif tag == _W + "tr" and open_tables:
                open_tables[-1][0] += 1
                open_tables[-1][1] = 0
                counter.check("rows", open_tables[-1][0])
            continue
        if open_tables:
            current = open_tables[-1]
            if tag in (_W + "gridSpan", _W + "gridBefore", _W + "gridAfter"):
                span = _int_attr(element.get(_W + "val"))
                counter.check("span", span)
                # The readers add a cell per spanned column and one per column skipped before.
                current[1] += span - 1 if tag == _W + "gridSpan" else span
            elif tag == _W + "tc":
                current[1] += 1
            elif tag == _W + "tr":
                counter.check("columns", current[1])
                counter.add_cells(current[1])
            elif tag == _W + "tbl":
                open_tables.pop()
        if tag != _W + "document":
            _release(element)


def check_xlsx(name: str, archive: zipfile.ZipFile, limits: PlanLimits) -> None:
    """Refuse a workbook whose sheets declare or hold too many rows, columns or merges."""
    counter = _Counter(name, limits)
    for info in _xml_parts(archive):
        with archive.open(info) as stream:
            _check_sheet(counter, stream)


def _xml_parts(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    # Every XML part, not only the usual names: the package's relations may point anywhere.
    return [i for i in archive.infolist() if i.filename.lower().endswith(".xml")]


def _check_sheet(counter: _Counter, stream: IO[bytes]) -> None:
    row = col = max_row = max_col = merges = 0
    root = True
    for event, element in _events(stream):
        tag = element.tag
        if event == "start":
            if root and tag != _S + "worksheet":
                # Not a worksheet (the workbook, styles, shared strings): no cells to count.
                return
            if root:
                counter.tables += 1
                counter.check("tables", counter.tables)
            root = False
            if tag == _S + "row":
                row = _int_attr(element.get("r")) or row + 1
                col = 0
                max_row = max(max_row, row)
                counter.check("rows", max_row)
            continue
        if tag == _S + "c":
            ref_col, ref_row = _cell_ref(element.get("r"))
            col = ref_col or col + 1
            max_col = max(max_col, col)
            max_row = max(max_row, ref_row)
            counter.check("columns", max_col)
            counter.check("rows", max_row)
        elif tag == _S + "dimension":
            # The declared used range: what a reader may allocate before looking at cells.
            for part in (element.get("ref") or "").split(":"):
                ref_col, ref_row = _cell_ref(part)
                counter.check("columns", ref_col)
                counter.check("rows", ref_row)
        elif tag == _S + "mergeCell":
            merges += 1
            counter.check("merges", merges)
        _release(element)
    counter.add_cells(max_row * max_col)


def check_csv_lines(name: str, text: str, limits: PlanLimits) -> None:
    """Refuse CSV text with a line longer than any plan's."""
    counter = _Counter(name, limits)
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        counter.check("line_chars", end - start)
        start = end + 1


def check_csv_row(name: str, row_number: int, width: int, limits: PlanLimits) -> None:
    """Refuse a CSV row beyond a plan's rows or columns."""
    counter = _Counter(name, limits)
    counter.check("rows", row_number)
    counter.check("columns", width)


def _events(
    stream: IO[bytes], tag: tuple[str, ...] | None = None
) -> Iterator[tuple[str, etree._Element]]:
    # No entities, no network, no huge text nodes: the parts are read as data only.
    return etree.iterparse(  # type: ignore[no-any-return]
        stream,
        events=("start", "end"),
        tag=tag,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
    )


def _release(element: etree._Element) -> None:
    """Drop what was parsed so far, so the scan holds one element at a time."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _int_attr(raw: str | None) -> int:
    if raw is None:
        return 0
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        # An unreadable count is as good as an unbounded one.
        return 1 << 40
    return int(value)


def _cell_ref(raw: str | None) -> tuple[int, int]:
    """The 1-based column and row of a reference like ``XFD1048576`` (0 where absent)."""
    match = _CELL_REF.fullmatch((raw or "").replace("$", ""))
    if match is None:
        return 1 << 40, 1 << 40
    letters, digits = match.groups()
    col = 0
    for letter in (letters or "").upper():
        col = col * 26 + ord(letter) - ord("A") + 1
    return col, int(digits or 0)
