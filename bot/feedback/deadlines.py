"""The legal deadlines of a case, from the configurable rules and the working calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from bot.legal_deadlines import LegalRules, load_rules
from bot.workcal import WorkCalendar
from db.models import CaseKind


@cache
def rules() -> LegalRules:
    """The rules file shipped with the bot."""
    return load_rules()


@dataclass(frozen=True, slots=True)
class Deadlines:
    """When a case must be accepted and answered, with the legal basis to show."""

    accept: date | None
    answer: date | None
    accept_basis: str
    answer_basis: str


_ANSWER_STEP = {
    CaseKind.SUGGESTION: "acknowledge",
    CaseKind.REFLECTION: "answer",
    CaseKind.PETITION: "answer",
    CaseKind.COMPLAINT: "resolve",
    CaseKind.DENUNCIATION: "resolve",
}


def on_receipt(kind: CaseKind, received: date, calendar: WorkCalendar) -> Deadlines:
    """Deadlines known when a case arrives (complaints' resolution waits for acceptance)."""
    table = rules()
    accept_step = "accept" if kind in {CaseKind.COMPLAINT, CaseKind.DENUNCIATION} else "handle"
    accept_rule = table.rule(kind, accept_step)
    answer_step = _ANSWER_STEP[kind]
    answer_rule = table.rule(kind, answer_step)
    accepted_first = kind in {CaseKind.COMPLAINT, CaseKind.DENUNCIATION}
    return Deadlines(
        accept=table.deadline(kind, accept_step, received, calendar),
        answer=None if accepted_first else table.deadline(kind, answer_step, received, calendar),
        accept_basis=accept_rule.basis,
        answer_basis=answer_rule.basis,
    )


def on_acceptance(
    kind: CaseKind, accepted: date, calendar: WorkCalendar, *, complex: bool
) -> date | None:
    """The resolution deadline once a complaint or denunciation is accepted."""
    if kind not in {CaseKind.COMPLAINT, CaseKind.DENUNCIATION}:
        return None
    rule = rules().rule(kind, "resolve")
    if complex and rule.complex_days is None and rule.max_extensions:
        # A complex denunciation gets its extension (one more period), not other figures.
        return rules().deadline(kind, "resolve", accepted, calendar, extensions=1)
    return rules().deadline(kind, "resolve", accepted, calendar, complex=complex)
