"""What the status screen shows, kept per organization and counted again only where written.

Classifying every due date of a province's year costs what its hundred plans hold, so a
screen's figures are kept as each organization's part: its tally by dimension, lead unit
and state (``figures.Tally``), which add up, its few most overdue due dates with their
place in the database's order, among which the screen's most overdue are, and its
quarter's cases by group. ``reports.change_marks`` tells whether anything was written
since (in any process); ``reports.changes_since`` which organizations' tasks and cases the
writes touched. Only those halves are counted again (``reports.org_parts``, one statement
for the tasks; the case tallies for the cases) and, when they come out different, the
parts summed once more: a due date marked done in one commune of a province recounts that
commune's tasks, a citizen's case that commune's cases.

Every part is counted by the same queries and rules as ``figures.task_figures`` (the same
day, the same scope, only fewer organizations), so the sum is what a fresh count gives.
A part is also counted again after ``PART_TTL`` seconds at most, each organization at its
own time: a net for a write that left no trace the marks can see.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from time import monotonic
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.periods import Period
from bot.reports.figures import (
    MOST_OVERDUE,
    Narrow,
    Tally,
    add_undated,
    case_scope,
    feedback_totals,
    listed_item,
    most_overdue,
    tallied_figures,
    task_scope,
)
from bot.reports.model import Listed, StatusFigures
from db.models import Standing
from db.queries import reports
from db.queries.reports import CaseGroup, Marks, OccurrenceRow, OldestKey, Scope

PART_TTL: Final = 600.0
"""Seconds an organization's part is reused for, at most (less by up to half, by its id,
so that the parts counted together are not all counted again together)."""
STATUS_CACHE_SIZE: Final = 64
_SPREAD: Final = 16

_K = TypeVar("_K")

StatusKey = tuple[str, tuple[int, ...], str, date, str, str, Narrow | None]


CaseKey = tuple[str, str | None, bool | None, bool, bool]
"""A group of cases: status, rating, on-time verdict, reopened, answered."""


@dataclass(frozen=True, slots=True)
class _Part:
    """One organization's share of a status screen: its tasks and its quarter's cases."""

    counts: Tally
    oldest: tuple[tuple[OldestKey, OccurrenceRow], ...]
    cases: Counter[CaseKey]
    until: float


@dataclass(frozen=True, slots=True)
class _Kept:
    """A status screen as last counted: never changed, replaced by the next count."""

    marks: Marks
    parts: dict[int, _Part]
    counts: Tally
    cases: Counter[CaseKey]
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
    every = set(org_ids)
    if kept is None:
        stale_tasks = stale_cases = every
    else:
        changed = await reports.changes_since(session, kept.marks, marks)
        expired = {org for org, part in kept.parts.items() if part.until <= now}
        stale_tasks = every if changed.orgs is None else every & (changed.orgs | expired)
        stale_cases = every if changed.cases is None else every & (changed.cases | expired)
        if stale_cases and narrow is not None and narrow.unit is not None:
            # Which cases a unit's name picks is asked of every organization's units.
            stale_cases = every
    # The year still under way keeps earlier years' open due dates in view.
    current = year.start <= today <= year.end
    scope = task_scope(org_ids, year, today, tz, narrow, carry_overdue=current)
    tasks_of = await _count(session, replace(scope, org_ids=sorted(stale_tasks)), year.year, narrow)
    cases_of = await _count_cases(session, sorted(stale_cases), quarter, tz, narrow)
    if kept is None:
        parts = {
            org: _Part(*tasks_of[org], cases_of[org], now + PART_TTL * _share(org))
            for org in org_ids
        }
        task_counts = _resum(None, [], [part.counts for part in parts.values()])
        case_counts = _resum(None, [], [part.cases for part in parts.values()])
        tasks, feedback = tallied_figures(task_counts, _most_overdue(parts, today)), None
    else:
        parts = {org: _renewed(org, kept.parts[org], tasks_of, cases_of, now) for org in org_ids}
        # Only the parts counted differently change the sums and what is derived from them.
        moved = [org for org in tasks_of if _tasks(parts[org]) != _tasks(kept.parts[org])]
        task_counts, tasks = kept.counts, kept.data.tasks
        if moved:
            old_counts = [kept.parts[org].counts for org in moved]
            task_counts = _resum(kept.counts, old_counts, [parts[org].counts for org in moved])
            tasks = tallied_figures(task_counts, _most_overdue(parts, today))
        moved = [org for org in cases_of if parts[org].cases != kept.parts[org].cases]
        case_counts, feedback = kept.cases, kept.data.feedback
        if moved:
            old_cases = [kept.parts[org].cases for org in moved]
            case_counts = _resum(kept.cases, old_cases, [parts[org].cases for org in moved])
            feedback = None
    if feedback is None:
        feedback = feedback_totals([CaseGroup(*k, n) for k, n in case_counts.items()])
    data = StatusFigures(tasks=tasks, feedback=feedback)
    _keep(key, _Kept(marks, parts, task_counts, case_counts, data), now)
    return data


async def _count(
    session: AsyncSession, scope: Scope, year: int, narrow: Narrow | None
) -> dict[int, tuple[Tally, tuple[tuple[OldestKey, OccurrenceRow], ...]]]:
    """The task parts of the scope's organizations, counted afresh."""
    if not scope.org_ids:
        return {}
    found = await reports.org_parts(session, scope, year, {Standing.OVERDUE}, MOST_OVERDUE)
    counts: dict[int, Tally] = {org: Counter() for org in scope.org_ids}
    for org, dimension, unit, state, n in found.counts:
        counts[org][dimension, unit, state] += n
    undated: dict[int, list[tuple[str | None, str, str | None, bool]]] = {
        org: [] for org in scope.org_ids
    }
    for org, dimension, kind, unit, dated in found.undated:
        undated[org].append((dimension, kind, unit, dated))
    for org, rows in undated.items():
        add_undated(counts[org], rows, narrow)
    oldest: dict[int, list[tuple[OldestKey, OccurrenceRow]]] = {org: [] for org in scope.org_ids}
    for org, place, row in found.oldest:
        oldest[org].append((place, row))
    return {org: (counts[org], tuple(oldest[org])) for org in scope.org_ids}


