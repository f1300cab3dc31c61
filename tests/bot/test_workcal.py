"""Working days against the real Vietnamese schedules of 2024-2026."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from bot.i18n import Translator
from bot.workcal import KNOWN_OVERRIDES, WorkCalendar


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar(KNOWN_OVERRIDES)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# -- which days are working days -------------------------------------------------------

OFF = [
    # Tết 2025: the weekdays 27-31 January (the break ran 25 Jan - 2 Feb with weekends).
    *days(date(2025, 1, 27), date(2025, 1, 31)),
    date(2025, 4, 7),  # Hùng Kings 2025
    # 30/4-1/5/2025 and Friday 2 May, swapped for Saturday 26 April.
    date(2025, 4, 30),
    date(2025, 5, 1),
    date(2025, 5, 2),
    date(2025, 9, 1),  # National Day 2025: 2/9 and the day before it
    date(2025, 9, 2),
    *days(date(2024, 2, 8), date(2024, 2, 14)),  # Tết 2024
    date(2024, 4, 18),  # Hùng Kings 2024
    # 30/4-1/5/2024 and Monday 29 April, swapped for Saturday 4 May.
    date(2024, 4, 29),
    date(2024, 4, 30),
    date(2024, 5, 1),
    date(2024, 9, 2),
    date(2024, 9, 3),
    date(2026, 1, 1),
    date(2026, 1, 2),  # the New Year 2026 swap (letter 12729/VPCP-KGVX), from the overrides
    *days(date(2026, 2, 16), date(2026, 2, 20)),  # Tết 2026
    date(2026, 11, 24),  # Vietnam Culture Day, from 2026
    date(2025, 3, 8),  # an ordinary Saturday
    date(2025, 3, 9),  # an ordinary Sunday
]

WORKING = [
    date(2025, 1, 24),  # the Friday before Tết 2025
    date(2025, 2, 3),  # the Monday after it
    date(2025, 4, 26),  # the make-up Saturday for 2 May 2025
    date(2025, 5, 5),
    date(2025, 8, 29),
    date(2025, 9, 3),
    date(2024, 2, 7),
    date(2024, 2, 15),
    date(2024, 5, 2),
    date(2024, 5, 4),  # the make-up Saturday for 29 April 2024
    date(2026, 1, 10),  # the make-up Saturday for 2 January 2026, from the overrides
    date(2025, 11, 24),  # Vietnam Culture Day is not a day off before 2026
    date(2025, 3, 7),  # an ordinary Friday
]


@pytest.mark.parametrize("day", OFF, ids=str)
def test_days_off(cal: WorkCalendar, day: date) -> None:
    assert not cal.is_working_day(day)


@pytest.mark.parametrize("day", WORKING, ids=str)
def test_working_days(cal: WorkCalendar, day: date) -> None:
    assert cal.is_working_day(day)


def test_the_package_alone_misses_the_2026_new_year_swap() -> None:
    plain = WorkCalendar()
    assert plain.is_working_day(date(2026, 1, 2))
    assert not plain.is_working_day(date(2026, 1, 10))


def test_overrides_add_days_off_and_working_days_and_are_copied() -> None:
    overrides = {date(2025, 3, 7): False, date(2025, 3, 8): True}
    cal = WorkCalendar(overrides)
    overrides[date(2025, 3, 10)] = False  # too late: the calendar took a copy
    assert not cal.is_working_day(date(2025, 3, 7))
    assert cal.is_working_day(date(2025, 3, 8))
    assert cal.is_working_day(date(2025, 3, 10))


def test_an_override_can_give_back_an_official_holiday() -> None:
    assert WorkCalendar({date(2025, 5, 2): True}).is_working_day(date(2025, 5, 2))


def test_each_year_is_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = holidays.country_holidays

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(holidays, "country_holidays", counting)
    cal = WorkCalendar()
    for day in days(date(2025, 1, 1), date(2025, 12, 31)) * 3:
        cal.is_working_day(day)
    assert calls == [2025]


def test_the_year_cache_is_bounded_and_stays_right(cal: WorkCalendar) -> None:
    for year in range(1950, 2050):
        cal.is_working_day(date(year, 6, 1))
    assert len(cal._years) <= 64  # a private detail, but the bound is the point
    assert not cal.is_working_day(date(1975, 4, 30))
    assert not cal.is_working_day(date(2025, 1, 29))
    assert cal.is_working_day(date(2026, 1, 10))


# -- calendar days with the Civil Code roll-over ---------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (date(2025, 3, 3), 10, date(2025, 3, 13)),  # ends on a working Thursday
        (date(2025, 3, 5), 10, date(2025, 3, 17)),  # Saturday 15 -> Monday 17
        (date(2025, 1, 17), 10, date(2025, 2, 3)),  # Monday 27 Jan is Tết -> 3 Feb
        (date(2024, 2, 1), 10, date(2024, 2, 15)),  # 11 Feb 2024 is Tết -> 15 Feb
        (date(2025, 4, 20), 10, date(2025, 5, 5)),  # 30/4, 1/5, 2/5, weekend -> 5 May
        (date(2025, 8, 1), 30, date(2025, 9, 3)),  # Sunday 31 Aug, then 1-2 Sep -> 3 Sep
        (date(2025, 4, 16), 10, date(2025, 4, 26)),  # a make-up Saturday is a working day
        (date(2025, 12, 23), 10, date(2026, 1, 5)),  # 2 Jan 2026 off, weekend -> 5 Jan
        (date(2025, 3, 8), 0, date(2025, 3, 10)),  # nothing to add, but Saturday rolls over
    ],
)
def test_add_days_rolls_over_rest_days_and_holidays(
    cal: WorkCalendar, start: date, n: int, end: date
) -> None:
    assert cal.add_days(start, n) == end


def test_add_days_goes_forward_only(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="forward"):
        cal.add_days(date(2025, 3, 3), -1)


# -- working days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (date(2025, 3, 7), 1, date(2025, 3, 10)),  # Friday + 1 = Monday
        (date(2025, 3, 8), 1, date(2025, 3, 10)),  # from a Saturday
        (date(2025, 4, 29), 1, date(2025, 5, 5)),  # over 30/4, 1/5, the 2/5 swap, weekend
        (date(2025, 4, 25), 1, date(2025, 4, 26)),  # onto the make-up Saturday
        (date(2025, 4, 25), 3, date(2025, 4, 29)),
        (date(2024, 4, 26), 2, date(2024, 5, 3)),  # 29/4-1/5/2024 off: 2 and 3 May
        (date(2024, 5, 3), 1, date(2024, 5, 4)),  # the 2024 make-up Saturday
        (date(2025, 8, 29), 1, date(2025, 9, 3)),  # over 1-2 September 2025
        (date(2025, 1, 24), 1, date(2025, 2, 3)),  # over Tết 2025
        (date(2025, 12, 31), 1, date(2026, 1, 5)),  # over 1-2 January 2026
        (date(2026, 1, 9), 1, date(2026, 1, 10)),  # the 10 January 2026 make-up Saturday
        (date(2025, 3, 5), 0, date(2025, 3, 5)),  # 0: the day itself if working
        (date(2025, 9, 1), 0, date(2025, 9, 3)),  # 0 on a holiday: the next working day
        (date(2025, 3, 10), -1, date(2025, 3, 7)),  # back from Monday to Friday
        (date(2025, 9, 3), -1, date(2025, 8, 29)),
        (date(2025, 5, 5), -7, date(2025, 4, 22)),  # 7 working days before a due date
    ],
)
def test_add_working_days(cal: WorkCalendar, start: date, n: int, end: date) -> None:
    assert cal.add_working_days(start, n) == end


def test_next_and_previous_working_day(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2025, 1, 24)) == date(2025, 2, 3)
    assert cal.next_working_day(date(2025, 3, 5)) == date(2025, 3, 6)
    assert cal.previous_working_day(date(2025, 2, 3)) == date(2025, 1, 24)
    assert cal.previous_working_day(date(2025, 4, 28)) == date(2025, 4, 26)


@pytest.mark.parametrize(
    ("a", "b", "count"),
    [
        (date(2025, 3, 5), date(2025, 3, 5), 0),
        (date(2025, 3, 7), date(2025, 3, 10), 1),  # after Friday up to and including Monday
        (date(2025, 1, 24), date(2025, 2, 3), 1),
        (date(2025, 4, 25), date(2025, 5, 5), 4),  # 26 Apr, 28 Apr, 29 Apr, then 5 May
        (date(2024, 12, 31), date(2025, 1, 2), 1),  # across a year: 1 Jan is off
        (date(2025, 3, 10), date(2025, 3, 7), -1),  # backwards is negative
        (date(2024, 1, 1), date(2023, 12, 29), -1),  # back from a holiday to Friday
    ],
)
def test_working_days_between(cal: WorkCalendar, a: date, b: date, count: int) -> None:
    assert cal.working_days_between(a, b) == count


def test_working_days_between_counts_what_add_working_days_steps(cal: WorkCalendar) -> None:
    for offset in range(0, 800, 7):
        start = date(2024, 1, 1) + timedelta(days=offset)
        for n in (1, 5, 10, 45, 300):
            assert cal.working_days_between(start, cal.add_working_days(start, n)) == n
            assert cal.working_days_between(start, cal.add_working_days(start, -n)) == -n


def test_a_year_has_the_working_days_it_should(cal: WorkCalendar) -> None:
    # 2025: 261 weekdays, minus 11 weekday holidays (1/1, 27-31/1, 7/4, 30/4, 1/5, 1/9, 2/9)
    # and the 2 May swap, plus the 26 April make-up Saturday.
    assert cal.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 261 - 12 + 1


# -- names -----------------------------------------------------------------------------


def test_holiday_names_in_the_readers_language(cal: WorkCalendar) -> None:
    tet = date(2025, 1, 29)
    assert cal.holiday_name(tet, Translator("vi")) == "Tết Nguyên Đán"
    assert cal.holiday_name(tet, Translator("en")) == "Lunar New Year"
    assert cal.holiday_name(date(2025, 3, 5), Translator("en")) is None  # a working day
    assert cal.holiday_name(date(2025, 3, 8), Translator("en")) is None  # a plain Saturday
    assert cal.holiday_name(date(2026, 1, 10), Translator("en")) is None  # make-up Saturday


def test_an_extra_day_off_is_named_as_such(cal: WorkCalendar) -> None:
    assert cal.holiday_name(date(2026, 1, 2), Translator("en")) == "Day off (local schedule)"
