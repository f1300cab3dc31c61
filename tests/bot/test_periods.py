"""Reporting periods: reading them, the closing-date periods, what ends when, labels."""

from __future__ import annotations

import gettext
from datetime import date

import pytest

from bot.errors import BotError
from bot.i18n import Translator
from bot.periods import (
    Period,
    PeriodError,
    PeriodKind,
    PeriodOutOfRange,
    current_quarter,
    date_range,
    label,
    parse_period,
    period_ends_between,
    quarter,
    year_to_date,
)

TODAY = date(2024, 8, 10)


def q(year: int, n: int, *, closing: bool = False) -> Period:
    return quarter(year, n, closing=closing)


# -- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Q3/2024",
        "q3-2024",
        "Q3 2024",
        "Q3.2024",
        "Quý 3/2024",
        "Quý III/2024",
        "quý iii năm 2024",
        "QUY III/2024",
        "  Quý   III /\n 2024 ",
        "Quý III – 2024",
        "Q3",  # this year's
        "quý này",
        "This quarter",
    ],
)
def test_quarters(text: str) -> None:
    period = parse_period(text, TODAY)
    assert period == Period(date(2024, 7, 1), date(2024, 9, 30), PeriodKind.QUARTER)
    assert period.code == "Q3/2024"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Q1/2024", date(2024, 1, 1), date(2024, 3, 31)),
        ("Quý II/2024", date(2024, 4, 1), date(2024, 6, 30)),
        ("Quý IV năm 2024", date(2024, 10, 1), date(2024, 12, 31)),
        ("6T/2024", date(2024, 1, 1), date(2024, 6, 30)),
        ("6 tháng đầu năm 2024", date(2024, 1, 1), date(2024, 6, 30)),
        ("H1/2024", date(2024, 1, 1), date(2024, 6, 30)),
        ("9T/2024", date(2024, 1, 1), date(2024, 9, 30)),
        ("9 tháng năm 2024", date(2024, 1, 1), date(2024, 9, 30)),
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("Năm 2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-01-01..2024-03-31", date(2024, 1, 1), date(2024, 3, 31)),
        ("01/01/2024-31/03/2024", date(2024, 1, 1), date(2024, 3, 31)),
        ("1/2/2024 – 29/2/2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("từ 01/01/2024 đến 31/03/2024", date(2024, 1, 1), date(2024, 3, 31)),
        ("last quarter", date(2024, 4, 1), date(2024, 6, 30)),
        ("năm nay", date(2024, 1, 1), date(2024, 12, 31)),
        ("năm ngoái", date(2023, 1, 1), date(2023, 12, 31)),
    ],
)
def test_calendar_periods(text: str, start: date, end: date) -> None:
    period = parse_period(text, TODAY)
    assert (period.start, period.end, period.closing) == (start, end, False)


def test_last_quarter_in_january_is_the_previous_years_q4() -> None:
    assert parse_period("quý trước", date(2024, 2, 1)) == q(2023, 4)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Q1/2024", date(2023, 12, 15), date(2024, 3, 14)),
        ("Q2/2024", date(2024, 3, 15), date(2024, 6, 14)),
        ("Q3/2024", date(2024, 6, 15), date(2024, 9, 14)),
        ("Q4/2024", date(2024, 9, 15), date(2024, 12, 14)),
        ("6T/2024", date(2023, 12, 15), date(2024, 6, 14)),
        ("9T/2024", date(2023, 12, 15), date(2024, 9, 14)),
        ("2024", date(2023, 12, 15), date(2024, 12, 14)),
        # A date range is taken as written.
        ("01/01/2024-31/03/2024", date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_closing_periods_of_circular_02_2021(text: str, start: date, end: date) -> None:
    period = parse_period(text, TODAY, closing=True)
    assert (period.start, period.end) == (start, end)


def test_from_15_december_this_closing_quarter_and_year_are_the_next_years() -> None:
    december = date(2024, 12, 20)
    assert parse_period("quý này", december, closing=True) == q(2025, 1, closing=True)
    assert parse_period("this year", december, closing=True) == year_to_date(
        2025, PeriodKind.YEAR, closing=True
    )
    assert parse_period("last quarter", december, closing=True) == q(2024, 4, closing=True)
    assert parse_period("quý này", december) == q(2024, 4)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Q5/2024",
        "Q0/2024",
        "Quý V/2024",
        "quarter",
        "7T/2024",
        "24",
        "31/02/2024-01/03/2024",  # no 31 February
        "31/03/2024-01/01/2024",  # ends before it starts
        "2024-13-01..2024-12-31",
        "Q3/2024 và Q4/2024",
    ],
)
def test_bad_periods_raise_a_domain_error_with_the_text(text: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, TODAY)
    assert isinstance(caught.value, BotError)
    assert caught.value.text == text
    assert f"“{text}”" in caught.value.message(Translator("en"))


@pytest.mark.parametrize(
    "period",
    [
        q(2024, 1),
        q(2024, 1, closing=True),
        q(2024, 4, closing=True),
        year_to_date(2024, PeriodKind.HALF_YEAR),
        year_to_date(2024, PeriodKind.NINE_MONTHS, closing=True),
        year_to_date(2024, PeriodKind.YEAR, closing=True),
        date_range(date(2024, 2, 3), date(2024, 5, 6)),
    ],
    ids=lambda p: f"{p.code}{'-closing' if p.closing else ''}",
)
def test_codes_read_back(period: Period) -> None:
    assert parse_period(period.code, TODAY, closing=period.closing) == period


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(PeriodError):
        date_range(date(2024, 3, 2), date(2024, 3, 1))


# -- the current quarter and what ends when --------------------------------------------


