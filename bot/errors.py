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
