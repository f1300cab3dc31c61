"""Files crafted to explode a reader: small on disk, huge in what they claim."""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

import docx
import openpyxl
import psutil

from bot.plans.readers import OLE_MAGIC

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

HEADER = ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"]
ROW = ["1", "Niêm yết công khai thủ tục", "Văn phòng", "Quý I/2026"]


def _plan_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH cải thiện Chỉ số PAPI năm 2026")
    table = document.add_table(rows=2, cols=len(HEADER))
    for r, row in enumerate((HEADER, ROW)):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def _plan_xlsx(cells: dict[str, str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["KẾ HOẠCH cải thiện Chỉ số PAPI năm 2026"])
    sheet.append(HEADER)
    sheet.append(ROW)
    for ref, value in (cells or {}).items():
        sheet[ref] = value
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def rewrite(data: bytes, part: str, change: Callable[[str], str]) -> bytes:
    """The archive ``data`` with the text of ``part`` changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == part:
                content = change(content.decode()).encode()
            target.writestr(info.filename, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def add_member(data: bytes, name: str, content: bytes) -> bytes:
    """The archive ``data`` with one more (deflated) member."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return out.getvalue()


# -- Excel --------------------------------------------------------------------------------


def xlsx_far_cell() -> bytes:
    """Cells A1 and XFD1048576: a few kilobytes that a reader fills as 17 billion cells."""
    return _plan_xlsx({"XFD1048576": "x"})


def xlsx_far_row() -> bytes:
    """One cell in the last row of the first column."""
    return _plan_xlsx({"A1048576": "x"})


def xlsx_far_column() -> bytes:
    """One cell in the last column of the first row."""
    return _plan_xlsx({"XFD1": "x"})


def xlsx_declared_dimension() -> bytes:
    """Small cells but a sheet that declares the whole grid as used."""
    return rewrite(
        _plan_xlsx(),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml),
    )


def xlsx_hidden_far_cell() -> bytes:
    """A far cell and a dimension that lies about it (claims A1:D3)."""
    return rewrite(
        xlsx_far_cell(),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:D3"', xml),
    )


