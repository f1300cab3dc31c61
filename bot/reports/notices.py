"""The notice that tells a leader a scheduled report could not be made, after every try."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from bot.i18n import Translator
from bot.reminders.notices import Notice

WEEKLY: Final = "weekly_summary"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReportFailed(Notice):
    """A weekly summary or period report failed to render or send after every retry.

    ``period`` is the period's code (``Q3/2024``), the one /report reads back; none for
    the weekly summary.
    """

    notice: ClassVar[str] = "report_failed"
    period: str | None = None
    closing: bool = False

    def render(self, t: Translator) -> str:
        """The notice's text, with the command that asks for the same figures now."""
        if not self.period:
            return "⚠️ " + t._(
                "This week's summary could not be prepared, even after several tries. The "
                "error is in the bot's log for the administrator. Send /status to see the "
                "figures now."
            )
        command = f"/report {self.period}" + (" closing" if self.closing else "")
        return "⚠️ " + t._(
            "The report for {period} could not be prepared, even after several tries. The "
            "error is in the bot's log for the administrator. Send {command} to ask for it "
            "again.",
            period=self.period,
            command=command,
        )


def report_failed(kind: str, params: Mapping[str, Any]) -> ReportFailed:
    """The notice about a report row of ``kind`` with these ``params`` that failed."""
    if kind == WEEKLY:
        return ReportFailed()
    return ReportFailed(
        period=str(params.get("period", ""))[:40] or None, closing=params.get("closing") is True
    )
