"""Text helpers shared by the plan parser: whitespace cleanup and accent folding."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

_SPACES: Final = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_BLANK_LINES: Final = re.compile(r"\s*\n\s*")
_WORDS: Final = re.compile(r"[a-z0-9]+")
# The one character ``clean`` turns into a space that ``str.split`` does not split at.
_ZERO_WIDTH_SPACE: Final = "\u200b"


def clean(text: str) -> str:
    """Collapse runs of spaces, keep single line breaks, strip the ends (NFC)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


def one_line(text: str) -> str:
    """``clean`` with the line breaks turned into spaces."""
    # Every other change ``clean`` makes is to whitespace, which splitting evens out anyway.
    normal = unicodedata.normalize("NFC", text).replace(_ZERO_WIDTH_SPACE, " ")
    return " ".join(normal.split())


class _Unmarked(dict[int, int | None]):
    """``str.translate`` table dropping combining marks, filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_UNMARKED: Final = _Unmarked()


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case ``text`` and drop Vietnamese diacritics (``Đ`` becomes ``d``)."""
    # Cached: a plan names the same units, time frames and headers on row after row.
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return decomposed.translate(_UNMARKED).casefold()


def words(text: str) -> list[str]:
    """The folded alphanumeric words of ``text``."""
    return _WORDS.findall(fold(text))
