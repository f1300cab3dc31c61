"""Approving an answered question for the commune's public page."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import BotError, NotAllowed, NotFound
from bot.feedback.catalog import KINDS
from bot.i18n import Translator
from bot.operations import Operation
from bot.roles import Audience
from db.models import Case, CaseStatus
from db.queries import cases

PUBLISHABLE_STATUSES = frozenset({CaseStatus.ANSWERED, CaseStatus.CLOSED})


class NotPublishable(BotError):
    """The case may not be shown publicly: no sender's permission, no answer, or confidential."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def message(self, t: Translator) -> str:
        """Say why nothing was published."""
        return t._(
            "{code} cannot be published: it needs an answer and its sender's permission, "
            "and denunciations are never published. Nothing was changed.",
            code=self.code,
        )


def may_publish(case: Case) -> bool:
    """Whether the sender allowed it, the case is answered, and its kind is not confidential."""
    return (
        case.publishable
        and not KINDS[case.kind].confidential
        and case.status in PUBLISHABLE_STATUSES
        and bool(case.answer)
    )


@dataclass(frozen=True, slots=True)
class Publication:
    """The case approved for the public page; ``new``: this approval published it."""

    case: Case
    new: bool


async def approve_publication(op: Operation, case_id: int) -> Publication:
    """Approve showing the case's question and answer publicly (a leader or an administrator
    of its organization); approving it again changes nothing."""
    case = await cases.case_for_update(op.session, case_id)
    if case is None or case.org_id != op.actor.org_id:
        raise NotFound
    if not (op.actor.is_(Audience.LEADER) or op.actor.is_(Audience.ADMIN)):
        raise NotAllowed
    if not may_publish(case):
        raise NotPublishable(case.code)
    if case.published_at is not None:
        return Publication(case, new=False)
    case.published_at = op.now
    case.published_by = op.actor.person_id
    await cases.add_event(
        op.session, case.id, action="published", at=op.now, actor_id=op.actor.person_id
    )
    await op.audit("case.published", "case", case.id, after={"published_at": op.now.isoformat()})
    return Publication(case, new=True)
