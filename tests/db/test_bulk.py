"""Many rows in one statement: stored exactly as a plain ``insert`` stores them, in order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import String, Table, insert, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import DBAPIError

from bot.clock import ManualClock
from bot.runtime import Runtime
from db.bulk import insert_rows
from db.models import AuditEntry
from db.queries import audit

_AUDIT = cast(Table, AuditEntry.__table__)
# Text that array literals or CSV would trip over, and Vietnamese.
_AWKWARD = ["a,b", '"quoted"', "{braces}", "back\\slash", "NULL", "", "Đã xong ✓", "tab\there"]


def _rows(clock: ManualClock, n: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "at": clock.now() + timedelta(seconds=i),
            "actor_id": None,
            "org_id": None,
            "action": tag,
            "entity": _AWKWARD[i % len(_AWKWARD)],
            "entity_id": str(i),
            "before": None if i % 2 else {"k": _AWKWARD[i % len(_AWKWARD)], "n": [i, None]},
            "after": {"text": _AWKWARD[(i + 1) % len(_AWKWARD)], "ok": i % 3 == 0},
            "prev_hash": f"{tag}-prev-{i}",
            "hash": f"{tag}-{i}",
            "mac": None if i % 4 else f"mac-{i}",
        }
        for i in range(n)
    ]


async def _stored(runtime: Runtime, tag: str) -> list[dict[str, Any]]:
    columns = [c for c in _AUDIT.c if c.name not in {"id", "action", "hash", "prev_hash"}]
    async with runtime.sessions() as session:
        rows = await session.execute(
            select(
                *columns,
                # The JSON as stored, not as read back: SQL NULL and JSON null must not differ.
                sql_cast(AuditEntry.before, String).label("before_text"),
                sql_cast(AuditEntry.after, String).label("after_text"),
            )
            .where(AuditEntry.action == tag)
            .order_by(AuditEntry.id)
        )
        return [dict(row._mapping) for row in rows]


@pytest.mark.parametrize("n", [3, 40])
async def test_rows_are_stored_as_a_plain_insert_stores_them(
    runtime: Runtime, clock: ManualClock, n: int
) -> None:
    async with runtime.sessions.begin() as session:
        await session.execute(insert(_AUDIT), _rows(clock, n, "plain"))
        await insert_rows(session, _AUDIT, _rows(clock, n, "bulk"))
    plain, bulk = await _stored(runtime, "plain"), await _stored(runtime, "bulk")
    assert len(bulk) == n
    assert bulk == plain
    # Ids follow the rows' order.
    assert [row["entity_id"] for row in bulk] == [str(i) for i in range(n)]


async def test_a_value_too_long_is_refused_as_a_plain_insert_refuses_it(
    runtime: Runtime, clock: ManualClock
) -> None:
    outcomes: list[bool] = []
    for write in (
        lambda s, rows: s.execute(insert(_AUDIT), rows),
        lambda s, rows: insert_rows(s, _AUDIT, rows),
    ):
        rows = _rows(clock, 20, f"long{len(outcomes)}")
        rows[7]["entity"] = "x" * 33  # the column holds 32 characters
        try:
            async with runtime.sessions.begin() as session:
                await write(session, rows)
        except DBAPIError:
            outcomes.append(False)
        else:
            outcomes.append(True)
    # PostgreSQL refuses it both ways, SQLite stores it both ways: never cut silently.
    assert outcomes in ([False, False], [True, True])
    stored = await _stored(runtime, "long1")
    assert [row["entity"] for row in stored if len(row["entity"]) > 32] == (
        ["x" * 33] if outcomes[0] else []
    )


async def test_no_rows_is_nothing(runtime: Runtime) -> None:
    async with runtime.sessions.begin() as session:
        await insert_rows(session, _AUDIT, [])
    assert await _stored(runtime, "plain") == []


async def test_a_large_batch_of_audit_entries_is_one_valid_chain(
    runtime: Runtime, clock: ManualClock
) -> None:
    async with runtime.sessions.begin() as session:
        await audit.record(
            session, at=clock.now(), actor_id=None, org_id=None, action="a", entity="e", entity_id=0
        )
        await audit.record_many(
            session,
            at=clock.now(),
            actor_id=None,
            org_id=None,
            entries=[("b", "e", i, None, {"i": i, "t": _AWKWARD[i % 8]}) for i in range(300)],
        )
    async with runtime.sessions() as session:
        assert await audit.verify(session) == (301, None)
        ids = list(
            await session.scalars(
                select(AuditEntry.entity_id).where(AuditEntry.action == "b").order_by(AuditEntry.id)
            )
        )
    assert ids == [str(i) for i in range(300)]
