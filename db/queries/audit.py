"""Queries that append to and verify the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit_chain import (
    GENESIS,
    AuditFields,
    ChainBreak,
    entry_hash,
    entry_mac,
    mac_matches,
    verify_chain,
)
from db.bulk import insert_rows
from db.engine import AUDIT_KEY_INFO
from db.models import AuditEntry

_AUDIT = cast(Table, AuditEntry.__table__)


class AuditKeyMissing(RuntimeError):
    """A session without the audit key tried to append to the trail."""


def session_audit_key(session: AsyncSession) -> bytes:
    """The audit key this session was opened with (see ``db.engine.session_factory``)."""
    key = session.info.get(AUDIT_KEY_INFO)
    if not isinstance(key, bytes):
        raise AuditKeyMissing("open sessions with session_factory(engine, audit_key)")
    return key


# Any constant works; it only has to be the same in every process of a deployment.
_AUDIT_LOCK_KEY = 7_312_024


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor_id: int | None,
    org_id: int | None,
    action: str,
    entity: str,
    entity_id: str | int,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry chained to the newest one, in the caller's transaction."""
    await record_many(
        session,
        at=at,
        actor_id=actor_id,
        org_id=org_id,
        entries=[(action, entity, entity_id, before, after)],
    )


_PAGE = 2000


def _fields(e: AuditEntry) -> AuditFields:
    return AuditFields(
        e.at, e.actor_id, e.org_id, e.action, e.entity, e.entity_id, e.before, e.after
    )


async def verify(session: AsyncSession) -> tuple[int, ChainBreak | None]:
    """Walk the whole trail page by page; return how many entries were read and any break.

    Each entry must link to the one before, hash to its stored hash, and carry the audit
    key's signature of that hash ("mac": rewritten, forged or unsigned).
    """
    key = session_audit_key(session)
    count, last_id, prev = 0, 0, GENESIS
    while True:
        page = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(_PAGE)
            )
        ).all()
        if not page:
            return count, None
        rows = [(e.id, e.prev_hash, e.hash, _fields(e)) for e in page]
        broken = verify_chain(rows, prev)
        for offset, entry in enumerate(page):
            if broken is not None and entry.id == broken.entry_id:
                return count + offset, broken
            if not mac_matches(key, entry.hash, entry.mac):
                return count + offset, ChainBreak(entry.id, "mac")
        count += len(page)
        last_id, prev = page[-1].id, page[-1].hash
        session.expunge_all()


async def record_many(
    session: AsyncSession,
    *,
    at: datetime,
    actor_id: int | None,
    org_id: int | None,
    entries: list[tuple[str, str, str | int, Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> None:
    """Append many ``(action, entity, entity_id, before, after)`` entries with one look-up."""
    if not entries:
        return
    key = session_audit_key(session)
    if session.get_bind().dialect.name == "postgresql":
        # Serialize appends across workers so two entries never claim the same predecessor.
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY})
    prev_hash = (
        await session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    ) or GENESIS
    rows: list[dict[str, Any]] = []
    for action, entity, entity_id, before, after in entries:
        fields = AuditFields(
            at=at,
            actor_id=actor_id,
            org_id=org_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None,
        )
        digest = entry_hash(prev_hash, fields)
        rows.append(
            {
                "at": at,
                "actor_id": actor_id,
                "org_id": org_id,
                "action": action,
                "entity": entity,
                "entity_id": fields.entity_id,
                "before": fields.before,
                "after": fields.after,
                "prev_hash": prev_hash,
                "hash": digest,
                "mac": entry_mac(key, digest),
            }
        )
        prev_hash = digest
    # One batched statement, not one INSERT per row; rows are inserted (and numbered) in order.
    await insert_rows(session, _AUDIT, rows)


async def head(session: AsyncSession) -> tuple[int, int, str]:
    """How many entries there are, and the id and hash of the newest (0 and GENESIS if none).

    Count and newest id come from one statement, so an entry appended meanwhile by another
    worker cannot make them disagree.
    """
    count, newest = (await session.execute(select(func.count(), func.max(AuditEntry.id)))).one()
    if not count or newest is None:
        return 0, 0, GENESIS
    digest = await session.scalar(select(AuditEntry.hash).where(AuditEntry.id == newest))
    return int(count), int(newest), str(digest)


async def position(session: AsyncSession, entry_id: int) -> tuple[int, str] | None:
    """How many entries there are up to ``entry_id``, and its hash; ``None`` if it is gone."""
    digest = await session.scalar(select(AuditEntry.hash).where(AuditEntry.id == entry_id))
    if digest is None:
        return None
    count = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= entry_id)
    )
    return count or 0, digest


async def sign_unsigned_trail(session: AsyncSession) -> int:
    """Sign a trail written before entries were signed; only if no entry is signed yet.

    Once any entry carries a signature, an unsigned one is a forgery and stays unsigned,
    so ``verify`` reports it.
    """
    key = session_audit_key(session)
    if await session.scalar(select(AuditEntry.id).where(AuditEntry.mac.is_not(None)).limit(1)):
        return 0
    signed, last_id = 0, 0
    while True:
        page = (
            await session.execute(
                select(AuditEntry.id, AuditEntry.hash)
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(_PAGE)
            )
        ).all()
        if not page:
            return signed
        for entry_id, digest in page:
            await session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == entry_id)
                .values(mac=entry_mac(key, digest))
            )
        signed += len(page)
        last_id = page[-1][0]
