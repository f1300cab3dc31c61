"""The notices that tell admins a channel cannot deliver: a person gone, a token refused."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from bot.i18n import Translator
from bot.reminders.notices import Notice


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PersonUnreachable(Notice):
    """A person blocked the bot or left the chat; no ``name`` means a citizen."""

    notice: ClassVar[str] = "unreachable"
    name: str | None = None

    def render(self, t: Translator) -> str:
        """The notice's text; a citizen (perhaps a denouncer) is never named."""
        if not self.name:
            return "⚠️ " + t._(
                "A citizen cannot be reached: they blocked the bot or left the chat. Answers "
                "to their cases wait until they write to the bot again."
            )
        return "⚠️ " + t._(
            "{name} cannot be reached: they blocked the bot or left the chat. Their reminders "
            "are on hold until they write to the bot again.",
            name=self.name,
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Undelivered(Notice):
    """A message failed after every retry; no ``name`` means a citizen."""

    notice: ClassVar[str] = "undelivered"
    name: str | None = None

    def render(self, t: Translator) -> str:
        """The notice's text; a citizen (perhaps a denouncer) is never named."""
        if not self.name:
            return "⚠️ " + t._("A message to a citizen could not be delivered after several tries.")
        return "⚠️ " + t._(
            "A message to {name} could not be delivered after several tries.", name=self.name
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ZaloReconnect(Notice):
    """Zalo refused the OA's refresh token: an admin must approve the consent again."""

    notice: ClassVar[str] = "zalo_reconnect"

    def render(self, t: Translator) -> str:
        """The notice's text."""
        return "⚠️ " + t._(
            "Zalo refused the bot's token: nothing can be sent on Zalo until an admin runs "
            "“python -m bot zalo connect” and approves the consent again."
        )
