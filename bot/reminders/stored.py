"""Reading the ids an outbox row stores, without trusting them.

Rows outlive the code that wrote them and can be edited by hand: a row whose params are not
what its kind needs is cancelled by the sweep, never allowed to stop it for everyone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

# Ids are 32-bit integer columns; a bigger number would fail the query, not just miss.
MAX_ID: Final = 2**31 - 1


def stored_id(params: object, name: str) -> int | None:
    """The id stored under ``name`` (an integer, or its decimal digits), or ``None``."""
    if not isinstance(params, Mapping):
        return None
    value = params.get(name)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_ID else None
