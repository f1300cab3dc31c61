"""The buttons under a task: open it, act on its due date, decide a request for more time.

The wire format (``occ:done:12``) is that of messages already queued in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.payloads import Payload


@dataclass(frozen=True, slots=True)
class TaskButton(Payload):
    """A button about a task."""

    task: int


@dataclass(frozen=True, slots=True)
class OpenTask(TaskButton):
    """Show the task's card."""

    prefix: ClassVar[str] = "task:open"


@dataclass(frozen=True, slots=True)
class TaskProgress(TaskButton):
    """Write a progress note on a task without a due date."""

    prefix: ClassVar[str] = "task:progress"


@dataclass(frozen=True, slots=True)
class TaskHappened(TaskButton):
    """Record the date the event a task waits for happened."""

    prefix: ClassVar[str] = "task:event"


@dataclass(frozen=True, slots=True)
class OccurrenceButton(Payload):
    """A button about one due date of a task."""

    occurrence: int


@dataclass(frozen=True, slots=True)
class MarkDone(OccurrenceButton):
    """Mark it done, with evidence."""

    prefix: ClassVar[str] = "occ:done"


@dataclass(frozen=True, slots=True)
class NoteProgress(OccurrenceButton):
    """Write a progress note."""

    prefix: ClassVar[str] = "occ:progress"


@dataclass(frozen=True, slots=True)
class ReportBlocked(OccurrenceButton):
    """Say what blocks it."""

    prefix: ClassVar[str] = "occ:blocked"


@dataclass(frozen=True, slots=True)
class AskMoreTime(OccurrenceButton):
    """Ask the leaders for a later date."""

    prefix: ClassVar[str] = "occ:more"


@dataclass(frozen=True, slots=True)
class Snooze(OccurrenceButton):
    """Be reminded again on the next working day."""

    prefix: ClassVar[str] = "occ:snooze"


@dataclass(frozen=True, slots=True)
class ExtensionButton(Payload):
    """A leader's button on a request for more time."""

    request: int


@dataclass(frozen=True, slots=True)
class ApproveExtension(ExtensionButton):
    """Move the due date to the proposed one."""

    prefix: ClassVar[str] = "ext:approve"


@dataclass(frozen=True, slots=True)
class DeclineExtension(ExtensionButton):
    """Keep the due date."""

    prefix: ClassVar[str] = "ext:decline"
