"""The report as a Word document in the layout of Vietnamese administrative documents.

Laid out as Nghị định 30/2020/NĐ-CP asks of a commune's report (báo cáo): the issuing body
and the national motto side by side, the number and the place and date, the title and its
subject, numbered parts, the recipients and the signature, then an annex table. Times New
Roman 13 pt on A4 with margins of 2 cm top and bottom, 3 cm left and 1.5 cm right.

Only what the figures list is written; the cases of citizens' feedback appear in counts
only, so no personal data can reach the document.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from copy import deepcopy
from datetime import date
from functools import cache
from typing import Any, Final, cast

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Length, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.font import Font
from docx.text.paragraph import Paragraph
from docx.text.parfmt import ParagraphFormat

from bot.i18n import Translator
from bot.reports.labels import (
    TASK_STATES,
    DimensionGroup,
    Figures,
    dimension_groups,
    dimension_heading,
    kind_label,
    listed_key,
    percent,
    period_label,
    share,
    state_label,
    topic_name,
)
from bot.reports.model import GroupCounts, Listed, TaskFigures
from bot.reports.screen import messaging_lines
from bot.safetext import displayable
from bot.tasks.standing import UNDATED
from db.models import Standing

FONT: Final = "Times New Roman"
SIZE: Final = Pt(13)
TABLE_SIZE: Final = Pt(11)
# The decree allows 12-13 pt for the uppercase lines of the masthead; at 13 pt the
# national name takes 9.5 of its column's 10 cm, so a wider font would wrap it.
MASTHEAD_SIZE: Final = Pt(12)
BODY_INDENT: Final = Cm(1)
# Each table fills at most the 16.5 cm between the margins. The motto and the signature
# share the right column, so the signature sits under the motto as the decree draws it.
MASTHEAD_WIDTHS: Final = (Cm(6.5), Cm(10))
SIGNATURE_WIDTHS: Final = MASTHEAD_WIDTHS
STATE_WIDTHS: Final = (Cm(9), Cm(4))
FEEDBACK_WIDTHS: Final = (Cm(5.5), Cm(2.5), Cm(2.5), Cm(3), Cm(2.5))
# No., code, task, lead unit, due, result, evidence: the due and result columns hold a
# date such as "(28/09/2024)" on one line, the rest goes to the task.
ANNEX_WIDTHS: Final = (Cm(1.2), Cm(1.5), Cm(4.3), Cm(2.4), Cm(2.2), Cm(2.5), Cm(2.4))
ANNEX_CENTERED: Final = frozenset({0, 1, 4})  # number, code and due date
SIGNING_LINES: Final = 4  # blank lines left for the signature and the seal
NAME_LINE: Final = "." * 30  # no name is known: the signer writes it by hand
_PLACE_PREFIX: Final = re.compile(
    r"^(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân)?\s*"
    r"(?:xã|phường|thị trấn|thị xã|thành phố|huyện|quận|tỉnh|tp\.?)?\s*",
    re.IGNORECASE,
)
_RUN_BREAKS: Final = re.compile(r"[\t\r\n]")

# The schema's order of a table's properties, from the borders on.
_TABLE_PROPERTIES: Final = (
    "w:tblBorders",
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
)

Container = DocumentObject | _Cell


# -- page, styles and paragraphs -------------------------------------------------------


def _set_font(style: ParagraphStyle, size: Pt, *, bold: bool | None = None) -> None:
    """One font for every script, with the theme's fonts taken off so Word keeps it."""
    style.font.name = FONT
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attribute}"), FONT)


def _setup(doc: DocumentObject, t: Translator) -> None:
    section_ = doc.sections[0]
    section_.orientation = WD_ORIENT.PORTRAIT
    section_.page_width, section_.page_height = Cm(21), Cm(29.7)
    section_.top_margin, section_.bottom_margin = Cm(2), Cm(2)
    section_.left_margin, section_.right_margin = Cm(3), Cm(1.5)
    normal = doc.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    _set_font(normal, SIZE)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    lang = normal.element.get_or_add_rPr()
    tag = OxmlElement("w:lang")
    tag.set(qn("w:val"), "en-GB" if t.locale == "en" else "vi-VN")
    lang.append(tag)
    for name in ("Heading 1", "Heading 2"):
        heading = doc.styles[name]
        assert isinstance(heading, ParagraphStyle)
        _set_font(heading, SIZE, bold=True)
        heading.paragraph_format.space_before = Pt(6)
        heading.paragraph_format.space_after = Pt(6)
        heading.paragraph_format.keep_with_next = True
    for name in ("Table Grid",):
        table_style = doc.styles[name]
        table_style.font.name = FONT
        table_style.font.size = TABLE_SIZE
    doc.core_properties.language = "en" if t.locale == "en" else "vi"


