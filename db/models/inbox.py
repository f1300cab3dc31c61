"""Webhook events kept from the moment they arrive until they are fully handled."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum


class InboxStatus(enum.StrEnum):
    """Where an arrived event is in its life."""

    PENDING = "pending"  # stored and acknowledged, not yet handled
    HANDLED = "handled"  # its changes are committed; its replies may still be unsent
    DONE = "done"
    FAILED = "failed"


class InboxEvent(Base):
    """One event a channel posted to the bot, stored before it was acknowledged."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "dedupe_key"),
        Index("ix_inbox_status_sender", "status", "channel", "sender", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(128))
    sender: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    # The raw event and the replies hold what a person wrote: sealed, and dropped when done.
    payload_sealed: Mapped[str | None] = mapped_column(Text)
    replies_sealed: Mapped[str | None] = mapped_column(Text)
    status: Mapped[InboxStatus] = mapped_column(str_enum(InboxStatus), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(index=True)
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
