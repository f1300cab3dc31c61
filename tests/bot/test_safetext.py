"""Text with control characters renders everywhere: documents, sheets, charts, previews."""

from __future__ import annotations

import io
import sys
import unicodedata
import zipfile
from typing import Any

import docx
import openpyxl
import pytest
from lxml import etree

from bot.i18n import Translator
from bot.plans import ParsedPlan, ParsedTask, render_preview
from bot.plans.workbook import preview_workbook
from bot.reports.charts import render_chart
from bot.reports.document import render_document
from bot.reports.workbook import render_workbook
from bot.safetext import REPLACEMENT, append_row, displayable
from bot.timeframes import parse_timeframe
from tests.bot.reports.sample import sample, typed

CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]
# Everything the attack and its cousins sent: Word's line and page breaks, C0 and C1
# controls, a NUL, a lone surrogate, non-characters, and text that looks like a formula or TeX.
HOSTILE = [
    "Biên bản\x0bhọp tổ\x0cdân phố",
    "Ghi chú\x01\x02\x03\x04\x05\x06\x07\x08 kèm",
    "NUL\x00giữa",
    "C1\x80\x85\x9fcuối",
    "surrogate \ud800 lẻ",
    "non-characters \ufffe\uffff",
    '=HYPERLINK("http://example.com","bấm")',
    "=1+1",
    "chi phí $5 và $x^2$",
    "tab\tvà\r\ndòng",
    "".join(CONTROLS),
]


def _xml_compatible(text: str) -> bool:
    try:
        etree.Element("p").text = text
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text", HOSTILE)
def test_displayable_text_fits_in_xml_and_keeps_the_rest(text: str) -> None:
    shown = displayable(text)
    assert _xml_compatible(shown)
    shown.encode("utf-8")
    # Everything that was showable already is kept, in order.
    showable = [
        c
        for c in text
        if c in "\t\r" or (unicodedata.category(c) not in {"Cc", "Cs"} and c not in "\ufffe\uffff")
    ]
    assert [c for c in shown if c not in (REPLACEMENT, "\n")] == showable


def test_every_code_point_is_made_xml_compatible() -> None:
    unsafe = [chr(c) for c in range(sys.maxunicode + 1) if not _xml_compatible(chr(c))]
    assert len(unsafe) > 2000  # the C0 controls and the surrogates at least
    shown = displayable("".join(unsafe))
    assert _xml_compatible(shown)
    assert set(shown) <= {REPLACEMENT, "\n"}


def test_ordinary_text_is_untouched() -> None:
    text = "Nhiệm vụ 1.2: Niêm yết công khai — “Quý IV/2024” 😀\n\tđ Đ ₫ ½ ²"
    assert displayable(text) == text
    assert displayable(unicodedata.normalize("NFD", text)) == unicodedata.normalize("NFD", text)


def test_word_line_and_page_breaks_become_line_breaks() -> None:
    assert displayable("a\x0bb\x0cc\u2028d") == "a\nb\nc\nd"


def test_a_row_of_texts_never_becomes_formulas() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, ["=1+1", "=cmd|' /C calc'!A0", "\x01x", 7, None])
    buffer = io.BytesIO()
    book.save(buffer)
    back = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert back is not None
    assert [c.value for c in back[1]] == ["=1+1", "=cmd|' /C calc'!A0", f"{REPLACEMENT}x", 7]
    assert [c.data_type for c in back[1]][:3] == ["s", "s", "s"]
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def _poisoned(value: Any, n: list[int]) -> Any:
    """Every text of the figures (not codes, dates or keys) with a hostile text added."""
    if isinstance(value, dict):
        return {
            k: v
            if k in {"code", "kind", "topic", "status", "month", "dimension"}
            or k.endswith(("due", "received", "answered", "done", "start", "end", "as_of"))
            else _poisoned(v, n)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_poisoned(v, n) for v in value]
    if isinstance(value, str):
        n[0] += 1
        return value + " " + HOSTILE[n[0] % len(HOSTILE)]
    return value


def hostile_figures() -> dict[str, Any]:
    """The busy quarter with control characters in every name, task, note and reason."""
    counter = [0]
    figures: dict[str, Any] = _poisoned(sample(), counter)
    assert counter[0] > len(HOSTILE)
    return figures


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_word_report_renders_hostile_text(locale: str) -> None:
    figures = hostile_figures()
    content = render_document(typed(figures), Translator(locale))
    document = docx.Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Biên bản\nhọp tổ\ndân phố" in text + cells
    assert "Ghi chú" + REPLACEMENT * 8 + " kèm" in text + cells


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_workbook_report_renders_hostile_text(locale: str) -> None:
    figures = hostile_figures()
    figures["tasks"]["done"][0]["evidence"] = "=1+1"
    content = render_workbook(typed(figures), Translator(locale))
    book = openpyxl.load_workbook(io.BytesIO(content))
    values = [c for s in book.worksheets for row in s.iter_rows() for c in row]
    texts = [c.value for c in values if isinstance(c.value, str)]
    assert "=1+1" in texts
    assert any("Biên bản\nhọp tổ\ndân phố" in v for v in texts)
    assert all(c.data_type != "f" for c in values)
    assert all(_xml_compatible(v) for v in texts)


def test_the_chart_renders_hostile_text() -> None:
    png = render_chart(typed(hostile_figures()), Translator("vi"))
    assert png.startswith(b"\x89PNG")


def _hostile_plan() -> ParsedPlan:
    tasks = [
        ParsedTask(
            code=f"1.{i}",
            section=f"Phần {text}",
            dimension="D1",
            subsection=text,
            task=f"Nhiệm vụ {text}",
            target=text,
            output=text,
            lead=[f"Văn phòng {text}"],
            partners=[text],
            timeframe_text=f"Quý I/2026 {text}",
            flags=[],
            row=i + 2,
        )
        for i, text in enumerate(HOSTILE)
    ]
    return ParsedPlan(
        title=f"Kế hoạch {HOSTILE[0]}",
        year=2026,
        source="kehoach\x01.xlsx",
        tasks=tasks,
        warnings=[HOSTILE[1]],
    )


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_plan_previews_render_hostile_text(locale: str) -> None:
    plan = _hostile_plan()
    t = Translator(locale)
    content = preview_workbook(plan, t, parse_timeframe)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(HOSTILE)
    assert rows[6][3] == f"Nhiệm vụ {HOSTILE[6]}"
    text = render_preview(plan, t)
    assert _xml_compatible(text)
    assert "Kế hoạch Biên bản\nhọp tổ\ndân phố" in text
