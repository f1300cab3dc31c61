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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.zalo_oa import CHANNEL as ZALO
from bot.channels.zalo_oa.window import month_costs, months_between
from bot.periods import Period
from db.models import CaseStatus, EventKind, Rating
from db.queries import reports
from db.queries.reports import CaseScope, Scope

DUE_SOON: Final = timedelta(days=14)
MOST_OVERDUE: Final = 5
CASE_ROWS_LIMIT: Final = 5000
TASK_STATES: Final = (
    "done_on_time",
    "done_late",
    "overdue",
    "due_soon",
    "pending",
    "ongoing",
    "waiting_event",
    "undated",
)
DIMENSION_NAMES: Final = {
    "D1": "Tham gia của người dân ở cấp cơ sở",
    "D2": "Công khai, minh bạch trong việc ra quyết định ở địa phương",
    "D3": "Trách nhiệm giải trình với người dân",
    "D4": "Kiểm soát tham nhũng trong khu vực công",
    "D5": "Thủ tục hành chính công",
    "D6": "Cung ứng dịch vụ công",
    "D7": "Quản trị môi trường",
    "D8": "Quản trị điện tử",
}
OPEN: Final = {
    CaseStatus.NEW,
    CaseStatus.ASSIGNED,
    CaseStatus.AWAITING_APPROVAL,
    CaseStatus.REOPENED,
}


@dataclass(frozen=True, slots=True)
class Narrow:
    """Keep only one PAPI dimension or one unit."""

    dimension: str | None = None
    unit: str | None = None

    def keeps(self, dimension: str | None, unit: str | None) -> bool:
        """Tell whether a row of this dimension and unit stays in."""
        if self.dimension is not None and dimension != self.dimension:
            return False
        return self.unit is None or unit == self.unit


def _local(moment: datetime | None, tz: ZoneInfo) -> date | None:
    return None if moment is None else moment.astimezone(tz).date()


def _empty_states() -> dict[str, int]:
    return {"total": 0, **dict.fromkeys(TASK_STATES, 0)}


def task_scope(
    org_ids: Sequence[int], period: Period, as_of: date, tz: ZoneInfo, narrow: Narrow | None
) -> Scope:
    """The occurrences a period's task figures count."""
    return Scope(
        org_ids=org_ids,
        start=period.start,
        end=period.end,
        as_of=as_of,
        due_soon=as_of + DUE_SOON,
        tz=tz,
        dimension=narrow.dimension if narrow else None,
        unit=narrow.unit if narrow else None,
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
) -> dict[str, Any]:
    """Tasks of the period by state, per dimension and unit; with ``details``, the done and
    late items with their evidence and reasons (a status screen does without them)."""
    scope = task_scope(org_ids, period, as_of, tz, narrow)
    totals = _empty_states()
    by_dimension: dict[str | None, dict[str, int]] = defaultdict(_empty_states)
    by_unit: dict[str, dict[str, int]] = defaultdict(_empty_states)
    for dimension, unit, state, n in await reports.state_counts(session, scope):
        for bucket in (totals, by_dimension[dimension], by_unit[unit or "—"]):
            bucket["total"] += n
            bucket[state] += n
    undated = await reports.undated_counts(session, org_ids, period.year)
    for dimension, kind, _task, unit, dated in undated:
        if dated or (narrow is not None and not narrow.keeps(dimension, unit)):
            continue
        state = {"ongoing": "ongoing", "event": "waiting_event"}.get(kind, "undated")
        for bucket in (totals, by_dimension[dimension], by_unit[unit or "—"]):
            bucket["total"] += 1
            bucket[state] += 1
    listed = {"done_on_time", "done_late", "overdue"} if details else {"overdue"}
    rows = await reports.occurrences(session, scope, listed)
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
    done: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    overdue: list[dict[str, Any]] = []
    for row in rows:
        state, due, done_on = row.state, row.due, row.done_on
        base = {"code": row.code, "task": row.text, "dimension": row.dimension, "unit": row.unit}
        if state in {"done_on_time", "done_late"}:
            done.append(
                {
                    **base,
                    "due": due.isoformat(),
                    "done_on": done_on.isoformat() if done_on else None,
                    "late": state == "done_late",
                    "evidence": evidence.get(row.occurrence_id),
                }
            )
        if details and state in {"done_late", "overdue"}:
            finished = done_on or as_of
            late.append(
                {
                    **base,
                    "due": due.isoformat(),
                    "days_late": (finished - due).days,
                    "done_on": done_on.isoformat() if done_on else None,
                    "reasons": reasons.get(row.occurrence_id, []),
                }
            )
        if state == "overdue":
            overdue.append({**base, "due": due.isoformat(), "days_late": (as_of - due).days})
    overdue.sort(key=lambda item: (-int(item["days_late"]), str(item["code"])))
    return {
        **totals,
        "by_dimension": [
            {
                "dimension": d,
                "name": DIMENSION_NAMES.get(d or "", ""),
                **counts,
                "progress": _progress(counts),
            }
            for d, counts in sorted(
                by_dimension.items(), key=lambda kv: (kv[0] is None, kv[0] or "")
            )
        ],
        "by_unit": [{"unit": u, **counts} for u, counts in sorted(by_unit.items())],
        "most_overdue": overdue[:MOST_OVERDUE],
        "done": done,
        "late": late,
    }


