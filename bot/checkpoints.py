"""Signed checkpoints of the audit trail, kept outside the database, and the full check.

The chain shows order; the signature of each entry (HMAC under a key the database does not
hold) shows nobody without the key rewrote or added one; a checkpoint (count and newest
entry, signed) written on a schedule to files the database does not hold shows that nothing
up to it was cut off, even all of it.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import Checkpoint, CheckpointInvalid, read_checkpoint
from db.audit_chain import ChainBreak
from db.engine import make_private_dir
from db.queries import audit

PREFIX: Final = "checkpoint-"
KEEP: Final = 500


@dataclass(frozen=True, slots=True)
class CheckpointFinding:
    """What one checkpoint file says about the trail now."""

    path: Path
    checkpoint: Checkpoint | None
    problem: str | None


@dataclass(slots=True)
class TrailReport:
    """The outcome of ``verify_trail``."""

    count: int
    broken: ChainBreak | None
    checkpoints: list[CheckpointFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the chain, every signature and every checkpoint hold."""
        return self.broken is None and all(f.problem is None for f in self.checkpoints)

    @property
    def latest(self) -> Checkpoint | None:
        """The newest checkpoint whose signature holds."""
        good = [f.checkpoint for f in self.checkpoints if f.checkpoint is not None]
        return max(good, key=lambda c: (c.at, c.count), default=None)


def checkpoint_files(directory: Path) -> list[Path]:
    """The checkpoint files in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.name.startswith(PREFIX))


def _write_file(directory: Path, checkpoint: Checkpoint, key: bytes) -> Path | None:
    make_private_dir(directory)
    files = checkpoint_files(directory)
    if files:
        try:
            last = read_checkpoint(key, json.loads(files[-1].read_text()))
        except (CheckpointInvalid, ValueError, OSError):
            last = None
        if last is not None and (last.count, last.head_hash) == (
            checkpoint.count,
            checkpoint.head_hash,
        ):
            return None
    stamp = checkpoint.at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{PREFIX}{stamp}.json"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(checkpoint.signed(key), fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    for old in checkpoint_files(directory)[:-KEEP]:
        old.unlink()
    return path


async def write_checkpoint(
    session: AsyncSession, *, key: bytes, directory: Path, now: datetime
) -> Path | None:
    """Sign the trail's count and newest entry into a new file; ``None`` if nothing changed."""
    count, head_id, head_hash = await audit.head(session)
    checkpoint = Checkpoint(at=now, count=count, head_id=head_id, head_hash=head_hash)
    return await asyncio.to_thread(_write_file, directory, checkpoint, key)


def _read_file(path: Path, key: bytes) -> CheckpointFinding:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return CheckpointFinding(path, None, "unreadable")
    try:
        return CheckpointFinding(path, read_checkpoint(key, data), None)
    except CheckpointInvalid as exc:
        return CheckpointFinding(path, None, str(exc))


async def _against_trail(session: AsyncSession, finding: CheckpointFinding) -> CheckpointFinding:
    checkpoint = finding.checkpoint
    if checkpoint is None or checkpoint.count == 0:
        return finding
    found = await audit.position(session, checkpoint.head_id)
    if found is None:
        problem = f"entry {checkpoint.head_id} is gone: the trail was cut or deleted"
    elif found[1] != checkpoint.head_hash:
        problem = f"entry {checkpoint.head_id} differs: the trail was rewritten"
    elif found[0] != checkpoint.count:
        problem = f"{found[0]} entries up to {checkpoint.head_id}, signed {checkpoint.count}"
    else:
        problem = None
    return CheckpointFinding(finding.path, checkpoint, problem)


async def verify_trail(session: AsyncSession, *, key: bytes, directory: Path) -> TrailReport:
    """Check the chain, every entry's signature, and every checkpoint against the trail."""
    count, broken = await audit.verify(session)
    report = TrailReport(count, broken)
    files = await asyncio.to_thread(checkpoint_files, directory)
    for path in files:
        finding = await asyncio.to_thread(_read_file, path, key)
        report.checkpoints.append(await _against_trail(session, finding))
    return report