def xlsx_unnumbered_cells(count: int = 200) -> bytes:
    """A row of cells without references: each one is the next column."""
    cells = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(count))
    return rewrite(
        _plan_xlsx(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace("</sheetData>", f'<row r="4">{cells}</row></sheetData>'),
    )


def xlsx_many_merges(count: int = 30_000) -> bytes:
    """Tens of thousands of merged ranges, each over the whole table."""
    merges = "".join('<mergeCell ref="A1:D3"/>' for _ in range(count))
    return rewrite(
        _plan_xlsx(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            "</sheetData>", f'</sheetData><mergeCells count="{count}">{merges}</mergeCells>'
        ),
    )


def xlsx_moved_sheet() -> bytes:
    """The far cell in a sheet part stored under an unusual name the relations point to."""
    data = xlsx_far_cell()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            name = info.filename
            if name == "xl/worksheets/sheet1.xml":
                name = "xl/elsewhere/data.xml"
            content = content.replace(b"worksheets/sheet1.xml", b"elsewhere/data.xml")
            target.writestr(name, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


# -- Word ---------------------------------------------------------------------------------


def _with_first_cell_property(prop: str) -> bytes:
    return rewrite(
        _plan_docx(),
        "word/document.xml",
        lambda xml: xml.replace("<w:tc>", f"<w:tc><w:tcPr>{prop}</w:tcPr>", 1),
    )


def docx_huge_span(value: str = "16000000") -> bytes:
    """A cell that spans millions of grid columns."""
    return _with_first_cell_property(f'<w:gridSpan w:val="{value}"/>')


def docx_huge_grid_before() -> bytes:
    """A row that skips millions of grid columns before its first cell."""
    return rewrite(
        _plan_docx(),
        "word/document.xml",
        lambda xml: xml.replace(
            "<w:tr>", '<w:tr><w:trPr><w:gridBefore w:val="9000000"/></w:trPr>', 1
        ),
    )


def docx_many_spans(rows: int = 3000) -> bytes:
    """Thousands of rows whose cells each span 99 columns: each within limits, not all."""
    row = '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="99"/></w:tcPr><w:p/></w:tc></w:tr>'
    return rewrite(
        _plan_docx(),
        "word/document.xml",
        lambda xml: xml.replace("</w:tbl>", row * rows + "</w:tbl>", 1),
    )


def docx_many_rows(rows: int = 8000) -> bytes:
    """A table with more rows than any plan."""
    row = "<w:tr><w:tc><w:p/></w:tc></w:tr>"
    return rewrite(
        _plan_docx(),
        "word/document.xml",
        lambda xml: xml.replace("</w:tbl>", row * rows + "</w:tbl>", 1),
    )


def docx_wide_row(cells: int = 500) -> bytes:
    """A row of more cells than any plan has columns."""
    row = "<w:tr>" + "<w:tc><w:p/></w:tc>" * cells + "</w:tr>"
    return rewrite(
        _plan_docx(),
        "word/document.xml",
        lambda xml: xml.replace("</w:tbl>", row + "</w:tbl>", 1),
    )


def docx_garbage_span() -> bytes:
    """A span that is no number at all."""
    return docx_huge_span("-3")


# -- archives -----------------------------------------------------------------------------


def zip_bomb_part() -> bytes:
    """A document body that unpacks to 60 MB of blanks from about 60 KB."""
    return add_member(_plan_docx(), "word/glossary/document.xml", b" " * (60 * 1024 * 1024))


def zip_bomb_media() -> bytes:
    """A picture of 250 MB of zeros, far past what all of a plan's parts may unpack to."""
    out = io.BytesIO(_plan_xlsx())
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/image1.png", "w") as member,
    ):
        for _ in range(250):
            member.write(chunk)
    return out.getvalue()


def zip_bomb_ratio() -> bytes:
    """A 20 MB picture of zeros that packs about a thousand times smaller."""
    return add_member(_plan_docx(), "word/media/image1.png", bytes(20 * 1024 * 1024))


def zip_many_members(count: int = 1500) -> bytes:
    """More parts than any Office file has."""
    out = io.BytesIO(_plan_docx())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        for i in range(count):
            archive.writestr(f"customXml/item{i}.bin", b"")
    return out.getvalue()


# -- CSV ----------------------------------------------------------------------------------


def csv_one_line(size: int = 19 * 1024 * 1024) -> bytes:
    """A single 19 MB line."""
    return b"a" * size


def csv_huge_field() -> bytes:
    """A quoted field of 200,000 characters over many short lines."""
    field = "\n".join(["x" * 50] * 4000)
    return (",".join(HEADER) + "\n" + f'1,"{field}",VP,Q1\n').encode()


def csv_long_field() -> bytes:
    """A quoted field of 40,000 characters: under the csv module's limit, over a plan's."""
    field = "\n".join(["x" * 40] * 1000)
    return (",".join(HEADER) + "\n" + f'1,"{field}",VP,Q1\n').encode()


def csv_many_columns() -> bytes:
    """A short line of thousands of empty columns."""
    return (",".join(HEADER) + "\n" + "," * 5000 + "\n").encode()


def csv_many_rows() -> bytes:
    """More rows than any plan."""
    return (",".join(HEADER) + "\n" + "1,a,b,c\n" * 9000).encode()


def csv_blank_lines() -> bytes:
    """Millions of empty lines."""
    return (",".join(HEADER) + "\n").encode() + b"\n" * 3_000_000


# -- old and locked Office files ----------------------------------------------------------


def ole(*streams: str) -> bytes:
    """An OLE2 compound file whose directory names ``streams`` (as Office writes them)."""
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + bytes(64) for name in streams)
    return OLE_MAGIC + bytes(504) + directory.ljust(4096, b"\0")


def old_doc() -> bytes:
    """A Word 97-2003 document."""
    return ole("Root Entry", "WordDocument", "1Table", "\x05SummaryInformation")


def old_xls() -> bytes:
    """An Excel 97-2003 workbook."""
    return ole("Root Entry", "Workbook", "\x05SummaryInformation")


def encrypted_ooxml() -> bytes:
    """A password-protected .docx or .xlsx (Office's encrypted package)."""
    return ole("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces")


def save(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path``."""
    path.write_bytes(data)
    return path


def worker_pids() -> set[int]:
    """The plan-reading child processes of this process that are alive now."""
    pids = set()
    for child in psutil.Process().children():
        try:
            alive = child.status() != psutil.STATUS_ZOMBIE
            if alive and "bot.plans.worker" in child.cmdline():
                pids.add(child.pid)
        except psutil.Error:
            continue
    return pids
