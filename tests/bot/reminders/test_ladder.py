"""The ladder: exact days of each step around Vietnamese holidays, weekends and make-up days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.ladder import (
    in_working_hours,
    monthly_days,
    next_window,
    occurrence_steps,
    period_close_days,
    send_at,
    weekly_days,
)
from bot.reminders.policy import ReminderPolicy, policy_from
from bot.workcal import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()
POLICY = ReminderPolicy()
D = date


def steps(
    due: date, until: date | None = None, policy: ReminderPolicy = POLICY
) -> list[tuple[str, date, str]]:
    return [
        (s.name, s.day, s.audience)
        for s in occurrence_steps(due, CAL, policy, until or due.replace(day=28, year=due.year + 1))
        if s.name.startswith(("before", "due", "overdue"))
    ]


def test_the_holidays_of_2024_are_known_to_the_calendar() -> None:
    off = [D(2024, 2, d) for d in (8, 9, 12, 13, 14)] + [
        D(2024, 4, 29),
        D(2024, 4, 30),
        D(2024, 5, 1),
        D(2024, 9, 2),
        D(2024, 9, 3),
    ]
    assert not any(CAL.is_working_day(d) for d in off)
    assert CAL.is_working_day(D(2024, 5, 4))  # the make-up Saturday
    assert not CAL.is_working_day(D(2024, 5, 11))


def test_steps_count_working_days_back_across_tet_2024() -> None:
    # Due Monday 19 Feb 2024: Tết (8-14 Feb) and two weekends lie between.
    assert steps(D(2024, 2, 19)) == [
        ("before7", D(2024, 2, 1), "lead"),
        ("before3", D(2024, 2, 7), "lead"),
        ("before1", D(2024, 2, 16), "lead"),
        ("before3", D(2024, 2, 7), "partner"),
        ("due", D(2024, 2, 19), "lead"),
        ("overdue", D(2024, 2, 20), "lead"),
        ("overdue", D(2024, 2, 20), "leaders"),
    ]


def test_a_due_date_right_after_tet_is_overdue_the_next_working_day() -> None:
    assert steps(D(2024, 2, 15)) == [
        ("before7", D(2024, 1, 30), "lead"),
        ("before3", D(2024, 2, 5), "lead"),
        ("before1", D(2024, 2, 7), "lead"),
        ("before3", D(2024, 2, 5), "partner"),
        ("due", D(2024, 2, 15), "lead"),
        ("overdue", D(2024, 2, 16), "lead"),
        ("overdue", D(2024, 2, 16), "leaders"),
    ]


def test_a_due_date_inside_tet_is_reminded_before_and_overdue_after() -> None:
    # Saturday 10 Feb 2024, in the middle of Tết: the due-day reminder comes on the last
    # working day before (which is also the 1-day step, so it is sent once), overdue after.
    assert steps(D(2024, 2, 10)) == [
        ("before7", D(2024, 1, 30), "lead"),
        ("before3", D(2024, 2, 5), "lead"),
        ("before1", D(2024, 2, 7), "lead"),
        ("before3", D(2024, 2, 5), "partner"),
        ("overdue", D(2024, 2, 15), "lead"),
        ("overdue", D(2024, 2, 15), "leaders"),
    ]


def test_steps_skip_hung_kings_and_the_30_april_break() -> None:
    # Due Thursday 2 May 2024: 18 Apr (Hùng Kings) and 29 Apr - 1 May are off.
    assert steps(D(2024, 5, 2)) == [
        ("before7", D(2024, 4, 17), "lead"),
        ("before3", D(2024, 4, 24), "lead"),
        ("before1", D(2024, 4, 26), "lead"),
        ("before3", D(2024, 4, 24), "partner"),
        ("due", D(2024, 5, 2), "lead"),
        ("overdue", D(2024, 5, 3), "lead"),
        ("overdue", D(2024, 5, 3), "leaders"),
    ]


def test_the_make_up_saturday_4_may_2024_is_a_working_day_for_steps() -> None:
    assert steps(D(2024, 5, 6))[:3] == [
        ("before7", D(2024, 4, 23), "lead"),
        ("before3", D(2024, 5, 2), "lead"),
        ("before1", D(2024, 5, 4), "lead"),
    ]
    overdue = [s for s in steps(D(2024, 5, 3)) if s[0] == "overdue"]
    assert overdue == [
        ("overdue", D(2024, 5, 4), "lead"),
        ("overdue", D(2024, 5, 4), "leaders"),
    ]


def test_steps_skip_national_day_2024() -> None:
    # Due Wednesday 4 Sep 2024: 2-3 Sep are off, 31 Aug - 1 Sep a weekend.
    assert steps(D(2024, 9, 4))[:3] == [
        ("before7", D(2024, 8, 22), "lead"),
        ("before3", D(2024, 8, 28), "lead"),
        ("before1", D(2024, 8, 30), "lead"),
    ]
    overdue = [s for s in steps(D(2024, 8, 30)) if s[0] == "overdue"]
    assert [day for _, day, _ in overdue] == [D(2024, 9, 4), D(2024, 9, 4)]


def test_a_due_date_on_a_weekend_is_reminded_on_the_friday_once() -> None:
    got = steps(D(2024, 7, 7))  # a Sunday
    assert got == [
        ("before7", D(2024, 6, 27), "lead"),
        ("before3", D(2024, 7, 3), "lead"),
        ("before1", D(2024, 7, 5), "lead"),
        ("before3", D(2024, 7, 3), "partner"),
        ("overdue", D(2024, 7, 8), "lead"),
        ("overdue", D(2024, 7, 8), "leaders"),
    ]
    friday = [s for s in got if s[1] == D(2024, 7, 5)]
    assert len(friday) == 1


def test_overdue_items_are_raised_again_weekly_on_working_days() -> None:
    # Due Wednesday 31 Jan 2024, overdue 1 Feb; a week later is Tết, so the re-raise waits
    # for 15 Feb, which is also the next week's re-raise day: one message, then weekly again.
    reraised = [
        (s.name, s.day)
        for s in occurrence_steps(D(2024, 1, 31), CAL, POLICY, D(2024, 3, 1))
        if s.name.startswith("reraise")
    ]
    assert reraised == [
        ("reraise1", D(2024, 2, 15)),
        ("reraise3", D(2024, 2, 22)),
        ("reraise4", D(2024, 2, 29)),
    ]
    assert all(
        s.audience == "lead"
        for s in occurrence_steps(D(2024, 1, 31), CAL, POLICY, D(2024, 3, 1))
        if s.name.startswith("reraise")
    )


def test_steps_stop_at_the_end_of_the_window() -> None:
    until = D(2024, 2, 7)
    got = list(occurrence_steps(D(2024, 2, 19), CAL, POLICY, until))
    assert got
    assert max(s.day for s in got) <= until
    assert {s.name for s in got} == {"before7", "before3"}


def test_the_policy_changes_the_ladder() -> None:
    policy = policy_from({"lead_before": [2], "partner_before": [], "due_day": False})
    assert steps(D(2024, 5, 6), policy=policy) == [
        ("before2", D(2024, 5, 3), "lead"),
        ("overdue", D(2024, 5, 7), "lead"),
        ("overdue", D(2024, 5, 7), "leaders"),
    ]


def test_reminders_go_out_at_the_send_time_in_vietnam() -> None:
    moment = send_at(D(2024, 5, 4), POLICY, VN)
    assert moment == datetime(2024, 5, 4, 8, 0, tzinfo=VN)
    assert moment.utcoffset() is not None
    assert send_at(D(2024, 5, 4), policy_from({"send_time": "09:30"}), VN).time() == time(9, 30)


def test_monthly_check_ins_fall_on_the_first_working_day_of_each_month() -> None:
    got = list(monthly_days(D(2024, 1, 1), D(2024, 12, 31), CAL))
    assert got[:6] == [
        D(2024, 1, 2),  # 1 Jan is New Year
        D(2024, 2, 1),
        D(2024, 3, 1),
        D(2024, 4, 1),
        D(2024, 5, 2),  # 1 May is off
        D(2024, 6, 3),  # 1 Jun is a Saturday
    ]
    assert got[8] == D(2024, 9, 4)  # 1 Sep Sunday, 2-3 Sep off
    assert len(got) == 12
    assert list(monthly_days(D(2024, 1, 3), D(2024, 2, 1), CAL)) == [D(2024, 2, 1)]


def test_period_close_check_ins_come_five_working_days_before_each_close() -> None:
    got = list(period_close_days(D(2024, 1, 1), D(2024, 12, 31), CAL, POLICY))
    assert [day for _, day in got] == [
        D(2024, 3, 25),
        D(2024, 6, 24),
        D(2024, 9, 23),
        D(2024, 12, 24),
    ]
    assert next(code for code, _ in got) == "Q1/2024"


def test_weekly_questions_fall_on_the_first_working_day_of_the_week() -> None:
    got = list(weekly_days(D(2024, 2, 1), D(2024, 2, 29), CAL))
    assert got == [D(2024, 2, 5), D(2024, 2, 15), D(2024, 2, 19), D(2024, 2, 26)]
    assert list(weekly_days(D(2024, 4, 29), D(2024, 5, 5), CAL)) == [D(2024, 5, 2)]
    assert list(weekly_days(D(2024, 9, 2), D(2024, 9, 8), CAL)) == [D(2024, 9, 4)]
    assert list(weekly_days(D(2024, 1, 1), D(2024, 1, 7), CAL)) == [D(2024, 1, 2)]


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (datetime(2024, 3, 5, 7, 29, tzinfo=VN), False),
        (datetime(2024, 3, 5, 7, 30, tzinfo=VN), True),
        (datetime(2024, 3, 5, 16, 59, tzinfo=VN), True),
        (datetime(2024, 3, 5, 17, 0, tzinfo=VN), False),
        (datetime(2024, 3, 9, 9, 0, tzinfo=VN), False),  # Saturday
        (datetime(2024, 3, 10, 9, 0, tzinfo=VN), False),  # Sunday
        (datetime(2024, 2, 8, 9, 0, tzinfo=VN), False),  # Tết
        (datetime(2024, 4, 30, 9, 0, tzinfo=VN), False),
        (datetime(2024, 5, 4, 9, 0, tzinfo=VN), True),  # make-up Saturday
        (datetime(2024, 9, 3, 9, 0, tzinfo=VN), False),
    ],
)
def test_messages_go_out_only_in_working_hours(moment: datetime, inside: bool) -> None:
    assert in_working_hours(moment, CAL, POLICY) is inside


@pytest.mark.parametrize(
    ("moment", "window"),
    [
        (datetime(2024, 3, 5, 10, 0, tzinfo=VN), datetime(2024, 3, 5, 10, 0, tzinfo=VN)),
        (datetime(2024, 3, 5, 6, 0, tzinfo=VN), datetime(2024, 3, 5, 7, 30, tzinfo=VN)),
        (datetime(2024, 3, 8, 17, 30, tzinfo=VN), datetime(2024, 3, 11, 7, 30, tzinfo=VN)),
        (datetime(2024, 2, 7, 18, 0, tzinfo=VN), datetime(2024, 2, 15, 7, 30, tzinfo=VN)),
        (datetime(2024, 5, 3, 17, 0, tzinfo=VN), datetime(2024, 5, 4, 7, 30, tzinfo=VN)),
        (datetime(2024, 8, 31, 9, 0, tzinfo=VN), datetime(2024, 9, 4, 7, 30, tzinfo=VN)),
    ],
)
def test_the_next_window_is_the_next_working_morning(moment: datetime, window: datetime) -> None:
    assert next_window(moment, CAL, POLICY) == window


@pytest.mark.parametrize("reraise_days", [1, 3, 7])
def test_steps_from_since_on_are_the_same_when_the_past_is_skipped(reraise_days: int) -> None:
    policy = policy_from({"reraise_days": reraise_days})
    for due in (D(2024, 1, 5) + timedelta(days=k * 11) for k in range(70)):
        for since in (D(2024, 2, 9), D(2024, 9, 2), D(2025, 1, 27), D(2025, 2, 3)):
            until = since + timedelta(days=14)
            every = [s for s in occurrence_steps(due, CAL, policy, until) if s.day >= since]
            skipped = [
                s for s in occurrence_steps(due, CAL, policy, until, since=since) if s.day >= since
            ]
            assert skipped == every, (due, since)
