"""Keys that let another system file and read cases through the Open311 API."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BotError
from db.models import ApiKey, Person
from db.queries import apikeys, audit

NAME_LIMIT = 100


class BadKeyName(BotError):
    """A key's name is empty, too long, or already used."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True, slots=True)
class Issued:
    """A new key: the secret is shown once and never stored."""

    name: str
    secret: str


def key_hash(secret: str) -> str:
    """What is stored of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_key(session: AsyncSession, *, name: str, org_id: int, now: datetime) -> Issued:
    """Create a key for a client system in an organization; cases it files are its own."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_LIMIT or await apikeys.key_named(session, org_id, name):
        raise BadKeyName(name)
    client = Person(display_name=f"Open311: {name}", created_at=now)
    session.add(client)
    await session.flush()
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        name=name, org_id=org_id, person_id=client.id, key_hash=key_hash(secret), created_at=now
    )
    session.add(key)
    await session.flush()
    await audit.record(
        session,
        at=now,
        actor_id=None,
        org_id=org_id,
        action="apikey.issued",
        entity="api_key",
        entity_id=key.id,
        after={"name": name},
    )
    return Issued(name, secret)


async def revoke_key(session: AsyncSession, *, name: str, org_id: int, now: datetime) -> bool:
    """Stop a key from working; ``False`` if there is no such live key."""
    key = await apikeys.key_named(session, org_id, name)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = now
    await audit.record(
        session,
        at=now,
        actor_id=None,
        org_id=org_id,
        action="apikey.revoked",
        entity="api_key",
        entity_id=key.id,
    )
    return True


async def key_holder(session: AsyncSession, secret: str) -> ApiKey | None:
    """The live key a presented secret belongs to."""
    if not secret or len(secret) > 200 or not secret.isascii():
        return None
    return await apikeys.live_key(session, key_hash(secret))
