"""Queries that keep a person's current dialog in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Dialog


async def current_dialog(session: AsyncSession, person_id: int) -> Dialog | None:
    """The person's dialog, expired or not."""
    return await session.get(Dialog, person_id)


async def save_dialog(
    session: AsyncSession,
    *,
    person_id: int,
    flow: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
    expires_at: datetime,
) -> Dialog:
    """Start or move on a dialog; the person's previous dialog, if any, is replaced."""
    dialog = await session.get(Dialog, person_id)
    if dialog is None:
        dialog = Dialog(person_id=person_id)
        session.add(dialog)
    dialog.flow = flow
    dialog.step = step
    dialog.data = dict(data)
    dialog.updated_at = now
    dialog.expires_at = expires_at
    await session.flush()
    return dialog


async def end_dialog(session: AsyncSession, person_id: int) -> None:
    """Forget the person's dialog."""
    await session.execute(delete(Dialog).where(Dialog.person_id == person_id))


async def purge_expired_dialogs(session: AsyncSession, now: datetime) -> int:
    """Delete dialogs past their expiry; return how many."""
    result = await session.execute(delete(Dialog).where(Dialog.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


async def all_dialog_data(session: AsyncSession) -> list[dict[str, Any]]:
    """What every stored dialog holds."""
    return [dict(data) for data in await session.scalars(select(Dialog.data))]
