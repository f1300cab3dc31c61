"""The language the outbox writes to a person in: the one they chose, else their client's."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import negotiate
from db.queries import reminders


async def person_locales(session: AsyncSession, person_ids: set[int]) -> dict[int, str | None]:
    """Each person's language; ``None`` when neither chosen nor reported in a known one."""
    languages = await reminders.languages_of(session, person_ids)
    return {
        p: chosen or negotiate(reported, "") or None for p, (chosen, reported) in languages.items()
    }


async def person_locale(session: AsyncSession, person_id: int) -> str | None:
    """``person_locales`` of one person."""
    return (await person_locales(session, {person_id})).get(person_id)
