"""The audit chain's hashing and checking, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from db.audit_chain import GENESIS, AuditFields, ChainBreak, entry_hash, verify_chain

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def fields(n: int) -> AuditFields:
    return AuditFields(
        at=AT + timedelta(minutes=n),
        actor_id=1,
        org_id=1,
        action="unit.created",
        entity="unit",
        entity_id=str(n),
        before=None,
        after={"name": f"Đơn vị {n}", "aliases": []},
    )


def chain(count: int) -> list[tuple[int, str, str, AuditFields]]:
    rows, prev = [], GENESIS
    for n in range(1, count + 1):
        f = fields(n)
        digest = entry_hash(prev, f)
        rows.append((n, prev, digest, f))
        prev = digest
    return rows


def test_hash_is_hex_sha256_and_deterministic() -> None:
    digest = entry_hash(GENESIS, fields(1))
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert digest == entry_hash(GENESIS, fields(1))


def test_hash_does_not_depend_on_time_zone_or_key_order() -> None:
    f = fields(1)
    local = replace(f, at=f.at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")))
    reordered = replace(f, after={"aliases": [], "name": "Đơn vị 1"})
    assert entry_hash(GENESIS, local) == entry_hash(GENESIS, f)
    assert entry_hash(GENESIS, reordered) == entry_hash(GENESIS, f)


def test_hash_covers_every_field_and_the_link() -> None:
    f = fields(1)
    base = entry_hash(GENESIS, f)
    changed = [
        replace(f, at=f.at + timedelta(microseconds=1)),
        replace(f, actor_id=2),
        replace(f, actor_id=None),
        replace(f, org_id=2),
        replace(f, action="unit.deleted"),
        replace(f, entity="task"),
        replace(f, entity_id="2"),
        replace(f, before={}),
        replace(f, after={"name": "Đơn vị 1 ", "aliases": []}),
        replace(f, after=None),
    ]
    digests = {entry_hash(GENESIS, c) for c in changed}
    assert base not in digests
    assert len(digests) == len(changed)
    assert entry_hash("1" * 64, f) != base


def test_intact_chain_verifies() -> None:
    assert verify_chain([]) is None
    assert verify_chain(chain(5)) is None


def test_changed_content_is_found_at_that_entry() -> None:
    rows = chain(5)
    entry_id, prev, digest, f = rows[2]
    rows[2] = (entry_id, prev, digest, replace(f, after={"name": "forged", "aliases": []}))
    assert verify_chain(rows) == ChainBreak(3, "content")


def test_deleted_entry_breaks_the_next_link() -> None:
    rows = chain(5)
    del rows[1]
    assert verify_chain(rows) == ChainBreak(3, "link")


def test_rehashed_entry_breaks_the_next_link() -> None:
    rows = chain(5)
    entry_id, prev, _, f = rows[1]
    forged = replace(f, after={"name": "forged", "aliases": []})
    rows[1] = (entry_id, prev, entry_hash(prev, forged), forged)
    assert verify_chain(rows) == ChainBreak(3, "link")


def test_first_entry_must_follow_genesis_or_the_given_hash() -> None:
    rows = chain(4)
    assert verify_chain(rows[2:]) == ChainBreak(3, "link")
    assert verify_chain(rows[2:], expected_prev=rows[1][2]) is None
