"""Audiences: who a command or button is for."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from bot.i18n import Translator


class Audience(enum.StrEnum):
    """A kind of user; everyone is a citizen, staff roles come from memberships."""

    CITIZEN = "citizen"
    OFFICIAL = "official"
    LEADER = "leader"
    ADMIN = "admin"


EVERYONE: Final = frozenset(Audience)
STAFF: Final = frozenset({Audience.OFFICIAL, Audience.LEADER, Audience.ADMIN})
LEADERS: Final = frozenset({Audience.LEADER, Audience.ADMIN})
ADMINS: Final = frozenset({Audience.ADMIN})


def audiences_of(roles: Iterable[str]) -> frozenset[Audience]:
    """Return the audiences a person with these membership roles belongs to."""
    return frozenset({Audience.CITIZEN, *(Audience(r) for r in roles)})


def audience_label(audience: Audience, t: Translator) -> str:
    """The audience's name for people."""
    labels = {
        Audience.CITIZEN: t._("citizen"),
        Audience.OFFICIAL: t._("official"),
        Audience.LEADER: t._("leader"),
        Audience.ADMIN: t._("administrator"),
    }
    return labels[audience]
