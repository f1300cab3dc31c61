"""What can stop a step of a case's lifecycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import BotError
from bot.feedback.views import status_label
from db.models import CaseStatus

if TYPE_CHECKING:
    from bot.i18n import Translator


class CaseMovedOn(BotError):
    """The case left the state the step needs (``by`` took its latest step, if staff)."""

    def __init__(self, code: str, status: CaseStatus, by: str | None) -> None:
        super().__init__(code, status)
        self.code = code
        self.status = status
        self.by = by

    def message(self, t: Translator) -> str:
        """Say where the case stands now, and who moved it there."""
        status = status_label(self.status, t, staff=True)
        if self.by:
            return t._(
                "{code} is now “{status}” (last step by {name}), so this can no longer be "
                "done. Nothing was changed.",
                code=self.code,
                status=status,
                name=self.by[:100],
            )
        return t._(
            "{code} is now “{status}”, so this can no longer be done. Nothing was changed.",
            code=self.code,
            status=status,
        )


class NotADuplicateTarget(BotError):
    """The code given as the original of a duplicate names no other case of the commune."""

    def message(self, t: Translator) -> str:
        """Ask for a usable code."""
        return t._("Send the code of another case of this commune, for example PA-2026-00042.")


class CaseNotRateable(BotError):
    """The case has no answer to rate, or was rated already."""

    def __init__(self, rated: bool) -> None:
        super().__init__(rated)
        self.rated = rated

    def message(self, t: Translator) -> str:
        """Say which."""
        if self.rated:
            return t._("This case was already rated.")
        return t._("This case has no answer to rate yet.")


class UnitWithoutMembers(BotError):
    """The unit a case would be assigned to has no official to handle it."""

    def __init__(self, unit: str) -> None:
        super().__init__(unit)
        self.unit = unit

    def message(self, t: Translator) -> str:
        """Warn that nobody would be told, and ask to confirm."""
        return t._(
            "“{unit}” has no members yet: nobody would be told about the case or reminded of "
            "its deadline. Assign it anyway?",
            unit=self.unit[:100],
        )
