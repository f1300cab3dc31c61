"""Files crafted to explode are refused by what they claim, naming the limit they exceed."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from bot.filelimits import PLAN_LIMITS
from bot.i18n import Translator
from bot.plans.errors import FileLimitExceeded
from bot.plans.readers import read_document
from tests.bot.plans import crafted
from tests.bot.plans.builders import PLANS

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

CRAFTED: list[tuple[str, Callable[[], bytes], str]] = [
    ("far.xlsx", crafted.xlsx_far_cell, "columns"),
    ("far-row.xlsx", crafted.xlsx_far_row, "rows"),
    ("far-column.xlsx", crafted.xlsx_far_column, "columns"),
    ("declared.xlsx", crafted.xlsx_declared_dimension, "columns"),
    ("lying-dimension.xlsx", crafted.xlsx_hidden_far_cell, "rows"),
    ("unnumbered.xlsx", crafted.xlsx_unnumbered_cells, "columns"),
    ("merges.xlsx", crafted.xlsx_many_merges, "merges"),
    ("moved-sheet.xlsx", crafted.xlsx_moved_sheet, "columns"),
    ("span.docx", crafted.docx_huge_span, "span"),
    ("grid-before.docx", crafted.docx_huge_grid_before, "span"),
    ("garbage-span.docx", crafted.docx_garbage_span, "span"),
    ("many-spans.docx", crafted.docx_many_spans, "cells"),
    ("rows.docx", crafted.docx_many_rows, "rows"),
    ("wide.docx", crafted.docx_wide_row, "columns"),
    ("bomb-part.docx", crafted.zip_bomb_part, "part_unpacked"),
    ("bomb-media.xlsx", crafted.zip_bomb_media, "archive_unpacked"),
    ("bomb-ratio.docx", crafted.zip_bomb_ratio, "compression_ratio"),
    ("members.docx", crafted.zip_many_members, "archive_members"),
    ("one-line.csv", crafted.csv_one_line, "line_chars"),
    ("huge-field.csv", crafted.csv_huge_field, "field_chars"),
    ("long-field.csv", crafted.csv_long_field, "field_chars"),
    ("columns.csv", crafted.csv_many_columns, "columns"),
    ("rows.csv", crafted.csv_many_rows, "rows"),
    ("blank-lines.csv", crafted.csv_blank_lines, "rows"),
]


@pytest.mark.parametrize(("name", "make", "limit"), CRAFTED, ids=[c[0] for c in CRAFTED])
def test_a_crafted_file_is_refused_by_the_limit_it_exceeds(
    tmp_path: Path, name: str, make: Callable[[], bytes], limit: str
) -> None:
    data = make()
    assert len(data) <= PLAN_LIMITS.max_bytes
    with pytest.raises(FileLimitExceeded) as caught:
        read_document(crafted.save(tmp_path / name, data))
    refusal = caught.value
    assert (refusal.name, refusal.limit) == (name, limit)
    assert refusal.found > refusal.allowed == getattr(PLAN_LIMITS, limit)
    for lang in ("vi", "en"):
        text = refusal.message(Translator(lang))
        assert name in text
        assert Translator(lang).number(refusal.allowed) in text or "MB" in text


def test_the_refusal_says_what_was_found_and_what_is_allowed() -> None:
    en = Translator("en")
    rows = FileLimitExceeded("kehoach.docx", "rows", 8002, 5000).message(en)
    assert rows.startswith(
        "A table in kehoach.docx has 8,002 rows; a plan table has at most 5,000."
    )
    span = FileLimitExceeded("kehoach.docx", "span", 16_000_000, 100).message(en)
    assert "spans 16,000,000 columns" in span
    vi = FileLimitExceeded("kehoach.docx", "rows", 8002, 5000).message(Translator("vi"))
    assert "8.002" in vi
    assert "5.000" in vi
    assert vi != rows


@pytest.mark.parametrize("limit", ["rows", "columns", "cells", "span", "tables", "merges"])
def test_every_real_plan_fits_the_limits_with_room_to_spare(tmp_path: Path, limit: str) -> None:
    # Tighten one limit at a time to a tenth: a real plan must still fit, so the limits
    # leave an order of magnitude of room.
    tight = replace(PLAN_LIMITS, **{limit: getattr(PLAN_LIMITS, limit) // 10})
    for path in sorted(PLANS.iterdir()):
        document = read_document(path, limits=tight)
        assert document.tables


def test_limits_apply_at_the_boundary(tmp_path: Path) -> None:
    path = crafted.save(tmp_path / "rows.docx", crafted.docx_many_rows(rows=98))
    # The plan's header and task row plus 98 rows: 100 rows exactly.
    read_document(path, limits=replace(PLAN_LIMITS, rows=100))
    with pytest.raises(FileLimitExceeded) as caught:
        read_document(path, limits=replace(PLAN_LIMITS, rows=99))
    assert (caught.value.found, caught.value.allowed) == (100, 99)
