"""Messages to other people that an action sets off, sent through the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reminders.ladder import next_window
from bot.reminders.policy import ReminderPolicy
from bot.workcal import WorkCalendar
from db.queries import outbox, reminders

DEFAULT_POLICY = ReminderPolicy()


async def notify(
    session: AsyncSession,
    *,
    people: Iterable[int],
    org_id: int | None,
    notice: str,
    params: dict[str, Any],
    key: str,
    now: datetime,
    tz: ZoneInfo,
    calendar: WorkCalendar,
    policy: ReminderPolicy = DEFAULT_POLICY,
    task_id: int | None = None,
) -> int:
    """Queue a notice for each person, inside working hours (next morning for digest readers)."""
    contacts = await reminders.contacts_of(session, set(people))
    local = now.astimezone(tz)
    soon = next_window(local, calendar, policy)
    morning = next_window(local.replace(hour=0, minute=0) + timedelta(days=1), calendar, policy)
    queued = 0
    for person, contact in contacts.items():
        added = await outbox.enqueue(
            session,
            outbox.Wanted(
                key=f"n:{key}:{person}",
                person_id=person,
                channel=contact.channel,
                chat_id=contact.chat_id,
                kind="notice",
                due_at=morning if contact.digest else soon,
                params={"notice": notice, **params},
                org_id=org_id,
                task_id=task_id,
            ),
        )
        queued += added
    return queued
