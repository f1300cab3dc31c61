"""Half-finished multi-step conversations, kept so a restart loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Dialog(Base):
    """The one dialog a person is in: which flow, which step, what was said so far."""

    __tablename__ = "dialogs"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
