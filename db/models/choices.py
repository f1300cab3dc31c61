"""Numbered choices shown on channels without buttons, remembered per chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class ChoiceList(Base):
    """The numbered choices under the last message a chat was sent: number → button."""

    __tablename__ = "choice_lists"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # {"items": [[label, payload], ...]}: position i is number i + 1.
    items: Mapped[dict[str, Any]]
    shown_at: Mapped[datetime]