@pytest.mark.parametrize(
    ("today", "closing", "expected"),
    [
        (date(2024, 3, 14), False, q(2024, 1)),
        (date(2024, 3, 31), False, q(2024, 1)),
        (date(2024, 4, 1), False, q(2024, 2)),
        (date(2024, 12, 31), False, q(2024, 4)),
        (date(2024, 1, 1), True, q(2024, 1, closing=True)),
        (date(2024, 3, 14), True, q(2024, 1, closing=True)),
        (date(2024, 3, 15), True, q(2024, 2, closing=True)),
        (date(2024, 9, 14), True, q(2024, 3, closing=True)),
        (date(2024, 12, 14), True, q(2024, 4, closing=True)),
        (date(2024, 12, 15), True, q(2025, 1, closing=True)),
    ],
)
def test_current_quarter(today: date, closing: bool, expected: Period) -> None:
    period = current_quarter(today, closing=closing)
    assert period == expected
    assert period.start <= today <= period.end


def test_period_ends_in_a_calendar_year() -> None:
    ends = period_ends_between(date(2024, 1, 1), date(2024, 12, 31))
    assert [(p.code, p.end) for p in ends] == [
        ("Q1/2024", date(2024, 3, 31)),
        ("Q2/2024", date(2024, 6, 30)),
        ("6T/2024", date(2024, 6, 30)),
        ("Q3/2024", date(2024, 9, 30)),
        ("9T/2024", date(2024, 9, 30)),
        ("Q4/2024", date(2024, 12, 31)),
        ("2024", date(2024, 12, 31)),
    ]


def test_period_ends_include_both_days_of_the_window() -> None:
    assert period_ends_between(date(2024, 3, 31), date(2024, 3, 31)) == [q(2024, 1)]
    assert period_ends_between(date(2024, 4, 1), date(2024, 6, 29)) == []


def test_closing_period_ends_across_a_new_year() -> None:
    ends = period_ends_between(date(2024, 12, 1), date(2025, 3, 31), closing=True)
    assert [(p.code, p.start, p.end) for p in ends] == [
        ("Q4/2024", date(2024, 9, 15), date(2024, 12, 14)),
        ("2024", date(2023, 12, 15), date(2024, 12, 14)),
        ("Q1/2025", date(2024, 12, 15), date(2025, 3, 14)),
    ]
    assert all(p.closing for p in ends)


# -- labels ----------------------------------------------------------------------------


class _Catalog(gettext.NullTranslations):
    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)


def test_labels_in_english() -> None:
    t = Translator("en")
    assert label(q(2024, 3), t) == "Q3 2024"
    assert label(year_to_date(2024, PeriodKind.HALF_YEAR), t) == "First half of 2024"
    assert label(year_to_date(2024, PeriodKind.NINE_MONTHS), t) == "First nine months of 2024"
    assert label(year_to_date(2024, PeriodKind.YEAR), t) == "Year 2024"
    assert label(date_range(date(2024, 1, 1), date(2024, 3, 31)), t) == (
        "Jan 1, 2024 – Mar 31, 2024"
    )
    assert label(q(2024, 1, closing=True), t) == "Q1 2024 (figures Dec 15, 2023 – Mar 14, 2024)"


def test_the_vietnamese_quarter_label_can_use_roman_numerals() -> None:
    t = Translator("vi")
    t._trans = _Catalog(  # the catalog the translators write
        {
            "Q{quarter} {year}": "Quý {roman}/{year}",
            "{period} (figures {start} – {end})": "{period} (số liệu từ {start} đến {end})",
        }
    )
    assert label(q(2024, 3), t) == "Quý III/2024"
    assert (
        label(q(2024, 4, closing=True), t) == "Quý IV/2024 (số liệu từ 15/09/2024 đến 14/12/2024)"
    )
    assert label(date_range(date(2024, 1, 1), date(2024, 3, 31)), t) == "01/01/2024 – 31/03/2024"


# Periods with years and days outside the bot's, or digits of other kinds

OUT_OF_RANGE_PERIODS = [
    "01/01/0001-31/12/9999",
    "0001-01-01..9999-12-31",
    "01/01/2024-31/12/9999",
    "01/01/0001-31/12/2024",
    "Q1/0001",
    "Quý IV năm 9999",
    "6T/1999",
    "9T/2101",
    "9999",
    "Năm 0001",
    "1999",
]


@pytest.mark.parametrize("text", OUT_OF_RANGE_PERIODS)
@pytest.mark.parametrize("closing", [False, True])
def test_a_period_outside_the_years_is_refused_with_the_range(text: str, closing: bool) -> None:
    with pytest.raises(PeriodOutOfRange) as caught:
        parse_period(text, TODAY, closing=closing)
    message = caught.value.message(Translator("en"))
    assert message.startswith(f"“{text}” is outside the dates I work with")
    assert "Dec 31, 2100" in message


@pytest.mark.parametrize(
    "text",
    [
        "Q³/2024",
        "Q3/２０２４",
        "２０２４",
        "٢٠٢٤",
        "6T/202४",
        "2024²",
        "01/01/２０２４-31/03/2024",
        "Q²",
    ],
)
def test_unusual_digits_in_a_period_are_not_understood(text: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, TODAY)
    assert not isinstance(caught.value, PeriodOutOfRange)
    assert caught.value.message(Translator("en")).startswith("I could not read the period")


def test_the_last_closing_quarter_of_the_range_is_a_period() -> None:
    assert parse_period("Q1/2100", TODAY, closing=True).start == date(2099, 12, 15)
    assert parse_period("2000", TODAY).start == date(2000, 1, 1)
