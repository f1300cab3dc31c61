"""The legal deadlines of each kind of feedback, counted over Vietnamese holidays and weekends.

The expected dates are counted here from the rules alone (the start day is not counted;
calendar days that end on a rest day roll over to the next working day; working days skip
weekends and holidays), one day at a time, with the national working-day calendar.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.feedback.deadlines import on_acceptance, on_receipt
from bot.workcal import WorkCalendar
from db.models import CaseKind
from tests.handlers.feedback_support import (
    ANSWER_WORKING_DAYS,
    COMPLAINT_ACCEPT_DAYS,
    COMPLAINT_RESOLVE_COMPLEX_DAYS,
    COMPLAINT_RESOLVE_DAYS,
    DENUNCIATION_ACCEPT_WORKING_DAYS,
    DENUNCIATION_EXTENSION_DAYS,
    DENUNCIATION_RESOLVE_DAYS,
    HANDLE_DAYS,
    after_calendar_days,
    after_working_days,
)

CAL = WorkCalendar()

TET_2025 = [date(2025, 1, 28) + timedelta(days=n) for n in range(5)]  # 28 Jan - 1 Feb
REUNIFICATION_2025 = [date(2025, 4, 30), date(2025, 5, 1)]
NATIONAL_DAY_2025 = [date(2025, 9, 2)]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# Every day from two weeks before each holiday to a few days after it, weekends included.
AROUND_HOLIDAYS = (
    _days(date(2025, 1, 10), date(2025, 2, 4))
    + _days(date(2025, 4, 14), date(2025, 5, 5))
    + _days(date(2025, 8, 18), date(2025, 9, 5))
)


def test_the_calendar_knows_the_2025_holidays_and_weekends() -> None:
    for day in TET_2025 + REUNIFICATION_2025 + NATIONAL_DAY_2025:
        assert not CAL.is_working_day(day), day
    assert not CAL.is_working_day(date(2025, 1, 25))  # a Saturday
    assert not CAL.is_working_day(date(2025, 1, 26))  # a Sunday
    assert CAL.is_working_day(date(2025, 2, 3))  # the Monday after Tết
    assert CAL.is_working_day(date(2025, 9, 4))


def test_the_sample_days_make_every_rule_roll_over_or_skip_a_holiday() -> None:
    # Without this the test below could pass with a calendar that ignores holidays.
    plain = WorkCalendar(dict.fromkeys(TET_2025 + REUNIFICATION_2025 + NATIONAL_DAY_2025, True))
    assert any(
        after_calendar_days(d, HANDLE_DAYS, CAL) != after_calendar_days(d, HANDLE_DAYS, plain)
        for d in AROUND_HOLIDAYS
    )
    assert any(
        after_calendar_days(d, HANDLE_DAYS, CAL) != d + timedelta(days=HANDLE_DAYS)
        for d in AROUND_HOLIDAYS
    )
    assert any(
        after_working_days(d, ANSWER_WORKING_DAYS, CAL)
        != after_working_days(d, ANSWER_WORKING_DAYS, plain)
        for d in AROUND_HOLIDAYS
    )


@pytest.mark.parametrize("received", AROUND_HOLIDAYS, ids=str)
def test_deadlines_on_receipt(received: date) -> None:
    handle = after_calendar_days(received, HANDLE_DAYS, CAL)
    answer = after_working_days(received, ANSWER_WORKING_DAYS, CAL)

    suggestion = on_receipt(CaseKind.SUGGESTION, received, CAL)
    assert (suggestion.accept, suggestion.answer) == (handle, None)

    for kind in (CaseKind.REFLECTION, CaseKind.PETITION):
        found = on_receipt(kind, received, CAL)
        assert (found.accept, found.answer) == (handle, answer), kind

    complaint = on_receipt(CaseKind.COMPLAINT, received, CAL)
    accept = after_calendar_days(received, COMPLAINT_ACCEPT_DAYS, CAL)
    assert (complaint.accept, complaint.answer) == (accept, None)

    denunciation = on_receipt(CaseKind.DENUNCIATION, received, CAL)
    accept = after_working_days(received, DENUNCIATION_ACCEPT_WORKING_DAYS, CAL)
    assert (denunciation.accept, denunciation.answer) == (accept, None)


@pytest.mark.parametrize("accepted", AROUND_HOLIDAYS[::3], ids=str)
def test_resolution_deadlines_on_acceptance(accepted: date) -> None:
    for complex_ in (False, True):
        for kind in (CaseKind.SUGGESTION, CaseKind.REFLECTION, CaseKind.PETITION):
            assert on_acceptance(kind, accepted, CAL, complex=complex_) is None
        # Marking a denunciation complex is the decision that grants its one extension.
        days = DENUNCIATION_RESOLVE_DAYS + (DENUNCIATION_EXTENSION_DAYS if complex_ else 0)
        assert on_acceptance(
            CaseKind.DENUNCIATION, accepted, CAL, complex=complex_
        ) == after_calendar_days(accepted, days, CAL)
    assert on_acceptance(CaseKind.COMPLAINT, accepted, CAL, complex=False) == (
        after_calendar_days(accepted, COMPLAINT_RESOLVE_DAYS, CAL)
    )
    assert on_acceptance(CaseKind.COMPLAINT, accepted, CAL, complex=True) == (
        after_calendar_days(accepted, COMPLAINT_RESOLVE_COMPLEX_DAYS, CAL)
    )


def test_a_period_ending_inside_tet_ends_on_the_first_working_day_after_it() -> None:
    received = TET_2025[0] - timedelta(days=HANDLE_DAYS)  # the 10th day is 28 January
    found = on_receipt(CaseKind.SUGGESTION, received, CAL)
    assert found.accept is not None
    assert found.accept > TET_2025[-1]
    assert CAL.is_working_day(found.accept)
    assert all(not CAL.is_working_day(d) for d in _days(TET_2025[0], found.accept)[:-1])


def test_working_days_never_land_on_a_holiday_or_weekend() -> None:
    for received in AROUND_HOLIDAYS:
        for kind in (CaseKind.REFLECTION, CaseKind.DENUNCIATION):
            found = on_receipt(kind, received, CAL)
            due = found.answer if kind == CaseKind.REFLECTION else found.accept
            assert due is not None
            assert CAL.is_working_day(due), (kind, received)


def test_local_days_off_and_make_up_saturdays_move_the_deadlines() -> None:
    received = date(2026, 3, 2)  # Monday
    plain = on_receipt(CaseKind.REFLECTION, received, CAL)
    assert plain.answer == after_working_days(received, ANSWER_WORKING_DAYS, CAL)
    local = WorkCalendar({date(2026, 3, 4): False, date(2026, 3, 7): True})
    moved = on_receipt(CaseKind.REFLECTION, received, local)
    assert moved.answer == after_working_days(received, ANSWER_WORKING_DAYS, local)
    assert moved.answer == plain.answer  # one day off, one make-up day: the same end
    later = on_receipt(CaseKind.REFLECTION, received, WorkCalendar({date(2026, 3, 4): False}))
    assert later.answer == CAL.next_working_day(plain.answer or received)


def test_the_legal_basis_is_named_next_to_each_deadline() -> None:
    received = date(2026, 3, 2)
    assert "Điều 27" in on_receipt(CaseKind.COMPLAINT, received, CAL).accept_basis
    assert "Điều 28" in on_receipt(CaseKind.COMPLAINT, received, CAL).answer_basis
    assert "Điều 24" in on_receipt(CaseKind.DENUNCIATION, received, CAL).accept_basis
    assert "Điều 30" in on_receipt(CaseKind.DENUNCIATION, received, CAL).answer_basis
    assert "10 ngày" in on_receipt(CaseKind.REFLECTION, received, CAL).accept_basis
    assert "ngày làm việc" in on_receipt(CaseKind.PETITION, received, CAL).answer_basis
