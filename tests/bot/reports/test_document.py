"""The Word report: administrative layout, sections, totals, no personal data, languages."""

from __future__ import annotations

import gettext
import io
from datetime import date
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.table import Table

from bot.i18n import Translator
from bot.reports.document import (
    ANNEX_CENTERED,
    ANNEX_WIDTHS,
    BODY_INDENT,
    FEEDBACK_WIDTHS,
    MASTHEAD_WIDTHS,
    NAME_LINE,
    SIGNATURE_WIDTHS,
    SIGNING_LINES,
    STATE_WIDTHS,
    _dated,
    _place,
    render_document,
)
from tests.bot.reports.sample import PERSONAL, empty, sample, typed, with_personal_data

HEADINGS = (
    "I. OVERALL RESULTS",
    "II. RESULTS FOR EACH PAPI DIMENSION",
    "III. RECEIVING AND ANSWERING CITIZENS' FEEDBACK",
    "IV. SHORTCOMINGS AND NEXT STEPS",
    "ANNEX: TASKS DONE, LATE AND OVERDUE IN THE PERIOD",
)


def open_doc(figures: dict[str, Any], locale: str = "vi") -> DocumentObject:
    return Document(io.BytesIO(render_document(typed(figures), Translator(locale))))


def headings(doc: DocumentObject, level: int) -> list[str]:
    return [
        p.text for p in doc.paragraphs if p.style is not None and p.style.name == f"Heading {level}"
    ]


def all_text(doc: DocumentObject) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def same_length(value: Length | None, target: Length) -> bool:
    """Word stores lengths in twentieths of a point, so a centimetre comes back rounded."""
    return value is not None and abs(value - target) < Cm(0.01)


def grid(table: Table) -> list[Length | None]:
    return [column.width for column in table.columns]


class _Catalog(gettext.NullTranslations):
    """A stand-in Vietnamese catalog for the one message whose layout matters here."""

    def gettext(self, message: str) -> str:
        if message == "{place}, {day}/{month}/{year}":
            return "{place}, ngày {day} tháng {month} năm {year}"
        return message


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_numbered_sections(locale: str) -> None:
    t = Translator(locale)
    assert headings(open_doc(sample(), locale), 1) == [t._(h) for h in HEADINGS]


def test_one_subsection_per_dimension_in_vietnamese() -> None:
    found = headings(open_doc(sample()), 2)
    assert "1. Tham gia của người dân ở cấp cơ sở (D1)" in found
    assert "2. Trách nhiệm giải trình với người dân (D3)" in found
    assert "3. Quản trị điện tử (D8)" in found


def test_one_subsection_per_dimension_in_english() -> None:
    found = headings(open_doc(sample(), "en"), 2)
    assert "1. Participation at local levels (D1)" in found
    assert "3. E-governance (D8)" in found
    assert "4. Other tasks (no PAPI dimension)" in found


def test_masthead_layout() -> None:
    t = Translator("vi")
    doc = open_doc(sample())
    masthead = doc.tables[0]
    left, right = masthead.rows[0].cells
    assert [p.text for p in left.paragraphs][:2] == [
        "UBND THÀNH PHỐ SÔNG CÔNG",
        "UBND PHƯỜNG LƯƠNG SƠN",
    ]
    assert left.paragraphs[1].runs[0].bold
    motto = right.paragraphs
    assert motto[0].text == t._("SOCIALIST REPUBLIC OF VIETNAM")
    assert motto[0].runs[0].bold
    assert motto[1].text == t._("Independence - Freedom - Happiness")
    assert motto[1].runs[0].bold
    assert motto[1].runs[0].underline
    number, dated = masthead.rows[1].cells
    assert number.text == t._("No.:      /BC-UBND")
    assert dated.text.startswith("Lương Sơn, ")
    assert dated.paragraphs[0].runs[0].italic


def test_title_and_subject() -> None:
    t = Translator("vi")
    texts = [p.text for p in open_doc(sample()).paragraphs]
    assert t._("REPORT") in texts
    subject = t._("Results of the plan to improve the PAPI index, {period}", period="Quý III/2024")
    assert subject in texts


def test_page_and_font() -> None:
    doc = open_doc(sample())
    section = doc.sections[0]
    measured = (
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    )
    expected = (Cm(21), Cm(29.7), Cm(2), Cm(2), Cm(3), Cm(1.5))
    for value, target in zip(measured, expected, strict=True):
        assert same_length(value, target)
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(13)


