"""Check values of the keys kept outside the database, so a wrong or lost key is noticed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class KeyCheck(Base):
    """An HMAC of a fixed text under one key: proves a key is the right one, reveals nothing."""

    __tablename__ = "key_checks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    check: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
