"""The buttons of a case, declared once: built here, parsed by the router."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from bot.feedback.catalog import TOPICS
from bot.i18n import Translator
from bot.messages import Button
from bot.payloads import Payload, YesNo
from db.models import Case, CaseKind, Rating

FILES_SHOWN: Final = 10


@dataclass(frozen=True, slots=True)
class CaseOpen(Payload):
    """Show the case's card to staff."""

    prefix: ClassVar[str] = "case:open"
    case: int


@dataclass(frozen=True, slots=True)
class CaseAssign(Payload):
    """Offer the units to assign a new case to."""

    prefix: ClassVar[str] = "case:assign"
    case: int


@dataclass(frozen=True, slots=True)
class CaseTo(Payload):
    """Accept the case and assign it to the unit."""

    prefix: ClassVar[str] = "case:to"
    case: int
    unit: int


@dataclass(frozen=True, slots=True)
class CaseUnits(Payload):
    """Show another page of units to assign a new case to."""

    prefix: ClassVar[str] = "case:units"
    case: int
    page: int


@dataclass(frozen=True, slots=True)
class CaseToEmpty(Payload):
    """Assign the case to a unit that has no members yet, as confirmed after a warning."""

    prefix: ClassVar[str] = "case:toempty"
    case: int
    unit: int


@dataclass(frozen=True, slots=True)
class CaseFileOpen(Payload):
    """Send one of the case's files (the citizen's photos, or the signed answer)."""

    prefix: ClassVar[str] = "case:file"
    case: int
    file: int


@dataclass(frozen=True, slots=True)
class CaseRefuse(Payload):
    """Ask why the case is refused."""

    prefix: ClassVar[str] = "case:refuse"
    case: int


@dataclass(frozen=True, slots=True)
class CaseMerge(Payload):
    """Ask which case this one duplicates."""

    prefix: ClassVar[str] = "case:merge"
    case: int


@dataclass(frozen=True, slots=True)
class CaseComplex(Payload):
    """Mark the case complex."""

    prefix: ClassVar[str] = "case:complex"
    case: int


@dataclass(frozen=True, slots=True)
class CaseAnswer(Payload):
    """Ask the handling official for the answer."""

    prefix: ClassVar[str] = "case:answer"
    case: int


@dataclass(frozen=True, slots=True)
class CaseApprove(Payload):
    """Approve the written answer and send it."""

    prefix: ClassVar[str] = "case:approve"
    case: int


@dataclass(frozen=True, slots=True)
class CasePublish(Payload):
    """Approve showing the answered question on the commune's public page."""

    prefix: ClassVar[str] = "case:publish"
    case: int


@dataclass(frozen=True, slots=True)
class Rate(Payload):
    """The citizen's rating of the answer."""

    prefix: ClassVar[str] = "fb:rate"
    case: int
    rating: Rating


class Topic(str):
    """A topic of the feedback catalog, by its key."""

    @classmethod
    def from_text(cls, raw: str) -> Self | None:
        """The topic with key ``raw``, if the catalog has one."""
        return cls(raw) if raw in TOPICS else None


class Skippable(enum.StrEnum):
    """The optional steps of the feedback dialog."""

    FILES = "files"
    PLACE = "place"
    CONTACT = "contact"


class Confirmation(enum.StrEnum):
    """What the citizen does with the summary: send, cancel, or join or not to the same text."""

    SEND = "send"
    CANCEL = "cancel"
    JOIN = "join"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class StartFeedback(Payload):
    """Open the feedback dialog."""

    prefix: ClassVar[str] = "fb:start"


@dataclass(frozen=True, slots=True)
class PickKind(Payload):
    """The kind of feedback (suggestion, complaint, …)."""

    prefix: ClassVar[str] = "fb:kind"
    kind: CaseKind


@dataclass(frozen=True, slots=True)
class PickTopic(Payload):
    """What the feedback is about."""

    prefix: ClassVar[str] = "fb:topic"
    topic: Topic


@dataclass(frozen=True, slots=True)
class SkipStep(Payload):
    """Move past an optional step."""

    prefix: ClassVar[str] = "fb:next"
    step: Skippable


@dataclass(frozen=True, slots=True)
class PickPublish(Payload):
    """Whether the question and its answer may be published without the name."""

    prefix: ClassVar[str] = "fb:publish"
    answer: YesNo


@dataclass(frozen=True, slots=True)
class PickConsent(Payload):
    """Whether the citizen agrees that the commune stores what they sent."""

    prefix: ClassVar[str] = "fb:consent"
    answer: YesNo


@dataclass(frozen=True, slots=True)
class Confirm(Payload):
    """The citizen's decision on the summary."""

    prefix: ClassVar[str] = "fb:confirm"
    choice: Confirmation


def rating_buttons(t: Translator, case_id: int) -> list[Button]:
    """The three rating buttons under an answer."""
    return [
        Button(t._("Satisfied"), Rate(case_id, Rating.SATISFIED).data),
        Button(t._("Neutral"), Rate(case_id, Rating.NEUTRAL).data),
        Button(t._("Not satisfied"), Rate(case_id, Rating.UNSATISFIED).data),
    ]


def file_buttons(case: Case) -> list[list[Button]]:
    """A button per file of the case (the citizen's photos, the signed answer) to open it."""
    return [
        [
            Button(
                f"{'📄' if f.from_staff else '📎'} {f.filename}"[:60],
                CaseFileOpen(case.id, f.id).data,
            )
        ]
        for f in case.files[:FILES_SHOWN]
    ]
