"""A period report as the messages a leader receives: summary, chart, workbook, document."""

from __future__ import annotations

from datetime import date
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.messages import Attachment, Reply
from bot.periods import Period, label
from bot.reports.figures import Narrow, figures
from bot.reports.model import ReportFigures
from bot.reports.screen import status_screen

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _slug(period: Period) -> str:
    return period.code.replace("/", "-").replace("..", "_")


def report_replies(data: ReportFigures, period: Period, t: Translator) -> list[Reply]:
    """The summary message and the three files of a report."""
    # The renderers pull in matplotlib, openpyxl and python-docx (~60 MiB): only reports do.
    from bot.reports.charts import render_chart
    from bot.reports.document import render_document
    from bot.reports.workbook import render_workbook

    title = t._("Report {period}", period=label(period, t))
    slug = _slug(period)
    chart = render_chart(data, t)
    book = render_workbook(data, t)
    document = render_document(data, t)
    return [
        Reply(status_screen(data, title, t)),
        Reply(t._("Chart"), file=Attachment(f"bao-cao-{slug}.png", "image/png", len(chart), chart)),
        Reply(t._("Tables"), file=Attachment(f"bao-cao-{slug}.xlsx", XLSX, len(book), book)),
        Reply(
            t._("Report document"),
            file=Attachment(f"bao-cao-{slug}.docx", DOCX, len(document), document),
        ),
    ]


async def period_report(
    session: AsyncSession,
    *,
    org_id: int,
    period: Period,
    as_of: date,
    tz: ZoneInfo,
    t: Translator,
    narrow: Narrow | None = None,
) -> list[Reply]:
    """Compute a period's figures (of one plan, narrowed so) and render them as a report."""
    data = await figures(session, org_id=org_id, period=period, as_of=as_of, tz=tz, narrow=narrow)
    return report_replies(data, period, t)


async def weekly_summary(
    session: AsyncSession, *, org_id: int, period: Period, as_of: date, tz: ZoneInfo, t: Translator
) -> list[Reply]:
    """The Monday one-screen summary of the year so far."""
    data = await figures(session, org_id=org_id, period=period, as_of=as_of, tz=tz)
    title = t._("Weekly summary, {date}", date=t.date(as_of))
    return [Reply(status_screen(data, title, t))]
