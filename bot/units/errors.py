"""Why a change to the unit directory was refused; each error says what to do instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import BotError

if TYPE_CHECKING:
    from bot.i18n import Translator

_SHOWN = 100


class UnitError(BotError):
    """A change to the unit directory that cannot be made."""


class BadUnitName(UnitError):
    """A name that is empty, only punctuation, a command, or too long."""

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(name[:_SHOWN])
        self.name, self.limit = name, limit

    def message(self, t: Translator) -> str:
        """Say what a usable name looks like."""
        if len(self.name) > self.limit:
            return t._("That name is too long (at most {limit} characters).", limit=self.limit)
        return t._("Please send the unit's name as text (or /cancel).")


class UnitExists(UnitError):
    """Another unit already goes by this name."""

    def __init__(self, name: str) -> None:
        super().__init__(name[:_SHOWN])
        self.name = name

    def message(self, t: Translator) -> str:
        """Name the clash."""
        return t._("A unit called “{name}” already exists.", name=self.name[:_SHOWN])


class AliasTaken(UnitError):
    """An alias is already a name or alias of another unit."""

    def __init__(self, alias: str, owner: str) -> None:
        super().__init__(f"{alias[:_SHOWN]} -> {owner[:_SHOWN]}")
        self.alias, self.owner = alias, owner

    def message(self, t: Translator) -> str:
        """Name the alias and the unit that has it; nothing was changed."""
        return t._(
            "“{alias}” is already a name of the unit “{owner}”. Nothing was changed; "
            "leave that alias out, or merge the two units.",
            alias=self.alias[:_SHOWN],
            owner=self.owner[:_SHOWN],
        )


class UnitNotFound(UnitError):
    """No unit goes by this name."""

    def __init__(self, name: str) -> None:
        super().__init__(name[:_SHOWN])
        self.name = name

    def message(self, t: Translator) -> str:
        """Say which name was not found."""
        return t._("There is no unit called “{name}”.", name=self.name[:_SHOWN])


class UnitAmbiguous(UnitError):
    """A loosely written name fits several units, or one only by some of its words."""

    def __init__(self, name: str, candidates: list[str]) -> None:
        super().__init__(name[:_SHOWN])
        self.name, self.candidates = name, candidates

    def message(self, t: Translator) -> str:
        """List the units the name could mean."""
        return t._(
            "“{name}” could mean: {units}. Write the unit's full name.",
            name=self.name[:_SHOWN],
            units="; ".join(self.candidates),
        )


class SameUnit(UnitError):
    """A unit cannot be merged into itself."""

    def message(self, t: Translator) -> str:
        """Say why nothing happened."""
        return t._("Both names are the same unit; nothing was merged.")


class UnitInUse(UnitError):
    """A unit that still has tasks, people, cases or invites cannot be deleted."""

    def __init__(self, name: str, uses: int) -> None:
        super().__init__(f"{name[:_SHOWN]}: {uses}")
        self.name, self.uses = name, uses

    def message(self, t: Translator) -> str:
        """Point to merging instead."""
        return t.ngettext(
            "“{name}” still has {n} task, person, case or invite. Merge it into another "
            "unit instead, so they move with it.",
            "“{name}” still has {n} tasks, people, cases or invites. Merge it into another "
            "unit instead, so they move with it.",
            self.uses,
            name=self.name[:_SHOWN],
        )


class UnitChanged(UnitError):
    """Someone else changed or removed the unit at the same moment."""

    def message(self, t: Translator) -> str:
        """Ask to look again."""
        return t._("The unit was changed by someone else just now. Look at /units and try again.")
