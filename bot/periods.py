"""Reporting periods: quarters, the first six and nine months, years and date ranges.

Two flavours of the same periods. *Calendar* periods end on the last day of a quarter.
*Closing* periods are those of Thông tư 02/2021/TT-TTCP, Điều 7, by which reports on citizen
reception, complaints and denunciations close their figures on the 14th of the period's last
month: Q1 runs 15 Dec of the previous year - 14 Mar, Q2 15 Mar - 14 Jun, Q3 15 Jun - 14 Sep,
Q4 15 Sep - 14 Dec; six months 15 Dec - 14 Jun; nine months 15 Dec - 14 Sep; the year
15 Dec - 14 Dec. Either way a period belongs to the quarter and year its end falls in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from bot.dates import DateOutOfRange, check_date, check_year
from bot.errors import BotError

if TYPE_CHECKING:
    from bot.i18n import Translator

CLOSING_DAY: Final = 14
"""Closing periods end on this day of their last month (Thông tư 02/2021/TT-TTCP, Điều 7)."""

ROMAN: Final = ("I", "II", "III", "IV")


class PeriodError(BotError):
    """A period the bot cannot read or build; ``text`` is what was given."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self, t: Translator) -> str:
        """What to tell the person who typed ``text``."""
        return t._(
            "I could not read the period “{text}”. Try Q3/2024, Quý III/2024, 6T/2024, "
            "9T/2024, 2024 or 01/01/2024-31/03/2024.",
            text=self.text,
        )


class PeriodOutOfRange(PeriodError):
    """A period with a year or a day outside the dates the bot works with."""

    def message(self, t: Translator) -> str:
        """What to tell the person who typed ``text``."""
        return DateOutOfRange(self.text).message(t)


class PeriodKind(StrEnum):
    """What span a period covers."""

    QUARTER = "quarter"
    HALF_YEAR = "half_year"  # the first six months
    NINE_MONTHS = "nine_months"
    YEAR = "year"
    RANGE = "range"  # any explicit dates


