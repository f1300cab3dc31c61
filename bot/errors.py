"""Domain errors: every error the bot raises on purpose derives from ``BotError``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.i18n import Translator


class BotError(Exception):
    """Base class of the bot's domain errors."""

    def message(self, t: Translator) -> str:
        """Explain the error to the person who caused it, in their language."""
        return t._("That did not work, and nothing was changed. Please try again.")


class NotFound(BotError):
    """The id or code names nothing this person may act on."""

    def message(self, t: Translator) -> str:
        """Say the button or reference is no longer good."""
        return t._("This button is no longer valid. Nothing was changed.")


class NotAllowed(BotError):
    """The person's roles in the owning organization do not allow this step."""

    def message(self, t: Translator) -> str:
        """Say it is not theirs to do."""
        return t._("This button is not for you. Nothing was changed.")


class AlreadyDone(BotError):
    """Someone else took this step first (``by`` names them, when known)."""

    def __init__(self, by: str | None) -> None:
        super().__init__(by)
        self.by = by

    def message(self, t: Translator) -> str:
        """Say who was first."""
        if self.by:
            return t._("{name} already did this. Nothing was changed.", name=self.by[:100])
        return t._("This was already done. Nothing was changed.")
