"""The typed figures of a report: what every screen, document, workbook, chart and page reads.

Frozen dataclasses, built once by ``bot.reports.figures``. ``to_json`` gives the plain
JSON of ``python -m bot report --format json`` (its keys are a published format);
``from_json`` reads it back, for tools and tests that hold figures as JSON.

Listed occurrences are keyed by occurrence, never by a plan's code: plans repeat codes,
and one task has a due date every month or quarter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any, Self

from bot.tasks.standing import DONE, STATES, progress
from db.models import Standing

Json = dict[str, Any]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _records(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# -- tasks ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateCounts:
    """How many tasks (dated occurrences, or undated tasks) stand in each state."""

    total: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue: int = 0
    due_soon: int = 0
    pending: int = 0
    ongoing: int = 0
    waiting_event: int = 0
    undated: int = 0

    def of(self, state: str) -> int:
        """The count of one state (or ``total``)."""
        value: int = getattr(self, Standing(state).value if state != "total" else "total")
        return value

    @property
    def finished(self) -> int:
        """Done, on time or late."""
        return self.done_on_time + self.done_late

    @property
    def progress(self) -> float | None:
        """The one progress rule (``bot.tasks.standing.progress``)."""
        return progress(self.counts())

    def counts(self) -> dict[str, int]:
        """``total`` and every state, in the one order of states."""
        return {"total": self.total, **{state.value: self.of(state) for state in STATES}}

    @classmethod
    def tally(cls, states: Iterable[tuple[str, int]]) -> StateCounts:
        """Counts from ``(state, n)`` pairs."""
        found = dict.fromkeys(STATES, 0)
        for state, n in states:
            found[Standing(state)] += n
        return cls(total=sum(found.values()), **{s.value: n for s, n in found.items()})

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> StateCounts:
        """The counts found in a JSON record (missing ones are 0)."""
        return StateCounts(
            total=_int(data.get("total")), **{s.value: _int(data.get(s.value)) for s in STATES}
        )


@dataclass(frozen=True, slots=True)
class DimensionFigures:
    """One PAPI dimension's (or a section's without one) tasks by state."""

    dimension: str | None
    name: str
    counts: StateCounts

    @property
    def progress(self) -> float | None:
        """Done as a share of the dated, ``None`` when nothing is dated."""
        return self.counts.progress

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {
            "dimension": self.dimension,
            "name": self.name,
            **self.counts.counts(),
            "progress": self.progress,
        }


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """One lead unit's tasks by state (``—`` for tasks with no lead unit)."""

    unit: str
    counts: StateCounts

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {"unit": self.unit, **self.counts.counts()}


@dataclass(frozen=True, slots=True)
class Listed:
    """One occurrence a report lists by name: done, done late, or overdue.

    ``occurrence_id`` identifies it (``None`` only when read back from JSON, which carries
    no ids); ``days_late`` is 0 when on time, counted to ``done_on`` or to the report's day.
    """

    occurrence_id: int | None
    code: str
    task: str
    dimension: str | None
    unit: str | None
    due: date
    standing: Standing
    done_on: date | None
    days_late: int
    evidence: str | None = None
    reasons: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        """Done, on time or late."""
        return self.standing in DONE

    @property
    def late(self) -> bool:
        """Done late, or overdue."""
        return self.standing in (Standing.DONE_LATE, Standing.OVERDUE)

    def _base(self) -> Json:
        return {
            "code": self.code,
            "task": self.task,
            "dimension": self.dimension,
            "unit": self.unit,
            "due": self.due.isoformat(),
        }

    def done_json(self) -> Json:
        """As in the JSON list ``done``."""
        return {
            **self._base(),
            "done_on": _iso(self.done_on),
            "late": self.standing == Standing.DONE_LATE,
            "evidence": self.evidence,
        }

    def late_json(self) -> Json:
        """As in the JSON list ``late``."""
        return {
            **self._base(),
            "days_late": self.days_late,
            "done_on": _iso(self.done_on),
            "reasons": list(self.reasons),
        }

    def overdue_json(self) -> Json:
        """As in the JSON list ``most_overdue``."""
        return {**self._base(), "days_late": self.days_late}


