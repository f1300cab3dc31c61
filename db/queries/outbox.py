"""Queries on the outbox: plan rows idempotently, claim due rows safely, settle them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMessage, OutboxStatus

_T = TypeVar("_T")

REMINDER_KINDS = (
    "reminder",
    "checkin",
    "event_check",
    "undated",
    "case_reminder",
    "weekly_summary",
    "period_report",
)
REPORT_KINDS = ("weekly_summary", "period_report")
# Rows sent as messages of their own, never bundled with reminders (an account notice goes
# to its row's own chat only).
SOLO_KINDS = (*REPORT_KINDS, "contact_request", "account_notice")


@dataclass(frozen=True, slots=True)
class Wanted:
    """A row the planner wants in the outbox."""

    key: str
    person_id: int
    channel: str
    chat_id: str
    kind: str
    due_at: datetime
    params: dict[str, Any]
    org_id: int | None = None
    task_id: int | None = None


@dataclass(frozen=True, slots=True)
class SyncResult:
    """How many rows a planning run added, revived and cancelled."""

    added: int
    revived: int
    cancelled: int


async def sync_planned(
    session: AsyncSession,
    wanted: Iterable[Wanted],
    *,
    org_id: int,
    since: datetime,
    task_id: int | None = None,
) -> SyncResult:
    """Make the org's (or one task's) planned rows from ``since`` on match ``wanted`` exactly.

    Rows already sent are left alone; pending rows no longer wanted are cancelled; cancelled
    rows wanted again come back; missing rows are added.
    """
    want = {w.key: w for w in wanted}
    scope = [
        OutboxMessage.org_id == org_id,
        OutboxMessage.kind.in_(REMINDER_KINDS),
        OutboxMessage.due_at >= since,
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CANCELLED)),
    ]
    if task_id is not None:
        scope.append(OutboxMessage.task_id == task_id)
    existing = (
        await session.execute(
            select(OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.status).where(*scope)
        )
    ).all()
    to_cancel = [
        i for i, key, status in existing if key not in want and status == OutboxStatus.PENDING
    ]
    to_revive = [
        (i, want[key].due_at)
        for i, key, status in existing
        if key in want and status == OutboxStatus.CANCELLED
    ]
    for chunk in _chunks(to_cancel):
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(chunk))
            .values(status=OutboxStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
    for row_id, due_at in to_revive:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(status=OutboxStatus.PENDING, due_at=due_at)
            .execution_options(synchronize_session=False)
        )
    cancelled, revived = len(to_cancel), len(to_revive)
    present = {key for _, key, _ in existing}
    missing = [w for key, w in want.items() if key not in present]
    if missing:
        taken: set[str] = set()
        for keys in _chunks([w.key for w in missing]):
            found = await session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
            )
            taken.update(found.all())
        missing = [w for w in missing if w.key not in taken]
        if missing:
            # One batched statement (rows numbered in this order, the order they are sent in)
            # instead of one INSERT per row.
            await session.execute(insert(OutboxMessage), [_values(w) for w in missing])
    await session.flush()
    return SyncResult(len(missing), revived, cancelled)


def _chunks(items: Sequence[_T], size: int = 900) -> Iterable[Sequence[_T]]:
    # SQLite caps the number of bound parameters in one statement.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _values(w: Wanted) -> dict[str, Any]:
    return {
        "dedupe_key": w.key,
        "person_id": w.person_id,
        "org_id": w.org_id,
        "task_id": w.task_id,
        "channel": w.channel,
        "chat_id": w.chat_id,
        "kind": w.kind,
        "params": w.params,
        "due_at": w.due_at,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
    }


def _row(w: Wanted) -> OutboxMessage:
    return OutboxMessage(**_values(w))


async def enqueue(session: AsyncSession, wanted: Wanted) -> bool:
    """Add one row unless its key exists; tell whether it was added."""
    if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == wanted.key)):
        return False
    session.add(_row(wanted))
    await session.flush()
    return True


@dataclass(frozen=True, slots=True)
class Scope:
    """Which rows a worker may take: channels it serves, organizations now in working hours."""

    channels: frozenset[str]
    org_ids: frozenset[int]
    # Only these kinds, when given (out of every organization's hours: the urgent ones).
    kinds: frozenset[str] = frozenset()

    def clause(self) -> Any:
        clause = and_(
            OutboxMessage.channel.in_(self.channels),
            or_(OutboxMessage.org_id.is_(None), OutboxMessage.org_id.in_(self.org_ids)),
        )
        return and_(clause, OutboxMessage.kind.in_(self.kinds)) if self.kinds else clause


async def due_people(
    session: AsyncSession,
    now: datetime,
    lease: timedelta,
    limit: int,
    scope: Scope,
    skip: Collection[int] = (),
) -> Sequence[int]:
    """People with rows due now (or stuck in a send whose worker died), ``skip`` left out."""
    query = select(OutboxMessage.person_id).where(_claimable(now, lease), scope.clause())
    if skip:
        query = query.where(OutboxMessage.person_id.not_in(skip))
    result = await session.scalars(
        query.group_by(OutboxMessage.person_id).order_by(OutboxMessage.person_id).limit(limit)
    )
    return result.all()


def _claimable(now: datetime, lease: timedelta) -> Any:
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - lease),
    )


async def claim(
    session: AsyncSession,
    *,
    person_ids: Sequence[int],
    worker: str,
    now: datetime,
    lease: timedelta,
    scope: Scope,
) -> Sequence[OutboxMessage]:
    """Claim the due rows of these people for ``worker``; rows others hold are skipped."""
    if not person_ids:
        return []
    chosen = select(OutboxMessage.id).where(
        _claimable(now, lease), scope.clause(), OutboxMessage.person_id.in_(person_ids)
    )
    if session.get_bind().dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    ids = (await session.scalars(chosen)).all()
    if not ids:
        return []
    # The conditional update is the claim: a row another worker took meanwhile no longer
    # matches, so it is never claimed twice.
    claimed = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _claimable(now, lease))
        .values(status=OutboxStatus.SENDING, claimed_by=worker, claimed_at=now)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed.all(), key=lambda r: (r.due_at, r.id))


async def settle(
    session: AsyncSession,
    ids: Sequence[int],
    status: OutboxStatus,
    *,
    now: datetime,
    worker: str,
    error: str | None = None,
    retry_at: datetime | None = None,
    failed_attempt: bool = True,
) -> None:
    """Record how a claimed send ended (only for rows this worker still holds).

    ``failed_attempt=False``: the rows were held back (a channel's quiet time), not refused.
    """
    values: dict[str, Any] = {"status": status, "last_error": error}
    if status == OutboxStatus.SENT:
        values["sent_at"] = now
    if retry_at is not None:
        values["due_at"] = retry_at
        if failed_attempt:
            values["attempts"] = OutboxMessage.attempts + 1
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
