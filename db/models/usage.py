"""How many messages each channel sent, by message class and month (what they cost)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class MessageCount(Base):
    """Messages one channel delivered in one month in one class (free reply, consultation…)."""

    __tablename__ = "message_counts"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The month in the deployment's time zone, "YYYY-MM".
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    message_class: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    # Estimated at the price in force when each message was sent, so a later change of the
    # price list does not rewrite past months.
    cost_vnd: Mapped[int] = mapped_column(default=0)
