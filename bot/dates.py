"""Dates as people type them: 10/01/2026, 10-1-2026, 2026-01-10."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Final

from bot.errors import BotError

if TYPE_CHECKING:
    from bot.i18n import Translator

_DMY: Final = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO: Final = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class DateInputError(BotError):
    """Text that should be a date is not one."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._(
            "“{text}” is not a date. Write it as day/month/year, for example 10/01/2026.",
            text=self.text[:40],
        )


def parse_date(text: str) -> date:
    """Read a day/month/year or ISO date; raise ``DateInputError`` otherwise."""
    raw = text.strip()
    if match := _ISO.match(raw):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.match(raw):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise DateInputError(text)
    try:
        return date(year, month, day)
    except ValueError:
        raise DateInputError(text) from None
