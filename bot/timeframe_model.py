"""What a read time-frame clause means: its kind, its due dates and a short explanation.

``bot.timeframes`` builds these from plan phrases; this module only holds the values and the
date arithmetic, so it has no knowledge of Vietnamese wording.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from bot.i18n import Translator

TimeframeKind = Literal["once", "recurring", "ongoing", "event", "unspecified"]
Period = Literal["week", "month", "quarter", "year"]
Mark = tuple[int, int]

LAST_DAY: Final = 31
"""A mark's day of 31 means the month's last day (it is clipped to the month's length)."""

_SAMPLE_YEAR: Final = 2000  # a leap year, so a mark of 29 February can be shown
_MONDAY: Final = date(2024, 1, 1)


def clip_date(year: int, month: int, day: int) -> date:
    """The date ``day``/``month``/``year``, the day clipped to the month's last day."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A due date that comes back every week, month, quarter or year.

    ``marks`` are positions inside one period, as ``(position, day)`` pairs:

    - ``week``: ``(0, weekday)`` with Monday = 0 … Sunday = 6;
    - ``month``: ``(0, day)``;
    - ``quarter``: ``(month of the quarter 1-3, day)``;
    - ``year``: ``(month, day)``.

    A day of 31 is the month's last day whatever the month.
    """

    every: Period
    marks: tuple[Mark, ...]

    def yearly_marks(self) -> tuple[Mark, ...]:
        """The marks unrolled over one year as ``(month, day)`` (not for weekly ones)."""
        if self.every == "month":
            return tuple((month, day) for month in range(1, 13) for _, day in self.marks)
        if self.every == "quarter":
            return tuple(
                sorted((3 * q + month, day) for q in range(4) for month, day in self.marks)
            )
        return self.marks

    def dates(self, start: date, end: date) -> list[date]:
        """Every date of the recurrence from ``start`` to ``end`` (both included), in order."""
        if start > end:
            return []
        if self.every == "week":
            found: set[date] = set()
            for _, weekday in self.marks:
                day = start + timedelta(days=(weekday - start.weekday()) % 7)
                while day <= end:
                    found.add(day)
                    day += timedelta(days=7)
            return sorted(found)
        marks = self.yearly_marks()
        found = {
            clip_date(year, month, day)
            for year in range(start.year, end.year + 1)
            for month, day in marks
        }
        return sorted(d for d in found if start <= d <= end)

    def describe(self, t: Translator) -> str:
        """A short explanation such as "Every quarter, on the quarter's last day"."""
        if self.every == "week":
            days = ", ".join(
                t.date(_MONDAY + timedelta(days=weekday), "EEEE") for _, weekday in self.marks
            )
            return t._("Every week, on {days}", days=days)
        if self.every == "month":
            if self.marks == ((0, LAST_DAY),):
                return t._("Every month, on the month's last day")
            numbered = [day for _, day in self.marks if day < LAST_DAY]
            listed = ", ".join(t.number(day) for day in numbered)
            if len(numbered) < len(self.marks):
                return t.ngettext(
                    "Every month, on day {days} and on the month's last day",
                    "Every month, on days {days} and on the month's last day",
                    len(numbered),
                    days=listed,
                )
            return t.ngettext(
                "Every month, on day {days}",
                "Every month, on days {days}",
                len(numbered),
                days=listed,
            )
        if self.every == "quarter" and self.marks == ((3, LAST_DAY),):
            return t._("Every quarter, on the quarter's last day")
        dates = ", ".join(
            t.date(clip_date(_SAMPLE_YEAR, month, day), "d MMMM")
            for month, day in self.yearly_marks()
        )
        if self.every == "quarter":
            return t._("Every quarter, on {dates}", dates=dates)
        return t._("Every year, on {dates}", dates=dates)


@dataclass(frozen=True, slots=True)
class Milestone:
    """One clause of a time-frame phrase, read.

    - ``once``: due on ``on``;
    - ``recurring``: due by ``recurrence``, within ``first_year``..``last_year`` when given;
    - ``ongoing``: no due date (``first_year``/``last_year`` give the span when stated);
    - ``event``: no date until the event is recorded, then ``offset_days`` (working days when
      ``offset_working_days``); ``offset_days`` is ``None`` when the phrase gives no limit;
    - ``unspecified``: nothing readable; the admin must set a date.
    """

    kind: TimeframeKind
    text: str
    on: date | None = None
    recurrence: Recurrence | None = None
    first_year: int | None = None
    last_year: int | None = None
    offset_days: int | None = None
    offset_working_days: bool = False

    def due_dates(self, start: date, end: date) -> list[date]:
        """Every due date from ``start`` to ``end`` (both included), in order."""
        if self.on is not None:
            return [self.on] if start <= self.on <= end else []
        if self.recurrence is None:
            return []
        if self.first_year is not None and self.first_year > start.year:
            start = date(self.first_year, 1, 1)
        if self.last_year is not None and self.last_year < end.year:
            end = date(self.last_year, 12, 31)
        return self.recurrence.dates(start, end)

    def describe(self, t: Translator) -> str:
        """A short explanation of this clause in the reader's language."""
        if self.kind == "once" and self.on is not None:
            return t._("Once, due {date}", date=t.date(self.on))
        if self.kind == "recurring" and self.recurrence is not None:
            rule = self.recurrence.describe(t)
            first, last = self.first_year, self.last_year
            if first is not None and first == last:
                return t._("{rule}, in {year}", rule=rule, year=first)
            if first is not None and last is not None:
                return t._("{rule}, from {first} to {last}", rule=rule, first=first, last=last)
            if first is not None:
                return t._("{rule}, from {first} on", rule=rule, first=first)
            if last is not None:
                return t._("{rule}, until {last}", rule=rule, last=last)
            return rule
        if self.kind == "ongoing":
            if self.first_year is not None and self.first_year == self.last_year:
                return t._("Ongoing in {year}: no due date", year=self.first_year)
            if self.first_year is not None and self.last_year is not None:
                return t._(
                    "Ongoing from {first} to {last}: no due date",
                    first=self.first_year,
                    last=self.last_year,
                )
            if self.first_year is not None:
                return t._("Ongoing from {first} on: no due date", first=self.first_year)
            return t._("Ongoing: no due date")
        if self.kind == "event":
            if self.offset_days is None:
                return t._("When the event happens")
            if self.offset_days == 0:
                return t._("Right after the event happens")
            if self.offset_working_days:
                return t.ngettext(
                    "When the event happens, then within {n} working day",
                    "When the event happens, then within {n} working days",
                    self.offset_days,
                )
            return t.ngettext(
                "When the event happens, then within {n} day",
                "When the event happens, then within {n} days",
                self.offset_days,
            )
        return t._("No date yet: the admin must set one")
