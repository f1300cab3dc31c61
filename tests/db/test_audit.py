"""The audit trail in the database: appended in a chain, and tampering shows."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from bot.clock import ManualClock
from bot.runtime import Runtime
from db.audit_chain import GENESIS, ChainBreak
from db.models import AuditEntry, Role
from db.queries import audit
from tests.conftest import Person
from tests.handlers.test_common import issue_code, root_org


async def write_entries(runtime: Runtime, clock: ManualClock, n: int) -> list[int]:
    """Append ``n`` entries, one per transaction, a minute apart; return their ids."""
    for i in range(n):
        clock.advance(timedelta(minutes=1))
        async with runtime.sessions.begin() as session:
            await audit.record(
                session,
                at=clock.now(),
                actor_id=None,
                org_id=root_org(runtime),
                action="task.updated",
                entity="task",
                entity_id=i,
                before={"status": "open"} if i else None,
                after={"status": "done", "note": f"Đã xong việc {i}", "n": i},
            )
    async with runtime.sessions() as session:
        return list(await session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


async def verify(runtime: Runtime) -> tuple[int, ChainBreak | None]:
    async with runtime.sessions() as session:
        return await audit.verify(session)


async def test_empty_trail_verifies(runtime: Runtime) -> None:
    assert await verify(runtime) == (0, None)


async def test_entries_are_chained(runtime: Runtime, clock: ManualClock) -> None:
    ids = await write_entries(runtime, clock, 4)
    async with runtime.sessions() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.id for e in entries] == ids
    assert entries[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    assert entries[2].entity_id == "2"
    assert entries[2].after == {"status": "done", "note": "Đã xong việc 2", "n": 2}
    assert entries[0].before is None
    assert await verify(runtime) == (4, None)


async def test_entries_in_one_transaction_are_chained(runtime: Runtime, clock: ManualClock) -> None:
    async with runtime.sessions.begin() as session:
        for i in range(3):
            await audit.record(
                session,
                at=clock.now(),
                actor_id=None,
                org_id=None,
                action="x",
                entity="y",
                entity_id=i,
            )
    assert await verify(runtime) == (3, None)


async def test_changed_after_is_found_at_that_entry(runtime: Runtime, clock: ManualClock) -> None:
    ids = await write_entries(runtime, clock, 5)
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == ids[2])
            .values(after={"status": "done", "note": "Đã xong việc 2", "n": 3})
        )
    count, broken = await verify(runtime)
    assert broken == ChainBreak(ids[2], "content")
    assert count < 5


async def test_changed_actor_or_time_is_found(runtime: Runtime, clock: ManualClock) -> None:
    ids = await write_entries(runtime, clock, 3)
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == ids[0])
            .values(at=clock.now() - timedelta(days=1))
        )
    assert (await verify(runtime))[1] == ChainBreak(ids[0], "content")


async def test_deleted_middle_entry_breaks_the_next_link(
    runtime: Runtime, clock: ManualClock
) -> None:
    ids = await write_entries(runtime, clock, 5)
    async with runtime.sessions.begin() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.id == ids[2]))
    assert (await verify(runtime))[1] == ChainBreak(ids[3], "link")


async def test_deleted_first_entry_is_found(runtime: Runtime, clock: ManualClock) -> None:
    ids = await write_entries(runtime, clock, 3)
    async with runtime.sessions.begin() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.id == ids[0]))
    assert (await verify(runtime))[1] == ChainBreak(ids[1], "link")


async def test_rewritten_hash_breaks_the_next_link(runtime: Runtime, clock: ManualClock) -> None:
    ids = await write_entries(runtime, clock, 3)
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(AuditEntry).where(AuditEntry.id == ids[1]).values(hash="f" * 64)
        )
    assert (await verify(runtime))[1] == ChainBreak(ids[1], "content")


async def test_verify_walks_many_pages(
    runtime: Runtime, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "_PAGE", 3)
    ids = await write_entries(runtime, clock, 10)
    assert await verify(runtime) == (10, None)
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(AuditEntry).where(AuditEntry.id == ids[7]).values(after={"n": -1})
        )
    assert await verify(runtime) == (7, ChainBreak(ids[7], "content"))
    # A gap right at a page boundary is caught by the link to the previous page.
    async with runtime.sessions.begin() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.id == ids[3]))
    assert await verify(runtime) == (3, ChainBreak(ids[4], "link"))


async def test_invite_creation_redemption_and_unit_creation_are_audited(
    runtime: Runtime,
) -> None:
    admin = Person(runtime, 1, "Thu", "en")
    await admin.say(f"/start {await issue_code(runtime, Role.ADMIN)}")
    await admin.say("/addunit Tư pháp")
    text = await admin.text_of("/invite official Tư pháp")
    code = next(line for line in text.splitlines() if line.startswith("Code: "))[6:]
    await Person(runtime, 2, "Bình", "en").say(f"/start {code}")
    async with runtime.sessions() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.action, e.entity) for e in entries] == [
        ("invite.redeemed", "membership"),
        ("unit.created", "unit"),
        ("invite.created", "invite"),
        ("invite.redeemed", "membership"),
    ]
    unit_entry, invite_entry, redeemed = entries[1:]
    assert invite_entry.actor_id == unit_entry.actor_id == entries[0].actor_id
    assert invite_entry.after is not None
    assert invite_entry.after["role"] == "official"
    assert invite_entry.after["unit_id"] == int(unit_entry.entity_id)
    assert redeemed.after is not None
    assert redeemed.after["unit_id"] == int(unit_entry.entity_id)
    assert redeemed.actor_id != invite_entry.actor_id
    assert await verify(runtime) == (4, None)
