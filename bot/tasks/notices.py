"""The notices officials' steps on a task send to leaders, and leaders' decisions back."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import ClassVar

from bot.i18n import Translator
from bot.messages import Button
from bot.reminders.notices import Notice
from bot.tasks.payloads import ApproveExtension, DeclineExtension


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TaskBlocked(Notice):
    """To the overseeing leaders: an official reports what blocks a task."""

    notice: ClassVar[str] = "blocked"
    name: str
    code: str
    reason: str

    def render(self, t: Translator) -> str:
        """The notice's text."""
        return "⛔ " + t._(
            "{name} reports that task [{code}] is blocked: {reason}",
            name=self.name,
            code=self.code,
            reason=self.reason,
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ExtensionAsked(Notice):
    """To the overseeing leaders: an official asks for a later due date; they decide."""

    notice: ClassVar[str] = "extension"
    request: int | None = None
    name: str
    code: str
    current: date
    proposed: date
    reason: str

    @property
    def label(self) -> str:
        """The task's code."""
        return self.code

    def render(self, t: Translator) -> str:
        """The notice's text."""
        return "🕒 " + t._(
            "{name} asks to move task [{code}] from {current} to {proposed}. Reason: {reason}",
            name=self.name,
            code=self.code,
            current=t.date(self.current),
            proposed=t.date(self.proposed),
            reason=self.reason,
        )

    def buttons(self, t: Translator) -> list[list[Button]]:
        """Approve or decline the request."""
        if self.request is None:
            return []
        return [
            [
                Button(t._("Approve"), ApproveExtension(self.request).data),
                Button(t._("Decline"), DeclineExtension(self.request).data),
            ]
        ]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ExtensionDecided(Notice):
    """To the official who asked: the leader's decision on more time."""

    notice: ClassVar[str] = "extension_decided"
    code: str
    approved: bool
    proposed: date
    current: date

    def render(self, t: Translator) -> str:
        """The notice's text."""
        if self.approved:
            return "✅ " + t._(
                "More time for task [{code}] was approved: now due {proposed}.",
                code=self.code,
                proposed=t.date(self.proposed),
            )
        return "❌ " + t._(
            "More time for task [{code}] was declined; it stays due {current}.",
            code=self.code,
            current=t.date(self.current),
        )