@cache
def _formatted(
    bold: bool,
    italic: bool,
    underline: bool,
    size: Pt | None,
    align: WD_ALIGN_PARAGRAPH,
    after: Pt | None,
) -> CT_P:
    """An empty paragraph of one run in this format, for ``_paragraph`` to copy.

    python-docx's formatting API costs more per paragraph than all the rest, and a
    province's report has thousands of paragraphs in a handful of formats.
    """
    p = cast(CT_P, OxmlElement("w:p"))
    font = Font(p.add_r())
    font.bold = bold or None
    font.italic = italic or None
    font.underline = underline or None
    if size is not None:
        font.size = size
    fmt = ParagraphFormat(p)
    fmt.alignment = align
    if align == WD_ALIGN_PARAGRAPH.JUSTIFY:
        fmt.first_line_indent = BODY_INDENT
    if after is not None:
        fmt.space_after = after
    return p


def _write(run: CT_R, content: str) -> None:
    """Give an empty run its text, as ``run.text = content`` would.

    python-docx reads the text a character at a time to turn tabs and line breaks into
    their elements; text without them is a single ``w:t``.
    """
    content = displayable(content)
    if _RUN_BREAKS.search(content):
        run.text = content
    elif content:
        run.add_t(content)


def _paragraph(
    where: Container,
    content: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: Pt | None = None,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    after: Pt | None = None,
) -> None:
    """A paragraph of one run; justified ones are body text, with a first-line indent."""
    p = deepcopy(_formatted(bold, italic, underline, size, align, after))
    _write(p.r_lst[0], content)
    if isinstance(where, _Cell):
        where._tc.append(p)
    else:
        # The section's properties close the body. python-docx finds them by looking
        # through every paragraph so far, which made a long report quadratic.
        where.element.body[-1].addprevious(p)


def _line(where: Container, content: str) -> None:
    """A ``- `` line of a list, the way Vietnamese reports list points."""
    _paragraph(where, f"- {content}")


def _heading(doc: DocumentObject, content: str, level: int) -> Paragraph:
    heading: Paragraph = doc.add_heading(displayable(content), level=level)
    return heading


def _cell_paragraph(cell: _Cell, content: str, **kwargs: Any) -> None:
    """Fill a cell's first paragraph, or add one after it."""
    first = cell.paragraphs[0]
    if not first.text and not first.runs:
        cell._element.remove(first._element)
    kwargs.setdefault("align", WD_ALIGN_PARAGRAPH.CENTER)
    kwargs.setdefault("after", Pt(0))
    _paragraph(cell, content, **kwargs)


def _table_property(table: Table, tagname: str) -> BaseOxmlElement:
    """A new table property, placed where the schema orders it: Word may refuse it elsewhere."""
    element: BaseOxmlElement = OxmlElement(tagname)
    later = _TABLE_PROPERTIES[_TABLE_PROPERTIES.index(tagname) + 1 :]
    table._tbl.tblPr.insert_element_before(element, *later)
    return element


def _borderless(table: Table) -> None:
    """A table that only sets text side by side: no borders, and no padding at the sides,
    so the text of each column has its whole width."""
    borders = _table_property(table, "w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    margins = _table_property(table, "w:tblCellMar")
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), "0")
        element.set(qn("w:type"), "dxa")
        margins.append(element)


