"""The buttons of an invite, declared once: built here, parsed by the router."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.payloads import Payload
from db.models import Role


@dataclass(frozen=True, slots=True)
class InviteRole(Payload):
    """Invite someone with the role."""

    prefix: ClassVar[str] = "invite:role"
    role: Role


@dataclass(frozen=True, slots=True)
class InviteUnit(Payload):
    """Invite an official into the unit."""

    prefix: ClassVar[str] = "invite:unit"
    unit: int


@dataclass(frozen=True, slots=True)
class InvitePage(Payload):
    """Show another page of units to invite an official into."""

    prefix: ClassVar[str] = "invite:page"
    page: int
