"""The language buttons, declared once: built here, parsed by the router."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from bot.i18n import SUPPORTED
from bot.payloads import Payload


class Language(str):
    """A language the bot speaks, by its code (``vi``, ``en``)."""

    @classmethod
    def from_text(cls, raw: str) -> Self | None:
        """The language with code ``raw``, if the bot has its catalog."""
        return cls(raw) if raw in SUPPORTED else None


@dataclass(frozen=True, slots=True)
class SetLanguage(Payload):
    """Switch the person's language."""

    prefix: ClassVar[str] = "lang:set"
    language: Language
