"""What the first argument of a button or command names, and which organization owns it.

The dispatcher looks the owner up before the handler runs, so the person's roles are those
they hold in that organization: an administrator of one commune is nobody in another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.feedback.catalog import normalize_code
from bot.numbers import parse_id
from db.queries import owners

OwnerLookup = Callable[[AsyncSession, str], Awaitable[int | None]]


@dataclass(frozen=True, slots=True)
class Scope:
    """A kind of object a payload or a command names, and how to find its owner.

    ``owner`` takes the argument as written and gives the owning organization's id, or
    ``None`` when the argument names nothing.
    """

    name: str
    owner: OwnerLookup


def _by_id(lookup: Callable[[AsyncSession, int], Awaitable[int | None]]) -> OwnerLookup:
    async def owner(session: AsyncSession, raw: str) -> int | None:
        object_id = parse_id(raw, prefix="#")
        return None if object_id is None else await lookup(session, object_id)

    return owner


async def _by_case_code(session: AsyncSession, raw: str) -> int | None:
    code = normalize_code(raw[:40])
    return None if code is None else await owners.org_of_case_code(session, code)


CASE: Final = Scope("case", _by_id(owners.org_of_case))
CASE_CODE: Final = Scope("case code", _by_case_code)
TASK: Final = Scope("task", _by_id(owners.org_of_task))
OCCURRENCE: Final = Scope("occurrence", _by_id(owners.org_of_occurrence))
EXTENSION: Final = Scope("extension", _by_id(owners.org_of_extension))
UNIT: Final = Scope("unit", _by_id(owners.org_of_unit))
