"""The figures every report, status screen and export is built from, computed one way.

Rules applied everywhere: an occurrence done after its due date is late; an extension
approved on or before the planned date moves the due date, one approved later does not; a
case answered after its legal deadline is late; "closed, not resolved" is never resolved.
No personal data enters the figures, and denunciations appear in counts only.

The states and verdicts are decided in the database (``db.queries.reports``), by one
expression that both the counts and the listed items use, so a province's figures are
GROUP BYs rather than walks over every row.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.zalo_oa import CHANNEL as ZALO
from bot.channels.zalo_oa.window import month_costs, months_between
from bot.papi import vietnamese_name
from bot.periods import Period
from bot.reports.model import (
    DimensionFigures,
    FeedbackFigures,
    FeedbackTotals,
    GroupCounts,
    Listed,
    ListedCase,
    MessagingMonth,
    MonthCounts,
    OrganizationInfo,
    PeriodInfo,
    ReportFigures,
    StateCounts,
    TaskFigures,
    UnitFigures,
)
from bot.tasks.standing import DONE, DUE_SOON, days_late, undated_standing
from db.models import CaseStatus, EventKind, Rating, Standing
from db.queries import reports
from db.queries.reports import CaseScope, Scope

MOST_OVERDUE: Final = 5
CASE_ROWS_LIMIT: Final = 5000
OPEN: Final = {
    CaseStatus.NEW,
    CaseStatus.ASSIGNED,
    CaseStatus.AWAITING_APPROVAL,
    CaseStatus.REOPENED,
}


@dataclass(frozen=True, slots=True)
class Narrow:
    """Keep only one PAPI dimension, one unit, or one plan."""

    dimension: str | None = None
    unit: str | None = None
    plan_id: int | None = None

    def keeps(self, dimension: str | None, unit: str | None) -> bool:
        """Tell whether a row of this dimension and unit stays in."""
        if self.dimension is not None and dimension != self.dimension:
            return False
        return self.unit is None or unit == self.unit


def _local(moment: datetime | None, tz: ZoneInfo) -> date | None:
    return None if moment is None else moment.astimezone(tz).date()


def task_scope(
    org_ids: Sequence[int],
    period: Period,
    as_of: date,
    tz: ZoneInfo,
    narrow: Narrow | None,
    *,
    carry_overdue: bool = False,
) -> Scope:
    """The occurrences a period's task figures count (with ``carry_overdue``, also those
    due before it and still open)."""
    return Scope(
        org_ids=org_ids,
        start=period.start,
        end=period.end,
        as_of=as_of,
        due_soon=as_of + DUE_SOON,
        tz=tz,
        dimension=narrow.dimension if narrow else None,
        unit=narrow.unit if narrow else None,
        plan_id=narrow.plan_id if narrow else None,
        carry_overdue=carry_overdue,
    )


Tally = Counter[tuple[str | None, str | None, str]]
"""Dated occurrences and undated tasks by ``(dimension, lead unit, state)``: a sum of
organizations' tallies is the tally of the organizations together."""


def add_undated(
    counts: Tally,
    rows: Iterable[tuple[str | None, str, str | None, bool]],
    narrow: Narrow | None,
) -> None:
    """Count in the tasks without a plan date (``(dimension, kind, lead unit, has a date)``):
    one each, by the kind of their time frame, unless they were given a date."""
    for dimension, kind, unit, dated in rows:
        if dated or (narrow is not None and not narrow.keeps(dimension, unit)):
            continue
        counts[dimension, unit, undated_standing(kind)] += 1


def listed_item(
    row: reports.OccurrenceRow,
    as_of: date,
    evidence: str | None = None,
    reasons: Sequence[str] = (),
) -> Listed:
    """An occurrence as a report lists it."""
    return Listed(
        occurrence_id=row.occurrence_id,
        code=row.code,
        task=row.text,
        dimension=row.dimension,
        unit=row.unit,
        due=row.due,
        standing=Standing(row.state),
        done_on=row.done_on,
        days_late=days_late(row.due, row.done_on, as_of),
        evidence=evidence,
        reasons=tuple(reasons),
    )


def most_overdue(listed: Iterable[Listed]) -> tuple[Listed, ...]:
    """The ``MOST_OVERDUE`` overdue ones of ``listed``, the most days late first."""
    overdue = sorted(
        (item for item in listed if item.standing == Standing.OVERDUE),
        key=lambda item: (-item.days_late, item.code, item.due),
    )
    return tuple(overdue[:MOST_OVERDUE])