# Several periods can end on one day (Q2 and the first half): this is their order.
_KIND_ORDER: Final = {kind: i for i, kind in enumerate(PeriodKind)}
_LAST_MONTH: Final = {PeriodKind.HALF_YEAR: 6, PeriodKind.NINE_MONTHS: 9, PeriodKind.YEAR: 12}


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period from ``start`` to ``end``, both days included."""

    start: date
    end: date
    kind: PeriodKind
    closing: bool = False

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"{self.start.isoformat()}..{self.end.isoformat()}")

    @property
    def year(self) -> int:
        """The year the period counts for: the year of its end."""
        return self.end.year

    @property
    def quarter(self) -> int:
        """The quarter the period's end falls in (1-4)."""
        return (self.end.month - 1) // 3 + 1

    @property
    def code(self) -> str:
        """A short stable code: ``Q3/2024``, ``6T/2024``, ``9T/2024``, ``2024``, or a range.

        ``parse_period(p.code, today, closing=p.closing) == p``.
        """
        match self.kind:
            case PeriodKind.QUARTER:
                return f"Q{self.quarter}/{self.year}"
            case PeriodKind.HALF_YEAR:
                return f"6T/{self.year}"
            case PeriodKind.NINE_MONTHS:
                return f"9T/{self.year}"
            case PeriodKind.YEAR:
                return str(self.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first_of_next - timedelta(days=1)


def _span(year: int, first_month: int, last_month: int, closing: bool) -> tuple[date, date]:
    """The calendar months ``first_month``-``last_month`` of ``year``, or their closing span."""
    if not closing:
        return date(year, first_month, 1), _month_end(year, last_month)
    start_year, start_month = (year - 1, 12) if first_month == 1 else (year, first_month - 1)
    return date(start_year, start_month, CLOSING_DAY + 1), date(year, last_month, CLOSING_DAY)


def quarter(year: int, q: int, *, closing: bool = False) -> Period:
    """Quarter ``q`` (1-4) of ``year``."""
    if not 1 <= q <= 4:
        raise PeriodError(f"Q{q}/{year}")
    return Period(*_span(year, 3 * q - 2, 3 * q, closing), PeriodKind.QUARTER, closing)


def year_to_date(year: int, kind: PeriodKind, *, closing: bool = False) -> Period:
    """The first six months, nine months or the whole of ``year``."""
    return Period(*_span(year, 1, _LAST_MONTH[kind], closing), kind, closing)


def date_range(start: date, end: date) -> Period:
    """The days from ``start`` to ``end``, both included."""
    return Period(start, end, PeriodKind.RANGE)


def current_quarter(today: date, *, closing: bool = False) -> Period:
    """The quarter ``today`` falls in (from 15 December, the next year's closing Q1)."""
    year, q = today.year, (today.month - 1) // 3 + 1
    if closing and today.month % 3 == 0 and today.day > CLOSING_DAY:
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return quarter(year, q, closing=closing)


def period_ends_between(a: date, b: date, *, closing: bool = False) -> list[Period]:
    """The quarters, first halves, nine months and years that end from ``a`` to ``b``.

    Both days are included. Sorted by end, and on one day the quarter comes before the
    half, nine months or year that ends with it.
    """
    found = [
        period
        for year in range(a.year, b.year + 1)
        for period in (
            *(quarter(year, q, closing=closing) for q in range(1, 5)),
            *(year_to_date(year, kind, closing=closing) for kind in _LAST_MONTH),
        )
        if a <= period.end <= b
    ]
    return sorted(found, key=lambda p: (p.end, _KIND_ORDER[p.kind]))


# -- reading --------------------------------------------------------------------------

_DASHES: Final = str.maketrans(dict.fromkeys("‐‑‒–—−", "-"))
_ROMAN_VALUE: Final = {numeral.lower(): i for i, numeral in enumerate(ROMAN, 1)}
_SEP: Final = r"\s*(?:[/.\-]|\s|nam)\s*"
# ASCII digits only (the patterns are compiled with re.ASCII): "²" or "２０２４" is no year.
_YEAR: Final = r"(?P<year>[0-9]{4})"
_QUARTER_RE: Final = re.compile(
    rf"(?:q|quy)\s*(?P<q>[1-4]|iv|i{{1,3}})(?:{_SEP}{_YEAR})?", re.ASCII
)
_YTD_RE: Final = re.compile(
    rf"(?:(?P<m>[69])\s*(?:t|thang)(?:\s+dau\s+nam)?|h1)(?:{_SEP}{_YEAR})?", re.ASCII
)
_YEAR_RE: Final = re.compile(rf"(?:nam\s*)?{_YEAR}", re.ASCII)
_DAY: Final = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"
_RANGE_RE: Final = re.compile(
    rf"(?:tu|from)?\s*(?P<a>{_DAY})\s*(?:\.\.|-|den|to)\s*(?P<b>{_DAY})", re.ASCII
)
_RELATIVE: Final = {
    "this quarter": (PeriodKind.QUARTER, 0),
    "quy nay": (PeriodKind.QUARTER, 0),
    "last quarter": (PeriodKind.QUARTER, -1),
    "quy truoc": (PeriodKind.QUARTER, -1),
    "this year": (PeriodKind.YEAR, 0),
    "nam nay": (PeriodKind.YEAR, 0),
    "last year": (PeriodKind.YEAR, -1),
    "nam truoc": (PeriodKind.YEAR, -1),
    "nam ngoai": (PeriodKind.YEAR, -1),
}


def _normalize(text: str) -> str:
    """Lower case, no diacritics (``đ`` -> ``d``), one space between words, ASCII dashes."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.translate(_DASHES).split())


def _parse_day(text: str) -> date:
    if "/" in text:
        day, month, year = (int(part) for part in text.split("/"))
    else:
        year, month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def _relative(kind: PeriodKind, offset: int, today: date, closing: bool) -> Period:
    if kind is PeriodKind.YEAR:
        # From 15 December the closing year is already the next one.
        this_year = current_quarter(today, closing=closing).year
        return year_to_date(this_year + offset, kind, closing=closing)
    period = current_quarter(today, closing=closing)
    index = period.year * 4 + period.quarter - 1 + offset
    return quarter(index // 4, index % 4 + 1, closing=closing)


def parse_period(text: str, today: date, *, closing: bool = False) -> Period:
    """Read a period the way officials write it.

    Accepts quarters (``Q3/2024``, ``q3-2024``, ``Quý 3/2024``, ``Quý III năm 2024``, or
    ``Q3`` for this year's), the first six and nine months (``6T/2024``, ``6 tháng 2024``,
    ``H1/2024``, ``9T/2024``; without a year, this year's), years (``2024``, ``Năm 2024``),
    date ranges (``2024-01-01..2024-03-31``, ``01/01/2024-31/03/2024``) and ``this
    quarter``/``quý này``, ``last quarter``/``quý trước``, ``this year``/``năm nay``, ``last
    year``/``năm trước``. With ``closing`` the quarters, halves and years are the
    figure-closing periods; a date range is taken as written. Raises ``PeriodError`` on
    anything else.
    """
    key = _normalize(text)
    try:
        if key in _RELATIVE:
            return _relative(*_RELATIVE[key], today, closing)
        if m := _QUARTER_RE.fullmatch(key):
            q = m["q"]
            number = int(q) if q.isdigit() else _ROMAN_VALUE[q]
            return quarter(_year(m["year"], today, text), number, closing=closing)
        if m := _YTD_RE.fullmatch(key):
            kind = PeriodKind.NINE_MONTHS if m["m"] == "9" else PeriodKind.HALF_YEAR
            return year_to_date(_year(m["year"], today, text), kind, closing=closing)
        if m := _YEAR_RE.fullmatch(key):
            return year_to_date(_year(m["year"], today, text), PeriodKind.YEAR, closing=closing)
        if m := _RANGE_RE.fullmatch(key):
            start, end = (check_date(_parse_day(m[g]), text) for g in ("a", "b"))
            return date_range(start, end)
    except DateOutOfRange:
        raise PeriodOutOfRange(text) from None
    except (ValueError, OverflowError, PeriodError):
        raise PeriodError(text) from None
    raise PeriodError(text)


def _year(typed: str | None, today: date, text: str) -> int:
    """The year typed (within the bot's years), or this year's."""
    return today.year if typed is None else check_year(int(typed), text)


# -- showing --------------------------------------------------------------------------


def label(period: Period, t: Translator) -> str:
    """The period as a reader sees it: ``Quý III/2024`` in Vietnamese, ``Q3 2024`` in English.

    A closing period also shows the days its figures cover.
    """
    start, end = t.date(period.start), t.date(period.end)
    year = period.year
    match period.kind:
        case PeriodKind.QUARTER:
            # {roman} is there for the Vietnamese "Quý III/2024".
            q = period.quarter
            text = t._("Q{quarter} {year}", quarter=q, roman=ROMAN[q - 1], year=year)
        case PeriodKind.HALF_YEAR:
            text = t._("First half of {year}", year=year)
        case PeriodKind.NINE_MONTHS:
            text = t._("First nine months of {year}", year=year)
        case PeriodKind.YEAR:
            text = t._("Year {year}", year=year)
        case PeriodKind.RANGE:
            return t._("{start} – {end}", start=start, end=end)
    if period.closing:
        return t._("{period} (figures {start} – {end})", period=text, start=start, end=end)
    return text
