"""Typed ORM models; importing this package registers every table on ``Base.metadata``."""

from __future__ import annotations

from db.models.audit import AuditEntry
from db.models.dialogs import Dialog
from db.models.invites import Invite, InviteAttempt
from db.models.orgs import Organization, Unit, UnitAlias
from db.models.outbox import OutboxMessage, OutboxStatus
from db.models.people import Identity, Membership, Person, Role

__all__ = [
    "AuditEntry",
    "Dialog",
    "Identity",
    "Invite",
    "InviteAttempt",
    "Membership",
    "Organization",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "Role",
    "Unit",
    "UnitAlias",
]
