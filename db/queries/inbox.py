"""Queries that store arrived webhook events and hand them out in per-person order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboxEvent, InboxStatus

OPEN = (InboxStatus.PENDING, InboxStatus.HANDLED)

# Who sent an event whose sender asked for their data to be erased.
ERASED_SENDER = "erased"


async def store(
    session: AsyncSession,
    *,
    channel: str,
    dedupe_key: str,
    sender: str,
    kind: str,
    payload_sealed: str,
    now: datetime,
) -> bool:
    """Keep an event unless one with the same key is kept already; ``True`` when new."""
    values = {
        "channel": channel,
        "dedupe_key": dedupe_key,
        "sender": sender,
        "kind": kind,
        "payload_sealed": payload_sealed,
        "status": InboxStatus.PENDING,
        "attempts": 0,
        "received_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(InboxEvent)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
        .returning(InboxEvent.id)
    )
    return (await session.scalar(statement)) is not None


@dataclass(frozen=True, slots=True)
class Arrived:
    """An event as the webhook received it, its payload sealed."""

    dedupe_key: str
    sender: str
    kind: str
    payload_sealed: str


async def store_many(
    session: AsyncSession, *, channel: str, events: Sequence[Arrived], now: datetime
) -> set[str]:
    """Keep events in one statement, skipping keys kept already; return the keys stored."""
    if not events:
        return set()
    rows = [
        {
            "channel": channel,
            "dedupe_key": event.dedupe_key,
            "sender": event.sender,
            "kind": event.kind,
            "payload_sealed": event.payload_sealed,
            "status": InboxStatus.PENDING,
            "attempts": 0,
            "received_at": now,
        }
        for event in events
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(InboxEvent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
        .returning(InboxEvent.dedupe_key)
    )
    return set((await session.scalars(statement)).all())


async def claim_heads(
    session: AsyncSession,
    *,
    channel: str,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> Sequence[InboxEvent]:
    """Claim the oldest open event of up to ``limit`` senders whose oldest is not held.

    A sender's next event is only handed out once the one before it is done, so each
    person's events are handled in the order they arrived, whichever worker takes them.
    """
    heads = (
        select(func.min(InboxEvent.id))
        .where(InboxEvent.channel == channel, InboxEvent.status.in_(OPEN))
        .group_by(InboxEvent.sender)
    )
    free = await session.scalars(
        select(InboxEvent.id)
        .where(
            InboxEvent.id.in_(heads),
            or_(InboxEvent.claimed_until.is_(None), InboxEvent.claimed_until <= now),
        )
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    candidates = list(free.all())
    if not candidates:
        return []
    # Conditional: another worker may have claimed one of them since the read above.
    claimed = await session.scalars(
        update(InboxEvent)
        .where(
            InboxEvent.id.in_(candidates),
            InboxEvent.status.in_(OPEN),
            or_(InboxEvent.claimed_until.is_(None), InboxEvent.claimed_until <= now),
        )
        .values(
            claimed_by=worker,
            claimed_until=now + lease,
            attempts=InboxEvent.attempts + 1,
        )
        .returning(InboxEvent.id)
    )
    ids = sorted(claimed.all())
    if not ids:
        return []
    rows = await session.scalars(
        select(InboxEvent).where(InboxEvent.id.in_(ids)).order_by(InboxEvent.id)
    )
    return rows.all()


async def mark_handled(
    session: AsyncSession, event_id: int, worker: str, replies_sealed: str
) -> bool:
    """Record that an event's changes are made (same transaction); ``False`` if it was not ours."""
    result = await session.execute(
        update(InboxEvent)
        .where(
            InboxEvent.id == event_id,
            InboxEvent.status == InboxStatus.PENDING,
            InboxEvent.claimed_by == worker,
        )
        .values(status=InboxStatus.HANDLED, replies_sealed=replies_sealed)
    )
    return bool(getattr(result, "rowcount", 0))


async def finish(
    session: AsyncSession,
    event_id: int,
    now: datetime,
    status: InboxStatus = InboxStatus.DONE,
    error: str | None = None,
) -> None:
    """Close an event and drop what the person sent (its key stays, to recognise retries)."""
    await session.execute(
        update(InboxEvent)
        .where(InboxEvent.id == event_id)
        .values(
            status=status,
            done_at=now,
            claimed_until=None,
            payload_sealed=None if status is InboxStatus.DONE else InboxEvent.payload_sealed,
            replies_sealed=None,
            last_error=error,
        )
    )


async def postpone(session: AsyncSession, event_id: int, until: datetime, error: str) -> None:
    """Hand an event out again no sooner than ``until`` (a failure that may pass)."""
    await session.execute(
        update(InboxEvent)
        .where(InboxEvent.id == event_id)
        .values(claimed_until=until, last_error=error[:200])
    )


async def purge_closed(session: AsyncSession, before: datetime) -> int:
    """Delete events closed before ``before`` (their keys no longer guard against retries)."""
    result = await session.execute(
        delete(InboxEvent).where(
            InboxEvent.status.not_in(OPEN),
            InboxEvent.done_at.is_not(None),
            InboxEvent.done_at < before,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def last_received(session: AsyncSession, channel: str) -> datetime | None:
    """When the channel's latest event arrived."""
    return await session.scalar(
        select(func.max(InboxEvent.received_at)).where(InboxEvent.channel == channel)
    )


async def count_open(session: AsyncSession, channel: str) -> int:
    """How many events wait to be handled or answered."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(InboxEvent)
            .where(InboxEvent.channel == channel, InboxEvent.status.in_(OPEN))
        )
        or 0
    )


async def forget_sender(session: AsyncSession, channel: str, sender: str) -> int:
    """Drop what the inbox keeps of one sender's events (after their data was erased).

    The events stay, as proof against retries of the same message, but no longer say who
    sent them or what they held.
    """
    result = await session.execute(
        update(InboxEvent)
        .where(InboxEvent.channel == channel, InboxEvent.sender == sender)
        .values(sender=ERASED_SENDER, payload_sealed=None, replies_sealed=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
