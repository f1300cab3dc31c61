"""Text people typed, made safe to show in documents, sheets, charts and previews.

Text is stored exactly as it was sent; it is made displayable only where it is rendered.
Word and Excel files are XML, which cannot hold most control characters (a vertical tab
pasted from Word, a stray ``\\x01``) nor lone surrogates, and the libraries that write them
refuse such text; a sheet cell that starts with ``=`` would be read as a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

REPLACEMENT: Final = "\ufffd"
# Word writes a manual line break as a vertical tab, and a page break as a form feed.
_LINE_BREAKS: Final = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_UNSHOWABLE: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def displayable(text: str) -> str:
    """``text`` with line-break controls as line breaks, and other characters no document
    may hold (control characters, lone surrogates, non-characters) as U+FFFD."""
    return _UNSHOWABLE.sub(REPLACEMENT, _LINE_BREAKS.sub("\n", text))


def append_row(sheet: Worksheet, values: Iterable[object]) -> None:
    """Append a row of cells, the texts displayable and never read as formulas."""
    sheet.append([displayable(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            # A text that starts with "=" is someone's words, not a calculation to run.
            cell.data_type = "s"
