"""Reading one clause of a Vietnamese time-frame phrase (private to ``bot.timeframes``).

``bot.timeframe_tokens`` cuts a folded clause into tokens; each token's handler notes what it
says in a small record of facts, and ``_decide`` turns the facts into one ``Milestone``.
Nothing here raises on odd text: what cannot be read is ``unspecified``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from math import ceil
from typing import Final, NamedTuple

from bot.timeframe_model import LAST_DAY, Mark, Milestone, Period, Recurrence, clip_date
from bot.timeframe_tokens import LIST_ITEM, fold, tokens

_ROMANS: Final = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_POS_DAY: Final = {"dau": 1, "giua": 15, "cuoi": LAST_DAY}
_POS_QMONTH: Final = {"dau": 1, "giua": 2, "cuoi": 3, "nhat": 1, "hai": 2, "ba": 3}
_POS_QUARTER: Final[dict[str, Mark]] = {"dau": (1, 1), "giua": (2, 15), "cuoi": (3, LAST_DAY)}
_POS_YEAR: Final[dict[str, Mark]] = {"dau": (1, 1), "giua": (6, 30), "cuoi": (12, LAST_DAY)}
_POS_WEEK: Final = {"dau": 0, "giua": 2, "cuoi": 6}
_WEEKDAYS: Final = {"hai": 2, "ba": 3, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "cn": 8}
_UNITS: Final[dict[str, Period]] = {
    "tuan": "week",
    "thang": "month",
    "quy": "quarter",
    "qui": "quarter",
    "nam": "year",
}
_FINEST_FIRST: Final[tuple[Period, ...]] = ("week", "month", "quarter", "year")
_DEFAULT_MARK: Final[dict[Period, Mark]] = {
    "week": (0, 6),
    "month": (0, LAST_DAY),
    "quarter": (3, LAST_DAY),
    "year": (12, LAST_DAY),
}
_PERIOD_MONTHS: Final[dict[Period, int]] = {"month": 1, "quarter": 3, "year": 12}


class _Spot(NamedTuple):
    """A named point in time: due on ``due``; "trước" it means the day before ``start``."""

    due_month: int
    due_day: int
    start_month: int
    start_day: int
    year: int | None
    before: bool

    def resolve(self, default_year: int) -> date:
        year = default_year if self.year is None else self.year
        if self.before:
            return clip_date(year, self.start_month, self.start_day) - timedelta(days=1)
        return clip_date(year, self.due_month, self.due_day)

    def mark(self, period_months: int = 12) -> Mark:
        """This point as a mark of a period that many months long (see ``Recurrence``)."""
        if not self.before:
            return (self.due_month, self.due_day)
        if self.start_day > 1:
            return (self.start_month, self.start_day - 1)
        return (self.start_month - 1 or period_months, LAST_DAY)


class _Facts:
    """What the tokens of one clause said."""

    __slots__ = (
        "doms",
        "event",
        "from_year",
        "last_year",
        "offset",
        "ongoing",
        "onward",
        "prev",
        "since",
        "span",
        "spots",
        "units",
        "until_year",
        "weekdays",
        "working",
        "years",
    )

    def __init__(self) -> None:
        self.spots: list[_Spot] = []
        self.years: list[int] = []  # years named on their own ("Năm 2024", "đến năm 2025")
        self.last_year: int | None = None  # the last year named anywhere in the clause
        self.span: tuple[int, int] | None = None
        self.from_year: int | None = None
        self.until_year: int | None = None
        self.onward = False
        self.units: dict[Period, list[Mark]] = {}
        self.doms: list[tuple[int, bool]] = []  # "ngày D" not tied to a month, and its "trước"
        self.weekdays: list[int] = []
        self.event = False
        self.since = False
        self.offset: int | None = None
        self.working = False
        self.ongoing = False
        self.prev: str | None = None

    def add_unit(self, unit: Period, *marks: Mark) -> None:
        self.units.setdefault(unit, []).extend(marks)

    def take_dom(self) -> tuple[int, bool] | None:
        """The "ngày D" just before this token ("ngày 10 của tháng đầu quý"), if any."""
        return self.doms.pop() if self.prev == "dom" and self.doms else None


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    value = int(text)
    value = value + 2000 if value < 100 else value
    return value if 1900 <= value <= 2999 else None


def _valid(year: int | None, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    return clip_date(2000 if year is None else year, month, day).day == day


def _evenly(f: _Facts, per_year: int) -> None:
    """N times evenly through the year: 2 -> 30 Jun, 31 Dec; 4 -> quarter ends; 12 -> months."""
    if per_year <= 0:
        return
    if per_year == 4:
        f.add_unit("quarter", (3, LAST_DAY))
    elif per_year == 24:
        f.add_unit("month", (0, 15), (0, LAST_DAY))
    elif per_year >= 12:
        f.add_unit("month", (0, LAST_DAY))
    else:
        f.add_unit("year", *((ceil(12 * k / per_year), LAST_DAY) for k in range(1, per_year + 1)))


# --- token handlers --------------------------------------------------------------------------

Handler = Callable[[_Facts, "re.Match[str]", bool], None]


def _on_date(f: _Facts, m: re.Match[str], before: bool, d: str, mo: str, y: str | None) -> None:
    day, month = int(m[d]), int(m[mo])
    year = _year(m[y]) if y else None
    if y and m[y] and year is None:
        return
    if _valid(year, month, day):
        f.spots.append(_Spot(month, day, month, day, year, before))
        if year is not None:
            f.last_year = year


def _on_month(
    f: _Facts, m: re.Match[str], before: bool, numbers: str, y: str, p: str | None
) -> None:
    year = _year(m[y])
    pos, dom = m[p] if p else None, f.take_dom()
    for number in LIST_ITEM.findall(m[numbers]):
        month = int(number)
        if not 1 <= month <= 12:
            continue
        if dom is not None and _valid(year, month, dom[0]):
            f.spots.append(_Spot(month, dom[0], month, dom[0], year, dom[1] or before))
        elif pos:
            day = _POS_DAY[pos]
            f.spots.append(_Spot(month, day, month, day, year, before))
        else:
            f.spots.append(_Spot(month, LAST_DAY, month, 1, year, before))
    if year is not None:
        f.last_year = year


def _on_quarter(f: _Facts, m: re.Match[str], before: bool) -> None:
    year = _year(m["q_y"])
    mark = _POS_QUARTER.get(m["q_pos"] or "cuoi", (3, LAST_DAY))
    for item in LIST_ITEM.findall(m["q_ns"] or m["q_n"]):
        q = _ROMANS.get(item) or int(item)
        first = 3 * q - 2
        f.spots.append(_Spot(first - 1 + mark[0], mark[1], first, 1, year, before))
    if year is not None:
        f.last_year = year


def _on_qmonth(f: _Facts, m: re.Match[str], before: bool) -> None:
    word = m["qm_pos"].removeprefix("thu").strip()
    position = _POS_QMONTH.get(word) or int(word)
    dom = f.take_dom()
    day, before = (dom[0], dom[1] or before) if dom else (LAST_DAY, before)
    if m["qm_q"]:
        year = _year(m["qm_y"])
        month = 3 * (_ROMANS.get(m["qm_q"]) or int(m["qm_q"])) - 3 + position
        start = (month, day) if dom else (month, 1)
        f.spots.append(_Spot(month, day, *start, year, before))
        if year is not None:
            f.last_year = year
    else:
        f.add_unit("quarter", _Spot(position, day, position, day, None, before).mark(3))


def _on_firstmonths(f: _Facts, m: re.Match[str], before: bool) -> None:
    n, year = int(m["fm_n"]), _year(m["fm_y"])
    if 1 <= n <= 12:
        due = n if m["fm_pos"] == "dau" else 12
        start = 1 if m["fm_pos"] == "dau" else 13 - n
        f.spots.append(_Spot(due, LAST_DAY, start, 1, year, before))
    if year is not None:
        f.last_year = year


def _on_times(f: _Facts, m: re.Match[str], before: bool) -> None:
    n, unit = int(m["tm_n"]), _UNITS[m["tm_u"]]
    if unit == "week":
        f.add_unit("week")
    else:
        _evenly(f, n * {"month": 12, "quarter": 4, "year": 1}[unit])


def _on_nmonths(f: _Facts, m: re.Match[str], before: bool) -> None:
    n = int(m["nm_n"])
    if m["nm_dur"]:  # "trong vòng 6 tháng": a time limit counted from something
        f.event = True
    elif m["nm_every"] or m["nm_lan"]:  # "định kỳ 6 tháng", "06 tháng/lần"
        if 1 <= n <= 12:
            _evenly(f, 12 // n)
    elif 1 <= n <= 12:  # "báo cáo 6 tháng, năm": the six-month (and the yearly) report
        f.add_unit("year", (n, LAST_DAY), *([(12, LAST_DAY)] if m["nm_nam"] else []))


def _on_every(f: _Facts, m: re.Match[str], before: bool) -> None:
    f.add_unit(_UNITS[m["ev_u"]])


def _on_onward(f: _Facts, m: re.Match[str], before: bool) -> None:
    f.onward = True


def _on_yrange(f: _Facts, m: re.Match[str], before: bool) -> None:
    a, b = sorted((int(m["yr_a"]), int(m["yr_b"])))
    f.span = (a, b)
    f.last_year = b


def _on_from_year(f: _Facts, m: re.Match[str], before: bool) -> None:
    f.from_year = int(m["fy"])
    f.last_year = f.from_year


def _on_until_year(f: _Facts, m: re.Match[str], before: bool) -> None:
    f.until_year = int(m["uy"])
    f.last_year = f.until_year


def _on_year(f: _Facts, m: re.Match[str], before: bool) -> None:
    year = int(m["y_y"])
    if m["y_pos"]:
        month, day = _POS_YEAR[m["y_pos"]]
        f.spots.append(_Spot(month, day, month, day, year, before))
    elif before:  # "trước năm 2025": 31 Dec 2024
        f.spots.append(_Spot(12, LAST_DAY, 1, 1, year, before))
    else:
        f.years.append(year)
    f.last_year = year


def _on_civil(f: _Facts, m: re.Match[str], before: bool) -> None:
    """Civil Code art. 146: đầu/giữa/cuối tháng = day 1/15/last; giữa năm = 30 June; …"""
    pos, unit = m["cv_pos"], _UNITS[m["cv_u"]]
    if unit == "week":
        f.add_unit("week", (0, _POS_WEEK[pos]))
    elif unit == "month":
        f.add_unit("month", _Spot(1, _POS_DAY[pos], 1, _POS_DAY[pos], None, before).mark(1))
    elif unit == "quarter":
        f.add_unit("quarter", _POS_QUARTER[pos])
    elif m["cv_every"] in ("moi", "hang"):
        f.add_unit("year", _POS_YEAR[pos])
    else:  # "cuối năm": that point of the plan's year
        month, day = _POS_YEAR[pos]
        f.spots.append(_Spot(month, day, month, day, None, before))


def _weekday(name: str) -> int:
    return (int(name) if name.isdigit() else _WEEKDAYS.get(name, 8)) - 2


def _on_wd_range(f: _Facts, m: re.Match[str], before: bool) -> None:
    a, b = _weekday(m["wr_a"]), _weekday(m["wr_b"].replace(" ", "").replace("chunhat", "cn"))
    f.weekdays.extend(range(a, b + 1) if a <= b else (*range(a, 7), *range(b + 1)))


def _on_weekday(f: _Facts, m: re.Match[str], before: bool) -> None:
    f.weekdays.append(6 if m["wd_cn"] else _weekday(m["wd"]))


def _on_ndays(f: _Facts, m: re.Match[str], before: bool) -> None:
    if f.offset is None:
        f.offset, f.working = int(m["nd_n"]), bool(m["nd_w"])


def _on_nweeks(f: _Facts, m: re.Match[str], before: bool) -> None:
    if f.offset is None:
        f.offset = 7 * int(m["nw_n"])


def _on_immediate(f: _Facts, m: re.Match[str], before: bool) -> None:
    f.event = True
    if f.offset is None:
        f.offset = 0


def _on_dom(f: _Facts, m: re.Match[str], before: bool) -> None:
    day = int(m["dom_d"])
    if 1 <= day <= LAST_DAY:
        f.doms.append((day, before))


def _on_event(f: _Facts, m: re.Match[str], before: bool) -> None:
    f.event = True
    f.since = f.since or bool(m["ev_since"])


def _on_ongoing(f: _Facts, m: re.Match[str], before: bool) -> None:
    f.ongoing = True


def _ignore(f: _Facts, m: re.Match[str], before: bool) -> None:
    return None


_HANDLERS: Final[dict[str, Handler]] = {
    "doc": _ignore,
    "date_text": lambda f, m, b: _on_date(f, m, b, "dt_d", "dt_m", "dt_y"),
    "date": lambda f, m, b: _on_date(f, m, b, "d_d", "d_m", "d_y"),
    "daymonth": lambda f, m, b: _on_date(f, m, b, "dm_d", "dm_m", None),
    "month": lambda f, m, b: _on_month(f, m, b, "m_ns", "m_y", "m_pos"),
    "monthyear": lambda f, m, b: _on_month(f, m, b, "my_m", "my_y", None),
    "firstmonths": _on_firstmonths,
    "times": _on_times,
    "nmonths": _on_nmonths,
    "qmonth": _on_qmonth,
    "quarter": _on_quarter,
    "every": _on_every,
    "onward": _on_onward,
    "yrange": _on_yrange,
    "from_year": _on_from_year,
    "until_year": _on_until_year,
    "year": _on_year,
    "civil": _on_civil,
    "wd_range": _on_wd_range,
    "weekday": _on_weekday,
    "ndays": _on_ndays,
    "nweeks": _on_nweeks,
    "immediate": _on_immediate,
    "dom": _on_dom,
    "event": _on_event,
    "ongoing": _on_ongoing,
}


# --- deciding --------------------------------------------------------------------------------


# A school year runs from September to May: "trong năm học", "cuối năm học 2024-2025".
_SCHOOL_YEAR: Final = re.compile(
    r"^(?:(?:trong|suot|ca|hoan thanh|truoc|vao|den)\s+)*(?P<pos>dau|cuoi)?\s*nam hoc"
    r"(?:\s*(?P<first>(?:19|20)\d\d)\s*[-–/]\s*(?P<last>(?:19|20)\d\d))?\W*$"
)
_SCHOOL_START: Final = (9, 30)
_SCHOOL_END: Final = (5, 31)


def _school_year(folded: str, text: str, plan_year: int) -> Milestone | None:
    """A clause that names only a school year: due at its start or its end (31 May)."""
    m = _SCHOOL_YEAR.match(" ".join(folded.split()))
    if m is None:
        return None
    end_year = int(m["last"]) if m["last"] else plan_year
    if m["pos"] == "dau":
        # The school year that starts in the plan year (or the named one) begins in September.
        start_year = int(m["first"]) if m["first"] else plan_year
        return Milestone("once", text, on=date(start_year, *_SCHOOL_START))
    return Milestone("once", text, on=date(end_year, *_SCHOOL_END))


def event_clause(milestones: tuple[Milestone, ...]) -> Milestone | None:
    """The clause that says how long after an event the work is due.

    In "Xây dựng trong tháng 3; công bố chậm nhất 15 ngày kể từ ngày được phê duyệt" the
    second clause gives the phrase its 15 days, whatever the first one says.
    """
    events = [m for m in milestones if m.kind == "event"]
    return next((m for m in events if m.offset_days is not None), events[0] if events else None)


def read_clause(text: str, plan_year: int) -> Milestone:
    """Read one clause (no ";" inside) of a time-frame phrase; ``text`` is kept as written."""
    read = read_folded(fold(text), plan_year)
    if read.kind == "unspecified":
        return Milestone("unspecified", text)
    return Milestone(
        read.kind,
        text,
        read.on,
        read.recurrence,
        read.first_year,
        read.last_year,
        read.offset_days,
        read.offset_working_days,
    )


@lru_cache(maxsize=8192)
def read_folded(folded: str, plan_year: int) -> Milestone:
    """Read one folded clause; the milestone's ``text`` is left empty for the caller to set.

    Cached on the folded text: officials write the same few hundred phrases in thousands of
    spellings (case, diacritics, spaces), and the reading depends on the folded text only.
    """
    school = _school_year(folded, "", plan_year)
    if school is not None:
        return school
    f = _Facts()
    before = False
    for m in tokens(folded):
        kind = m.lastgroup or ""
        if kind == "before":
            before = True
        else:
            _HANDLERS[kind](f, m, before)
            before = False
        f.prev = kind
    return _decide(f, "", plan_year)


def _decide(f: _Facts, text: str, plan_year: int) -> Milestone:
    units = f.units
    if f.weekdays and (not f.spots or "week" in units):
        f.add_unit("week", *((0, weekday) for weekday in f.weekdays))
    if f.onward:
        f.add_unit("year")
    if f.doms and not units and not f.spots:
        f.add_unit("month")
    if units:
        return _recurring(f, text)
    if f.spots:
        on = max(spot.resolve(f.last_year or plan_year) for spot in f.spots)
        if f.since and f.offset is not None:  # "15 ngày kể từ ngày 01/7/2024"
            if f.working:
                return Milestone("event", text, offset_days=f.offset, offset_working_days=True)
            on += timedelta(days=f.offset)
        return Milestone("once", text, on=on)
    if f.event or f.offset is not None:
        return Milestone("event", text, offset_days=f.offset, offset_working_days=f.working)
    if f.ongoing or f.span or f.from_year:
        first, last = _bounds(f)
        return Milestone("ongoing", text, first_year=first, last_year=last)
    if f.years or f.until_year:  # "Năm 2024", "Đến năm 2025"
        return Milestone("once", text, on=date(f.last_year or plan_year, 12, LAST_DAY))
    return Milestone("unspecified", text)


def _bounds(f: _Facts) -> tuple[int | None, int | None]:
    """The years a recurrence or an ongoing task spans, as far as the clause says."""
    named = [spot.year for spot in f.spots if spot.year is not None] + f.years
    first, last = f.span or ((min(named), max(named)) if named else (None, None))
    if f.from_year is not None:
        first, last = f.from_year, None
    if f.until_year is not None:
        last = f.until_year
    if f.onward:
        last = None
    return first, last


def _recurring(f: _Facts, text: str) -> Milestone:
    unit = next(u for u in _FINEST_FIRST if u in f.units)
    marks = set(f.units[unit])
    if unit == "year":
        marks.update(spot.mark() for spot in f.spots)
    if unit != "week":  # "ngày D" alone: in the period's last month
        n = _PERIOD_MONTHS[unit]
        marks.update(_Spot(n, d, n, d, None, b).mark(n) for d, b in f.doms)
        if unit == "month":
            marks = {(0, day) for _, day in marks}
    if not marks:
        marks.add(_DEFAULT_MARK[unit])
    if unit == "year":  # (6, 31) and (6, 30) are the same day: keep one
        marks = {(month, clip_date(2000, month, day).day) for month, day in marks}
    first, last = _bounds(f)
    return Milestone(
        "recurring",
        text,
        recurrence=Recurrence(unit, tuple(sorted(marks))),
        first_year=first,
        last_year=last,
    )
