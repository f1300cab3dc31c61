"""People, the channel identities they write from, and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, str_enum


class Role(enum.StrEnum):
    """What a person may do in an organization; everyone is also a citizen."""

    ADMIN = "admin"
    LEADER = "leader"
    OFFICIAL = "official"


class Person(Base):
    """Anyone who has written to the bot.

    The channel's display name is often the real name, and a citizen may be a denouncer:
    it is kept sealed in ``name_sealed``; ``display_name`` holds it in clear only for staff,
    whose names colleagues read in notices, and is empty for everyone else.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    name_sealed: Mapped[str | None] = mapped_column(Text)
    # Set when the person withdrew consent; cases kept for the law are erased once closed.
    forget_requested_at: Mapped[datetime | None]
    locale: Mapped[str | None] = mapped_column(String(8))
    digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]
    # The channel reminders go to first (``None``: the oldest reachable identity).
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    # Set when the person's channels were linked to an older person's: the row stays only
    # because the hash-chained audit trail names it. No foreign key: it is not a reference
    # the merge moves, and SQLite would have to rebuild ``people`` to add one.
    merged_into: Mapped[int | None]

    identities: Mapped[list[Identity]] = relationship(back_populates="person")
    memberships: Mapped[list[Membership]] = relationship(back_populates="person")


class Identity(Base):
    """A person's account on one channel (Telegram, Zalo, console)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    # Text: Zalo ids are decimal strings that can exceed a signed 64-bit integer.
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    unreachable_since: Mapped[datetime | None]
    # A short code of why ("zalo-230", "telegram-blocked"), for the admins' list.
    unreachable_reason: Mapped[str | None] = mapped_column(String(64))
    # The person's last message, follow or button press here: it opens Zalo's windows.
    last_interaction_at: Mapped[datetime | None]
    # Messages sent here since that interaction (Zalo's first free replies are counted).
    sent_since_interaction: Mapped[int] = mapped_column(default=0, server_default="0")
    contact_sealed: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(back_populates="identities")


class Membership(Base):
    """One role of a person in an organization (officials: in one unit)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "org_id", "role", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="memberships")
