"""The buttons that choose which plan or year the status screen and a report are about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.payloads import Payload


@dataclass(frozen=True, slots=True)
class StatusPlan(Payload):
    """Show the status of one plan."""

    prefix: ClassVar[str] = "status:plan"
    plan: int


@dataclass(frozen=True, slots=True)
class ReportPlan(Payload):
    """Send the year's report of one plan."""

    prefix: ClassVar[str] = "report:plan"
    plan: int


@dataclass(frozen=True, slots=True)
class ReportYear(Payload):
    """Send the report of one year, every plan of it."""

    prefix: ClassVar[str] = "report:year"
    year: int
