"""The notices a case's steps send: to staff (a step waits for them) and to the citizen.

Only staff have a name in clear here; a citizen (perhaps a denouncer) is never named.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import ClassVar, Final

from bot.feedback.buttons import CaseFileOpen, CaseOpen, rating_buttons
from bot.i18n import Translator
from bot.messages import Button
from bot.reminders.notices import Notice
from db.models import CaseStatus
from db.queries.reminders import CaseSubject

# Kinds the law lets the commune accept for resolution (thụ lý) and resolve (giải quyết);
# the others are received and answered.
LEGAL_KINDS: Final = frozenset({"complaint", "denunciation"})


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _CaseNotice(Notice):
    """A notice about one case; stale once the case leaves the states in ``live``."""

    live: ClassVar[frozenset[CaseStatus]] = frozenset()
    case: int | None = None
    code: str

    @property
    def label(self) -> str:
        """The case's code."""
        return self.code

    @property
    def case_id(self) -> int | None:
        """The case the notice is about."""
        return self.case

    def moved_on(self, case: CaseSubject) -> bool:
        """Whether the case has left the states in which the notice asks for something."""
        return case.status is not None and case.status not in self.live

    def buttons(self, t: Translator) -> list[list[Button]]:
        """A button opening the case's card, for staff."""
        if self.case is None:
            return []
        return [[Button(self.code, CaseOpen(self.case).data)]]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NewCase(_CaseNotice):
    """To the admins: a new case waits to be triaged."""

    notice: ClassVar[str] = "new_case"
    live: ClassVar[frozenset[CaseStatus]] = frozenset({CaseStatus.NEW})
    kind: str | None = None

    def render(self, t: Translator) -> str:
        """The notice's text."""
        return "📨 " + t._("New feedback {code} is waiting in /inbox.", code=self.code)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CaseAssigned(_CaseNotice):
    """To the unit's officials: a case is theirs to handle."""

    notice: ClassVar[str] = "case_assigned"
    live: ClassVar[frozenset[CaseStatus]] = frozenset(
        {CaseStatus.ASSIGNED, CaseStatus.REOPENED, CaseStatus.AWAITING_APPROVAL}
    )

    def render(self, t: Translator) -> str:
        """The notice's text."""
        return "📨 " + t._("Feedback {code} is assigned to your unit. See /cases.", code=self.code)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CaseReopened(_CaseNotice):
    """To the admins and the unit: the citizen was not satisfied with the answer."""

    notice: ClassVar[str] = "case_reopened"
    live: ClassVar[frozenset[CaseStatus]] = frozenset({CaseStatus.REOPENED})

    def render(self, t: Translator) -> str:
        """The notice's text."""
        return "🔁 " + t._("The citizen was not satisfied; {code} is reopened.", code=self.code)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AnswerApproval(_CaseNotice):
    """To the leaders: an answer waits for approval."""

    notice: ClassVar[str] = "answer_approval"
    live: ClassVar[frozenset[CaseStatus]] = frozenset({CaseStatus.AWAITING_APPROVAL})

    def render(self, t: Translator) -> str:
        """The notice's text."""
        return "🖊 " + t._("The answer to {code} waits for your approval.", code=self.code)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CitizenNotice(_CaseNotice):
    """To the citizen: what happened to their case (kind ``case``, one class per step)."""

    notice: ClassVar[str] = "case"
    kind: str | None = None

    @property
    def legal(self) -> bool:
        """Whether the case is a complaint or a denunciation."""
        return self.kind in LEGAL_KINDS

    def moved_on(self, case: CaseSubject) -> bool:
        """News to a citizen stays news."""
        return False

    def buttons(self, t: Translator) -> list[list[Button]]:
        """None: the citizen does not open staff cards."""
        return []

    def _due(self, t: Translator, due: date | None) -> str:
        if due is None:
            return ""
        if self.legal:
            return " " + t._("Resolution due by {date}.", date=t.date(due))
        return " " + t._("Answer due by {date}.", date=t.date(due))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CaseAccepted(CitizenNotice):
    """The case is accepted and given to a unit, with the date it is due."""

    step: ClassVar[str | None] = "assigned"
    unit: str
    due: date | None = None

    def render(self, t: Translator) -> str:
        """The notice's text."""
        head = (
            t._(
                "Your {code} is accepted for resolution and resolved by {unit}.",
                code=self.code,
                unit=self.unit,
            )
            if self.legal
            else t._(
                "Your feedback {code} is accepted and handled by {unit}.",
                code=self.code,
                unit=self.unit,
            )
        )
        return head + self._due(t, self.due)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CaseRefused(CitizenNotice):
    """The case is not accepted, and why."""

    step: ClassVar[str | None] = "refused"
    text: str

    def render(self, t: Translator) -> str:
        """The notice's text."""
        if self.legal:
            return t._(
                "Your {code} was not accepted for resolution: {reason}",
                code=self.code,
                reason=self.text,
            )
        return t._(
            "Your feedback {code} was not accepted: {reason}", code=self.code, reason=self.text
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CaseMerged(CitizenNotice):
    """The case is joined to another about the same matter."""

    step: ClassVar[str | None] = "merged"
    target: str

    def render(self, t: Translator) -> str:
        """The notice's text."""
        return t._(
            "Your feedback {code} is joined to {target}, which deals with the same matter.",
            code=self.code,
            target=self.target,
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CaseMadeComplex(CitizenNotice):
    """The case is complex: the legal extension applies."""

    step: ClassVar[str | None] = "complex"
    due: date | None = None

    def render(self, t: Translator) -> str:
        """The notice's text."""
        head = t._("Your feedback {code} needs more time because it is complex.", code=self.code)
        return head + self._due(t, self.due)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CaseAnswered(CitizenNotice):
    """The answer, with the rating buttons (and the signed document, when there is one).

    A complaint's answer says by when the citizen may complain again or sue, and why.
    """

    step: ClassVar[str | None] = "answered"
    text: str
    document: int | None = None
    appeal_days: str | None = None
    appeal_basis: str | None = None

    def render(self, t: Translator) -> str:
        """The notice's text."""
        text = t._(
            "The answer to your feedback {code}:\n{text}\n\nHow satisfied are you?",
            code=self.code,
            text=self.text,
        )
        if self.appeal_days:
            text += "\n\n" + t._(
                "If you disagree with this decision, you may complain a second time to the "
                "authority above within {days} days of receiving it, or file an administrative "
                "lawsuit at court ({basis}).",
                days=self.appeal_days,
                basis=self.appeal_basis or "",
            )
        return text

    def moved_on(self, case: CaseSubject) -> bool:
        """A rated or closed case no longer takes the rating buttons."""
        return case.status is not None and (case.status != CaseStatus.ANSWERED or case.rated)

    def buttons(self, t: Translator) -> list[list[Button]]:
        """The rating buttons, and the signed answer's document."""
        if self.case is None:
            return []
        rows = [rating_buttons(t, self.case)]
        if self.document is not None:
            rows.append(
                [Button(t._("📄 The signed answer"), CaseFileOpen(self.case, self.document).data)]
            )
        return rows