def test_totals_from_the_figures() -> None:
    t = Translator("vi")
    figures = sample()
    text = all_text(open_doc(figures))
    total = figures["tasks"]["total"]
    assert (
        t.ngettext(
            "The plan has {n} task in the period.", "The plan has {n} tasks in the period.", total
        )
        in text
    )
    doc = open_doc(figures)
    state_table = doc.tables[1]
    assert [c.text for c in state_table.rows[-1].cells] == [t._("Total"), str(total)]
    kinds = doc.tables[2]
    assert [c.text for c in kinds.rows[-1].cells] == [t._("Total"), "12", "9", "8", "2"]


def test_done_work_with_evidence_and_late_work_with_reasons() -> None:
    text = all_text(open_doc(sample()))
    assert "bien-ban-niem-yet.pdf" in text
    assert "https://luongson.songcong.thainguyen.gov.vn/thu-tuc" in text
    assert "Chờ kinh phí; Lãnh đạo đi công tác" in text
    assert "Chưa có hướng dẫn của cấp trên" in text


def test_feedback_section_counts_reopened_cases_apart() -> None:
    t = Translator("vi")
    text = all_text(open_doc(sample()))
    assert (
        t._(
            "Reopened after the citizen's rating: {reopened} (counted apart, not as new feedback).",
            reopened="1",
        )
        in text
    )
    assert "88,9%" in text  # 8 of 9 answers on time
    assert "67%" in text  # satisfaction


def test_annex_lists_each_task_once() -> None:
    t = Translator("vi")
    annex = open_doc(sample()).tables[-1]
    assert annex.rows[0].cells[0].text == t._("No.")
    codes = [row.cells[1].text for row in annex.rows[1:]]
    assert codes == ["1.3", "2.1", "2.4", "4.2", "9.3"]


def test_no_personal_data_reaches_the_document() -> None:
    text = all_text(open_doc(with_personal_data()))
    for secret in PERSONAL:
        assert secret not in text
    # Case codes are not personal, but the report keeps cases to counts anyway.
    assert "PA-2024-00012" not in text


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_empty_period_renders(locale: str) -> None:
    t = Translator(locale)
    doc = open_doc(empty(), locale)
    assert headings(doc, 1) == [t._(h) for h in HEADINGS]
    text = all_text(doc)
    assert t._("The plan has no task in this period.") in text
    assert t._("No task was done or is late in this period.") in text
    assert "UBND XÃ ĐỒNG HÒA" in text


def test_english_rendering() -> None:
    text = all_text(open_doc(sample(), "en"))
    assert "SOCIALIST REPUBLIC OF VIETNAM" in text
    assert "REPORT" in text
    assert "Results of the plan to improve the PAPI index, Q3 2024" in text
    assert "Lương Sơn, 05/10/2024" in text
    assert "The plan has 19 tasks in the period." in text


def test_place_comes_from_the_organization_name() -> None:
    assert _place("UBND phường Lương Sơn") == "Lương Sơn"
    assert _place("Ủy ban nhân dân xã Đồng Hòa") == "Đồng Hòa"
    assert _place("UBND thị trấn Hùng Sơn") == "Hùng Sơn"
    assert _place("Thanh Sơn") == "Thanh Sơn"


def test_vietnamese_date_line_pads_days_and_early_months() -> None:
    t = Translator("vi")
    t._trans = _Catalog()
    assert _dated("Lương Sơn", date(2024, 3, 5), t) == "Lương Sơn, ngày 05 tháng 3 năm 2024"
    assert _dated("Lương Sơn", date(2024, 2, 15), t) == "Lương Sơn, ngày 15 tháng 02 năm 2024"
    assert _dated("Lương Sơn", date(2024, 12, 1), t) == "Lương Sơn, ngày 01 tháng 12 năm 2024"


def test_tables_are_laid_out_on_a_grid_of_their_widths() -> None:
    """LibreOffice, and often Word, lay a table out by its grid, not by its cells' widths."""
    tables = open_doc(sample()).tables
    expected = [MASTHEAD_WIDTHS, STATE_WIDTHS, FEEDBACK_WIDTHS, SIGNATURE_WIDTHS, ANNEX_WIDTHS]
    assert len(tables) == len(expected)
    for table, widths in zip(tables, expected, strict=True):
        assert not table.autofit
        assert all(map(same_length, grid(table), widths)), grid(table)
        for row in table.rows:
            assert all(map(same_length, (cell.width for cell in row.cells), widths))


def test_tables_fit_between_the_margins() -> None:
    doc = open_doc(sample())
    section = doc.sections[0]
    assert section.page_width is not None
    assert section.left_margin is not None
    assert section.right_margin is not None
    room = section.page_width - section.left_margin - section.right_margin
    for table in doc.tables:
        assert sum(width or 0 for width in grid(table)) <= room + Cm(0.01)


