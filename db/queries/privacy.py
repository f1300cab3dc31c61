"""Queries about personal data: clear names, what a person holds, erasure and retention."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Identity, Membership, Person


async def citizens_with_clear_names(session: AsyncSession) -> Sequence[Person]:
    """People without any staff role whose display name is still stored in clear."""
    result = await session.scalars(
        select(Person).where(
            Person.display_name != "", ~exists().where(Membership.person_id == Person.id)
        )
    )
    return result.all()


async def forget_usernames_of_citizens(session: AsyncSession) -> None:
    """Drop the channel usernames of people without a staff role (they identify them)."""
    staff = select(Membership.person_id)
    await session.execute(
        update(Identity)
        .where(Identity.username.is_not(None), Identity.person_id.not_in(staff))
        .values(username=None)
    )
