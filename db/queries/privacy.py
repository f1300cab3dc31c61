"""Queries about personal data: clear names, what a person holds, erasure and retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    Case,
    CaseFile,
    CaseStatus,
    Dialog,
    Identity,
    InviteAttempt,
    LinkAttempt,
    LinkCode,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Person,
    Upload,
)

CLOSED = (
    CaseStatus.CLOSED,
    CaseStatus.CLOSED_UNRESOLVED,
    CaseStatus.REFUSED,
    CaseStatus.MERGED,
)


async def citizens_with_clear_names(session: AsyncSession) -> Sequence[Person]:
    """People without any staff role whose display name is still stored in clear.

    A person merged into another by a link holds no role of their own any more: the roles
    of the person they became count (a staff member's older account keeps its name in clear,
    so the audit trail that still names it reads the same).
    """
    result = await session.scalars(
        select(Person).where(
            Person.display_name != "",
            ~exists().where(Membership.person_id == Person.id),
            ~exists().where(Membership.person_id == Person.merged_into),
        )
    )
    return result.all()


async def merged_staff_with_sealed_names(session: AsyncSession) -> Sequence[Person]:
    """People merged into a staff member whose name was sealed as if they were citizens."""
    result = await session.scalars(
        select(Person).where(
            Person.merged_into.is_not(None),
            Person.display_name == "",
            Person.name_sealed.is_not(None),
            exists().where(Membership.person_id == Person.merged_into),
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


async def lock_person(session: AsyncSession, person_id: int) -> Person | None:
    """The person, locked so two erasures of one person do not interleave."""
    return await session.scalar(select(Person).where(Person.id == person_id).with_for_update())


async def cases_of(session: AsyncSession, person_id: int, *, lock: bool = False) -> Sequence[Case]:
    """Every case a person sent, oldest first, with files and events loaded."""
    query = (
        select(Case)
        .where(Case.citizen_id == person_id)
        .order_by(Case.id)
        .options(selectinload(Case.files), selectinload(Case.events))
    )
    result = await session.scalars(query.with_for_update(of=Case) if lock else query)
    return result.all()


async def has_role(session: AsyncSession, person_id: int) -> bool:
    """Whether the person holds any staff role."""
    found = await session.scalar(
        select(Membership.id).where(Membership.person_id == person_id).limit(1)
    )
    return found is not None


async def drop_case_files(session: AsyncSession, case_id: int) -> int:
    """Delete the files a citizen sent with a case (staff's answer files stay)."""
    result = await session.execute(
        delete(CaseFile).where(CaseFile.case_id == case_id, CaseFile.from_staff.is_(False))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def drop_traces(session: AsyncSession, person_id: int, *, keep_unsent: bool) -> None:
    """Delete what only served to talk to the person: dialog, uploads, messages, attempts.

    With ``keep_unsent`` messages not sent yet stay (a kept case's outcome must reach them).
    """
    for model in (Dialog, Upload, InviteAttempt, LinkAttempt, LinkCode):
        await session.execute(delete(model).where(model.person_id == person_id))
    messages = delete(OutboxMessage).where(OutboxMessage.person_id == person_id)
    if keep_unsent:
        messages = messages.where(
            OutboxMessage.status.not_in([OutboxStatus.PENDING, OutboxStatus.SENDING])
        )
    await session.execute(messages)


async def drop_identities(session: AsyncSession, person_id: int) -> int:
    """Delete the person's channel accounts (the next message starts a new person)."""
    result = await session.execute(delete(Identity).where(Identity.person_id == person_id))
    return int(getattr(result, "rowcount", 0) or 0)


async def identities_of(session: AsyncSession, person_id: int) -> Sequence[Identity]:
    """The person's channel accounts."""
    result = await session.scalars(
        select(Identity).where(Identity.person_id == person_id).order_by(Identity.id)
    )
    return result.all()


async def memberships_of(session: AsyncSession, person_id: int) -> Sequence[Membership]:
    """The person's staff roles."""
    result = await session.scalars(
        select(Membership).where(Membership.person_id == person_id).order_by(Membership.id)
    )
    return result.all()


async def current_dialog(session: AsyncSession, person_id: int) -> Dialog | None:
    """The dialog the person is in, if any."""
    return await session.get(Dialog, person_id)


async def purge_closed_contacts(session: AsyncSession, closed_before: datetime) -> int:
    """Erase the sealed contacts of cases closed before ``closed_before``; return how many."""
    result = await session.execute(
        update(Case)
        .where(
            Case.contact_sealed.is_not(None),
            Case.closed_at.is_not(None),
            Case.closed_at < closed_before,
            Case.status.in_(CLOSED),
        )
        .values(contact_sealed=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def people_awaiting_erasure(session: AsyncSession) -> list[int]:
    """People who asked to be forgotten and still have a case the erasure had to keep."""
    rows = await session.scalars(
        select(Person.id)
        .where(
            Person.forget_requested_at.is_not(None),
            exists().where(
                Case.citizen_id == Person.id,
                Case.channel != "erased",
                Case.status.in_(CLOSED),
            ),
        )
        .order_by(Person.id)
    )
    return list(rows.all())
