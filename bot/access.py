"""Who may act where: a person's roles, scoped to the organization that owns what they touch.

A role counts only in the organization that granted it, except that a leader of a district
or province also leads the organizations below it. Everything a person acts on is checked
against its owner's roles, never against the union of all their roles.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import Audience
from db.models import Membership, Role
from db.queries import owners

# A district's or province's leader oversees the communes below; administrators and
# officials work only inside the organization that invited them.
_INHERITED: Final = frozenset({Role.LEADER})
# When nothing names the organization, a person acts where they hold the most rights.
_RANK: Final = {Role.ADMIN: 0, Role.LEADER: 1, Role.OFFICIAL: 2}


@dataclass(frozen=True, slots=True)
class Grant:
    """One role of a person in one organization (an official's in one unit)."""

    org_id: int
    role: Role
    unit_id: int | None


@dataclass(frozen=True, slots=True)
class Access:
    """Every role a person holds, and what they amount to in a given organization."""

    grants: tuple[Grant, ...]

    @classmethod
    def of(cls, memberships: Iterable[Membership]) -> Access:
        """The access of the person holding these memberships (oldest first)."""
        return cls(tuple(Grant(m.org_id, Role(m.role), m.unit_id) for m in memberships))

    @property
    def anywhere(self) -> frozenset[Audience]:
        """Every audience the person belongs to somewhere: for menus and help, not rights."""
        return frozenset({Audience.CITIZEN, *(Audience(g.role) for g in self.grants)})

    def direct(self, org_id: int) -> frozenset[Audience]:
        """The audiences granted by the organization itself (no inherited leadership)."""
        return frozenset(
            {Audience.CITIZEN, *(Audience(g.role) for g in self.grants if g.org_id == org_id)}
        )

    async def audiences_in(self, session: AsyncSession, org_id: int) -> frozenset[Audience]:
        """What the person may do in ``org_id``: its own roles and leadership from above."""
        audiences = self.direct(org_id)
        overseeing = {g.org_id for g in self.grants if g.role in _INHERITED and g.org_id != org_id}
        if overseeing:
            above = set((await owners.ancestor_ids(session, org_id))[1:])
            if overseeing & above:
                audiences |= {Audience.LEADER}
        return audiences

    def units_in(self, org_id: int) -> frozenset[int]:
        """The units the person works in as an official of ``org_id``."""
        return frozenset(
            g.unit_id
            for g in self.grants
            if g.org_id == org_id and g.role is Role.OFFICIAL and g.unit_id is not None
        )

    def home(self, wanted: Collection[Audience], default: int) -> int:
        """The organization to act in when nothing names one.

        The first organization where the person holds a role in ``wanted``, the one with the
        most rights first and, among equals, the oldest membership; ``default`` if none.
        """
        ranked = sorted(
            (
                (_RANK[g.role], index, g.org_id)
                for index, g in enumerate(self.grants)
                if Audience(g.role) in wanted or Audience.CITIZEN in wanted
            ),
        )
        return ranked[0][2] if ranked else default
