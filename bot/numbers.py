"""Numbers as people type them in commands and as buttons carry them: ASCII digits only.

``str.isdigit`` is true for ``²``, full-width ``１`` and Arabic-Indic ``١``, and ``int``
refuses some of them and reads others; a command or a payload is read by this one rule
instead, so any other digit is simply not understood.
"""

from __future__ import annotations

import re
from typing import Final

ID_DIGITS: Final = 9
"""Ids are 32-bit integers on PostgreSQL: a longer number names nothing (and must not
reach a query, which would fail)."""

_DIGITS: Final = re.compile(r"[0-9]+", re.ASCII)


def parse_id(text: str, *, digits: int = ID_DIGITS, prefix: str = "") -> int | None:
    """The id written in ``text`` (after an optional ``prefix`` such as ``#``), or ``None``.

    Only ASCII digits, at most ``digits`` of them; signs, spaces and any other digit make
    it no id.
    """
    raw = text.removeprefix(prefix) if prefix else text
    if len(raw) > digits or not _DIGITS.fullmatch(raw):
        return None
    return int(raw)
