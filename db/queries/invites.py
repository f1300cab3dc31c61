"""Queries that issue and redeem invite codes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.invites import (
    FAILURE_WINDOW,
    MAX_FAILURES,
    InviteExpired,
    InviteNotFound,
    InviteUsed,
    TooManyAttempts,
    hash_code,
    new_code,
)
from db.models import Invite, InviteAttempt, Membership, Role
from db.queries.people import grant_role


async def create_invite(
    session: AsyncSession,
    *,
    org_id: int,
    role: Role,
    unit_id: int | None,
    created_by: int | None,
    now: datetime,
    ttl: timedelta,
) -> tuple[Invite, str]:
    """Issue an invite; return it with the plain code, which is never stored."""
    code = new_code()
    invite = Invite(
        code_hash=hash_code(code),
        org_id=org_id,
        role=role,
        unit_id=unit_id,
        created_by=created_by,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    await session.flush()
    return invite, code


async def _check_rate(session: AsyncSession, person_id: int, now: datetime) -> None:
    since = now - FAILURE_WINDOW
    recent = await session.execute(
        select(func.count(), func.min(InviteAttempt.at)).where(
            InviteAttempt.person_id == person_id, InviteAttempt.at > since
        )
    )
    count, oldest = recent.one()
    if count >= MAX_FAILURES and oldest is not None:
        wait = oldest + FAILURE_WINDOW - now
        raise TooManyAttempts(max(1, math.ceil(wait.total_seconds() / 60)))


async def redeem_invite(
    session: AsyncSession, *, person_id: int, code: str, now: datetime
) -> tuple[Invite, Membership]:
    """Grant the invite's role to the person; a wrong code is counted against them."""
    await _check_rate(session, person_id, now)
    invite = await session.scalar(
        select(Invite).where(Invite.code_hash == hash_code(code)).with_for_update()
    )
    if invite is None:
        session.add(InviteAttempt(person_id=person_id, at=now))
        await session.flush()
        raise InviteNotFound
    if invite.used_at is not None:
        raise InviteUsed
    if invite.expires_at <= now:
        raise InviteExpired
    invite.used_at = now
    invite.used_by = person_id
    membership = await grant_role(
        session,
        person_id=person_id,
        org_id=invite.org_id,
        role=invite.role,
        unit_id=invite.unit_id,
        now=now,
    )
    return invite, membership


async def purge_old_attempts(session: AsyncSession, now: datetime) -> None:
    """Forget failed attempts that no longer count."""
    await session.execute(delete(InviteAttempt).where(InviteAttempt.at <= now - FAILURE_WINDOW))
