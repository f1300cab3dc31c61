"""Keep the outbox in step with the plans: after an import, a change, or on the hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reminders.planner import plan_window
from bot.reminders.policy import policy_from
from bot.workcal import load_calendar
from db.queries import outbox, reminders

AHEAD = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class PreviewLine:
    """One message the reminders would send, named for people."""

    send_at: datetime
    person: str
    unit: str | None
    task: str | None
    step: str

    def to_json(self) -> dict[str, str | None]:
        """The line with the keys the ``reminders --json`` command documents."""
        return {
            "send_at": self.send_at.isoformat(),
            "person": self.person,
            "unit": self.unit,
            "task": self.task,
            "step": self.step,
        }


async def preview(
    session: AsyncSession, *, org_id: int, tz: ZoneInfo, start: date, end: date
) -> list[PreviewLine]:
    """What the organization's reminders would send from ``start`` to ``end``."""
    facts = await reminders.load_facts(session, org_id)
    cal = await load_calendar(session)
    planned = plan_window(facts, cal, policy_from(facts.policy), tz, start, end)
    return [
        PreviewLine(
            p.send_at,
            facts.contacts[p.person_id].name,
            facts.unit_names.get(p.unit_id) if p.unit_id is not None else None,
            p.task_code,
            p.step,
        )
        for p in planned
    ]


async def replan(
    session: AsyncSession,
    *,
    org_id: int,
    now: datetime,
    tz: ZoneInfo,
    task_id: int | None = None,
) -> outbox.SyncResult:
    """Re-plan the organization's (or one task's) reminders from today to two weeks ahead.

    Rows already planned for earlier days stay as they are: after a downtime they are sent
    once, bundled, by the next sweep.
    """
    facts = await reminders.load_facts(session, org_id, task_id)
    cal = await load_calendar(session)
    today = now.astimezone(tz).date()
    start, end = today, today + AHEAD
    planned = plan_window(
        facts, cal, policy_from(facts.policy), tz, start, end, include_undated=task_id is None
    )
    return await outbox.sync_planned(
        session,
        [p.wanted for p in planned],
        org_id=org_id,
        since=datetime.combine(start, time.min, tzinfo=tz),
        task_id=task_id,
    )
