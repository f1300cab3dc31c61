"""The report workbook: its sheets, typed cells, totals, and no personal data."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import Translator
from bot.reports.workbook import render_workbook
from tests.bot.reports.sample import PERSONAL, empty, sample, typed, with_personal_data

SHEETS = (
    "Summary",
    "By dimension",
    "Late and overdue",
    "Evidence",
    "Feedback cases",
    "Feedback by group",
    "By unit",
)


def open_book(figures: dict[str, Any], locale: str = "vi") -> Workbook:
    return load_workbook(io.BytesIO(render_workbook(typed(figures), Translator(locale))))


def sheet(book: Workbook, title: str, t: Translator) -> Worksheet:
    found = book[t._(title)[:31]]
    assert isinstance(found, Worksheet)
    return found


def header(ws: Worksheet) -> list[Any]:
    return [cell.value for cell in ws[1]]


def column(ws: Worksheet, heading: str) -> list[Any]:
    index = header(ws).index(heading)
    return [row[index] for row in ws.iter_rows(min_row=2, values_only=True)]


def summary(book: Workbook, t: Translator) -> dict[str, Any]:
    ws = sheet(book, "Summary", t)
    return {str(k): v for k, v in ws.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_one_sheet_per_topic(locale: str) -> None:
    t = Translator(locale)
    book = open_book(sample(), locale)
    assert book.sheetnames == [t._(title)[:31] for title in SHEETS]


def test_every_sheet_has_a_bold_frozen_header() -> None:
    book = open_book(sample())
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
        assert all(cell.font.bold for cell in ws[1])
        for letter, dimension in ws.column_dimensions.items():
            assert dimension.width is not None
            assert 8 <= dimension.width <= 60, (ws.title, letter)


def test_summary_holds_the_totals_as_numbers() -> None:
    t = Translator("vi")
    figures = sample()
    values = summary(open_book(figures), t)
    assert values[t._("Tasks")] == figures["tasks"]["total"]
    assert values[t._("Feedback received")] == figures["feedback"]["received"]
    assert values[t._("Feedback answered")] == figures["feedback"]["answered"]
    assert values[t._("Satisfaction rate")] == pytest.approx(0.67)
    assert values[t._("On-time rate")] == pytest.approx(8 / 9)
    assert values[t._("Figures as of")] == datetime(2024, 10, 5)


def test_shares_show_as_percentages() -> None:
    t = Translator("vi")
    ws = sheet(open_book(sample()), "Summary", t)
    formats = {row[0].value: row[1].number_format for row in ws.iter_rows(min_row=2)}
    assert formats[t._("Satisfaction rate")] == "0%"
    assert formats[t._("Tasks")] == "0"


def test_dimension_sheet_adds_up_to_the_total() -> None:
    t = Translator("vi")
    figures = sample()
    ws = sheet(open_book(figures), "By dimension", t)
    assert column(ws, t._("Dimension code")) == ["D1", "D3", "D8", None]
    assert sum(column(ws, t._("Total"))) == figures["tasks"]["total"]
    assert column(ws, t._("Share done"))[0] == pytest.approx(0.67)


def test_late_tasks_carry_dates_and_reasons() -> None:
    t = Translator("vi")
    ws = sheet(open_book(sample()), "Late and overdue", t)
    assert column(ws, t._("Plan code")) == ["1.3", "2.4", "4.2"]
    assert column(ws, t._("Due"))[0] == datetime(2024, 9, 16)
    assert column(ws, t._("Days late")) == [19, 5, 5]
    assert column(ws, t._("Reasons given"))[0] == "Chờ kinh phí\nLãnh đạo đi công tác"
    due = ws.cell(row=2, column=header(ws).index(t._("Due")) + 1)
    assert due.number_format == "DD/MM/YYYY"


def test_evidence_links_are_clickable() -> None:
    t = Translator("vi")
    ws = sheet(open_book(sample()), "Evidence", t)
    evidence = column(ws, t._("Evidence"))
    assert evidence == [
        "bien-ban-niem-yet.pdf",
        None,
        "https://luongson.songcong.thainguyen.gov.vn/thu-tuc",
    ]
    link = ws.cell(row=4, column=header(ws).index(t._("Evidence")) + 1)
    assert link.hyperlink is not None
    assert link.hyperlink.target == evidence[2]


def test_feedback_cases_and_units() -> None:
    t = Translator("vi")
    figures = sample()
    book = open_book(figures)
    cases = sheet(book, "Feedback cases", t)
    assert column(cases, t._("Case code")) == ["PA-2024-00012", "KN-2024-00007", "GY-2024-00003"]
    assert column(cases, t._("Received"))[0] == datetime(2024, 7, 3)
    units = sheet(book, "By unit", t)
    assert sum(column(units, t._("Feedback received"))) == figures["feedback"]["received"]
    assert sum(column(units, t._("Total"))) == sum(u["total"] for u in figures["tasks"]["by_unit"])


def test_no_personal_data_reaches_the_workbook() -> None:
    book = open_book(with_personal_data())
    cells = [
        str(value)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert cells
    for secret in PERSONAL:
        assert not any(secret in cell for cell in cells), secret


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_empty_period_renders(locale: str) -> None:
    t = Translator(locale)
    book = open_book(empty(), locale)
    assert len(book.sheetnames) == len(SHEETS)
    values = summary(book, t)
    assert values[t._("Tasks")] == 0
    assert values[t._("Satisfaction rate")] is None
    for title in SHEETS[1:]:
        assert sheet(book, title, t).max_row == 1


def test_english_uses_english_headings() -> None:
    book = open_book(sample(), "en")
    assert book.sheetnames[0] == "Summary"
    ws = book["Late and overdue"]
    assert isinstance(ws, Worksheet)
    assert header(ws)[:2] == ["Plan code", "Task"]


def test_a_long_sheet_keeps_every_row_in_order_and_styled() -> None:
    t = Translator("vi")
    figures = sample()
    first = figures["feedback"]["cases"][0]
    codes = [f"PA-2024-{i:05d}" for i in range(2_000)]
    figures["feedback"]["cases"] = [{**first, "code": code} for code in codes]
    ws = sheet(open_book(figures), "Feedback cases", t)
    assert column(ws, t._("Case code")) == codes
    assert all(cell.alignment.vertical == "center" for cell in ws[1])
    received = header(ws).index(t._("Received"))
    for row in ws.iter_rows(min_row=2):
        assert all(cell.alignment.vertical == "top" for cell in row)
        assert not any(cell.font.bold for cell in row)
        assert row[received].number_format == "DD/MM/YYYY"
