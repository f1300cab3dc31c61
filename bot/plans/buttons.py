"""The buttons of a plan import and its unit-mapping questions, declared once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Self

from bot.numbers import parse_id
from bot.payloads import Payload
from bot.plans.mapping import MAPPING_TARGETS, Choice, Target

_UNIT_MARK: Final = "u"


@dataclass(frozen=True, slots=True)
class MapTo:
    """The answer on a mapping button: a kind of target, or an existing unit (``u12``)."""

    target: Target
    unit_id: int | None = None

    @classmethod
    def from_text(cls, raw: str) -> Self | None:
        """The answer written as ``raw``, or ``None`` if it names none."""
        if raw in MAPPING_TARGETS:
            return cls(Target(raw))
        unit_id = parse_id(raw.removeprefix(_UNIT_MARK)) if raw.startswith(_UNIT_MARK) else None
        return None if unit_id is None else cls(Target.UNIT, unit_id)

    def __str__(self) -> str:
        return f"{_UNIT_MARK}{self.unit_id}" if self.target is Target.UNIT else self.target.value

    @property
    def choice(self) -> Choice:
        """The answer as the importer takes it."""
        return Choice(self.target, self.unit_id)


@dataclass(frozen=True, slots=True)
class PlanButton(Payload):
    """A button about the file being imported."""

    upload: int


@dataclass(frozen=True, slots=True)
class ConfirmImport(PlanButton):
    """Apply the previewed import."""

    prefix: ClassVar[str] = "plan:confirm"


@dataclass(frozen=True, slots=True)
class CancelImport(PlanButton):
    """Drop the previewed import."""

    prefix: ClassVar[str] = "plan:cancel"


@dataclass(frozen=True, slots=True)
class MapRestAsNew(PlanButton):
    """Make every name still without an answer a new unit."""

    prefix: ClassVar[str] = "plan:rest"


@dataclass(frozen=True, slots=True)
class MapName(PlanButton):
    """Answer where the tasks of one unit name (question) go."""

    prefix: ClassVar[str] = "plan:map"
    question: int
    to: MapTo


@dataclass(frozen=True, slots=True)
class MapUnitsPage(PlanButton):
    """Show a page of the existing units to answer one question with."""

    prefix: ClassVar[str] = "plan:units"
    question: int
    page: int
