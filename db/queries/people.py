"""Queries about people, their identities and their roles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Identity, Membership, Person, Role

DISPLAY_NAME_LIMIT = 200


async def person_for_identity(
    session: AsyncSession,
    *,
    channel: str,
    user_id: str,
    chat_id: str,
    display_name: str,
    username: str | None,
    now: datetime,
    language_code: str | None = None,
    seal: Callable[[str], str] | None = None,
) -> tuple[Person, bool]:
    """Return the person behind a channel account, creating both on first contact.

    With ``seal`` (every chat does this) the display name is stored only sealed: until the
    person joins the staff, nothing readable in the database says who they are. Without it
    the name is kept in clear (staff created by tools). The channel username is not kept.
    """
    name = display_name.strip()[:DISPLAY_NAME_LIMIT] or str(user_id)
    identity = await session.scalar(
        select(Identity).where(Identity.channel == channel, Identity.user_id == user_id)
    )
    if identity is not None:
        identity.chat_id = chat_id
        identity.language_code = language_code
        identity.unreachable_since = None
        identity.last_interaction_at = now
        identity.sent_since_interaction = 0
        person = await session.get_one(Person, identity.person_id)
        return person, False
    if seal is None:
        person = Person(display_name=name, locale=None, created_at=now)
    else:
        person = Person(display_name="", name_sealed=seal(name), locale=None, created_at=now)
    session.add(person)
    await session.flush()
    session.add(
        Identity(
            person_id=person.id,
            channel=channel,
            user_id=user_id,
            chat_id=chat_id,
            username=None,
            language_code=language_code,
            last_interaction_at=now,
            sent_since_interaction=0,
        )
    )
    await session.flush()
    return person, True


async def memberships_of(session: AsyncSession, person_id: int) -> Sequence[Membership]:
    """Every role a person holds, oldest first."""
    result = await session.scalars(
        select(Membership).where(Membership.person_id == person_id).order_by(Membership.id)
    )
    return result.all()


async def grant_role(
    session: AsyncSession,
    *,
    person_id: int,
    org_id: int,
    role: Role,
    unit_id: int | None,
    now: datetime,
) -> Membership:
    """Give a person a role (idempotent: an existing identical membership is returned)."""
    existing = await session.scalar(
        select(Membership).where(
            Membership.person_id == person_id,
            Membership.org_id == org_id,
            Membership.role == role,
            Membership.unit_id.is_(None) if unit_id is None else Membership.unit_id == unit_id,
        )
    )
    if existing is not None:
        return existing
    membership = Membership(
        person_id=person_id, org_id=org_id, role=role, unit_id=unit_id, created_at=now
    )
    session.add(membership)
    await session.flush()
    return membership


async def identities_of(session: AsyncSession, person_id: int) -> Sequence[Identity]:
    """The channel accounts of a person."""
    result = await session.scalars(select(Identity).where(Identity.person_id == person_id))
    return result.all()


async def identity_of(session: AsyncSession, *, channel: str, user_id: str) -> Identity | None:
    """The identity behind a channel account, if the bot has met it."""
    return await session.scalar(
        select(Identity).where(Identity.channel == channel, Identity.user_id == user_id)
    )


async def set_contact(
    session: AsyncSession, *, channel: str, user_id: str, sealed: str
) -> int | None:
    """Keep contact details a person shared (sealed); return their person id."""
    identity = await identity_of(session, channel=channel, user_id=user_id)
    if identity is None:
        return None
    identity.contact_sealed = sealed
    return identity.person_id


async def locale_of(session: AsyncSession, *, channel: str, user_id: str) -> str | None:
    """The language a channel account's person chose, if any."""
    return await session.scalar(
        select(Person.locale)
        .join(Identity, Identity.person_id == Person.id)
        .where(Identity.channel == channel, Identity.user_id == user_id)
    )