def _listed(item: Mapping[str, Any], standing: Standing) -> Listed | None:
    due = _day(item.get("due"))
    if due is None:
        return None
    evidence = item.get("evidence")
    return Listed(
        occurrence_id=None,
        code=str(item.get("code") or ""),
        task=str(item.get("task") or ""),
        dimension=_text(item.get("dimension")) or None,
        unit=_text(item.get("unit")),
        due=due,
        standing=standing,
        done_on=_day(item.get("done_on")),
        days_late=_int(item.get("days_late")),
        evidence=None if evidence is None else str(evidence),
        reasons=tuple(str(r) for r in item.get("reasons") or () if r is not None),
    )


def _read_listed(done: list[Mapping[str, Any]], late: list[Mapping[str, Any]]) -> list[Listed]:
    """JSON's ``done`` and ``late`` lists as occurrences, in an order that keeps both lists'.

    JSON carries no ids: an item of ``late`` done on the same day as a done-late item of
    ``done`` with the same code, task and due date is that same occurrence.
    """
    finished = [
        listed
        for item in done
        if (
            listed := _listed(
                item, Standing.DONE_LATE if item.get("late") else Standing.DONE_ON_TIME
            )
        )
        is not None
    ]
    behind = [
        listed
        for item in late
        if (
            listed := _listed(item, Standing.DONE_LATE if item.get("done_on") else Standing.OVERDUE)
        )
        is not None
    ]
    # Both lists keep the figures' order, so a pair is looked for after the last one.
    pairs: dict[int, int] = {}
    start = 0
    for j, item in enumerate(behind):
        if item.standing != Standing.DONE_LATE:
            continue
        key = (item.code, item.task, item.due, item.done_on)
        i = next(
            (
                i
                for i in range(start, len(finished))
                if finished[i].standing == Standing.DONE_LATE
                and (finished[i].code, finished[i].task, finished[i].due, finished[i].done_on)
                == key
            ),
            None,
        )
        if i is not None:
            pairs[i] = j
            start = i + 1
    found: list[Listed] = []
    j = 0
    for i, item in enumerate(finished):
        if i not in pairs:
            found.append(item)
            continue
        found += behind[j : pairs[i]]
        found.append(
            replace(item, days_late=behind[pairs[i]].days_late, reasons=behind[pairs[i]].reasons)
        )
        j = pairs[i] + 1
    return found + behind[j:]


