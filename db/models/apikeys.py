"""Keys other systems file and read cases with through the Open311 API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class ApiKey(Base):
    """One client system's key, valid in one organization (its Open311 jurisdiction).

    Only the key's SHA-256 is stored; the cases the client files belong to ``person_id``.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