@pytest.mark.parametrize("figures", [sample(), empty()], ids=["sample", "empty"])
def test_table_cells_are_neither_justified_nor_indented(figures: dict[str, Any]) -> None:
    """Justified text in a narrow column leaves wide gaps between its words."""
    for table in open_doc(figures).tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    assert paragraph.alignment != WD_ALIGN_PARAGRAPH.JUSTIFY, paragraph.text
                    assert not paragraph.paragraph_format.first_line_indent, paragraph.text


def test_annex_centres_numbers_codes_and_dates_and_aligns_text_left() -> None:
    annex = open_doc(sample()).tables[-1]
    for row in annex.rows[1:]:
        for index, cell in enumerate(row.cells):
            expected = (
                WD_ALIGN_PARAGRAPH.CENTER if index in ANNEX_CENTERED else WD_ALIGN_PARAGRAPH.LEFT
            )
            assert [p.alignment for p in cell.paragraphs] == [expected], cell.text


def test_headings_have_no_first_line_indent() -> None:
    """A wrapped heading's second line then starts where its first one does."""
    doc = open_doc(sample())
    for level in (1, 2):
        style = doc.styles[f"Heading {level}"]
        assert not style.paragraph_format.first_line_indent
    found = [
        p for p in doc.paragraphs if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert found
    for paragraph in found:
        assert not paragraph.paragraph_format.first_line_indent, paragraph.text
    body = [p for p in doc.paragraphs if p.text.startswith("- ")]
    assert body
    assert all(same_length(p.paragraph_format.first_line_indent, BODY_INDENT) for p in body)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_signature_leaves_room_to_sign_and_a_line_for_the_name(locale: str) -> None:
    t = Translator(locale)
    signature = open_doc(sample(), locale).tables[-2]
    (row,) = signature.rows
    recipients, signer = row.cells
    assert recipients.paragraphs[0].text == t._("Recipients:")
    assert [p.text for p in signer.paragraphs] == [
        t._("ON BEHALF OF THE PEOPLE'S COMMITTEE"),
        t._("CHAIRPERSON"),
        *[""] * SIGNING_LINES,
        NAME_LINE,
    ]
    assert SIGNING_LINES >= 3
    # The figures name no signer, so the line is left blank for one, not filled in.
    assert NAME_LINE.strip()
    assert not any(c.isalnum() for c in NAME_LINE)
    properties = row._tr.trPr
    assert properties is not None
    assert properties.find(qn("w:cantSplit")) is not None


def _many_done_tasks(n: int) -> dict[str, Any]:
    """The sample with ``n`` tasks done, some of them with a tab and a line break."""
    figures = sample()
    figures["tasks"]["late"] = []
    figures["tasks"]["done"] = [
        {
            "code": f"{i // 100 + 1}.{i % 100 + 1}",
            "task": f"Nhiệm vụ {i}\tbước 1\nbước 2" if i % 50 == 0 else f"Nhiệm vụ {i}",
            "dimension": "D1",
            "unit": "Văn phòng - Thống kê",
            "due": "2024-09-30",
            "done_on": "2024-09-28",
            "late": False,
            "evidence": f"bien-ban-{i}.pdf",
        }
        for i in range(n)
    ]
    return figures


def test_a_long_annex_keeps_every_row_in_order_and_laid_out() -> None:
    figures = _many_done_tasks(300)
    done = figures["tasks"]["done"]
    annex = open_doc(figures).tables[-1]
    header, *body = annex.rows
    assert [row.cells[0].text for row in body] == [str(i) for i in range(1, 301)]
    assert [row.cells[1].text for row in body] == [item["code"] for item in done]
    assert [row.cells[2].text for row in body] == [item["task"] for item in done]
    assert [row.cells[6].text for row in body] == [item["evidence"] for item in done]
    assert header._tr.trPr is not None
    for row in body:
        assert row._tr.trPr is None  # only the header repeats on each page
        assert all(map(same_length, (cell.width for cell in row.cells), ANNEX_WIDTHS))
        for index, cell in enumerate(row.cells):
            expected = (
                WD_ALIGN_PARAGRAPH.CENTER if index in ANNEX_CENTERED else WD_ALIGN_PARAGRAPH.LEFT
            )
            assert [p.alignment for p in cell.paragraphs] == [expected], cell.text


def test_a_long_report_lists_every_task_in_order_before_the_annex() -> None:
    figures = _many_done_tasks(300)
    doc = open_doc(figures)
    texts = [p.text for p in doc.paragraphs]
    listed = [text for text in texts if text.startswith("- ") and "bien-ban-" in text]
    assert [text.split()[1] for text in listed] == [i["code"] for i in figures["tasks"]["done"]]
    annex = Translator("vi")._("ANNEX: TASKS DONE, LATE AND OVERDUE IN THE PERIOD")
    assert texts.index(listed[-1]) < texts.index(annex)
    assert doc.element.body[-1].tag == qn("w:sectPr")
