"""The audit chain: how an entry's hash is computed and how a chain is checked."""

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


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """How long the trail was, and what its newest entry was, at one moment."""

    at: datetime
    count: int
    head_id: int
    head_hash: str

    def _body(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(UTC).isoformat(timespec="seconds"),
            "count": self.count,
            "head_id": self.head_id,
            "head_hash": self.head_hash,
        }

    def signed(self, key: bytes) -> dict[str, Any]:
        """The checkpoint as JSON with its HMAC under the audit key."""
        body = self._body()
        return {**body, "mac": _checkpoint_mac(key, body)}


class CheckpointInvalid(ValueError):
    """A checkpoint file is unreadable or its signature does not match."""


def _checkpoint_mac(key: bytes, body: Mapping[str, Any]) -> str:
    canonical = json.dumps(dict(body), sort_keys=True, separators=(",", ":"))
    return hmac.new(key, b"checkpoint:" + canonical.encode(), hashlib.sha256).hexdigest()


def read_checkpoint(key: bytes, data: object) -> Checkpoint:
    """Check a checkpoint's signature and return it; raise ``CheckpointInvalid``."""
    if not isinstance(data, dict):
        raise CheckpointInvalid("not a JSON object")
    mac = data.get("mac")
    body = {k: v for k, v in data.items() if k != "mac"}
    if not isinstance(mac, str) or not hmac.compare_digest(_checkpoint_mac(key, body), mac):
        raise CheckpointInvalid("signature does not match the audit key")
    try:
        return Checkpoint(
            at=datetime.fromisoformat(str(body["at"])),
            count=int(body["count"]),
            head_id=int(body["head_id"]),
            head_hash=str(body["head_hash"]),
        )
    except (KeyError, TypeError, ValueError):
        raise CheckpointInvalid("fields missing or malformed") from None
