"""Button payloads, declared once: each is a small dataclass that builds and parses itself.

``CaseTo(case=7, unit=3).data`` is ``"case:to:7:3"``, and ``CaseTo.parse(("7", "3"))`` gives
the same object back. Parsing is the one validation every payload gets: ids are ASCII
digits that fit a 32-bit column, words are lower-case ASCII, enums take their values only,
and a field of a ``Field`` type (a topic, a language, a PAPI dimension…) reads itself with
``from_text``, written back with ``str()``. Anything else names nothing and parses to ``None``.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import typing
from collections.abc import Sequence
from typing import Any, ClassVar, Final, Protocol, Self, runtime_checkable

from bot.numbers import parse_id

SEPARATOR: Final = ":"
_WORD: Final = re.compile(r"[a-z0-9_\-]{1,32}")


class YesNo(enum.StrEnum):
    """A yes-or-no answer on a button."""

    YES = "yes"
    NO = "no"


@runtime_checkable
class Field(Protocol):
    """A payload field type that checks and reads its own text (``str()`` writes it)."""

    @classmethod
    def from_text(cls, raw: str) -> Self | None:
        """The value written as ``raw``, or ``None`` if ``raw`` is not one."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Payload:
    """A button's data: ``prefix`` (``namespace:action``), then each field in order."""

    prefix: ClassVar[str]

    @property
    def data(self) -> str:
        """The payload as sent with the button."""
        values = (_encode(getattr(self, f.name)) for f in dataclasses.fields(self))
        return SEPARATOR.join((self.prefix, *values))

    @classmethod
    def parse(cls, args: Sequence[str]) -> Self | None:
        """The payload from the arguments after the prefix, or ``None`` if they are not it."""
        fields = dataclasses.fields(cls)
        if len(args) != len(fields):
            return None
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field, raw in zip(fields, args, strict=True):
            value = _decode(hints[field.name], raw)
            if value is None:
                return None
            values[field.name] = value
        return cls(**values)


def _encode(value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _decode(kind: Any, raw: str) -> object | None:
    if isinstance(kind, type) and issubclass(kind, Field):
        return kind.from_text(raw)
    if kind is int:
        return parse_id(raw)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(raw)
        except ValueError:
            return None
    if kind is str:
        return raw if _WORD.fullmatch(raw) else None
    raise TypeError(f"payload fields are int, str, an enum or a Field, not {kind!r}")
