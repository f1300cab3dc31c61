"""The buttons of the leader's list of what waits for them, declared once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.payloads import Payload


@dataclass(frozen=True, slots=True)
class PendingPage(Payload):
    """Show another page of what waits for the leader's decision."""

    prefix: ClassVar[str] = "pending:page"
    page: int
