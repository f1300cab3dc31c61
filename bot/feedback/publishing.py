"""Approving an answered question for the commune's public page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BotError
from bot.feedback.catalog import KINDS
from bot.i18n import Translator
from db.models import Case, CaseStatus
from db.queries import audit, cases

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


async def approve_publication(
    session: AsyncSession, case: Case, *, actor_id: int, now: datetime
) -> bool:
    """Approve showing the case's question and answer publicly; ``False`` if already shown."""
    if not may_publish(case):
        raise NotPublishable(case.code)
    if case.published_at is not None:
        return False
    case.published_at = now
    case.published_by = actor_id
    await cases.add_event(session, case.id, action="published", at=now, actor_id=actor_id)
    await audit.record(
        session,
        at=now,
        actor_id=actor_id,
        org_id=case.org_id,
        action="case.published",
        entity="case",
        entity_id=case.id,
        after={"published_at": now.isoformat()},
    )
    return True
