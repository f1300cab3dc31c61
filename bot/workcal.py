"""Working days in Vietnam: public holidays, swapped days off and make-up Saturdays.

The ``holidays`` package (country ``VN``) knows the lunar holidays (Tết, Hùng Kings), the
days off that a holiday on a weekend moves to, and most swaps the Government announces
(a weekday off traded for a make-up Saturday, ``weekend_workdays``). What it misses comes in
as *overrides*: ``True`` makes a day a working day (a make-up Saturday), ``False`` makes it a
day off (a swapped weekday, a local holiday). Admins keep those in a table; ``KNOWN_OVERRIDES``
holds the facts the installed package is known to miss, to seed that table.

Counting follows the Civil Code 2015, articles 147-148: the day a period starts from is not
counted, and a period in calendar days whose last day is a rest day or a holiday ends on the
next working day. A period in working days counts working days only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

import holidays
from sqlalchemy.ext.asyncio import AsyncSession

from db.queries import calendar

if TYPE_CHECKING:
    from bot.i18n import Translator

COUNTRY: Final = "VN"

KNOWN_OVERRIDES: Final[dict[date, bool]] = {
    # New Year 2026: Friday 2 January off, made up on Saturday 10 January
    # (Government Office letter 12729/VPCP-KGVX). Checked against holidays 0.109, which has
    # 2024 and 2025 right (Tết, 30/4-1/5 with the 2 May 2025 and 29 Apr 2024 swaps, 2/9).
    date(2026, 1, 2): False,
    date(2026, 1, 10): True,
}
"""Days the ``holidays`` package gets wrong: ``True`` = working day, ``False`` = day off."""

_MAX_CACHED_YEARS: Final = 64
_ONE_DAY: Final = timedelta(days=1)
_HOLIDAY_LANGUAGE: Final = {"vi": "vi", "en": "en_US"}


@dataclass(frozen=True, slots=True)
class _Year:
    """One year's working days, as one byte a day (1 = working)."""

    first_ordinal: int
    flags: bytes


class WorkCalendar:
    """Vietnamese working days with admin overrides on top of the ``holidays`` package.

    The overrides are copied when the calendar is built: build a new calendar when the
    admins change them. Each year is computed once, on first use, and kept (up to
    64 years), so ``is_working_day`` is a table look-up after that.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._years: dict[int, _Year] = {}

    # -- the table ---------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        official = holidays.country_holidays(COUNTRY, years=year)
        first = date(year, 1, 1)
        days = (date(year + 1, 1, 1) - first).days
        flags = bytearray(official.is_working_day(first + timedelta(days=i)) for i in range(days))
        for day, working in self._overrides.items():
            if day.year == year:
                flags[(day - first).days] = working
        table = _Year(first.toordinal(), bytes(flags))
        if len(self._years) >= _MAX_CACHED_YEARS:
            del self._years[next(iter(self._years))]  # the year cached first
        self._years[year] = table
        return table

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day for a public office."""
        table = self._years.get(d.year) or self._year(d.year)
        return table.flags[d.toordinal() - table.first_ordinal] == 1

    # -- stepping ----------------------------------------------------------------------

    def next_working_day(self, d: date) -> date:
        """The first working day after ``d`` (never ``d`` itself)."""
        d += _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day before ``d`` (never ``d`` itself)."""
        d -= _ONE_DAY
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The day ``n`` working days after ``d``; ``d`` itself is not counted.

        Friday + 1 = the next working Monday. ``n = 0`` gives ``d`` if it is a working day,
        else the next working day. A negative ``n`` counts back: ``add_working_days(due, -7)``
        is the day 7 working days before ``due``.
        """
        if n == 0:
            return d if self.is_working_day(d) else self.next_working_day(d)
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def add_days(self, d: date, n: int) -> date:
        """The end of a period of ``n`` calendar days from ``d`` (Civil Code art. 147-148).

        The start day is not counted; if the last day is a weekly rest day or a holiday the
        period ends on the next working day. ``n`` must not be negative: a period counted
        backwards has no roll-over rule.
        """
        if n < 0:
            raise ValueError("add_days counts forward only; use add_working_days to go back")
        last = d + timedelta(days=n)
        return last if self.is_working_day(last) else self.next_working_day(last)

    def working_days_between(self, a: date, b: date) -> int:
        """How many working days ``add_working_days`` steps over from ``a`` to ``b``.

        Going forward that is the working days after ``a`` up to and including ``b``; going
        back (``b`` before ``a``) it is minus the working days from ``b`` up to the day
        before ``a``. So ``working_days_between(a, add_working_days(a, n)) == n`` for any
        ``n`` but 0, and ``a == b`` gives 0.
        """
        if b < a:
            return -self._count(b, a - _ONE_DAY)
        return self._count(a + _ONE_DAY, b)

    def _count(self, first: date, last: date) -> int:
        """The working days from ``first`` to ``last``, both included."""
        count = 0
        while first <= last:
            table = self._year(first.year)
            start = first.toordinal() - table.first_ordinal
            stop = min(last.toordinal() - table.first_ordinal + 1, len(table.flags))
            count += table.flags.count(1, start, stop)
            first = date(first.year + 1, 1, 1)
        return count

    # -- names -------------------------------------------------------------------------

    def holiday_name(self, d: date, t: Translator) -> str | None:
        """The name of the holiday or day off on ``d`` in the reader's language, if any.

        Weekends and working days have none; a day off from the overrides is named as a
        day off on the local schedule.
        """
        if self.is_working_day(d):
            return None
        language = _HOLIDAY_LANGUAGE.get(t.locale, "vi")
        name = holidays.country_holidays(COUNTRY, years=d.year, language=language).get(d)
        if name is not None:
            return str(name)
        return t._("Day off (local schedule)") if self._overrides.get(d) is False else None


async def load_calendar(session: AsyncSession) -> WorkCalendar:
    """The working-day calendar with every local override applied."""
    return WorkCalendar({o.day: o.working for o in await calendar.list_overrides(session)})
