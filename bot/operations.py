"""What every domain operation is given: the session, who acts and where, and when.

Chat handlers, CLI commands, web pages and the API all build one ``Operation`` and pass it
to the domain function that changes state; that function checks, locks, writes history and
audit through it, and queues the notices it sets off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reminders import notices, scheduling
from bot.reminders.notices import Notice
from bot.reminders.policy import ReminderPolicy, policy_from
from bot.roles import Audience
from bot.workcal import load_calendar
from db.queries import audit, orgs


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs an operation: a person with their roles in one organization.

    ``person_id`` is ``None`` for the operator at the command line, who may do anything
    in the organization named on the command line.
    """

    person_id: int | None
    org_id: int
    audiences: frozenset[Audience]
    direct: frozenset[Audience] = frozenset()
    units: frozenset[int] = frozenset()

    def is_(self, audience: Audience) -> bool:
        """Whether the actor belongs to ``audience`` in the organization."""
        return self.person_id is None or audience in self.audiences

    def holds_directly(self, audience: Audience) -> bool:
        """Whether the organization itself granted ``audience`` (not a district above)."""
        return self.person_id is None or audience in self.direct

    def works_in(self, unit_id: int | None) -> bool:
        """Whether the actor is an official of ``unit_id`` in the organization."""
        return unit_id is not None and unit_id in self.units


@dataclass(frozen=True, slots=True)
class Operation:
    """One change of state in progress: inside one session, at one instant."""

    session: AsyncSession
    actor: Actor
    now: datetime
    tz: ZoneInfo

    @property
    def today(self) -> date:
        """The local day of the operation."""
        return self.now.astimezone(self.tz).date()

    async def policy(self, org_id: int | None = None) -> ReminderPolicy:
        """The organization's reminder policy (the actor's by default)."""
        org = self.actor.org_id if org_id is None else org_id
        return policy_from(await orgs.org_policy(self.session, org))

    async def audit(
        self,
        action: str,
        entity: str,
        entity_id: str | int,
        *,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> None:
        """Write what changed to the audit trail, in the actor's name."""
        await audit.record(
            self.session,
            at=self.now,
            actor_id=self.actor.person_id,
            org_id=self.actor.org_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )

    async def notify(
        self,
        *,
        people: Iterable[int],
        notice: Notice,
        key: str,
        org_id: int | None = None,
        task_id: int | None = None,
    ) -> None:
        """Queue a notice to people, inside the working hours of the organization's policy."""
        org = self.actor.org_id if org_id is None else org_id
        await notices.notify(
            self.session,
            people=people,
            org_id=org,
            notice=notice,
            key=key,
            now=self.now,
            tz=self.tz,
            calendar=await load_calendar(self.session),
            task_id=task_id,
        )

    async def replan(self, task_id: int | None = None) -> None:
        """Bring the organization's (or one task's) planned reminders up to date at once."""
        await scheduling.replan(
            self.session, org_id=self.actor.org_id, now=self.now, tz=self.tz, task_id=task_id
        )
