"""What the status screen shows, kept per organization and counted again only where written.

Classifying every due date of a province's year costs what its hundred plans hold, so a
screen's task figures are kept as each organization's part: its tally by dimension, lead
unit and state (``figures.Tally``), which add up, and its few most overdue due dates with
their place in the database's order, among which the screen's most overdue are.
``reports.change_marks`` tells whether anything was written since (in any process);
``reports.changes`` which organizations the writes touched. Only those are counted again
and the parts summed once more: a due date marked done in one commune of a province
recounts that commune, a citizen's case none. The quarter's feedback is read again from
the case tallies after any write but those only about occurrences, tasks and plans.

Every part is counted by the same queries and rules as ``figures.task_figures`` (the same
day, the same scope, only fewer organizations), so the sum is what a fresh count gives.
A part is also counted again after ``PART_TTL`` seconds at most, each organization at its
own time: a net for a write that left no trace the marks can see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from time import monotonic
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.periods import Period
from bot.reports.figures import (
    MOST_OVERDUE,
    Narrow,
    Tally,
    add_undated,
    feedback_summary,
    listed_item,
    most_overdue,
    tallied_figures,
    task_scope,
)
from bot.reports.model import FeedbackTotals, Listed, StatusFigures
from db.models import Standing
from db.queries import reports
from db.queries.reports import OccurrenceRow, OldestKey, Scope

PART_TTL: Final = 600.0
"""Seconds an organization's part is reused for, at most (less by up to half, by its id,
so that the parts counted together are not all counted again together)."""
STATUS_CACHE_SIZE: Final = 64
_SPREAD: Final = 16

StatusKey = tuple[str, tuple[int, ...], str, date, str, str, Narrow | None]


@dataclass(frozen=True, slots=True)
class _Part:
    """One organization's share of a status screen's tasks."""

    counts: Tally
    oldest: tuple[tuple[OldestKey, OccurrenceRow], ...]
    until: float


@dataclass(frozen=True, slots=True)
class _Kept:
    """A status screen as last counted: never changed, replaced by the next count."""

    marks: tuple[int | None, ...]
    parts: dict[int, _Part]
    counts: Tally
    data: StatusFigures

    @property
    def until(self) -> float:
        return min((part.until for part in self.parts.values()), default=float("inf"))


_kept: dict[StatusKey, _Kept] = {}


async def status_figures(
    session: AsyncSession,
    org_ids: Sequence[int],
    year: Period,
    quarter: Period,
    today: date,
    tz: ZoneInfo,
    narrow: Narrow | None = None,
) -> StatusFigures:
    """The year's tasks by state (with the most overdue) and the quarter's feedback of the
    organizations, as a fresh ``task_figures`` and ``feedback_summary`` would count them.

    The result is shared: callers must not change it.
    """
    key: StatusKey = (
        str(session.get_bind().engine.url),
        tuple(org_ids),
        year.code,
        today,
        quarter.code,
        str(tz),
        narrow,
    )
    marks = await reports.change_marks(session)
    now = monotonic()
    kept = _kept.get(key)
    if kept is not None and kept.marks == marks and kept.until > now:
        return kept.data
    # The year still under way keeps earlier years' open due dates in view.
    current = year.start <= today <= year.end
    scope = task_scope(org_ids, year, today, tz, narrow, carry_overdue=current)
    every = set(org_ids)
    stale = every
    feedback: FeedbackTotals | None = None
    if kept is not None:
        changed = (
            reports.Changes(frozenset(), cases=False)
            if kept.marks == marks
            else await reports.changes(session, kept.marks, marks)
        )
        if changed.orgs is not None:
            expired = {org for org, part in kept.parts.items() if part.until <= now}
            stale = every & (changed.orgs | expired)
        if not changed.cases:
            feedback = kept.data.feedback
    fresh = await _count(session, replace(scope, org_ids=sorted(stale)), year.year, narrow, now)
    if kept is not None and not fresh:
        parts, counts, tasks = kept.parts, kept.counts, kept.data.tasks
    else:
        if kept is None or stale == every:
            parts, counts = fresh, Counter[tuple[str | None, str | None, str]]()
        else:
            parts, counts = {**kept.parts, **fresh}, Counter(kept.counts)
            for org in fresh:
                counts -= kept.parts[org].counts
        for part in fresh.values():
            counts += part.counts
        tasks = tallied_figures(counts, _most_overdue(parts, today))
    if feedback is None:
        feedback = await feedback_summary(session, org_ids, quarter, tz, narrow)
    data = StatusFigures(tasks=tasks, feedback=feedback)
    _keep(key, _Kept(marks, parts, counts, data), now)
    return data


async def _count(
    session: AsyncSession, scope: Scope, year: int, narrow: Narrow | None, now: float
) -> dict[int, _Part]:
    """The parts of the scope's organizations, counted afresh."""
    if not scope.org_ids:
        return {}
    counts: dict[int, Tally] = {org: Counter() for org in scope.org_ids}
    for org, dimension, unit, state, n in await reports.org_state_counts(session, scope):
        counts[org][dimension, unit, state] += n
    undated: dict[int, list[tuple[str | None, str, str | None, bool]]] = {
        org: [] for org in scope.org_ids
    }
    plan_id = narrow.plan_id if narrow else None
    for org, d, k, _task, u, dated in await reports.undated_counts(
        session, scope.org_ids, year, plan_id
    ):
        undated[org].append((d, k, u, dated))
    for org, rows in undated.items():
        add_undated(counts[org], rows, narrow)
    oldest: dict[int, list[tuple[OldestKey, OccurrenceRow]]] = {org: [] for org in scope.org_ids}
    overdue = {Standing.OVERDUE}
    for org, place, row in await reports.oldest_per_org(session, scope, overdue, MOST_OVERDUE):
        oldest[org].append((place, row))
    return {
        org: _Part(counts[org], tuple(oldest[org]), now + PART_TTL * _share(org))
        for org in scope.org_ids
    }


def _share(org: int) -> float:
    return 1 - (org % _SPREAD) / (2 * _SPREAD)


def _most_overdue(parts: dict[int, _Part], today: date) -> tuple[Listed, ...]:
    """The most overdue of all the parts: the first of their candidates in the order the
    database chose each part's by (``reports.OldestKey``), as a fresh count chooses them."""
    candidates = sorted(
        (found for part in parts.values() for found in part.oldest), key=lambda found: found[0]
    )
    return most_overdue(listed_item(row, today) for _, row in candidates[:MOST_OVERDUE])


def _keep(key: StatusKey, kept: _Kept, now: float) -> None:
    if key not in _kept and len(_kept) >= STATUS_CACHE_SIZE:
        for stale in [k for k, old in _kept.items() if old.until <= now]:
            del _kept[stale]
        while len(_kept) >= STATUS_CACHE_SIZE:
            del _kept[next(iter(_kept))]
    _kept[key] = kept
