"""Who may see a case, read its sender's identity, or take each step of its lifecycle."""

from __future__ import annotations

import enum
from typing import Final

from bot.feedback.catalog import KINDS
from bot.operations import Actor
from bot.roles import Audience
from db.models import Case, CaseStatus


class Step(enum.Enum):
    """A step of a case's lifecycle that staff take."""

    TRIAGE = "triage"  # accept and assign, refuse, join to a duplicate
    COMPLEX = "complex"
    ANSWER = "answer"
    APPROVE = "approve"


# The states from which each step may be taken.
FROM: Final = {
    Step.TRIAGE: frozenset({CaseStatus.NEW}),
    Step.COMPLEX: frozenset({CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.REOPENED}),
    Step.ANSWER: frozenset({CaseStatus.ASSIGNED, CaseStatus.REOPENED}),
    Step.APPROVE: frozenset({CaseStatus.AWAITING_APPROVAL}),
}


def handles(actor: Actor, case: Case) -> bool:
    """Whether the actor answers for the case: a leader, or an official of its unit."""
    return actor.is_(Audience.LEADER) or actor.works_in(case.unit_id)


def may_take(actor: Actor, case: Case, step: Step) -> bool:
    """Whether the actor's roles in the case's organization allow ``step``."""
    if case.org_id != actor.org_id:
        return False
    if step is Step.TRIAGE:
        return actor.is_(Audience.ADMIN)
    if step is Step.COMPLEX:
        return actor.is_(Audience.ADMIN) or handles(actor, case)
    if step is Step.ANSWER:
        return handles(actor, case)
    return actor.is_(Audience.LEADER)


def may_see(actor: Actor, case: Case, citizen_id: int | None) -> bool:
    """Whether the person may open the case: its sender, or staff of its organization."""
    if citizen_id is not None and case.citizen_id == citizen_id:
        return True
    if case.org_id != actor.org_id:
        return False
    return actor.is_(Audience.LEADER) or actor.is_(Audience.ADMIN) or actor.works_in(case.unit_id)


def may_see_contact(actor: Actor, case: Case) -> bool:
    """Whether the person may read the sender's identity and contact.

    A denouncer's identity is for the case's own leaders and the unit handling it only:
    not for administrators, and not for leaders of the district or province above.
    """
    if case.org_id != actor.org_id:
        return False
    confidential = KINDS[case.kind].confidential
    if actor.holds_directly(Audience.LEADER):
        return True
    if actor.is_(Audience.LEADER) and not confidential:
        return True
    if actor.works_in(case.unit_id):
        return True
    return actor.is_(Audience.ADMIN) and not confidential
