"""The audit chain: how an entry's hash is computed and how a chain is checked.

Pure functions the audit queries use; kept in ``db`` so storage needs nothing from ``bot``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

GENESIS: Final = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditFields:
    """What an audit entry says, the part its hash covers."""

    at: datetime
    actor_id: int | None
    org_id: int | None
    action: str
    entity: str
    entity_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


def entry_hash(prev_hash: str, fields: AuditFields) -> str:
    """Hash an entry together with the hash of the one before it."""
    body = {
        "at": fields.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": fields.actor_id,
        "org_id": fields.org_id,
        "action": fields.action,
        "entity": fields.entity,
        "entity_id": fields.entity_id,
        "before": fields.before,
        "after": fields.after,
        "prev": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry where the chain does not hold, and why."""

    entry_id: int
    reason: str


def verify_chain(
    entries: Iterable[tuple[int, str, str, AuditFields]], expected_prev: str = GENESIS
) -> ChainBreak | None:
    """Check ``(id, prev_hash, hash, fields)`` rows in order; return the first break."""
    for entry_id, prev_hash, stored_hash, fields in entries:
        if prev_hash != expected_prev:
            return ChainBreak(entry_id, "link")
        if entry_hash(prev_hash, fields) != stored_hash:
            return ChainBreak(entry_id, "content")
        expected_prev = stored_hash
    return None


def entry_mac(key: bytes, digest: str) -> str:
    """The keyed hash of an entry: its chain hash signed with the audit key."""
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def mac_matches(key: bytes, digest: str, mac: str | None) -> bool:
    """Whether ``mac`` is the audit key's signature of ``digest``."""
    return mac is not None and hmac.compare_digest(entry_mac(key, digest), mac)
