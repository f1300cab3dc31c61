"""Files people sent that a dialog still needs (a plan waiting for confirmation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Upload(Base):
    """A received file, kept in the database so any worker can finish the dialog."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class UploadReceipt(Base):
    """That a person sent a file and how big: kept after the file is gone, to count a day's."""

    __tablename__ = "upload_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    size: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(index=True)
