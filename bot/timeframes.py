"""Read the "Thời gian thực hiện / hoàn thành" column of commune plans into due dates.

``parse_timeframe("Quý IV/2024", 2024)`` gives a ``Timeframe`` of kind ``once`` due on
31 Dec 2024. A phrase is cut into clauses at ";" (and at bulleted line breaks); each clause
becomes one ``Milestone``. The phrase may have diacritics or not, any case, stray spaces and
line breaks. The conventions (see ``shared/reference/legal-deadlines.md``):

- a month or a quarter is due on its last day; a year alone on 31 December;
- "trước ngày D" is due the day before D; "trước tháng M" the last day of month M-1;
- Civil Code art. 146: đầu tháng = day 1, giữa tháng = day 15, cuối tháng = last day,
  đầu năm = 1 January, giữa năm = 30 June, cuối năm = 31 December;
- "hàng quý" is each quarter's last day, "hàng tháng" each month's, "hàng năm" each 31 Dec,
  "hàng tuần" each Sunday unless weekdays are named ("thứ 3, thứ 5 hàng tuần");
- "N đợt/lần trong năm" is N times evenly through the year (2: 30 Jun and 31 Dec);
- a year range bounds a recurrence ("Quý I hàng năm (2021-2025)"); on its own
  ("2021-2025", "Thường xuyên (2021-2025)") it makes the phrase ongoing;
- "khi …", "sau khi …", "kể từ …" make an event; "N ngày (làm việc)" is its offset and
  "ngay (sau) khi" an offset of 0; counting that offset is ``bot.workcal``'s job;
- "hàng ngày" and "thường xuyên" are ongoing: no due date, only check-ins and reports.

Anything it cannot read is ``unspecified``; the original text is always kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from bot.errors import BotError
from bot.timeframe_model import Milestone, Period, Recurrence, TimeframeKind
from bot.timeframe_rules import event_clause, read_folded
from bot.timeframe_tokens import fold

if TYPE_CHECKING:
    from bot.i18n import Translator

__all__ = [
    "Milestone",
    "Period",
    "Recurrence",
    "Timeframe",
    "TimeframeError",
    "TimeframeKind",
    "fold",
    "parse_timeframe",
]

MAX_PHRASE_CHARS: Final = 2000
"""Longer text is not a time frame (a table cell holds a few words): it stays unspecified."""

MIN_PLAN_YEAR: Final = 1900
MAX_PLAN_YEAR: Final = 2999

# The kind of a whole phrase is that of its most telling clause.
_KIND_RANK: Final[dict[TimeframeKind, int]] = {
    "recurring": 4,
    "once": 3,
    "event": 2,
    "ongoing": 1,
    "unspecified": 0,
}
# ";" ends a clause, and so does a line break that starts a bulleted line ("\n- Quý IV…"),
# but not "2021\n- 2025": a range broken across lines.
_CLAUSES: Final = re.compile(r"[;；]|\n[ \t]*[-+•*·–—][ \t]++(?!\d)")


class TimeframeError(BotError, ValueError):
    """A time frame was asked for with arguments it cannot use (not for unreadable text)."""


@dataclass(frozen=True, slots=True)
class Timeframe:
    """A time-frame phrase, read: its original ``text`` and one milestone per clause."""

    text: str
    milestones: tuple[Milestone, ...]

    @property
    def kind(self) -> TimeframeKind:
        """``recurring`` if any clause recurs, else ``once``, ``event``, ``ongoing``, …"""
        return max((m.kind for m in self.milestones), key=_KIND_RANK.__getitem__)

    @property
    def offset_days(self) -> int | None:
        """For an event: the days allowed after it (``None`` when none is set or no event)."""
        event = self._event()
        return event.offset_days if event else None

    @property
    def offset_working_days(self) -> bool:
        """Whether ``offset_days`` counts working days (``ngày làm việc``)."""
        event = self._event()
        return event.offset_working_days if event else False

    def _event(self) -> Milestone | None:
        """The event clause that sets the phrase's offset (see ``event_clause``)."""
        return event_clause(self.milestones)

    def due_dates(self, start: date, end: date) -> list[date]:
        """Every due date from ``start`` to ``end`` (both included), in order, no repeats."""
        if len(self.milestones) == 1:
            return self.milestones[0].due_dates(start, end)
        return sorted({d for m in self.milestones for d in m.due_dates(start, end)})

    def describe(self, t: Translator) -> str:
        """A short explanation, e.g. "Once, due 31/12/2024"; one part per milestone."""
        return "; ".join(m.describe(t) for m in self.milestones)


def parse_timeframe(text: str, plan_year: int) -> Timeframe:
    """Read a time-frame phrase of a plan adopted for ``plan_year``.

    ``plan_year`` supplies the year of phrases that name none ("Quý II", "trong tháng 6").
    Never raises on the text; raises ``TimeframeError`` for a ``plan_year`` outside
    1900-2999.
    """
    if not MIN_PLAN_YEAR <= plan_year <= MAX_PLAN_YEAR:
        raise TimeframeError(f"plan year out of range: {plan_year}")
    return _parse(text, plan_year)


@lru_cache(maxsize=4096)
def _parse(text: str, plan_year: int) -> Timeframe:
    if len(text) > MAX_PHRASE_CHARS:
        return Timeframe(text, (Milestone("unspecified", text),))
    milestones = []
    for part in _CLAUSES.split(text):
        clause = part.strip()
        if clause:
            read = read_folded(fold(clause), plan_year)
            if read.kind != "unspecified":
                milestones.append(
                    Milestone(
                        read.kind,
                        clause,
                        read.on,
                        read.recurrence,
                        read.first_year,
                        read.last_year,
                        read.offset_days,
                        read.offset_working_days,
                    )
                )
    return Timeframe(text, tuple(milestones) or (Milestone("unspecified", text),))