def tallied_figures(
    counts: Mapping[tuple[str | None, str | None, str], int],
    oldest: tuple[Listed, ...],
    listed: tuple[Listed, ...] = (),
) -> TaskFigures:
    """Task figures from a tally, the most overdue and (with details) the listed ones."""
    # Summed by state first: a province's tally holds thousands of keys, nine states.
    totals: dict[str, int] = {}
    by_dimension: dict[str | None, dict[str, int]] = defaultdict(dict)
    by_unit: dict[str, dict[str, int]] = defaultdict(dict)
    for (dimension, unit, state), n in counts.items():
        for bucket in (totals, by_dimension[dimension], by_unit[unit or "—"]):
            bucket[state] = bucket.get(state, 0) + n
    total = StateCounts.tally(totals.items())
    return TaskFigures(
        **{f.name: getattr(total, f.name) for f in fields(StateCounts)},
        by_dimension=tuple(
            DimensionFigures(d, vietnamese_name(d), StateCounts.tally(found.items()))
            for d, found in sorted(
                by_dimension.items(), key=lambda kv: (kv[0] is None, kv[0] or "")
            )
        ),
        by_unit=tuple(
            UnitFigures(u, StateCounts.tally(found.items())) for u, found in sorted(by_unit.items())
        ),
        most_overdue=oldest,
        listed=listed,
    )


async def task_figures(
    session: AsyncSession,
    org_ids: Sequence[int],
    period: Period,
    as_of: date,
    tz: ZoneInfo,
    narrow: Narrow | None = None,
    *,
    details: bool = True,
    carry_overdue: bool = False,
) -> TaskFigures:
    """Tasks of the period by state, per dimension and unit; with ``details``, the done and
    late occurrences with their evidence and reasons (a status screen does without them)."""
    scope = task_scope(org_ids, period, as_of, tz, narrow, carry_overdue=carry_overdue)
    counts: Tally = Counter()
    for dimension, unit, state, n in await reports.state_counts(session, scope):
        counts[dimension, unit, state] += n
    undated = await reports.undated_counts(
        session, org_ids, period.year, narrow.plan_id if narrow else None
    )
    add_undated(counts, ((d, k, u, dated) for _org, d, k, _task, u, dated in undated), narrow)
    if details:
        rows = await reports.occurrences(session, scope, (*DONE, Standing.OVERDUE))
    else:
        rows = await reports.occurrences(session, scope, {Standing.OVERDUE}, oldest=MOST_OVERDUE)
    wanted = [r.occurrence_id for r in rows] if details else []
    events = await reports.occurrence_events(
        session, wanted, (EventKind.DONE, EventKind.BLOCKED, EventKind.MORE_TIME)
    )
    evidence: dict[int, str | None] = {}
    reasons: dict[int, list[str]] = defaultdict(list)
    for event in events:
        if event.occurrence_id is None:
            continue
        if event.kind == EventKind.DONE:
            evidence[event.occurrence_id] = event.file_name or event.link or event.note
        elif event.note:
            reasons[event.occurrence_id].append(event.note)
    listed = tuple(
        listed_item(
            row,
            as_of,
            evidence.get(row.occurrence_id),
            reasons.get(row.occurrence_id, ()),
        )
        for row in rows
    )
    return tallied_figures(counts, most_overdue(listed), listed if details else ())


def _rank(share: float, count: int) -> int:
    """The position, from 0, of the ``share`` percentile among ``count`` sorted values."""
    return max(0, math.ceil(share * count) - 1)


def _group() -> dict[str, int]:
    return {"received": 0, "answered": 0, "answered_on_time": 0, "open": 0}


def case_scope(
    org_ids: Sequence[int], period: Period, tz: ZoneInfo, narrow: Narrow | None
) -> CaseScope:
    """The cases a period's feedback figures count: received in it, by local days."""
    return CaseScope(
        org_ids=org_ids,
        start=datetime.combine(period.start, time.min, tzinfo=tz),
        end=datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz),
        tz=tz,
        dimension=narrow.dimension if narrow else None,
        unit=narrow.unit if narrow else None,
    )