@dataclass(frozen=True, slots=True)
class TaskFigures(StateCounts):
    """A period's tasks: counts by state, per dimension and unit, and the listed ones.

    ``listed`` holds every done, done-late and overdue occurrence when the figures were
    taken with details, and nothing otherwise; ``most_overdue`` the oldest overdue ones.
    """

    by_dimension: tuple[DimensionFigures, ...] = ()
    by_unit: tuple[UnitFigures, ...] = ()
    most_overdue: tuple[Listed, ...] = ()
    listed: tuple[Listed, ...] = ()

    @property
    def done_items(self) -> tuple[Listed, ...]:
        """The occurrences done in the period, on time or late."""
        return tuple(item for item in self.listed if item.done)

    @property
    def late_items(self) -> tuple[Listed, ...]:
        """The occurrences done late or overdue."""
        return tuple(item for item in self.listed if item.late)

    @property
    def overdue_items(self) -> tuple[Listed, ...]:
        """Every overdue occurrence, most overdue first (the oldest few without details)."""
        listed = [item for item in self.listed if item.standing == Standing.OVERDUE]
        items = listed if self.listed else list(self.most_overdue)
        return tuple(sorted(items, key=lambda i: -i.days_late))

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {
            **self.counts(),
            "by_dimension": [d.to_json() for d in self.by_dimension],
            "by_unit": [u.to_json() for u in self.by_unit],
            "most_overdue": [i.overdue_json() for i in self.most_overdue],
            "done": [i.done_json() for i in self.done_items],
            "late": [i.late_json() for i in self.late_items],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TaskFigures:
        """Read the ``tasks`` part of JSON figures."""
        counts = StateCounts.read(data)
        return cls(
            **{f.name: getattr(counts, f.name) for f in fields(StateCounts)},
            by_dimension=tuple(
                DimensionFigures(
                    _text(d.get("dimension")) or None,
                    str(d.get("name") or ""),
                    StateCounts.read(d),
                )
                for d in _records(data.get("by_dimension"))
            ),
            by_unit=tuple(
                UnitFigures(str(u.get("unit") or "—"), StateCounts.read(u))
                for u in _records(data.get("by_unit"))
            ),
            most_overdue=tuple(
                listed
                for item in _records(data.get("most_overdue"))
                if (listed := _listed(item, Standing.OVERDUE)) is not None
            ),
            listed=tuple(_read_listed(_records(data.get("done")), _records(data.get("late")))),
        )


# -- feedback ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """Cases of one kind, topic or unit: received, answered, answered on time, still open."""

    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    open: int = 0

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {
            "received": self.received,
            "answered": self.answered,
            "answered_on_time": self.answered_on_time,
            "open": self.open,
        }

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> GroupCounts:
        """Read one group of JSON figures."""
        return cls(*(_int(data.get(f.name)) for f in fields(cls)))


@dataclass(frozen=True, slots=True)
class MonthCounts:
    """Cases received and answered in one month (``2024-07``)."""

    month: str
    received: int
    answered: int

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {"month": self.month, "received": self.received, "answered": self.answered}


@dataclass(frozen=True, slots=True)
class ListedCase:
    """A case as a report lists it: no text, no contact, no citizen."""

    code: str
    kind: str
    topic: str
    unit: str | None
    received: date
    answer_due: date | None
    answered: date | None
    status: str
    on_time: bool | None

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {
            "code": self.code,
            "kind": self.kind,
            "topic": self.topic,
            "unit": self.unit,
            "received": self.received.isoformat(),
            "answer_due": _iso(self.answer_due),
            "answered": _iso(self.answered),
            "status": self.status,
            "on_time": self.on_time,
        }


@dataclass(frozen=True, slots=True)
class FeedbackTotals:
    """A period's feedback in counts: what the status screen shows."""

    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    open: int = 0
    refused: int = 0
    merged: int = 0
    closed_unresolved: int = 0
    reopened: int = 0
    rated: int = 0
    satisfied: int = 0
    neutral: int = 0
    unsatisfied: int = 0
    satisfaction_rate: float | None = None

    def totals(self) -> Json:
        """The counts as JSON."""
        return {f.name: getattr(self, f.name) for f in fields(FeedbackTotals)}

    @classmethod
    def read_totals(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """The counts of JSON figures, as keyword arguments."""
        values: dict[str, Any] = {
            f.name: _int(data.get(f.name))
            for f in fields(FeedbackTotals)
            if f.name != "satisfaction_rate"
        }
        values["satisfaction_rate"] = _float(data.get("satisfaction_rate"))
        return values


@dataclass(frozen=True, slots=True)
class FeedbackFigures(FeedbackTotals):
    """A period's feedback: counts, time to answer, breakdowns, and the listed cases."""

    avg_days_to_answer: float | None = None
    p90_days_to_answer: float | None = None
    by_kind: Mapping[str, GroupCounts] = field(default_factory=dict)
    by_topic: Mapping[str, GroupCounts] = field(default_factory=dict)
    by_unit: Mapping[str, GroupCounts] = field(default_factory=dict)
    by_month: tuple[MonthCounts, ...] = ()
    cases: tuple[ListedCase, ...] = ()

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {
            **self.totals(),
            "avg_days_to_answer": self.avg_days_to_answer,
            "p90_days_to_answer": self.p90_days_to_answer,
            "by_kind": {k: v.to_json() for k, v in self.by_kind.items()},
            "by_topic": {k: v.to_json() for k, v in self.by_topic.items()},
            "by_unit": {k: v.to_json() for k, v in self.by_unit.items()},
            "by_month": [m.to_json() for m in self.by_month],
            "cases": [c.to_json() for c in self.cases],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeedbackFigures:
        """Read the ``feedback`` part of JSON figures."""

        def grouped(key: str) -> dict[str, GroupCounts]:
            return {
                str(k): GroupCounts.read(v)
                for k, v in _mapping(data.get(key)).items()
                if isinstance(v, Mapping)
            }

        return cls(
            **cls.read_totals(data),
            avg_days_to_answer=_float(data.get("avg_days_to_answer")),
            p90_days_to_answer=_float(data.get("p90_days_to_answer")),
            by_kind=grouped("by_kind"),
            by_topic=grouped("by_topic"),
            by_unit=grouped("by_unit"),
            by_month=tuple(
                MonthCounts(
                    str(m.get("month") or ""), _int(m.get("received")), _int(m.get("answered"))
                )
                for m in _records(data.get("by_month"))
            ),
            cases=tuple(
                ListedCase(
                    code=str(c.get("code") or ""),
                    kind=str(c.get("kind") or ""),
                    topic=str(c.get("topic") or ""),
                    unit=_text(c.get("unit")),
                    received=received,
                    answer_due=_day(c.get("answer_due")),
                    answered=_day(c.get("answered")),
                    status=str(c.get("status") or ""),
                    on_time=on_time if isinstance(on_time := c.get("on_time"), bool) else None,
                )
                for c in _records(data.get("cases"))
                if (received := _day(c.get("received"))) is not None
            ),
        )


# -- the whole report -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrganizationInfo:
    """Who reports: the organization, the one above it, and the communes the figures cover."""

    id: int
    name: str
    parent: str | None
    communes: tuple[str, ...]

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {
            "id": self.id,
            "name": self.name,
            "parent": self.parent,
            "communes": list(self.communes),
        }


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    """The period reported on: its code (``Q3/2024``), days, and whether it is a closing one."""

    code: str
    start: date
    end: date
    closing: bool

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {
            "code": self.code,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "closing": self.closing,
        }


@dataclass(frozen=True, slots=True)
class MessagingMonth:
    """One month of the Zalo OA's messages by class, with their estimated cost in VND."""

    month: str
    counts: Mapping[str, int]
    cost: int

    def to_json(self) -> Json:
        """As in the JSON figures."""
        return {"month": self.month, "counts": dict(self.counts), "cost": self.cost}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Read one month back."""
        counts = _mapping(data.get("counts"))
        return cls(
            month=str(data.get("month") or ""),
            counts={str(k): _int(v) for k, v in counts.items()},
            cost=_int(data.get("cost")),
        )


@dataclass(frozen=True, slots=True)
class ReportFigures:
    """Everything a period report of one organization (and those below it) shows."""

    organization: OrganizationInfo
    period: PeriodInfo
    as_of: date
    tasks: TaskFigures
    feedback: FeedbackFigures
    messaging: tuple[MessagingMonth, ...] = ()
    """The OA's messages and their cost, in the top organization's report only."""

    def to_json(self) -> Json:
        """The JSON figures of ``python -m bot report --format json``."""
        return {
            "organization": self.organization.to_json(),
            "period": self.period.to_json(),
            "as_of": self.as_of.isoformat(),
            "tasks": self.tasks.to_json(),
            "feedback": self.feedback.to_json(),
            "messaging": [m.to_json() for m in self.messaging],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Read JSON figures back (missing parts are empty)."""
        organization = _mapping(data.get("organization"))
        period = _mapping(data.get("period"))
        as_of = _day(data.get("as_of")) or date.today()
        start = _day(period.get("start")) or as_of
        return cls(
            organization=OrganizationInfo(
                id=_int(organization.get("id")),
                name=str(organization.get("name") or ""),
                parent=_text(organization.get("parent")) or None,
                communes=tuple(str(c) for c in organization.get("communes") or () if c),
            ),
            period=PeriodInfo(
                code=str(period.get("code") or ""),
                start=start,
                end=_day(period.get("end")) or start,
                closing=bool(period.get("closing")),
            ),
            as_of=as_of,
            tasks=TaskFigures.from_json(_mapping(data.get("tasks"))),
            feedback=FeedbackFigures.from_json(_mapping(data.get("feedback"))),
            messaging=tuple(
                MessagingMonth.from_json(_mapping(m)) for m in data.get("messaging") or ()
            ),
        )


@dataclass(frozen=True, slots=True)
class StatusFigures:
    """What the status screen shows: the year's tasks and the quarter's feedback counts."""

    tasks: TaskFigures
    feedback: FeedbackTotals
