"""Queries that keep the numbered choices a chat was last shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChoiceList


async def save_choices(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    items: list[tuple[str, str]],
    now: datetime,
) -> None:
    """Remember ``items`` (label, payload) as the chat's choices, replacing older ones."""
    row = await session.get(ChoiceList, (channel, chat_id))
    if row is None:
        row = ChoiceList(channel=channel, chat_id=chat_id)
        session.add(row)
    row.items = {"items": [list(item) for item in items]}
    row.shown_at = now
    await session.flush()


async def clear_choices(session: AsyncSession, *, channel: str, chat_id: str) -> None:
    """Forget the chat's choices."""
    await session.execute(
        delete(ChoiceList).where(ChoiceList.channel == channel, ChoiceList.chat_id == chat_id)
    )


async def load_choices(
    session: AsyncSession, *, channel: str, chat_id: str
) -> tuple[list[tuple[str, str]], datetime] | None:
    """The chat's choices and when they were shown, if any."""
    row = await session.get(ChoiceList, (channel, chat_id))
    if row is None:
        return None
    items = [(str(label), str(payload)) for label, payload in row.items.get("items", [])]
    return items, row.shown_at
