"""Dates people type are read from ASCII digits and bounded to the years the bot works with."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dates import EARLIEST, LATEST, DateInputError, DateOutOfRange, parse_date, parse_past_date
from bot.i18n import Translator

OUT_OF_RANGE = [
    "01/01/0001",
    "31/12/9999",
    "0001-01-01",
    "9999-12-31",
    "31/12/1999",
    "01/01/2101",
    "1-1-1000",
    "29/02/2104",
]
NOT_DATES = [
    "",
    "   ",
    "²³/01/2026",
    "10/01/２０２６",
    "１０/０１/２０２６",
    "١٠/٠١/٢٠٢٦",
    "10/01/202⁶",
    "10/01/20２6",
    "३१/१२/२०२४",
    "31/02/2026",
    "29/02/1900",
    "00/01/2026",
    "10/13/2026",
    "10/01/26",
    "10/01/99999",
    "-1/01/2026",
    "10/01/2026/1",
    "10\x0b/01/2026",
    "2026-1-1-1",
    "9" * 400,
]


@pytest.mark.parametrize("text", OUT_OF_RANGE)
def test_a_real_date_outside_the_years_is_refused_with_the_range(text: str) -> None:
    with pytest.raises(DateOutOfRange) as caught:
        parse_date(text)
    for lang, first, last in (
        ("en", "Jan 1, 2000", "Dec 31, 2100"),
        ("vi", "01/01/2000", "31/12/2100"),
    ):
        message = caught.value.message(Translator(lang))
        assert text in message
        assert first in message
        assert last in message


@pytest.mark.parametrize("text", NOT_DATES)
def test_anything_but_ascii_digits_is_not_a_date(text: str) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date(text)
    assert not isinstance(caught.value, DateOutOfRange)
    assert caught.value.message(Translator("vi"))


def test_the_edges_of_the_range_are_dates() -> None:
    assert parse_date("01/01/2000") == EARLIEST
    assert parse_date("2100-12-31") == LATEST
    assert parse_date(" 29/2/2024 ") == date(2024, 2, 29)
    assert parse_date("10.1.2026") == date(2026, 1, 10)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("15/10", date(2026, 11, 2), date(2026, 10, 15)),
        ("15/10", date(2026, 10, 15), date(2026, 10, 15)),
        ("15/10", date(2027, 1, 3), date(2026, 10, 15)),  # catching up after New Year
        ("1-3", date(2026, 3, 2), date(2026, 3, 1)),
        ("29/02", date(2029, 3, 1), date(2028, 2, 29)),  # the last leap year
        ("15/10/2025", date(2026, 3, 2), date(2025, 10, 15)),
    ],
)
def test_a_day_without_its_year_is_the_latest_one_not_after_today(
    text: str, today: date, expected: date
) -> None:
    assert parse_past_date(text, today) == expected


@pytest.mark.parametrize("text", ["32/10", "15/13", "0/0", "15/", "١٥/١٠", "15 10", "x" * 500])
def test_a_day_without_its_year_must_be_a_day(text: str) -> None:
    with pytest.raises(DateInputError):
        parse_past_date(text, date(2026, 3, 2))


def test_a_29_february_with_no_leap_year_near_is_refused() -> None:
    with pytest.raises(DateInputError):
        parse_past_date("29/02", date(2027, 3, 1))  # 2027 and 2026 have none
