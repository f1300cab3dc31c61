"""The signed answer document: a PDF or a DOCX by its bytes, never by its name."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.feedback.documents import (
    DOCUMENT_LIMIT,
    DOCX_TYPE,
    PDF_TYPE,
    NotASignedDocument,
    check_document,
)
from bot.i18n import Translator


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def test_a_pdf_and_a_docx_are_taken_by_their_first_bytes() -> None:
    pdf = check_document("quyet-dinh.PDF", b"%PDF-1.4 ...")
    assert (pdf.filename, pdf.mime_type) == ("quyet-dinh.pdf", PDF_TYPE)
    docx = check_document("tra loi", _zip({"word/document.xml": b"<w:document/>"}))
    assert (docx.filename, docx.mime_type) == ("tra loi.docx", DOCX_TYPE)
    # The kind follows the bytes: a PDF named .docx is stored as a PDF.
    assert check_document("x.docx", b"%PDF-1.7").filename == "x.pdf"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xd8\xff\xe0 a photo",
        b"PK\x03\x04 not really a zip",
        _zip({"xl/workbook.xml": b"<workbook/>"}),
        b"MZ\x90\x00 a program",
    ],
)
async def test_anything_else_is_refused(content: bytes) -> None:
    with pytest.raises(NotASignedDocument) as caught:
        check_document("answer.pdf", content)
    assert caught.value.message(Translator("en")) == (
        "Please send the signed answer as a PDF or DOCX document."
    )


async def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(NotASignedDocument) as caught:
        check_document("big.pdf", b"%PDF-" + b"0" * DOCUMENT_LIMIT)
    assert caught.value.too_large


async def test_a_zip_bomb_is_never_unpacked() -> None:
    # 200 MB of zeros compress to a few hundred KB; only the directory is read.
    bomb = _zip({"word/document.xml": b"<w:document/>", "word/media/zero.bin": bytes(200 << 20)})
    assert len(bomb) < DOCUMENT_LIMIT
    assert check_document("bomb.docx", bomb).mime_type == DOCX_TYPE
    many = _zip({f"word/{n}.xml": b"" for n in range(2500)} | {"word/document.xml": b""})
    with pytest.raises(NotASignedDocument):
        check_document("many.docx", many)


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\\\Users\\\\a\\\\Quyết định.pdf", "Quyết định.pdf"),
        ("bad\x00name\x1b[31m.pdf", "badname[31m.pdf"),
        ('<script>"x"</script>.pdf', "script.pdf"),
        ("", "van-ban-tra-loi.pdf"),
        ("a" * 300 + ".pdf", "a" * 100 + ".pdf"),
    ],
)
async def test_the_stored_name_is_safe(name: str, stored: str) -> None:
    assert check_document(name, b"%PDF-1.4").filename == stored