async def _count_cases(
    session: AsyncSession,
    org_ids: Sequence[int],
    quarter: Period,
    tz: ZoneInfo,
    narrow: Narrow | None,
) -> dict[int, Counter[CaseKey]]:
    """The quarter's cases of these organizations by group, counted afresh (from the
    tallies when the screen allows)."""
    if not org_ids:
        return {}
    counts: dict[int, Counter[CaseKey]] = {org: Counter() for org in org_ids}
    scope = case_scope(org_ids, quarter, tz, narrow)
    for org, group in await reports.org_case_counts(session, scope):
        key = (group.status, group.rating, group.on_time, group.reopened, group.answered)
        counts[org][key] += group.cases
    return counts


def _resum(
    total: Counter[_K] | None, old: Sequence[Counter[_K]], new: Sequence[Counter[_K]]
) -> Counter[_K]:
    """The total again with the ``new`` counts of some parts in place of their ``old``."""
    summed = Counter[_K]() if total is None else Counter(total)
    for counts in old:
        summed -= counts
    for counts in new:
        summed += counts
    return summed


def _renewed(
    org: int,
    old: _Part,
    tasks_of: dict[int, tuple[Tally, tuple[tuple[OldestKey, OccurrenceRow], ...]]],
    cases_of: dict[int, Counter[CaseKey]],
    now: float,
) -> _Part:
    """The organization's part with what was counted afresh in place; the net's time
    restarts only once both halves are."""
    counts, oldest = tasks_of.get(org, (old.counts, old.oldest))
    cases = cases_of.get(org, old.cases)
    whole = org in tasks_of and org in cases_of
    return _Part(counts, oldest, cases, now + PART_TTL * _share(org) if whole else old.until)


def _tasks(part: _Part) -> tuple[Tally, tuple[tuple[OldestKey, OccurrenceRow], ...]]:
    return part.counts, part.oldest


def _share(org: int) -> float:
    return 1 - (org % _SPREAD) / (2 * _SPREAD)


def _most_overdue(parts: dict[int, _Part], today: date) -> tuple[Listed, ...]:
    """The most overdue of all the parts: the first of their candidates in the order the
    database chose each part's by (``reports.OldestKey``), as a fresh count chooses them."""
    candidates = heapq.nsmallest(
        MOST_OVERDUE,
        (found for part in parts.values() for found in part.oldest),
        key=lambda found: found[0],
    )
    return most_overdue(listed_item(row, today) for _, row in candidates)


def _keep(key: StatusKey, kept: _Kept, now: float) -> None:
    if key not in _kept and len(_kept) >= STATUS_CACHE_SIZE:
        for stale in [k for k, old in _kept.items() if old.until <= now]:
            del _kept[stale]
        while len(_kept) >= STATUS_CACHE_SIZE:
            del _kept[next(iter(_kept))]
    _kept[key] = kept