def _widths(table: Table, widths: Sequence[Length]) -> None:
    """Fixed columns: LibreOffice, and often Word, lay a table out by its grid, not its cells."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _repeat_header(table: Table) -> None:
    properties = table.rows[0]._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _grid(
    doc: DocumentObject,
    headings: Sequence[str],
    body: Iterable[Sequence[str]],
    widths: Sequence[Length],
    *,
    centered: Collection[int] = (),
) -> Table:
    """A bordered table with a bold header row that repeats on every page.

    Cells are left-aligned, since justifying a narrow column spreads its words apart;
    the ``centered`` columns hold numbers, codes or dates.
    """
    table: Table = doc.add_table(rows=2, cols=len(headings))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, blank = table.rows
    for cell, heading in zip(header.cells, headings, strict=True):
        _cell_paragraph(cell, heading, bold=True, size=TABLE_SIZE)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for index, cell in enumerate(blank.cells):
        align = WD_ALIGN_PARAGRAPH.CENTER if index in centered else WD_ALIGN_PARAGRAPH.LEFT
        _cell_paragraph(cell, "", size=TABLE_SIZE, align=align)
    _repeat_header(table)
    _widths(table, widths)
    # The body's rows are copies of this formatted blank row, appended to the table:
    # python-docx's objects for each row, cell and run cost far more than the copy.
    model = blank._tr
    tbl = table._tbl
    tbl.remove(model)
    for values in body:
        row = deepcopy(model)
        for run, value in zip(row.iter(qn("w:r")), values, strict=True):
            _write(cast(CT_R, run), value)
        tbl.append(row)
    doc.add_paragraph()
    return table


# -- the header block ------------------------------------------------------------------


def _place(organization: str) -> str:
    """``UBND phường Lương Sơn`` -> ``Lương Sơn``, the place a document is dated at."""
    place = _PLACE_PREFIX.sub("", organization.strip(), count=1).strip()
    return place or organization.strip()


def _dated(place: str, when: date, t: Translator) -> str:
    # Offices write days with two digits, and months under 3 too ("ngày 05 tháng 02").
    day = str(when.day).zfill(2)
    month = str(when.month).zfill(2) if when.month < 3 else str(when.month)
    return t._(
        # TRANSLATORS: Vietnamese offices write "Lương Sơn, ngày 05 tháng 3 năm 2024".
        "{place}, {day}/{month}/{year}",
        place=place,
        day=day,
        month=month,
        year=when.year,
    )


def _masthead(doc: DocumentObject, figures: Figures, t: Translator) -> None:
    name = figures.organization.name
    parent = figures.organization.parent or ""
    when = figures.as_of
    table = doc.add_table(rows=2, cols=2)
    _borderless(table)
    left, right = table.rows[0].cells
    if parent:
        _cell_paragraph(left, parent.upper(), size=MASTHEAD_SIZE)
    _cell_paragraph(left, name.upper(), bold=True, size=MASTHEAD_SIZE)
    _cell_paragraph(left, "———", size=Pt(8))
    _cell_paragraph(right, t._("SOCIALIST REPUBLIC OF VIETNAM"), bold=True, size=MASTHEAD_SIZE)
    _cell_paragraph(right, t._("Independence - Freedom - Happiness"), bold=True, underline=True)
    number_cell, date_cell = table.rows[1].cells
    _cell_paragraph(number_cell, t._("No.:      /BC-UBND"), after=Pt(6))
    _cell_paragraph(date_cell, _dated(_place(name), when, t), italic=True, after=Pt(6))
    _widths(table, MASTHEAD_WIDTHS)


def _title(doc: DocumentObject, figures: Figures, t: Translator) -> None:
    period = period_label(figures, t)
    _paragraph(doc, "", after=Pt(0))
    _paragraph(
        doc, t._("REPORT"), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(14), after=Pt(0)
    )
    _paragraph(
        doc,
        t._("Results of the plan to improve the PAPI index, {period}", period=period),
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=Pt(0),
    )
    _paragraph(doc, "———", align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(8))
    organization = figures.organization
    if organization.parent:
        _paragraph(
            doc,
            t._("To: {recipient}", recipient=organization.parent),
            align=WD_ALIGN_PARAGRAPH.CENTER,
        )
    communes = [c for c in organization.communes if c]
    as_of = t.date(figures.as_of)
    _paragraph(
        doc,
        t._(
            "{organization} reports the results of carrying out its plan to maintain and "
            "improve the Provincial Governance and Public Administration Performance Index "
            "(PAPI) in {period}, with figures as of {date}, as follows:",
            organization=organization.name,
            period=period,
            date=as_of,
        ),
    )
    if len(communes) > 1:
        _paragraph(
            doc,
            t.ngettext(
                "The figures cover {n} commune: {names}.",
                "The figures cover {n} communes: {names}.",
                len(communes),
                names="; ".join(communes),
            ),
        )


# -- I. overview -----------------------------------------------------------------------


def _overview(doc: DocumentObject, figures: Figures, t: Translator) -> None:
    tasks = figures.tasks
    feedback = figures.feedback
    _heading(doc, t._("I. OVERALL RESULTS"), 1)
    _heading(doc, t._("1. Carrying out the plan's tasks"), 2)
    total = tasks.total
    on_time, late = tasks.done_on_time, tasks.done_late
    if not total:
        _line(doc, t._("The plan has no task in this period."))
    else:
        _line(
            doc,
            t.ngettext(
                "The plan has {n} task in the period.",
                "The plan has {n} tasks in the period.",
                total,
            ),
        )
        _line(
            doc,
            t._(
                "Done: {done} ({rate} of the tasks with a deadline), of which {on_time} on "
                "time and {late} late.",
                done=t.number(on_time + late),
                rate=percent(tasks.progress, t),
                on_time=t.number(on_time),
                late=t.number(late),
            ),
        )
        _line(
            doc,
            t._(
                "Overdue and not done: {overdue}; due within two weeks: {due_soon}; not yet "
                "due: {pending}.",
                overdue=t.number(tasks.overdue),
                due_soon=t.number(tasks.due_soon),
                pending=t.number(tasks.pending),
            ),
        )
        _line(
            doc,
            t._(
                "Carried out regularly: {ongoing}; waiting for an instruction or event: "
                "{waiting}; without a deadline: {undated}.",
                ongoing=t.number(tasks.ongoing),
                waiting=t.number(tasks.waiting_event),
                undated=t.number(tasks.undated),
            ),
        )
        body = [[state_label(s, t), t.number(tasks.of(s))] for s in TASK_STATES]
        body.append([t._("Total"), t.number(total)])
        headings = [t._("State"), t._("Number of tasks")]
        _grid(doc, headings, body, STATE_WIDTHS, centered={1})
    _heading(doc, t._("2. Receiving and answering citizens' feedback"), 2)
    received, answered = feedback.received, feedback.answered
    _line(
        doc,
        t._(
            "Received: {received}; answered: {answered} ({rate} within the legal deadline); "
            "still open: {open}. Details are in part III.",
            received=t.number(received),
            answered=t.number(answered),
            rate=percent(share(feedback.answered_on_time, answered), t),
            open=t.number(feedback.open),
        ),
    )


# -- II. per dimension -----------------------------------------------------------------


def _done_line(item: Listed, t: Translator) -> str:
    evidence = item.evidence or ""
    when = t.date(item.done_on) if item.done_on else ""
    if item.late:
        timing = t._("done on {date}, after the deadline of {due}", date=when, due=_due(item, t))
    else:
        timing = t._("done on {date}, on time", date=when)
    return t._(
        "{code} {task} ({unit}): {timing}; evidence: {evidence}.",
        code=item.code,
        task=item.task.rstrip("."),
        unit=item.unit or "—",
        timing=timing,
        evidence=evidence or t._("none attached"),
    )


def _due(item: Listed, t: Translator) -> str:
    return t.date(item.due)


def _reasons(item: Listed, t: Translator) -> str:
    reasons = [r.strip().rstrip(".;") for r in item.reasons if r.strip()]
    return "; ".join(reasons) if reasons else t._("no reason reported")


def _late_line(item: Listed, t: Translator) -> str:
    days = item.days_late
    done_on = t.date(item.done_on) if item.done_on else ""
    status = (
        t._("done on {date}", date=done_on) if done_on else t._("not done as of the report date")
    )
    return t.ngettext(
        "{code} {task} ({unit}): due {due}, {n} day late, {status}. Reasons: {reasons}.",
        "{code} {task} ({unit}): due {due}, {n} days late, {status}. Reasons: {reasons}.",
        days,
        code=item.code,
        task=item.task.rstrip("."),
        unit=item.unit or "—",
        due=_due(item, t),
        status=status,
        reasons=_reasons(item, t),
    )


def _dimension(doc: DocumentObject, index: int, group: DimensionGroup, t: Translator) -> None:
    heading = dimension_heading(group.code, group.name, t)
    _heading(doc, t._("{number}. {title}", number=index, title=heading), 2)
    counts = group.counts
    other = sum(counts.of(s) for s in UNDATED)
    _line(
        doc,
        t._(
            "Tasks: {total}; done: {done} ({on_time} on time, {late} late); overdue: "
            "{overdue}; not yet due: {pending}; regular, waiting or without a deadline: "
            "{other}. Progress: {progress}.",
            total=t.number(group.total),
            done=t.number(counts.finished),
            on_time=t.number(counts.done_on_time),
            late=t.number(counts.done_late),
            overdue=t.number(counts.overdue),
            pending=t.number(counts.pending + counts.due_soon),
            other=t.number(other),
            progress=percent(group.progress, t),
        ),
    )
    _paragraph(doc, t._("a) What was done, with its evidence:"), italic=True)
    done = sorted(group.done, key=listed_key)
    for item in done:
        _line(doc, _done_line(item, t))
    if not done:
        _line(doc, t._("No task of this part was done in the period."))
    _paragraph(doc, t._("b) What is late, and why:"), italic=True)
    late = sorted(group.late, key=listed_key)
    for item in late:
        _line(doc, _late_line(item, t))
    if not late:
        _line(doc, t._("No task of this part is late."))


def _dimensions(doc: DocumentObject, figures: Figures, t: Translator) -> None:
    _heading(doc, t._("II. RESULTS FOR EACH PAPI DIMENSION"), 1)
    found = dimension_groups(figures.tasks)
    for index, group in enumerate(found, start=1):
        _dimension(doc, index, group, t)
    if not found:
        _line(doc, t._("The plan has no task in this period."))


# -- III. feedback ---------------------------------------------------------------------


def _breakdown(
    found: Mapping[str, GroupCounts], name: Callable[[str, Translator], str], t: Translator
) -> str:
    items = [
        t._("{name}: {n}", name=name(item, t), n=t.number(counts.received))
        for item, counts in sorted(found.items(), key=lambda kv: -kv[1].received)
    ]
    return "; ".join(items)


def _feedback(doc: DocumentObject, figures: Figures, t: Translator) -> None:
    feedback = figures.feedback
    received, answered = feedback.received, feedback.answered
    _heading(doc, t._("III. RECEIVING AND ANSWERING CITIZENS' FEEDBACK"), 1)
    _heading(doc, t._("1. Receiving"), 2)
    if not received:
        _line(doc, t._("No feedback, complaint or denunciation was received in the period."))
    else:
        _line(
            doc,
            t.ngettext(
                "{n} item of feedback was received in the period ({kinds}).",
                "{n} items of feedback were received in the period ({kinds}).",
                received,
                kinds=_breakdown(feedback.by_kind, kind_label, t),
            ),
        )
        topics = _breakdown(feedback.by_topic, topic_name, t)
        if topics:
            _line(doc, t._("By topic: {topics}.", topics=topics))
        _line(
            doc,
            t._(
                "Not accepted: {refused}; merged into another case: {merged}.",
                refused=t.number(feedback.refused),
                merged=t.number(feedback.merged),
            ),
        )
    _heading(doc, t._("2. Answering"), 2)
    on_time = feedback.answered_on_time
    _line(
        doc,
        t._(
            "Answered: {answered}, of which {on_time} within the legal deadline and {late} "
            "after it; on-time rate: {rate}.",
            answered=t.number(answered),
            on_time=t.number(on_time),
            late=t.number(feedback.answered_late),
            rate=percent(share(on_time, answered), t),
        ),
    )
    _line(
        doc,
        t._(
            "Still being handled: {open}; closed without being resolved: {unresolved}.",
            open=t.number(feedback.open),
            unresolved=t.number(feedback.closed_unresolved),
        ),
    )
    average, p90 = feedback.avg_days_to_answer, feedback.p90_days_to_answer
    if average is not None and p90 is not None:
        _line(
            doc,
            t._(
                "An answer took {average} days on average; nine answers in ten took at most "
                "{p90} days.",
                average=t.number(average),
                p90=t.number(p90),
            ),
        )
    _heading(doc, t._("3. Citizens' satisfaction"), 2)
    rated = feedback.rated
    if rated:
        _line(
            doc,
            t.ngettext(
                "{n} answer was rated: satisfied {satisfied}, neutral {neutral}, not "
                "satisfied {unsatisfied}; satisfaction rate: {rate}.",
                "{n} answers were rated: satisfied {satisfied}, neutral {neutral}, not "
                "satisfied {unsatisfied}; satisfaction rate: {rate}.",
                rated,
                satisfied=t.number(feedback.satisfied),
                neutral=t.number(feedback.neutral),
                unsatisfied=t.number(feedback.unsatisfied),
                rate=percent(feedback.satisfaction_rate, t),
            ),
        )
    else:
        _line(doc, t._("No answer was rated by a citizen in the period."))
    _line(
        doc,
        t._(
            "Reopened after the citizen's rating: {reopened} (counted apart, not as new feedback).",
            reopened=t.number(feedback.reopened),
        ),
    )
    by_kind = feedback.by_kind
    if by_kind:
        body = [
            [
                kind_label(kind, t),
                *(
                    t.number(n)
                    for n in (
                        counts.received,
                        counts.answered,
                        counts.answered_on_time,
                        counts.open,
                    )
                ),
            ]
            for kind, counts in by_kind.items()
        ]
        body.append(
            [
                t._("Total"),
                t.number(received),
                t.number(answered),
                t.number(on_time),
                t.number(feedback.open),
            ]
        )
        headings = [
            t._("Kind of feedback"),
            t._("Received"),
            t._("Answered"),
            t._("Answered on time"),
            t._("Still open"),
        ]
        _grid(doc, headings, body, FEEDBACK_WIDTHS, centered=range(1, len(headings)))


# -- IV. shortcomings and next steps ---------------------------------------------------


def _shortcomings(doc: DocumentObject, figures: Figures, t: Translator) -> None:
    tasks = figures.tasks
    feedback = figures.feedback
    _heading(doc, t._("IV. SHORTCOMINGS AND NEXT STEPS"), 1)
    _heading(doc, t._("1. Shortcomings and their causes"), 2)
    overdue = sorted(tasks.overdue_items, key=lambda i: (-i.days_late, listed_key(i)))
    said = False
    if tasks.overdue:
        said = True
        _line(
            doc,
            t.ngettext(
                "{n} task is overdue and not done:",
                "{n} tasks are overdue and not done:",
                tasks.overdue,
            ),
        )
        for item in overdue:
            _paragraph(doc, f"+ {_late_line(item, t)}")
    counted = (
        (
            tasks.done_late,
            t.ngettext(
                "{n} task was done after its deadline.",
                "{n} tasks were done after their deadline.",
                tasks.done_late,
            ),
        ),
        (
            feedback.answered_late,
            t.ngettext(
                "{n} answer to citizens was given after the legal deadline.",
                "{n} answers to citizens were given after the legal deadline.",
                feedback.answered_late,
            ),
        ),
        (
            feedback.closed_unresolved,
            t.ngettext(
                "{n} case was closed without being resolved.",
                "{n} cases were closed without being resolved.",
                feedback.closed_unresolved,
            ),
        ),
        (
            feedback.unsatisfied,
            t.ngettext(
                "{n} citizen was not satisfied with the answer.",
                "{n} citizens were not satisfied with the answer.",
                feedback.unsatisfied,
            ),
        ),
    )
    for n, sentence in counted:
        if n:
            said = True
            _line(doc, sentence)
    if not said:
        _line(doc, t._("No task is overdue and every answer to citizens was given on time."))
    _heading(doc, t._("2. Next steps"), 2)
    for item in overdue:
        _line(
            doc,
            t._(
                "{unit} to finish task {code} without further delay: {task}.",
                unit=item.unit or t._("The lead unit"),
                code=item.code,
                task=item.task.rstrip("."),
            ),
        )
    if n := tasks.due_soon:
        _line(
            doc,
            t.ngettext(
                "Finish on time the {n} task due within the next two weeks.",
                "Finish on time the {n} tasks due within the next two weeks.",
                n,
            ),
        )
    if n := feedback.open:
        _line(
            doc,
            t.ngettext(
                "Answer the {n} item of feedback still open within its legal deadline.",
                "Answer the {n} items of feedback still open within their legal deadlines.",
                n,
            ),
        )
    if n := feedback.unsatisfied + feedback.closed_unresolved:
        _line(
            doc,
            t.ngettext(
                "Review the {n} case whose citizen was not satisfied or that was closed "
                "without being resolved.",
                "Review the {n} cases whose citizens were not satisfied or that were closed "
                "without being resolved.",
                n,
            ),
        )
    _line(
        doc,
        t._(
            "Keep carrying out the regular tasks of the plan and report their results every "
            "quarter, six months and year."
        ),
    )


# -- signature and annex ---------------------------------------------------------------


def _signature(doc: DocumentObject, figures: Figures, t: Translator) -> None:
    parent = figures.organization.parent
    doc.add_paragraph()
    table = doc.add_table(rows=1, cols=2)
    _borderless(table)
    # The recipients and the signature stay on one page, never split from each other.
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    left, right = table.rows[0].cells
    flush = WD_ALIGN_PARAGRAPH.LEFT
    _cell_paragraph(left, t._("Recipients:"), bold=True, italic=True, size=Pt(12), align=flush)
    if parent:
        _cell_paragraph(left, f"- {parent};", size=Pt(11), align=flush)
    _cell_paragraph(left, t._("- Filed: Office."), size=Pt(11), align=flush)
    _cell_paragraph(right, t._("ON BEHALF OF THE PEOPLE'S COMMITTEE"), bold=True)
    _cell_paragraph(right, t._("CHAIRPERSON"), bold=True)
    for _ in range(SIGNING_LINES):
        _cell_paragraph(right, "")
    _cell_paragraph(right, NAME_LINE)
    _widths(table, SIGNATURE_WIDTHS)


def _annex_rows(tasks: TaskFigures, t: Translator) -> list[list[str]]:
    """One row per listed occurrence: done ones with evidence, late ones with reasons."""
    body: list[list[str]] = []
    for index, item in enumerate(sorted(tasks.listed, key=listed_key), start=1):
        done_on = t.date(item.done_on) if item.done_on else ""
        if item.standing == Standing.DONE_ON_TIME:
            result = t._("Done on time ({date})", date=done_on)
        elif item.standing == Standing.DONE_LATE:
            result = t.ngettext(
                "Done {date}, {n} day late",
                "Done {date}, {n} days late",
                item.days_late,
                date=done_on,
            )
        else:
            result = t.ngettext("Overdue by {n} day", "Overdue by {n} days", item.days_late)
        note = item.evidence or ""
        if item.late:
            note = "; ".join(filter(None, [note, _reasons(item, t)]))
        body.append(
            [
                t.number(index),
                item.code,
                item.task,
                item.unit or "",
                _due(item, t),
                result,
                note,
            ]
        )
    return body


def _annex(doc: DocumentObject, figures: Figures, t: Translator) -> None:
    tasks = figures.tasks
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    annex = _heading(doc, t._("ANNEX: TASKS DONE, LATE AND OVERDUE IN THE PERIOD"), 1)
    annex.alignment = WD_ALIGN_PARAGRAPH.CENTER
    organization = figures.organization.name
    _paragraph(
        doc,
        t._(
            "(Attached to report No.      /BC-UBND of {organization} on {period})",
            organization=organization,
            period=period_label(figures, t),
        ),
        italic=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    body = _annex_rows(tasks, t)
    if not body:
        _line(doc, t._("No task was done or is late in this period."))
        return
    headings = [
        t._("No."),
        t._("Plan code"),
        t._("Task"),
        t._("Lead unit"),
        t._("Due"),
        t._("Result"),
        t._("Evidence or reasons"),
    ]
    _grid(doc, headings, body, ANNEX_WIDTHS, centered=ANNEX_CENTERED)


def render_document(figures: Figures, t: Translator) -> bytes:
    """The period's report as a .docx, in Vietnamese or in the reader's language."""
    doc = Document()
    _setup(doc, t)
    _masthead(doc, figures, t)
    _title(doc, figures, t)
    _overview(doc, figures, t)
    _dimensions(doc, figures, t)
    _feedback(doc, figures, t)
    for line in messaging_lines(figures, t):
        _line(doc, line)
    _shortcomings(doc, figures, t)
    _signature(doc, figures, t)
    _annex(doc, figures, t)
    doc.core_properties.title = displayable(
        t._(
            "Results of the plan to improve the PAPI index, {period}",
            period=period_label(figures, t),
        )
    )
    doc.core_properties.author = displayable(figures.organization.name)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
