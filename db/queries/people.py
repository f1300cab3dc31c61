"""Queries about people, their identities and their roles."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from sqlalchemy import Engine, Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.util import greenlet_spawn

from db.models import Dialog, Identity, Membership, Person, Role

DISPLAY_NAME_LIMIT = 200
_INTERACTION_STEP: Final = timedelta(minutes=1)


# Built once: every update runs it, and building a four-table select (and its cache key)
# costs more CPU than SQLite takes to answer it.
_CALLER: Final = (
    select(Identity, Person, Membership, Dialog)
    .join(Person, Person.id == Identity.person_id)
    .outerjoin(Membership, Membership.person_id == Person.id)
    .outerjoin(Dialog, Dialog.person_id == Person.id)
    .where(Identity.channel == bindparam("channel"), Identity.user_id == bindparam("user_id"))
    .order_by(Membership.id)
)


_Model = TypeVar("_Model", Identity, Person, Membership, Dialog)


def _fields(model: type[Any], offset: int) -> tuple[tuple[str, int], ...]:
    columns = model.__table__.columns
    return tuple(
        (model.__mapper__.get_property_by_column(c).key, offset + i) for i, c in enumerate(columns)
    )


_IDENTITY_FIELDS: Final = _fields(Identity, 0)
_PERSON_FIELDS: Final = _fields(Person, len(_IDENTITY_FIELDS))
_MEMBERSHIP_FIELDS: Final = _fields(Membership, _PERSON_FIELDS[-1][1] + 1)
_DIALOG_FIELDS: Final = _fields(Dialog, _MEMBERSHIP_FIELDS[-1][1] + 1)
# The same four tables as _CALLER, as plain column values: no ORM objects are loaded.
_CALLER_VALUES: Final = (
    select(
        *Identity.__table__.columns,
        *Person.__table__.columns,
        *Membership.__table__.columns,
        *Dialog.__table__.columns,
    )
    .join_from(Identity, Person, Person.id == Identity.person_id)
    .outerjoin(Membership, Membership.person_id == Person.id)
    .outerjoin(Dialog, Dialog.person_id == Person.id)
    .where(Identity.channel == bindparam("channel"), Identity.user_id == bindparam("user_id"))
    .order_by(Membership.id)
)

Values = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Known:
    """A person the bot has met, as read by ``read_caller``: column values by attribute."""

    identity: Values
    person: Values
    memberships: Sequence[Values]
    dialog: Values | None


@dataclass(frozen=True, slots=True)
class Caller:
    """The person behind a channel account, with what every update of theirs needs."""

    person: Person
    memberships: Sequence[Membership]
    dialog: Dialog | None
    created: bool
    """The person and the identity were created by this call (first contact)."""
    changed: bool
    """This call wrote something: created them, or updated the identity's channel fields."""


async def caller(
    session: AsyncSession,
    *,
    channel: str,
    user_id: str,
    chat_id: str,
    display_name: str,
    username: str | None,
    now: datetime,
    language_code: str | None = None,
    seal: Callable[[str], str] | None = None,
) -> Caller:
    """The person behind a channel account, their roles and dialog, in one query.

    Creates the person and the identity on first contact. The identity's channel fields are
    written only when they changed, so a person's usual update writes nothing. With ``seal``
    (every chat does this) the display name is stored only sealed: until the person joins
    the staff, nothing readable in the database says who they are. Without it the name is
    kept in clear (staff created by tools). The channel username is not kept.
    """
    rows = (await session.execute(_CALLER, {"channel": channel, "user_id": user_id})).all()
    if rows:
        identity, person, _, dialog = rows[0]
        current = {key: getattr(identity, key) for key, _ in _IDENTITY_FIELDS}
        changed = _changes(current, chat_id=chat_id, language_code=language_code, now=now)
        for key, value in changed.items():
            setattr(identity, key, value)
        memberships = [row[2] for row in rows if row[2] is not None]
        return Caller(person, memberships, dialog, created=False, changed=bool(changed))
    name = display_name.strip()[:DISPLAY_NAME_LIMIT] or str(user_id)
    if seal is None:
        person = Person(display_name=name, locale=None, created_at=now)
    else:
        person = Person(display_name="", name_sealed=seal(name), locale=None, created_at=now)
    session.add(person)
    await session.flush()
    session.add(
        Identity(
            person_id=person.id,
            channel=channel,
            user_id=user_id,
            chat_id=chat_id,
            username=None,
            language_code=language_code,
            last_interaction_at=now,
            sent_since_interaction=0,
        )
    )
    await session.flush()
    return Caller(person, [], None, created=True, changed=True)


async def read_caller(reads: AsyncEngine, *, channel: str, user_id: str) -> Known | None:
    """The person behind a channel account, their roles and dialog, if the bot has met them.

    One statement on ``reads`` (an engine of ``db.engine.single_reads``): no transaction, no
    session, no ORM objects. ``attach`` then puts what it read into a session.
    """
    # Checking a connection out, running the statement and checking it in all go in one
    # hand-off to SQLAlchemy's synchronous core, where AsyncConnection takes three.
    rows = await greenlet_spawn(
        _read_rows, reads.sync_engine, {"channel": channel, "user_id": user_id}
    )
    if not rows:
        return None
    first = rows[0]
    dialog = None if first[_DIALOG_FIELDS[0][1]] is None else _values(first, _DIALOG_FIELDS)
    return Known(
        identity=_values(first, _IDENTITY_FIELDS),
        person=_values(first, _PERSON_FIELDS),
        memberships=[
            _values(row, _MEMBERSHIP_FIELDS)
            for row in rows
            if row[_MEMBERSHIP_FIELDS[0][1]] is not None
        ],
        dialog=dialog,
    )