def _totals(groups: Sequence[reports.CaseGroup]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for group in groups:
        n = group.cases
        counts["received"] += n
        if group.answered:
            counts["answered"] += n
            counts["answered_on_time" if group.on_time is not False else "answered_late"] += n
        if group.status in OPEN:
            counts["open"] += n
        counts[f"status:{group.status}"] += n
        if group.rating is not None:
            counts["rated"] += n
            counts[f"rating:{group.rating}"] += n
        counts["reopened"] += n if group.reopened else 0
    rated = counts["rated"]
    satisfied = counts[f"rating:{Rating.SATISFIED}"]
    return {
        "received": counts["received"],
        "answered": counts["answered"],
        "answered_on_time": counts["answered_on_time"],
        "answered_late": counts["answered_late"],
        "open": counts["open"],
        "refused": counts[f"status:{CaseStatus.REFUSED}"],
        "merged": counts[f"status:{CaseStatus.MERGED}"],
        "closed_unresolved": counts[f"status:{CaseStatus.CLOSED_UNRESOLVED}"],
        "reopened": counts["reopened"],
        "rated": rated,
        "satisfied": satisfied,
        "neutral": counts[f"rating:{Rating.NEUTRAL}"],
        "unsatisfied": counts[f"rating:{Rating.UNSATISFIED}"],
        "satisfaction_rate": round(satisfied / rated, 2) if rated else None,
    }


async def _breakdown(
    session: AsyncSession,
    scope: CaseScope,
    by: Literal["kind", "topic", "unit_id"],
    name: Callable[[Any], str],
) -> dict[str, GroupCounts]:
    groups: dict[str, dict[str, int]] = defaultdict(_group)
    for key, status, on_time, answered, n in await reports.case_breakdown(session, scope, by):
        group = groups[name(key)]
        group["received"] += n
        if answered:
            group["answered"] += n
            group["answered_on_time"] += n if on_time is not False else 0
        if status in OPEN:
            group["open"] += n
    return {key: GroupCounts(**counts) for key, counts in groups.items()}


async def feedback_figures(
    session: AsyncSession,
    org_ids: Sequence[int],
    period: Period,
    tz: ZoneInfo,
    narrow: Narrow | None = None,
) -> FeedbackFigures:
    """Feedback received in the period: counts, on-time rate, time to answer, satisfaction."""
    scope = case_scope(org_ids, period, tz, narrow)
    units = await reports.unit_names(session, org_ids)
    totals = _totals(await reports.case_counts(session, scope))
    by_month: dict[str, Counter[str]] = defaultdict(Counter)
    for answered in (False, True):
        for day, n in await reports.cases_by_day(session, scope, answered=answered):
            by_month[day.strftime("%Y-%m")]["answered" if answered else "received"] += n
    mean = p90 = None
    if totals["answered"]:
        mean = await reports.answer_days_mean(session, scope)
        p90 = await reports.answer_days_at(session, scope, _rank(0.9, totals["answered"]))
    listed = tuple(
        ListedCase(
            code=case.code,
            kind=case.kind,
            topic=case.topic,
            unit=units.get(case.unit_id) if case.unit_id else None,
            received=case.received_at.astimezone(tz).date(),
            answer_due=case.answer_due,
            answered=_local(case.answered_at, tz),
            status=case.status,
            on_time=case.on_time if case.answered_at is not None else None,
        )
        for case in await reports.listed_cases(session, scope, CASE_ROWS_LIMIT)
    )
    return FeedbackFigures(
        **totals,
        avg_days_to_answer=None if mean is None else round(mean, 1),
        p90_days_to_answer=None if p90 is None else round(p90, 1),
        by_kind=await _breakdown(session, scope, "kind", str),
        by_topic=await _breakdown(session, scope, "topic", str),
        by_unit=await _breakdown(
            session, scope, "unit_id", lambda unit: (units.get(unit) if unit else None) or "—"
        ),
        by_month=tuple(
            MonthCounts(m, c["received"], c["answered"]) for m, c in sorted(by_month.items())
        ),
        cases=listed,
    )


async def feedback_summary(
    session: AsyncSession,
    org_ids: Sequence[int],
    period: Period,
    tz: ZoneInfo,
    narrow: Narrow | None = None,
) -> FeedbackTotals:
    """The period's feedback totals without the breakdowns (what the status screen shows)."""
    scope = case_scope(org_ids, period, tz, narrow)
    return feedback_totals(await reports.case_counts(session, scope))


def feedback_totals(groups: Sequence[reports.CaseGroup]) -> FeedbackTotals:
    """The totals of these counted cases (the status screen's feedback)."""
    return FeedbackTotals(**_totals(groups))


async def figures(
    session: AsyncSession,
    *,
    org_id: int,
    period: Period,
    as_of: date,
    tz: ZoneInfo,
    narrow: Narrow | None = None,
) -> ReportFigures:
    """Everything a report of ``org_id`` (and the organizations below it) needs."""
    tree = await reports.org_tree(session, org_id)
    org_ids = [org for org, _, _ in tree]
    task_part = await task_figures(session, org_ids, period, as_of, tz, narrow)
    feedback_part = await feedback_figures(session, org_ids, period, tz, narrow)
    parent = await reports.parent_name(session, org_id)
    return ReportFigures(
        organization=OrganizationInfo(
            id=org_id,
            name=tree[0][1] if tree else "",
            parent=parent,
            communes=tuple(name for _, name, _ in tree),
        ),
        period=PeriodInfo(period.code, period.start, period.end, period.closing),
        as_of=as_of,
        tasks=task_part,
        feedback=feedback_part,
        # The deployment's one OA serves every commune: its bill belongs to the top report.
        messaging=() if parent is not None else await messaging_figures(session, period),
    )


async def messaging_figures(session: AsyncSession, period: Period) -> tuple[MessagingMonth, ...]:
    """The Zalo OA's messages of the period's months by class, with their estimated cost."""
    months = await month_costs(session, ZALO, months_between(period.start, period.end))
    if not any(item.total for item in months):
        return ()
    return tuple(MessagingMonth(m.month, dict(m.counts), m.cost) for m in months)
