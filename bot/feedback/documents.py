"""The signed answer document an official attaches to an answer: a PDF or a DOCX, checked.

The name a file arrives with proves nothing, so its kind is read from its first bytes; a
DOCX is a ZIP whose directory must name the Word body. Only the ZIP's directory is read,
never its members, so a file crafted to explode when unpacked is never unpacked.
"""

from __future__ import annotations

import io
import mimetypes
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.errors import BotError

if TYPE_CHECKING:
    from bot.i18n import Translator

DOCUMENT_LIMIT: Final = 10 * 1024 * 1024
_ZIP_ENTRIES_LIMIT: Final = 2000
PDF_TYPE: Final = "application/pdf"
DOCX_TYPE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True, slots=True)
class SignedDocument:
    """A checked document: a safe file name, its kind, and its bytes."""

    filename: str
    mime_type: str
    content: bytes


class NotASignedDocument(BotError):
    """The file is not a PDF or DOCX document, or it is too large."""

    def __init__(self, too_large: bool = False) -> None:
        super().__init__(too_large)
        self.too_large = too_large

    def message(self, t: Translator) -> str:
        """Say what is accepted."""
        if self.too_large:
            return t._("That document is too large (at most 10 MB).")
        return t._("Please send the signed answer as a PDF or DOCX document.")


def check_document(filename: str, content: bytes) -> SignedDocument:
    """The document if it is a PDF or a DOCX within the size limit; raise otherwise."""
    if len(content) > DOCUMENT_LIMIT:
        raise NotASignedDocument(too_large=True)
    stem = _safe_stem(filename)
    if content.startswith(b"%PDF-"):
        return SignedDocument(f"{stem}.pdf", PDF_TYPE, content)
    if content.startswith(b"PK\x03\x04") and _is_docx(content):
        return SignedDocument(f"{stem}.docx", DOCX_TYPE, content)
    raise NotASignedDocument


def mime_type_of(filename: str) -> str:
    """The type to send a stored file with, from its (stored, checked) name."""
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return False
    names = {i.filename for i in infos[:_ZIP_ENTRIES_LIMIT]}
    return len(infos) <= _ZIP_ENTRIES_LIMIT and "word/document.xml" in names


def _safe_stem(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    cleaned = "".join(c for c in stem if c.isprintable() and c not in '<>:"|?*')[:100].strip()
    return cleaned or "van-ban-tra-loi"
