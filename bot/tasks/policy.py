"""Who may see or act on a task, one of its due dates, or a request for more time.

The one rule: administrators and leaders of the organization that owns the task may do
anything with it; officials act through their unit, the lead unit for what settles a due
date (done, more time, the date of an event) and the lead or a partner unit for the rest
(progress, blockers, snoozing). Nobody decides their own request for more time, and a
request about a due date already settled is refused. A task or due date that is not the
organization's is refused the same way as one the person may not touch, so ids of other
organizations reveal nothing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotAllowed, NotFound
from bot.operations import Actor, Operation
from bot.roles import Audience
from bot.tasks.errors import Decided, OwnRequest, Settled
from db.models import (
    ExtensionRequest,
    ExtensionStatus,
    Occurrence,
    OccurrenceStatus,
    Task,
    TaskRole,
    TaskState,
)
from db.queries import plans, progress, reminders


def oversees(actor: Actor) -> bool:
    """Whether the actor leads or administers the organization (or is the operator)."""
    return actor.is_(Audience.ADMIN) or actor.is_(Audience.LEADER)


async def may_act(op: Operation, task: Task, *, lead_only: bool) -> bool:
    """Whether the actor may act on the task: overseeing it, or through their unit."""
    actor = op.actor
    if oversees(actor) or actor.person_id is None:
        return True
    mine = await progress.official_unit_ids(op.session, actor.person_id, actor.org_id)
    roles = {TaskRole.LEAD} if lead_only else {TaskRole.LEAD, TaskRole.PARTNER}
    return any(u.unit_id in mine and u.role in roles for u in task.units)


async def may_see(op: Operation, task: Task) -> bool:
    """Whether the actor may see the task's card: overseeing it, or an active task of theirs."""
    if oversees(op.actor):
        return True
    return task.state == TaskState.ACTIVE and await may_act(op, task, lead_only=False)


async def name_of(session: AsyncSession, person_id: int | None) -> str | None:
    """How staff call the person who took a step (``None`` for the operator)."""
    return None if person_id is None else await reminders.person_name(session, person_id)


async def task_to_see(op: Operation, task_id: int) -> Task | None:
    """The task, if it belongs to the organization and the actor may see it."""
    task = await plans.task_in_org(op.session, op.actor.org_id, task_id)
    return task if task is not None and await may_see(op, task) else None


async def task_to_act_on(op: Operation, task_id: int, *, lead_only: bool) -> Task:
    """The task, if it belongs to the organization and the actor may act on it."""
    task = await plans.task_in_org(op.session, op.actor.org_id, task_id)
    if task is None or not await may_act(op, task, lead_only=lead_only):
        raise NotAllowed
    return task


async def occurrence_to_act_on(op: Operation, occurrence_id: int, *, lead_only: bool) -> Occurrence:
    """The pending due date, if the actor may act on its task.

    A due date already done or cancelled raises ``Settled``, naming who marked it done.
    """
    occ = await progress.occurrence_in_org(op.session, op.actor.org_id, occurrence_id)
    if occ is None or not await may_act(op, occ.task, lead_only=lead_only):
        raise NotAllowed
    if occ.status != OccurrenceStatus.PENDING:
        raise Settled(occ.task.code, occ.due_date, await name_of(op.session, occ.done_by))
    return occ


async def request_to_decide(op: Operation, request_id: int) -> ExtensionRequest:
    """The pending request for more time, if the actor may decide it."""
    request = await progress.extension_in_org(op.session, op.actor.org_id, request_id)
    if request is None:
        raise NotFound
    if not oversees(op.actor):
        raise NotAllowed
    if request.status != ExtensionStatus.PENDING:
        raise Decided(await name_of(op.session, request.decided_by))
    if request.requested_by == op.actor.person_id:
        raise OwnRequest
    return request


async def visible_with_code(op: Operation, org_id: int, code: str) -> list[Task]:
    """The organization's active tasks with this code that the actor may see."""
    if not code.isprintable():
        return []  # no code holds control characters (and PostgreSQL text refuses NUL)
    found = await plans.active_tasks_with_code(op.session, org_id, code)
    return [t for t in found if await may_see(op, t)]
