from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

import pytest

from bot.i18n import Translator
from bot.plans.errors import CorruptFile, EncryptedFile, FileTooLarge, UnsupportedFormat
from bot.plans.readers import OLE_MAGIC, read_csv_text, read_document
from tests.bot.plans import crafted
from tests.bot.plans.builders import write_csv, write_docx, write_xlsx

if TYPE_CHECKING:
    from pathlib import Path

ROWS = [["STT", "Nhiệm vụ", "Chủ trì"], ["1", "Việc một, có dấu phẩy", "UBND xã"]]


def test_csv_comma_tab_and_semicolon_are_sniffed() -> None:
    for delimiter in (",", "\t", ";"):
        text = "\n".join(delimiter.join(f'"{c}"' for c in row) for row in ROWS)
        assert read_csv_text(text).rows == ROWS


def test_csv_with_bom_reads_like_without(tmp_path: Path) -> None:
    plain = read_document(write_csv(tmp_path / "a.csv", ROWS))
    bom = read_document(write_csv(tmp_path / "b.csv", ROWS, bom=True))
    assert plain.tables[0].rows == bom.tables[0].rows == ROWS


def test_utf16_tab_text_from_excel_is_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    text = "\n".join("\t".join(row) for row in ROWS)
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert read_document(path).tables[0].rows == ROWS


def test_docx_merges_are_reported(tmp_path: Path) -> None:
    rows = [["A", "B", "C"], ["1", "span", ""], ["2", "x", "y"], ["3", "", "z"]]
    path = write_docx(
        tmp_path / "m.docx", rows, paragraphs=["KẾ HOẠCH"], merges=[(1, 1, 1, 2), (2, 1, 3, 1)]
    )
    table = read_document(path).tables[0]
    assert table.before == ("KẾ HOẠCH",)
    assert table.rows[1] == ["1", "span", "span"]
    assert table.h_copy(1, 2)
    assert not table.h_copy(1, 1)
    assert table.spans_right(1, 1)
    assert table.rows[3][1] == "x"
    assert table.v_copy(3, 1)
    assert table.v_merged(2, 1)
    assert table.v_merged(3, 1)
    assert not table.v_merged(2, 2)


def test_xlsx_merged_ranges_are_filled(tmp_path: Path) -> None:
    rows = [["A", "B"], ["task", "x"], ["", "y"]]
    table = read_document(write_xlsx(tmp_path / "m.xlsx", rows, merges=[(1, 0, 2, 0)])).tables[0]
    assert table.rows[2][0] == "task"
    assert table.v_copy(2, 0)
    assert table.v_merged(1, 0)


def test_old_doc_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "plan.doc"
    path.write_bytes(OLE_MAGIC + b"\0" * 512)
    with pytest.raises(UnsupportedFormat) as caught:
        read_document(path)
    assert caught.value.suffix == ".doc"


def test_other_suffix_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "plan.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(UnsupportedFormat):
        read_document(path)


def test_an_encrypted_package_is_called_encrypted_whatever_its_name(tmp_path: Path) -> None:
    for name in ("plan.docx", "plan.xlsx", "plan.xlsm", "plan.doc", "plan"):
        path = tmp_path / name
        path.write_bytes(crafted.encrypted_ooxml())
        with pytest.raises(EncryptedFile):
            read_document(path)


@pytest.mark.parametrize(
    ("name", "content", "suffix"),
    [
        ("plan.docx", crafted.old_doc(), ".doc"),
        ("plan.xlsx", crafted.old_xls(), ".xls"),
        ("plan.xlsm", crafted.old_xls(), ".xls"),
        ("plan.xlsx", crafted.old_doc(), ".doc"),
        ("plan.csv", crafted.old_doc(), ".doc"),
        # An OLE2 file naming neither stream: judged by its name.
        ("plan.docx", OLE_MAGIC + bytes(512), ".doc"),
        ("plan.xlsx", OLE_MAGIC + bytes(512), ".xls"),
    ],
)
def test_an_old_office_file_renamed_is_old_not_locked(
    tmp_path: Path, name: str, content: bytes, suffix: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsupportedFormat) as caught:
        read_document(path)
    assert caught.value.suffix == suffix
    assert "save it as .docx or .xlsx" in caught.value.message(Translator("en"))


def test_corrupt_zip_and_garbage_are_corrupt(tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04" + b"garbage" * 20)
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"hello")
    for path in (broken, garbage):
        with pytest.raises(CorruptFile):
            read_document(path)


def test_non_utf8_csv_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes("STT,Nhiệm vụ".encode("utf-16-le"))
    with pytest.raises(CorruptFile):
        read_document(path)


def test_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", ROWS * 50)
    size = path.stat().st_size
    with pytest.raises(FileTooLarge) as caught:
        read_document(path, max_bytes=size - 1)
    assert (caught.value.size, caught.value.limit) == (size, size - 1)
    assert read_document(path, max_bytes=size).tables