def attach(
    session: AsyncSession,
    known: Known,
    *,
    chat_id: str,
    language_code: str | None,
    now: datetime,
) -> Caller:
    """Put a caller ``read_caller`` read into ``session`` as if loaded there, without SQL.

    Changes to the objects are written when the session flushes, as for a query's. The
    identity's channel fields are updated as ``caller`` does.
    """
    person = _persistent(session, Person, known.person)
    memberships = [_persistent(session, Membership, m) for m in known.memberships]
    dialog = None if known.dialog is None else _persistent(session, Dialog, known.dialog)
    changed = _changes(known.identity, chat_id=chat_id, language_code=language_code, now=now)
    if changed:
        identity = _persistent(session, Identity, known.identity)
        for key, value in changed.items():
            setattr(identity, key, value)
    return Caller(person, memberships, dialog, created=False, changed=bool(changed))


def _read_rows(engine: Engine, parameters: dict[str, str]) -> Sequence[Row[Any]]:
    with engine.connect() as connection:
        return connection.execute(_CALLER_VALUES, parameters).all()


def _values(row: Sequence[Any], fields: tuple[tuple[str, int], ...]) -> Values:
    return {key: row[index] for key, index in fields}


def _persistent(session: AsyncSession, model: type[_Model], values: Values) -> _Model:
    instance = model(**values)
    make_transient_to_detached(instance)  # as if loaded: no history, an identity key
    session.add(instance)
    return instance


def _changes(
    identity: Values, *, chat_id: str, language_code: str | None, now: datetime
) -> dict[str, object]:
    """The identity's fields this contact changes (none, for most updates)."""
    fields: dict[str, object] = {
        "chat_id": chat_id,
        "language_code": language_code,
        "unreachable_since": None,
        "unreachable_reason": None,
    }
    changed = {k: v for k, v in fields.items() if identity.get(k) != v}
    if _interaction_moves(
        identity.get("last_interaction_at"), identity.get("sent_since_interaction"), now
    ):
        changed |= {"last_interaction_at": now, "sent_since_interaction": 0}
    return changed


def _interaction_moves(last: datetime | None, sent_since: int | None, now: datetime) -> bool:
    """Whether this contact must be written down as the person's last interaction.

    Zalo's windows run for days, so a minute does not matter; skipping the write when
    nothing was sent since spares most updates a write (and SQLite's write lock).
    """
    if last is None or sent_since:
        return True
    return now - last >= _INTERACTION_STEP


async def person_for_identity(
    session: AsyncSession,
    *,
    channel: str,
    user_id: str,
    chat_id: str,
    display_name: str,
    username: str | None,
    now: datetime,
    language_code: str | None = None,
    seal: Callable[[str], str] | None = None,
) -> tuple[Person, bool]:
    """Return the person behind a channel account, creating both on first contact."""
    found = await caller(
        session,
        channel=channel,
        user_id=user_id,
        chat_id=chat_id,
        display_name=display_name,
        username=username,
        now=now,
        language_code=language_code,
        seal=seal,
    )
    return found.person, found.created


async def memberships_of(session: AsyncSession, person_id: int) -> Sequence[Membership]:
    """Every role a person holds, oldest first."""
    result = await session.scalars(
        select(Membership).where(Membership.person_id == person_id).order_by(Membership.id)
    )
    return result.all()


async def grant_role(
    session: AsyncSession,
    *,
    person_id: int,
    org_id: int,
    role: Role,
    unit_id: int | None,
    now: datetime,
) -> Membership:
    """Give a person a role (idempotent: an existing identical membership is returned)."""
    existing = await session.scalar(
        select(Membership).where(
            Membership.person_id == person_id,
            Membership.org_id == org_id,
            Membership.role == role,
            Membership.unit_id.is_(None) if unit_id is None else Membership.unit_id == unit_id,
        )
    )
    if existing is not None:
        return existing
    membership = Membership(
        person_id=person_id, org_id=org_id, role=role, unit_id=unit_id, created_at=now
    )
    session.add(membership)
    await session.flush()
    return membership


async def identities_of(session: AsyncSession, person_id: int) -> Sequence[Identity]:
    """The channel accounts of a person."""
    result = await session.scalars(select(Identity).where(Identity.person_id == person_id))
    return result.all()


async def identity_of(session: AsyncSession, *, channel: str, user_id: str) -> Identity | None:
    """The identity behind a channel account, if the bot has met it."""
    return await session.scalar(
        select(Identity).where(Identity.channel == channel, Identity.user_id == user_id)
    )


async def set_contact(
    session: AsyncSession, *, channel: str, user_id: str, sealed: str
) -> int | None:
    """Keep contact details a person shared (sealed); return their person id."""
    identity = await identity_of(session, channel=channel, user_id=user_id)
    if identity is None:
        return None
    identity.contact_sealed = sealed
    return identity.person_id


async def languages_of_account(
    session: AsyncSession, *, channel: str, user_id: str
) -> tuple[str | None, str | None]:
    """The language the account's person chose and the one its chat client reports."""
    row = (
        await session.execute(
            select(Person.locale, Identity.language_code)
            .join(Identity, Identity.person_id == Person.id)
            .where(Identity.channel == channel, Identity.user_id == user_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)
