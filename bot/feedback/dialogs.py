"""What a dialog about one case holds between its steps (refusing, merging, answering, rating)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self


@dataclass(frozen=True, slots=True)
class OnCase:
    """The case the open step is about."""

    case: int

    def to_data(self) -> dict[str, Any]:
        """As stored in the dialog."""
        return {"case": self.case}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self | None:
        """Read the stored form back; ``None`` if it is damaged."""
        case = data.get("case")
        if isinstance(case, bool) or not isinstance(case, int) or case <= 0:
            return None
        return cls(case)
