"""The one progress rule: where a task stands, how late it is, and how far a group has got.

The database applies the same rule to many rows at once (``db.queries.reports``); every
other place (figures, documents, the chat, the public pages) asks this module.

- The due day that counts is the planned one, unless an extension approved on or before
  the planned day (local calendar) moved it; one approved later does not.
- A done occurrence is late when it was done after its due day, on time otherwise.
- An open occurrence is overdue after its due day, due soon up to ``DUE_SOON`` ahead, and
  pending after that.
- A task without a date is ongoing (regular), waiting for an event, or simply undated.
- Progress is the share of dated occurrences that are done; when nothing is dated there is
  no progress to speak of (``None``, shown as "—"), never 0 %.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from db.models import Occurrence, OccurrenceStatus, Standing

DUE_SOON: Final = timedelta(days=14)
STATES: Final = tuple(Standing)
DONE: Final = (Standing.DONE_ON_TIME, Standing.DONE_LATE)
DATED: Final = (*DONE, Standing.OVERDUE, Standing.DUE_SOON, Standing.PENDING)
UNDATED: Final = (Standing.ONGOING, Standing.WAITING_EVENT, Standing.UNDATED)
_BY_KIND: Final = {"ongoing": Standing.ONGOING, "event": Standing.WAITING_EVENT}


def undated_standing(timeframe_kind: str) -> Standing:
    """Where a task without a due date stands, from its time frame's kind."""
    return _BY_KIND.get(timeframe_kind, Standing.UNDATED)


def counted_due(planned: date, moved: date, approved_on: date | None) -> date:
    """The due day that counts: ``moved`` only if the extension was approved in time."""
    if moved != planned and approved_on is not None and approved_on <= planned:
        return moved
    return planned


@dataclass(frozen=True, slots=True)
class NextDue:
    """A task's next open due date: the day that counts, and the day it was moved to."""

    occurrence_id: int
    counted: date
    planned: date
    moved: date


def next_due(occurrences: Iterable[Occurrence], approved_on: Mapping[int, date]) -> NextDue | None:
    """The pending due date that comes first by the day that counts (``counted_due``;
    ``approved_on``: when the latest extension of each was approved), else ``None``."""
    pending = [
        NextDue(
            o.id,
            counted_due(o.planned_date, o.due_date, approved_on.get(o.id)),
            o.planned_date,
            o.due_date,
        )
        for o in occurrences
        if o.status == OccurrenceStatus.PENDING
    ]
    return min(pending, key=lambda d: (d.counted, d.moved, d.occurrence_id), default=None)


def standing(due: date, done_on: date | None, *, done: bool, as_of: date) -> Standing:
    """Where one dated occurrence stands on ``as_of``."""
    if done:
        return Standing.DONE_LATE if (done_on or as_of) > due else Standing.DONE_ON_TIME
    if due < as_of:
        return Standing.OVERDUE
    return Standing.DUE_SOON if due <= as_of + DUE_SOON else Standing.PENDING


def days_late(due: date, done_on: date | None, as_of: date) -> int:
    """Days past the due date: until it was done, or until ``as_of`` while it is open."""
    return max(0, ((done_on or as_of) - due).days)


def progress(counts: Mapping[str, int]) -> float | None:
    """Done occurrences as a share (two decimals) of the dated ones; ``None`` if none is."""
    dated = sum(counts.get(state, 0) for state in DATED)
    done = sum(counts.get(state, 0) for state in DONE)
    return round(done / dated, 2) if dated else None
