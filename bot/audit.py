"""Audit checkpoints: the signed length and head of the trail at one moment."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


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
