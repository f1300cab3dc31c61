"""What can be wrong with a request for figures: a unit that is not there, or none at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import BotError

if TYPE_CHECKING:
    from bot.i18n import Translator


class ScopeError(BotError):
    """The figures asked for name nothing the person may see."""


class UnknownUnit(ScopeError):
    """No unit of the organization goes by ``name``."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def message(self, t: Translator) -> str:
        """Say which name was not found."""
        return t._("There is no unit called “{name}”.", name=self.name[:100])


class NotInAUnit(ScopeError):
    """An official, who sees only their unit's figures, belongs to no unit."""

    def message(self, t: Translator) -> str:
        """Say why there is nothing to show."""
        return t._("You are not in any unit yet, so there are no figures of yours to show.")
