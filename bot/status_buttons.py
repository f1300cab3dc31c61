"""The status screen's buttons, declared once: built here, parsed by the router."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from bot.payloads import Payload

_DIMENSION: Final = re.compile(r"[dD][1-8]")


class Dimension(str):
    """A PAPI dimension by its code, ``D1`` to ``D8``."""

    @classmethod
    def from_text(cls, raw: str) -> Self | None:
        """The dimension written as ``raw`` (either case), if there is one."""
        return cls(raw.upper()) if _DIMENSION.fullmatch(raw) else None


@dataclass(frozen=True, slots=True)
class StatusDimension(Payload):
    """Narrow the status screen to one dimension."""

    prefix: ClassVar[str] = "status:dim"
    dimension: Dimension
