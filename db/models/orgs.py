"""Organizations (province → district → commune) and their units."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, str_enum


class Organization(Base):
    """A People's Committee at some level; communes hang under districts and provinces."""

    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20), default="commune")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    policy: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]

    units: Mapped[list[Unit]] = relationship(back_populates="organization")


class UnitKind(enum.StrEnum):
    """What a unit stands for: an office, or a group a plan names as one."""

    OFFICE = "office"
    # The People's Committee as a whole: its leaders get the unit's reminders.
    COMMITTEE = "committee"
    # Higher levels and outside bodies: shown in reports, never reminded.
    OUTSIDE = "outside"
    VILLAGES = "villages"


class Unit(Base):
    """An office or group inside an organization that tasks and cases are given to."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[UnitKind] = mapped_column(
        str_enum(UnitKind), default=UnitKind.OFFICE, server_default=UnitKind.OFFICE.value
    )
    created_at: Mapped[datetime]

    organization: Mapped[Organization] = relationship(back_populates="units")
    aliases: Mapped[list[UnitAlias]] = relationship(back_populates="unit")


class UnitAlias(Base):
    """Another name by which a unit is written in plans."""

    __tablename__ = "unit_aliases"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    alias: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300))

    unit: Mapped[Unit] = relationship(back_populates="aliases")
