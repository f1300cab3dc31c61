"""A channel's credentials and the files it links to instead of sending them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class ChannelToken(Base):
    """The OAuth tokens of one channel account (sealed), and a consent in progress."""

    __tablename__ = "channel_tokens"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(String(64))
    access_sealed: Mapped[str | None] = mapped_column(Text)
    refresh_sealed: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]
    consent_state: Mapped[str | None] = mapped_column(String(64))
    consent_verifier_sealed: Mapped[str | None] = mapped_column(Text)
    consent_expires_at: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(String(200))
    quota: Mapped[dict[str, Any] | None]
    updated_at: Mapped[datetime]


class SharedFile(Base):
    """A file the bot offers as an expiring signed link (formats a channel cannot carry)."""

    __tablename__ = "shared_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
