"""Cell text and merge marks of Word tables, read the way python-docx reads them, but faster.

python-docx compiles an XPath expression on every ``paragraph.text``, ``run.text`` and
property lookup; a 2,000-task table makes tens of thousands of those calls, more time than
parsing the file. Here each expression is compiled once, and the children are found by their
precomputed names. The text is the same: runs and hyperlinks' runs in order, each run's text,
tabs, breaks and non-breaking hyphens as python-docx's element classes spell them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from docx.oxml.ns import nsmap, qn
from lxml import etree

_RUN_PARTS: Final = ("w:t", "w:br", "w:cr", "w:noBreakHyphen", "w:ptab", "w:tab")
# A union is returned in document order: the runs' parts as python-docx joins them.
_PARAGRAPH_PARTS: Final = etree.XPath(
    " | ".join(f"{parent}/{part}" for parent in ("w:r", "w:hyperlink/w:r") for part in _RUN_PARTS),
    namespaces={"w": nsmap["w"]},
)
_P: Final = qn("w:p")
_TC: Final = qn("w:tc")
_TR: Final = qn("w:tr")
_TR_PR: Final = qn("w:trPr")
_TC_PR: Final = qn("w:tcPr")
_GRID_BEFORE: Final = qn("w:gridBefore")
_GRID_SPAN: Final = qn("w:gridSpan")
_V_MERGE: Final = qn("w:vMerge")


def rows(tbl: Any) -> Iterator[Any]:
    """The table's rows."""
    return tbl.iterchildren(_TR)  # type: ignore[no-any-return]


def cells(tr: Any) -> Iterator[Any]:
    """The row's cells."""
    return tr.iterchildren(_TC)  # type: ignore[no-any-return]


def grid_before(tr: Any) -> int:
    """Grid columns left empty before the row's first cell."""
    tr_pr = tr.find(_TR_PR)
    found = None if tr_pr is None else tr_pr.find(_GRID_BEFORE)
    return 0 if found is None else int(found.val)


def grid_span(tc: Any) -> int:
    """Grid columns the cell spans."""
    tc_pr = tc.find(_TC_PR)
    found = None if tc_pr is None else tc_pr.find(_GRID_SPAN)
    return 1 if found is None else int(found.val)


def v_merge(tc: Any) -> str | None:
    """``"restart"``, ``"continue"`` or ``None``: the cell's part in a vertical merge."""
    tc_pr = tc.find(_TC_PR)
    found = None if tc_pr is None else tc_pr.find(_V_MERGE)
    return None if found is None else str(found.val)


def cell_text(tc: Any) -> str:
    """The cell's paragraphs, one per line."""
    return "\n".join(
        "".join(str(part) for part in _PARAGRAPH_PARTS(p)) for p in tc.iterchildren(_P)
    )
