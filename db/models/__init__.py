"""Typed ORM models; importing this package registers every table on ``Base.metadata``."""

from __future__ import annotations

from db.models.apikeys import ApiKey
from db.models.audit import AuditEntry
from db.models.calendar import CalendarOverride
from db.models.channels import ChannelToken, SharedFile
from db.models.choices import ChoiceList
from db.models.dialogs import Dialog
from db.models.feedback import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseFile,
    CaseKind,
    CaseStatus,
    Rating,
)
from db.models.inbox import InboxEvent, InboxStatus
from db.models.invites import Invite, InviteAttempt
from db.models.keys import KeyCheck
from db.models.links import LinkAttempt, LinkCode
from db.models.orgs import Organization, Unit, UnitAlias, UnitKind
from db.models.outbox import OutboxMessage, OutboxStatus
from db.models.people import Identity, Membership, Person, Role
from db.models.plans import (
    Occurrence,
    OccurrenceStatus,
    Plan,
    Standing,
    Task,
    TaskRole,
    TaskState,
    TaskUnit,
)
from db.models.progress import EventKind, ExtensionRequest, ExtensionStatus, TaskEvent
from db.models.tallies import CaseTally
from db.models.uploads import Upload, UploadReceipt
from db.models.usage import MessageCount

__all__ = [
    "ApiKey",
    "AuditEntry",
    "CalendarOverride",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseFile",
    "CaseKind",
    "CaseStatus",
    "CaseTally",
    "ChannelToken",
    "ChoiceList",
    "Dialog",
    "EventKind",
    "ExtensionRequest",
    "ExtensionStatus",
    "Identity",
    "InboxEvent",
    "InboxStatus",
    "Invite",
    "InviteAttempt",
    "KeyCheck",
    "LinkAttempt",
    "LinkCode",
    "Membership",
    "MessageCount",
    "Occurrence",
    "OccurrenceStatus",
    "Organization",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "Plan",
    "Rating",
    "Role",
    "SharedFile",
    "Standing",
    "Task",
    "TaskEvent",
    "TaskRole",
    "TaskState",
    "TaskUnit",
    "Unit",
    "UnitAlias",
    "UnitKind",
    "Upload",
    "UploadReceipt",
]

# Keeps case_tallies in step with every flush that changes a case (see db.tallying).
import db.tallying  # noqa: F401
