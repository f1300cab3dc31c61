"""Dates as people type them: 10/01/2026, 10-1-2026, 2026-01-10, within the years the bot
works with.

Every date a person types, alone or in a period, is read here and bounded here: a date
before ``EARLIEST`` or after ``LATEST`` names no plan, report or event, and the arithmetic
that follows (deadlines, closing periods, the days of a year) would leave the calendar.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Final

from bot.errors import BotError

if TYPE_CHECKING:
    from bot.i18n import Translator

EARLIEST: Final = date(2000, 1, 1)
LATEST: Final = date(2100, 12, 31)

# ASCII digits only: superscripts, full-width and other scripts' digits are not dates.
_DMY: Final = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$", re.ASCII)
_ISO: Final = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$", re.ASCII)
_DM: Final = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})$", re.ASCII)


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


class DateOutOfRange(DateInputError):
    """A date, or a year, outside the years the bot works with."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._(
            "“{text}” is outside the dates I work with: from {first} to {last}.",
            text=self.text[:40],
            first=t.date(EARLIEST),
            last=t.date(LATEST),
        )


def in_range(day: date) -> bool:
    """Whether ``day`` is within the dates the bot works with."""
    return EARLIEST <= day <= LATEST


def check_year(year: int, text: str) -> int:
    """``year`` if the bot works with it; else raise ``DateOutOfRange`` naming ``text``."""
    if not EARLIEST.year <= year <= LATEST.year:
        raise DateOutOfRange(text)
    return year


def check_date(day: date, text: str) -> date:
    """``day`` if the bot works with it; else raise ``DateOutOfRange`` naming ``text``."""
    if not in_range(day):
        raise DateOutOfRange(text)
    return day


def parse_date(text: str) -> date:
    """Read a day/month/year or ISO date; raise ``DateInputError`` otherwise, and
    ``DateOutOfRange`` for a real date outside the years the bot works with."""
    raw = text.strip()
    if match := _ISO.match(raw):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.match(raw):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise DateInputError(text)
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise DateInputError(text) from None
    return check_date(parsed, text)


def parse_past_date(text: str, today: date) -> date:
    """Like ``parse_date``, and a day/month without its year ("15/10") is the latest such
    day not after ``today``: what someone catching up means by it."""
    raw = text.strip()
    match = _DM.match(raw)
    if match is None:
        return parse_date(raw)
    day, month = (int(g) for g in match.groups())
    for year in (today.year, today.year - 1):
        try:
            parsed = date(year, month, day)
        except ValueError:
            continue  # 29/02 outside a leap year
        if parsed <= today:
            return check_date(parsed, text)
    raise DateInputError(text)
