"""A person's channel display name: sealed for citizens, in clear only for staff."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Sealer
from db.models import Person
from db.queries import privacy


def name_of(person: Person, sealer: Sealer) -> str:
    """The name to greet a person by (opened from its seal when they are not staff)."""
    if person.display_name:
        return person.display_name
    return sealer.open(person.name_sealed) if person.name_sealed else ""


def show_name_to_colleagues(person: Person, sealer: Sealer) -> None:
    """Put a new staff member's name in clear: colleagues read it in notices and reports."""
    if not person.display_name and person.name_sealed:
        person.display_name = sealer.open(person.name_sealed)


async def seal_citizen_names(session: AsyncSession, sealer: Sealer) -> int:
    """Seal the names that people without a staff role still have in clear; return how many.

    A staff member's account merged by a link counts as staff: a name sealed before that
    was understood is put back in clear, as the merge left it.
    """
    sealed = 0
    for person in await privacy.citizens_with_clear_names(session):
        person.name_sealed = sealer.seal(person.display_name)
        person.display_name = ""
        sealed += 1
    for person in await privacy.merged_staff_with_sealed_names(session):
        show_name_to_colleagues(person, sealer)
        person.name_sealed = None
    await privacy.forget_usernames_of_citizens(session)
    return sealed