def _progress(counts: dict[str, int]) -> float:
    dated = sum(counts[s] for s in ("done_on_time", "done_late", "overdue", "due_soon", "pending"))
    finished = counts["done_on_time"] + counts["done_late"]
    return round(finished / dated, 2) if dated else 0.0


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
) -> dict[str, dict[str, int]]:
    groups: dict[str, dict[str, int]] = defaultdict(_group)
    for key, status, on_time, answered, n in await reports.case_breakdown(session, scope, by):
        group = groups[name(key)]
        group["received"] += n
        if answered:
            group["answered"] += n
            group["answered_on_time"] += n if on_time is not False else 0
        if status in OPEN:
            group["open"] += n
    return dict(groups)


async def feedback_figures(
    session: AsyncSession,
    org_ids: Sequence[int],
    period: Period,
    tz: ZoneInfo,
    narrow: Narrow | None = None,
) -> dict[str, Any]:
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
    listed = [
        {
            "code": case.code,
            "kind": case.kind,
            "topic": case.topic,
            "unit": units.get(case.unit_id) if case.unit_id else None,
            "received": case.received_at.astimezone(tz).date().isoformat(),
            "answer_due": case.answer_due.isoformat() if case.answer_due else None,
            "answered": _iso(_local(case.answered_at, tz)),
            "status": case.status,
            "on_time": case.on_time if case.answered_at is not None else None,
        }
        for case in await reports.listed_cases(session, scope, CASE_ROWS_LIMIT)
    ]
    return {
        **totals,
        "avg_days_to_answer": None if mean is None else round(mean, 1),
        "p90_days_to_answer": None if p90 is None else round(p90, 1),
        "by_kind": await _breakdown(session, scope, "kind", str),
        "by_topic": await _breakdown(session, scope, "topic", str),
        "by_unit": await _breakdown(
            session, scope, "unit_id", lambda unit: (units.get(unit) if unit else None) or "—"
        ),
        "by_month": [
            {"month": m, "received": c["received"], "answered": c["answered"]}
            for m, c in sorted(by_month.items())
        ],
        "cases": listed,
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


async def feedback_summary(
    session: AsyncSession,
    org_ids: Sequence[int],
    period: Period,
    tz: ZoneInfo,
    narrow: Narrow | None = None,
) -> dict[str, Any]:
    """The period's feedback totals without the breakdowns (what the status screen shows)."""
    return _totals(await reports.case_counts(session, case_scope(org_ids, period, tz, narrow)))


async def figures(
    session: AsyncSession,
    *,
    org_id: int,
    period: Period,
    as_of: date,
    tz: ZoneInfo,
    narrow: Narrow | None = None,
) -> dict[str, Any]:
    """Everything a report of ``org_id`` (and the organizations below it) needs."""
    tree = await reports.org_tree(session, org_id)
    org_ids = [org for org, _, _ in tree]
    task_part = await task_figures(session, org_ids, period, as_of, tz, narrow)
    feedback_part = await feedback_figures(session, org_ids, period, tz, narrow)
    parent = await reports.parent_name(session, org_id)
    return {
        "organization": {
            "id": org_id,
            "name": tree[0][1] if tree else "",
            "parent": parent,
            "communes": [name for _, name, _ in tree],
        },
        "period": {
            "code": period.code,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "closing": period.closing,
        },
        "as_of": as_of.isoformat(),
        "tasks": task_part,
        "feedback": feedback_part,
        # The deployment's one OA serves every commune: its bill belongs to the top report.
        "messaging": [] if parent is not None else await messaging_figures(session, period),
    }


async def messaging_figures(session: AsyncSession, period: Period) -> list[dict[str, Any]]:
    """The Zalo OA's messages of the period's months by class, with their estimated cost."""
    months = await month_costs(session, ZALO, months_between(period.start, period.end))
    if not any(item.total for item in months):
        return []
    return [{"month": m.month, "counts": dict(m.counts), "cost": m.cost} for m in months]
