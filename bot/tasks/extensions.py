"""Requests for more time: an official asks for a later date, a leader decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from bot.errors import AlreadyDone, NotAllowed, NotFound
from bot.operations import Operation
from bot.tasks import policy
from bot.tasks.errors import Moot, NotAfterDue, TooFar
from bot.tasks.notices import ExtensionAsked, ExtensionDecided
from bot.tasks.progress import overseeing_leaders, pending_to_act_on
from db.models import EventKind, ExtensionStatus, Occurrence, OccurrenceStatus
from db.queries import progress

FURTHEST: Final = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class Requested:
    """A request for more time, filed and sent to the leaders."""

    request_id: int
    occurrence_id: int
    leaders_told: int


@dataclass(frozen=True, slots=True)
class Decision:
    """A request decided; ``due`` is the due date now in force."""

    request_id: int
    approved: bool
    code: str
    due: date


def check_proposed(occ: Occurrence, proposed: date) -> None:
    """Refuse a proposed date not after the due date, or more than a year after it."""
    if proposed <= occ.due_date:
        raise NotAfterDue(occ.due_date)
    if proposed > occ.due_date + FURTHEST:
        raise TooFar


async def ask_for_more_time(
    op: Operation, occurrence_id: int, proposed: date, reason: str
) -> Requested:
    """File a request to move a pending due date (lead unit) and ask the leaders to decide."""
    occ = await pending_to_act_on(op, occurrence_id, lead_only=True)
    check_proposed(occ, proposed)
    if op.actor.person_id is None:
        raise NotAllowed
    request = await progress.request_extension(
        op.session,
        occurrence_id=occ.id,
        person_id=op.actor.person_id,
        proposed=proposed,
        reason=reason,
        now=op.now,
    )
    await progress.record_event(
        op.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=op.actor.person_id,
        kind=EventKind.MORE_TIME,
        at=op.now,
        note=reason,
        day=proposed,
    )
    await op.audit(
        "task.more_time",
        "occurrence",
        occ.id,
        after={"proposed": proposed.isoformat(), "request": request.id},
    )
    leaders = await overseeing_leaders(op, occ.task)
    await op.notify(
        people=leaders,
        notice=ExtensionAsked(
            request=request.id,
            name=await policy.name_of(op.session, op.actor.person_id) or "",
            code=occ.task.code,
            current=occ.due_date,
            proposed=proposed,
            reason=reason,
        ),
        key=f"extension:{request.id}",
    )
    return Requested(request.id, occ.id, len(leaders))


async def decide(op: Operation, request_id: int, *, approve: bool) -> Decision:
    """Approve (move the due date) or decline a pending request, and tell the requester.

    Of two leaders deciding at once, the second waits for the first and is told who won.
    """
    request = await policy.request_to_decide(op, request_id)
    occ = await progress.occurrence_in_org(op.session, op.actor.org_id, request.occurrence_id)
    if occ is None:
        raise NotFound
    # Every decision on this due date waits here for the one before it.
    await progress.lock_occurrence(op.session, occ)
    if occ.status != OccurrenceStatus.PENDING:
        raise Moot(occ.task.code, occ.due_date)
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.DECLINED
    claimed = await progress.decide_extension(
        op.session, request.id, status=status, person_id=op.actor.person_id, at=op.now
    )
    await op.session.refresh(request)
    if not claimed:
        raise AlreadyDone(await policy.name_of(op.session, request.decided_by))
    before = occ.due_date
    if approve:
        occ.due_date = request.proposed
    await progress.record_event(
        op.session,
        task_id=occ.task_id,
        occurrence_id=occ.id,
        person_id=op.actor.person_id,
        kind=EventKind.EXTENDED if approve else EventKind.DECLINED,
        at=op.now,
        day=request.proposed,
    )
    await op.audit(
        "task.extension_" + ("approved" if approve else "declined"),
        "occurrence",
        occ.id,
        before={"due": before.isoformat()},
        after={
            "due": occ.due_date.isoformat(),
            "planned": occ.planned_date.isoformat(),
            "request": request.id,
        },
    )
    await op.notify(
        people=[request.requested_by],
        notice=ExtensionDecided(
            code=occ.task.code, approved=approve, proposed=request.proposed, current=before
        ),
        key=f"extension-decided:{request.id}",
    )
    await op.replan(occ.task_id)
    return Decision(request.id, approve, occ.task.code, occ.due_date)
