"""Text helpers shared by the plan parser: whitespace cleanup and accent folding."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from db.names import fold

_SPACES: Final = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_BLANK_LINES: Final = re.compile(r"\s*\n\s*")
_WORDS: Final = re.compile(r"[a-z0-9]+")
# The one character ``clean`` turns into a space that ``str.split`` does not split at.
_ZERO_WIDTH_SPACE: Final = "\u200b"


def clean(text: str) -> str:
    """Collapse runs of spaces, keep single line breaks, strip the ends (NFC)."""
    text = unicodedata.normalize("NFC", text)
    if _ZERO_WIDTH_SPACE not in text and " ".join(text.split()) == text:
        # Most cells: single spaces between words and nothing else. ``str.split`` splits at
        # every character the two patterns match but the zero-width space, so they would
        # change nothing (two regex scans a cell were a tenth of a plan's parse).
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


def one_line(text: str) -> str:
    """``clean`` with the line breaks turned into spaces."""
    # Every other change ``clean`` makes is to whitespace, which splitting evens out anyway.
    normal = unicodedata.normalize("NFC", text).replace(_ZERO_WIDTH_SPACE, " ")
    return " ".join(normal.split())


def words(text: str) -> list[str]:
    """The folded alphanumeric words of ``text``."""
    return _WORDS.findall(fold(text))
