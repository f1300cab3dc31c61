"""What the feedback dialog holds between steps, typed: read once, written back whole.

The stored form (the dialog's JSON) is that of dialogs already in progress. The sender's
name, home address and contact are sealed before they are stored here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

from db.models import CaseKind


@dataclasses.dataclass(frozen=True, slots=True)
class Draft:
    """A case being written: its kind, topic, text, files, place, sealed contact, choices."""

    files: tuple[int, ...] = ()
    kind: CaseKind | None = None
    topic: str | None = None
    text: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    name: str | None = None
    home: str | None = None
    phone: str | None = None
    publish: bool | None = None
    consent: datetime | None = None
    earlier: int | None = None

    def to_data(self) -> dict[str, Any]:
        """The draft as stored (unset fields left out)."""
        out: dict[str, Any] = {"files": list(self.files)}
        for field in dataclasses.fields(self)[1:]:
            value = getattr(self, field.name)
            if value is None:
                continue
            if isinstance(value, CaseKind):
                value = value.value
            elif isinstance(value, datetime):
                value = value.isoformat()
            out[field.name] = value
        return out

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self | None:
        """The draft stored as ``data``; ``None`` if it is not one (then it is stale)."""
        try:
            files = data.get("files", [])
            if not isinstance(files, list) or not all(_is_int(f) for f in files):
                return None
            kind = data.get("kind")
            consent = data.get("consent")
            draft = cls(
                files=tuple(files),
                kind=None if kind is None else CaseKind(kind),
                topic=_text(data, "topic"),
                text=_text(data, "text"),
                lat=_number(data, "lat"),
                lon=_number(data, "lon"),
                address=_text(data, "address"),
                name=_text(data, "name"),
                home=_text(data, "home"),
                phone=_text(data, "phone"),
                publish=_flag(data, "publish"),
                consent=None if consent is None else datetime.fromisoformat(str(consent)),
                earlier=_id(data, "earlier"),
            )
        except (TypeError, ValueError):
            return None
        return draft


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(key)
    return value


def _number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise TypeError(key)
    return None if value is None else float(value)


def _flag(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise TypeError(key)
    return value


def _id(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is not None and not _is_int(value):
        raise TypeError(key)
    return value
