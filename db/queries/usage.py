"""Queries for each person's messaging window and the messages counted per class and month."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Identity, MessageCount


async def window_of(
    session: AsyncSession, channel: str, user_id: str
) -> tuple[datetime | None, int]:
    """When the person last interacted here, and how many messages were sent since."""
    row = (
        await session.execute(
            select(Identity.last_interaction_at, Identity.sent_since_interaction).where(
                Identity.channel == channel, Identity.user_id == user_id
            )
        )
    ).first()
    return (None, 0) if row is None else (row[0], int(row[1] or 0))


async def note_interaction(
    session: AsyncSession, channel: str, user_id: str, now: datetime
) -> None:
    """The person wrote, followed or pressed something: their windows open again."""
    await session.execute(
        update(Identity)
        .where(Identity.channel == channel, Identity.user_id == user_id)
        .values(last_interaction_at=now, sent_since_interaction=0)
    )


async def count_sent(
    session: AsyncSession,
    *,
    channel: str,
    user_id: str,
    month: str,
    message_class: str,
    price: int,
) -> None:
    """Count one delivered message (and its price): for the person's window and the month."""
    await session.execute(
        update(Identity)
        .where(Identity.channel == channel, Identity.user_id == user_id)
        .values(sent_since_interaction=Identity.sent_since_interaction + 1)
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(MessageCount).values(
        channel=channel, month=month, message_class=message_class, count=1, cost_vnd=price
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["channel", "month", "message_class"],
            set_={"count": MessageCount.count + 1, "cost_vnd": MessageCount.cost_vnd + price},
        )
    )


async def month_counts(
    session: AsyncSession, channel: str, months: Sequence[str]
) -> dict[str, dict[str, tuple[int, int]]]:
    """Messages and their cost per month (``YYYY-MM``) and class; empty months left out."""
    rows = await session.execute(
        select(
            MessageCount.month,
            MessageCount.message_class,
            MessageCount.count,
            MessageCount.cost_vnd,
        ).where(MessageCount.channel == channel, MessageCount.month.in_(list(months)))
    )
    counts: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for month, message_class, count, cost in rows:
        counts[month][message_class] = (int(count), int(cost))
    return dict(counts)
