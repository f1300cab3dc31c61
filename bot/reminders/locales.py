"""The language the outbox writes to a person in, worded for the account it is sent on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import reader_locale
from db.queries import reach, reminders


async def chosen_locales(session: AsyncSession, person_ids: set[int]) -> dict[int, str | None]:
    """The language each person chose, ``None`` when they never chose one."""
    return await reminders.chosen_locales(session, person_ids)


async def chosen_locale(session: AsyncSession, person_id: int) -> str | None:
    """``chosen_locales`` of one person."""
    return (await chosen_locales(session, {person_id})).get(person_id)


def route_locale(chosen: str | None, route: reach.Route | None, default: str) -> str:
    """The locale of a message sent on ``route``: ``reader_locale`` of that account."""
    return reader_locale(chosen, route.language_code if route is not None else None, default)
