"""Tasks' domain operations, called directly: the office of the handler tests, and its people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Access
from bot.operations import Actor, Operation
from bot.roles import Audience
from db.models import AuditEntry, ExtensionRequest, Occurrence, OutboxMessage, TaskEvent
from db.queries import people
from tests.conftest import Person
from tests.handlers.conftest import Office
from tests.handlers.conftest import elsewhere as elsewhere
from tests.handlers.conftest import office as office


async def actor_of(session: AsyncSession, office: Office, who: Person | None) -> Actor:
    """The person acting in the office with the roles they hold there (``None``: the operator)."""
    if who is None:
        return Actor(None, office.org_id, frozenset({Audience.CITIZEN}))
    person_id = await office.person_id(who)
    access = Access.of(await people.memberships_of(session, person_id))
    return Actor(person_id, office.org_id, await access.audiences_in(session, office.org_id))


@asynccontextmanager
async def acting(office: Office, who: Person | None) -> AsyncIterator[Operation]:
    """One operation by ``who`` in its own session, committed if it returns."""
    runtime = office.runtime
    async with runtime.sessions() as session:
        actor = await actor_of(session, office, who)
        yield Operation(session, actor, runtime.clock.now(), runtime.settings.tz)
        await session.commit()


async def request_of(office: Office, occurrence_id: int) -> ExtensionRequest:
    """The request for more time filed on a due date."""
    async with office.runtime.sessions() as session:
        request = await session.scalar(
            select(ExtensionRequest).where(ExtensionRequest.occurrence_id == occurrence_id)
        )
    assert request is not None
    return request


async def task_rows(session: AsyncSession) -> dict[str, list[Any]]:
    """What steps on tasks leave behind, without row ids (sequences differ between runs).

    A due date is named by its task and planned day wherever its id would appear.
    """
    occurrences = (await session.scalars(select(Occurrence))).all()
    day = {o.id: (o.task_id, o.planned_date) for o in occurrences}
    events = await session.scalars(select(TaskEvent).order_by(TaskEvent.id))
    audits = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    outbox = await session.scalars(select(OutboxMessage))
    requests = await session.scalars(select(ExtensionRequest).order_by(ExtensionRequest.id))
    return {
        "occurrences": sorted(
            (
                (*day[o.id], o.due_date, o.status, o.set_by, o.done_at, o.done_by)
                for o in occurrences
            ),
            key=repr,
        ),
        "events": [_event(e, day) for e in events],
        "audit": [
            (
                a.actor_id,
                a.org_id,
                a.action,
                a.entity,
                _entity(a.entity, a.entity_id, day),
                _without_ids(a.before),
                _without_ids(a.after),
                a.at,
            )
            for a in audits
        ],
        "outbox": sorted(
            ((o.person_id, o.kind, o.status, o.due_at, _params(o.params, day)) for o in outbox),
            key=repr,
        ),
        "requests": [
            (day[r.occurrence_id], r.requested_by, r.proposed, r.status, r.decided_by, r.decided_at)
            for r in requests
        ],
    }


def _event(e: TaskEvent, day: dict[int, tuple[int, date]]) -> tuple[Any, ...]:
    named = day.get(e.occurrence_id) if e.occurrence_id is not None else None
    return (e.task_id, named, e.person_id, e.kind, e.note, e.link, e.day, e.late, e.at)


def _entity(entity: str, entity_id: str, day: dict[int, tuple[int, date]]) -> object:
    return day.get(int(entity_id)) if entity == "occurrence" else entity_id


def _without_ids(params: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (params or {}).items() if k != "request"}


def _params(params: dict[str, Any], day: dict[int, tuple[int, date]]) -> dict[str, Any]:
    named = _without_ids(params)
    if "occurrence" in named:
        named["occurrence"] = day.get(int(named["occurrence"]))
    return named
