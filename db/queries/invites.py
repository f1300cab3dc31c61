"""Queries that store invite codes and the wrong codes people try."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Invite, InviteAttempt


async def add_invite(session: AsyncSession, invite: Invite) -> Invite:
    """Store a new invite."""
    session.add(invite)
    await session.flush()
    return invite


async def invite_for_update(session: AsyncSession, code_hash: str) -> Invite | None:
    """The invite with this code's hash, locked until the transaction ends."""
    return await session.scalar(
        select(Invite).where(Invite.code_hash == code_hash).with_for_update()
    )


async def failures_since(
    session: AsyncSession, person_id: int, since: datetime
) -> tuple[int, datetime | None]:
    """How many wrong codes the person tried after ``since``, and when the first was."""
    recent = await session.execute(
        select(func.count(), func.min(InviteAttempt.at)).where(
            InviteAttempt.person_id == person_id, InviteAttempt.at > since
        )
    )
    count, oldest = recent.one()
    return int(count), oldest


async def add_failure(session: AsyncSession, person_id: int, at: datetime) -> None:
    """Count a wrong code against the person."""
    session.add(InviteAttempt(person_id=person_id, at=at))
    await session.flush()


async def delete_failures_until(session: AsyncSession, until: datetime) -> None:
    """Forget the wrong codes tried at or before ``until``."""
    await session.execute(delete(InviteAttempt).where(InviteAttempt.at <= until))
