"""The ladder: on which days each reminder step falls, by the working-day calendar.

Pure functions of a due date, a calendar and a policy. The database planner and the
``reminders`` preview command both use them, so what is previewed is what is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from bot.periods import period_ends_between
from bot.reminders.policy import ReminderPolicy
from bot.workcal import WorkCalendar

Audience = Literal["lead", "partner", "leaders", "admins"]

OVERDUE: Final = "overdue"
DUE: Final = "due"


@dataclass(frozen=True, slots=True)
class Step:
    """One rung: a name (``before7``, ``due``, ``overdue``, ``reraise2``), a day, who gets it."""

    name: str
    day: date
    audience: Audience


def send_at(day: date, policy: ReminderPolicy, tz: ZoneInfo) -> datetime:
    """The moment a reminder of ``day`` goes out."""
    return datetime.combine(day, policy.send_time, tzinfo=tz)


# Longer than any run of days off (Tết with its weekends is nine): a re-raise moved past
# one lands less than this after its plain date.
_LONGEST_DAYS_OFF: Final = timedelta(days=31)


def occurrence_steps(
    due: date,
    calendar: WorkCalendar,
    policy: ReminderPolicy,
    until: date,
    since: date | None = None,
) -> Iterator[Step]:
    """The steps for a dated occurrence up to ``until``: before, due day, overdue, re-raises.

    With ``since``, steps that surely fall before it are not worked out one by one (a date
    overdue for two years has a hundred re-raises): every step from ``since`` on is the same.
    """
    taken: set[tuple[date, Audience]] = set()

    def once(step: Step) -> Iterator[Step]:
        if step.day <= until and (step.day, step.audience) not in taken:
            taken.add((step.day, step.audience))
            yield step

    # Every step but the re-raises falls within a working day (and the days off) of ``due``.
    long_past = since is not None and due < since - _LONGEST_DAYS_OFF
    if not long_past:
        for n in policy.lead_before:
            yield from once(Step(f"before{n}", calendar.add_working_days(due, -n), "lead"))
        for n in policy.partner_before:
            yield from once(Step(f"before{n}", calendar.add_working_days(due, -n), "partner"))
        if policy.due_day:
            day = due if calendar.is_working_day(due) else calendar.previous_working_day(due)
            yield from once(Step(DUE, day, "lead"))
    overdue = calendar.add_working_days(due, 1)
    if not long_past:
        yield from once(Step(OVERDUE, overdue, "lead"))
        yield from once(Step(OVERDUE, overdue, "leaders"))
    raised = 1
    if since is not None and since - _LONGEST_DAYS_OFF > overdue:
        raised = max(1, (since - _LONGEST_DAYS_OFF - overdue).days // policy.reraise_days)
    while True:
        day = overdue + timedelta(days=policy.reraise_days * raised)
        day = day if calendar.is_working_day(day) else calendar.next_working_day(day)
        if day > until:
            return
        yield from once(Step(f"reraise{raised}", day, "lead"))
        raised += 1


def _first_working_day(year: int, month: int, calendar: WorkCalendar) -> date:
    first = date(year, month, 1)
    return first if calendar.is_working_day(first) else calendar.next_working_day(first)


def _months(start: date, end: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def monthly_days(start: date, end: date, calendar: WorkCalendar) -> Iterator[date]:
    """The first working day of each month inside ``[start, end]``."""
    for year, month in _months(start, end):
        day = _first_working_day(year, month, calendar)
        if start <= day <= end:
            yield day


def period_close_days(
    start: date, end: date, calendar: WorkCalendar, policy: ReminderPolicy
) -> Iterator[tuple[str, date]]:
    """``(period code, day)`` a few working days before each reporting period closes."""
    lookahead = end + timedelta(days=policy.period_close_before * 2 + 14)
    seen: set[date] = set()
    for period in period_ends_between(start, lookahead):
        day = calendar.add_working_days(period.end, -policy.period_close_before)
        if start <= day <= end and day not in seen:
            seen.add(day)
            yield period.code, day


def weekly_days(start: date, end: date, calendar: WorkCalendar) -> Iterator[date]:
    """The first working day of each week (Monday, or later if it is a day off)."""
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        day = monday if calendar.is_working_day(monday) else calendar.next_working_day(monday)
        if day - monday < timedelta(days=7) and start <= day <= end:
            yield day
        monday += timedelta(days=7)


def in_working_hours(moment: datetime, calendar: WorkCalendar, policy: ReminderPolicy) -> bool:
    """Tell whether messages may go out at ``moment`` (local time of its zone)."""
    return calendar.is_working_day(moment.date()) and (
        policy.work_start <= moment.timetz().replace(tzinfo=None) < policy.work_end
    )


def next_window(moment: datetime, calendar: WorkCalendar, policy: ReminderPolicy) -> datetime:
    """The first moment at or after ``moment`` inside working hours (same zone)."""
    if in_working_hours(moment, calendar, policy):
        return moment
    day = moment.date()
    if calendar.is_working_day(day) and moment.time() < policy.work_start:
        return datetime.combine(day, policy.work_start, tzinfo=moment.tzinfo)
    return datetime.combine(calendar.next_working_day(day), policy.work_start, tzinfo=moment.tzinfo)
