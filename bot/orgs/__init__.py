"""The organization's own record: its name, as reports, greetings and documents show it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.errors import BotError
from db.queries import audit, orgs

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.i18n import Translator

NAME_LIMIT: Final = 200


class OrgNameError(BotError):
    """A name an organization cannot take: empty, too long, or another one's under its parent."""

    def __init__(self, name: str, taken: bool = False) -> None:
        super().__init__(name[:NAME_LIMIT])
        self.name, self.taken = name, taken

    def message(self, t: Translator) -> str:
        """Say what is wrong with the name."""
        if self.taken:
            return t._("Another organization is already called “{name}”.", name=self.name)
        return t._(
            "Please send the commune's name as text, at most {limit} characters, for example "
            "“UBND xã Hòa An”.",
            limit=NAME_LIMIT,
        )


@dataclass(frozen=True, slots=True)
class OrgRenamed:
    """The organization's old and new names."""

    org_id: int
    old_name: str
    name: str


async def rename_org(
    session: AsyncSession, *, org_id: int, name: str, actor_id: int | None, now: datetime
) -> OrgRenamed:
    """Give the organization its real name ("UBND xã Hòa An"); reports use it from then on."""
    tidy = " ".join(name.split())
    if (
        not tidy
        or tidy.startswith("/")
        or len(tidy) > NAME_LIMIT
        or not orgs.name_key(tidy)
        or not tidy.isprintable()
    ):
        raise OrgNameError(tidy or name)
    org = await orgs.lock_org(session, org_id)
    clash = await orgs.org_by_name(session, tidy)
    if clash is not None and clash.id != org_id and clash.parent_id == org.parent_id:
        raise OrgNameError(tidy, taken=True)
    old = org.name
    org.name = tidy
    await session.flush()
    await audit.record(
        session,
        at=now,
        actor_id=actor_id,
        org_id=org_id,
        action="organization.renamed",
        entity="organization",
        entity_id=org_id,
        before={"name": old},
        after={"name": tidy},
    )
    return OrgRenamed(org_id, old, tidy)
