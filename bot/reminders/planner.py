"""From an organization's facts to the exact outbox rows its reminders need in a window."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.periods import period_ends_between
from bot.reminders.ladder import (
    Step,
    monthly_days,
    occurrence_steps,
    period_close_days,
    send_at,
    weekly_days,
)
from bot.reminders.policy import ReminderPolicy
from bot.workcal import WorkCalendar
from db.queries.outbox import Wanted
from db.queries.reminders import CaseFact, DueFact, OrgFacts


@dataclass(frozen=True, slots=True)
class Planned:
    """One message to one person, before it is an outbox row."""

    send_at: datetime
    person_id: int
    unit_id: int | None
    task_id: int | None
    task_code: str | None
    step: str
    wanted: Wanted
    order: str = ""
    """Sorts rows of one person and moment; the dedupe key when empty."""


def _recipients(facts: OrgFacts, step: Step, due: DueFact) -> Iterator[tuple[int, int | None]]:
    if step.audience == "lead":
        for unit in due.lead:
            for person in facts.officials.get(unit, []):
                yield person, unit
    elif step.audience == "partner":
        for unit in due.partners:
            for person in facts.officials.get(unit, []):
                yield person, unit
    elif step.audience == "leaders":
        overseers: list[tuple[int, int | None]] = [
            (p, u) for u in due.lead for p in facts.unit_leaders.get(u, [])
        ]
        first = due.lead[0] if due.lead else None
        yield from overseers or [(p, first) for p in facts.leaders]


def _case_recipients(facts: OrgFacts, case: CaseFact, audience: str) -> list[int]:
    if audience == "leaders":
        overseers = facts.unit_leaders.get(case.unit_id, []) if case.unit_id else []
        return list(overseers) or list(facts.leaders)
    if case.phase == "accept" or case.unit_id is None:
        return list(facts.admins)
    return list(facts.officials.get(case.unit_id, []))


def _planned(
    facts: OrgFacts,
    *,
    moment: datetime,
    person: int,
    unit: int | None,
    task_id: int | None,
    code: str | None,
    step: str,
    key: str,
    kind: str,
    params: dict[str, object],
    order: str = "",
) -> Planned | None:
    contact = facts.contacts.get(person)
    if contact is None:
        return None
    wanted = Wanted(
        key=key,
        person_id=person,
        channel=contact.channel,
        chat_id=contact.chat_id,
        kind=kind,
        due_at=moment,
        params=dict(params),
        org_id=facts.org_id,
        task_id=task_id,
    )
    return Planned(moment, person, unit, task_id, code, step, wanted, order)


def plan_window(
    facts: OrgFacts,
    calendar: WorkCalendar,
    policy: ReminderPolicy,
    tz: ZoneInfo,
    start: date,
    end: date,
    *,
    include_undated: bool = True,
) -> list[Planned]:
    """Every message the organization's reminders need from ``start`` to ``end`` (local days)."""
    out: list[Planned] = []
    ladders: dict[date, tuple[Step, ...]] = {}

    def add(item: Planned | None) -> None:
        if item is not None:
            out.append(item)

    def steps(due: date) -> tuple[Step, ...]:
        # A plan's thousands of occurrences share a few dozen due dates (quarter ends, the
        # tenth of each month): each date's ladder is worked out once.
        ladder = ladders.get(due)
        if ladder is None:
            ladder = tuple(
                step
                for step in occurrence_steps(due, calendar, policy, end, since=start)
                if step.day >= start
            )
            ladders[due] = ladder
        return ladder

    for due in facts.due:
        for step in steps(due.due):
            for person, unit in _recipients(facts, step, due):
                add(
                    _planned(
                        facts,
                        moment=send_at(step.day, policy, tz),
                        person=person,
                        unit=unit,
                        task_id=due.task_id,
                        code=due.code,
                        step=step.name if step.audience != "partner" else f"partner-{step.name}",
                        key=f"r:{due.occurrence_id}:{step.name}:{step.audience}:{step.day}:{person}",
                        kind="reminder",
                        params={
                            "occurrence": due.occurrence_id,
                            "step": step.name,
                            "audience": step.audience,
                        },
                    )
                )
    months = list(monthly_days(start, end, calendar))
    closes = list(period_close_days(start, end, calendar, policy))
    for task in facts.undated:
        if task.kind == "unspecified":
            continue
        units = task.lead
        if task.kind == "ongoing":
            slots = [(f"m{d:%Y-%m}", d, "checkin") for d in months]
            slots += [(f"p{code}", d, "period-checkin") for code, d in closes]
            kind = "checkin"
        else:
            slots = [(f"e{d:%Y-%m}", d, "event-check") for d in months]
            kind = "event_check"
        for label, day, slot_step in slots:
            if day.year != task.year:
                continue
            for unit in units:
                for person in facts.officials.get(unit, []):
                    add(
                        _planned(
                            facts,
                            moment=send_at(day, policy, tz),
                            person=person,
                            unit=unit,
                            task_id=task.task_id,
                            code=task.code,
                            step=slot_step,
                            key=f"c:{task.task_id}:{label}:{person}",
                            kind=kind,
                            params={"task": task.task_id, "label": label},
                        )
                    )
    undated = [t for t in facts.undated if t.kind == "unspecified" and not t.has_pending]
    if include_undated and undated:
        for day in weekly_days(start, end, calendar):
            for person in facts.admins:
                add(
                    _planned(
                        facts,
                        moment=send_at(day, policy, tz),
                        person=person,
                        unit=None,
                        task_id=None,
                        code=None,
                        step="undated",
                        key=f"u:{facts.org_id}:{day}:{person}",
                        kind="undated",
                        params={"org": facts.org_id},
                    )
                )
    for case in facts.cases:
        for step in steps(case.due):
            if step.audience == "partner":
                continue
            for person in _case_recipients(facts, case, step.audience):
                add(
                    _planned(
                        facts,
                        moment=send_at(step.day, policy, tz),
                        person=person,
                        unit=case.unit_id,
                        task_id=None,
                        code=case.code,
                        step=f"case-{case.phase}-{step.name}",
                        key=f"k:{case.case_id}:{case.phase}:{step.name}:{step.audience}:"
                        f"{step.day}:{person}",
                        kind="case_reminder",
                        params={"case": case.case_id, "phase": case.phase, "step": step.name},
                    )
                )
    leaders = list(
        dict.fromkeys([*facts.leaders, *(p for ps in facts.unit_leaders.values() for p in ps)])
    )
    if include_undated:
        for day in weekly_days(start, end, calendar):
            for person in leaders:
                add(
                    _planned(
                        facts,
                        moment=send_at(day, policy, tz),
                        person=person,
                        unit=None,
                        task_id=None,
                        code=None,
                        step="weekly-summary",
                        key=f"w:{facts.org_id}:{day}:{person}",
                        kind="weekly_summary",
                        params={"org": facts.org_id, "day": day.isoformat()},
                    )
                )
        closing = policy.report_periods == "closing"
        periods = period_ends_between(start - timedelta(days=7), end, closing=closing)
        for rank, period in enumerate(periods):
            day = calendar.next_working_day(period.end)
            if not start <= day <= end:
                continue
            for person in leaders:
                add(
                    _planned(
                        facts,
                        moment=send_at(day, policy, tz),
                        person=person,
                        unit=None,
                        task_id=None,
                        code=None,
                        step=f"report-{period.code}",
                        key=f"p:{facts.org_id}:{period.code}:{int(closing)}:{person}",
                        kind="period_report",
                        params={"org": facts.org_id, "period": period.code, "closing": closing},
                        # A quarter before the half, nine months or year ending with it.
                        order=f"p:{rank:04d}",
                    )
                )
    # The order here becomes the outbox ids, the order rows are sent in.
    out.sort(key=lambda p: (p.send_at, p.person_id, p.order or p.wanted.key))
    return out
