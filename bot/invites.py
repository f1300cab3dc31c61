"""Invite codes: how they look, how they are hashed, issued and redeemed, and why a
redemption fails."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BotError
from db.models import Invite, Membership, Role
from db.queries import invites
from db.queries.people import grant_role

if TYPE_CHECKING:
    from bot.i18n import Translator

# No 0/O, 1/I/L: codes are read aloud and typed from paper.
ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH: Final = 16
MAX_FAILURES: Final = 5
FAILURE_WINDOW: Final = timedelta(minutes=10)


def new_code() -> str:
    """Return a fresh random code (about 79 bits), safe in a ``t.me`` deep link."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    """Fold case and drop the spaces and dashes people type inside codes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    """The stored form of a code."""
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    """A link that opens the bot and redeems ``code``."""
    return f"https://t.me/{bot_username}?start={code}"


class InviteError(BotError):
    """An invite code could not be redeemed."""


class InviteNotFound(InviteError):
    """No invite has this code."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("This invite code is not valid. Check it and try again.")


class InviteExpired(InviteError):
    """The invite's time ran out."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("This invite code has expired. Ask the office for a new one.")


class InviteUsed(InviteError):
    """Someone already redeemed the invite."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("This invite code has already been used. Ask the office for a new one.")


class TooManyAttempts(InviteError):
    """Too many wrong codes from one person in a short time."""

    def __init__(self, retry_minutes: int) -> None:
        super().__init__(retry_minutes)
        self.retry_minutes = retry_minutes

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t.ngettext(
            "Too many wrong codes. Try again in {n} minute.",
            "Too many wrong codes. Try again in {n} minutes.",
            self.retry_minutes,
        )


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
    return await invites.add_invite(session, invite), code


async def _check_rate(session: AsyncSession, person_id: int, now: datetime) -> None:
    count, oldest = await invites.failures_since(session, person_id, now - FAILURE_WINDOW)
    if count >= MAX_FAILURES and oldest is not None:
        wait = oldest + FAILURE_WINDOW - now
        raise TooManyAttempts(max(1, math.ceil(wait.total_seconds() / 60)))


async def redeem_invite(
    session: AsyncSession, *, person_id: int, code: str, now: datetime
) -> tuple[Invite, Membership]:
    """Grant the invite's role to the person; a wrong code is counted against them."""
    await _check_rate(session, person_id, now)
    invite = await invites.invite_for_update(session, hash_code(code))
    if invite is None:
        await invites.add_failure(session, person_id, now)
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
    await invites.delete_failures_until(session, now - FAILURE_WINDOW)
