"""Queries that append to and verify the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import GENESIS, AuditFields, ChainBreak, entry_hash, verify_chain
from db.models import AuditEntry

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
    """Walk the whole trail page by page; return how many entries were read and any break."""
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
        if (broken := verify_chain(rows, prev)) is not None:
            return count, broken
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
            }
        )
        prev_hash = digest
    # One batched statement, not one INSERT per row; rows are inserted (and numbered) in order.
    await session.execute(insert(AuditEntry), rows)
