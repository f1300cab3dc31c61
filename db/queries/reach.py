"""Where a person can be reached: their channels in order, and who cannot be reached."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, case, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import Case, CaseKind, CaseStatus, Identity, Membership, Person

_CLOSED = (CaseStatus.CLOSED, CaseStatus.CLOSED_UNRESOLVED, CaseStatus.REFUSED, CaseStatus.MERGED)


def preferred_first() -> ColumnElement[int]:
    """An ORDER BY term: the person's chosen channel first, then oldest account first."""
    return case((Identity.channel == Person.preferred_channel, 0), else_=1)


@dataclass(frozen=True, slots=True)
class Route:
    """One account to try, and the language its chat client reports (``None``: none)."""

    channel: str
    chat_id: str
    language_code: str | None = None


async def routes_for(
    session: AsyncSession, person_ids: Collection[int], channels: Collection[str]
) -> dict[int, list[Route]]:
    """Each person's reachable accounts on ``channels``, in the order to try them."""
    routes: dict[int, list[Route]] = {p: [] for p in person_ids}
    for chunk in _chunks(sorted(person_ids)):
        rows = await session.execute(
            select(Identity.person_id, Identity.channel, Identity.chat_id, Identity.language_code)
            .join(Person, Person.id == Identity.person_id)
            .where(
                Identity.person_id.in_(chunk),
                Identity.unreachable_since.is_(None),
                Identity.channel.in_(list(channels)),
            )
            .order_by(Identity.person_id, preferred_first(), Identity.id)
        )
        for person_id, channel, chat_id, language_code in rows:
            routes[person_id].append(Route(channel, chat_id, language_code))
    return routes


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    # SQLite caps the number of bound parameters in one statement.
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@dataclass(frozen=True, slots=True)
class Refusal:
    """One account that refused a message: which channel, why, since when."""

    channel: str
    reason: str
    since: datetime


@dataclass(slots=True)
class Unreachable:
    """A person no account of whom can be reached.

    ``name`` is set for staff only (their names are in clear); for a citizen the list
    shows their open cases' codes, and only a count of confidential ones.
    """

    person_id: int
    name: str
    staff: bool
    refusals: list[Refusal] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    confidential: int = 0


async def unreachable_in(
    session: AsyncSession, org_id: int, confidential: Collection[CaseKind]
) -> list[Unreachable]:
    """People of the organization (staff, or citizens with open cases there) with no
    reachable account, longest unreachable first."""
    reachable = aliased(Identity)
    anyone_reachable = exists().where(
        reachable.person_id == Identity.person_id, reachable.unreachable_since.is_(None)
    )
    staff = select(Membership.person_id).where(Membership.org_id == org_id)
    citizens = select(Case.citizen_id).where(Case.org_id == org_id, Case.status.not_in(_CLOSED))
    rows = await session.execute(
        select(
            Identity.person_id,
            Identity.channel,
            Identity.unreachable_reason,
            Identity.unreachable_since,
            Person.display_name,
        )
        .join(Person, Person.id == Identity.person_id)
        .where(
            Identity.unreachable_since.is_not(None),
            ~anyone_reachable,
            Identity.person_id.in_(staff.union(citizens)),
        )
        .order_by(Identity.unreachable_since, Identity.id)
    )
    staff_ids = set((await session.scalars(staff)).all())
    found: dict[int, Unreachable] = {}
    for person_id, channel, reason, since, name in rows:
        assert since is not None  # the query asked for marked accounts only
        is_staff = person_id in staff_ids
        entry = found.setdefault(
            person_id, Unreachable(person_id, name if is_staff else "", is_staff)
        )
        entry.refusals.append(Refusal(channel, reason or "unknown", since))
    citizens_only = [p for p, e in found.items() if not e.staff]
    if citizens_only:
        cases = await session.execute(
            select(Case.citizen_id, Case.code, Case.kind)
            .where(
                Case.citizen_id.in_(citizens_only),
                Case.org_id == org_id,
                Case.status.not_in(_CLOSED),
            )
            .order_by(Case.id)
        )
        for citizen_id, code, kind in cases:
            if kind in confidential:
                found[citizen_id].confidential += 1
            else:
                found[citizen_id].cases.append(code)
    return list(found.values())


async def accounts_of(session: AsyncSession, person_id: int) -> list[Identity]:
    """The person's channel accounts, in the order reminders try them."""
    result = await session.scalars(
        select(Identity)
        .join(Person, Person.id == Identity.person_id)
        .where(Identity.person_id == person_id)
        .order_by(preferred_first(), Identity.id)
        .execution_options(populate_existing=True)
    )
    return list(result.all())
