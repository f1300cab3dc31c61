"""Tampering with the audit trail in the database shows in `python -m bot audit verify`.

The attacker holds the database (SQL access, any tool) but neither the audit key nor the
checkpoint files, and recomputes every hash they can.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, update

from bot.clock import ManualClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db.audit_chain import GENESIS, AuditFields, entry_hash
from db.models import AuditEntry
from db.queries import audit
from jobs.anchors import checkpoint_audit
from tests.conftest import REPO_ROOT

ENTRIES = 8


@pytest.fixture
def keyed(database_url: str, tmp_path: Path) -> Settings:
    """Keys in files and checkpoints in a folder, as a deployment keeps them by default."""
    return Settings(
        database_url=database_url,
        data_key_file=str(tmp_path / "keys" / "secret.key"),
        audit_key_file=str(tmp_path / "keys" / "audit.key"),
        audit_checkpoint_dir=str(tmp_path / "checkpoints"),
    )


def _verify(settings: Settings, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": settings.database_url,
        "BOT_DATA_KEY_FILE": settings.data_key_file,
        "BOT_AUDIT_KEY_FILE": settings.audit_key_file,
        "BOT_AUDIT_CHECKPOINT_DIR": settings.audit_checkpoint_dir,
    }
    for name in ("TELEGRAM_BOT_TOKEN", "BOT_DATA_KEY", "BOT_AUDIT_KEY"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "audit", "verify"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _trail(settings: Settings, clock: ManualClock, *, checkpoint: bool = True) -> None:
    async with open_runtime(settings, clock) as runtime:
        for i in range(ENTRIES):
            clock.advance(timedelta(minutes=1))
            async with runtime.sessions.begin() as session:
                await audit.record(
                    session,
                    at=clock.now(),
                    actor_id=None,
                    org_id=None,
                    action="task.updated",
                    entity="task",
                    entity_id=i,
                    after={"status": "done", "n": i},
                )
        if checkpoint:
            written = await checkpoint_audit(
                runtime.sessions,
                clock,
                runtime.keys.audit_key,
                Path(settings.audit_checkpoint_dir),
            )
            assert written is not None


def _fields(e: AuditEntry) -> AuditFields:
    return AuditFields(
        e.at, e.actor_id, e.org_id, e.action, e.entity, e.entity_id, e.before, e.after
    )


async def _tamper_rewrite(settings: Settings, clock: ManualClock) -> None:
    """Change one entry's content and recompute its hash and every later one (no key)."""
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        prev = entries[2].prev_hash
        for n, e in enumerate(entries[2:]):
            after = {"status": "cancelled", "n": -1} if n == 0 else e.after
            fields = AuditFields(
                e.at, e.actor_id, e.org_id, e.action, e.entity, e.entity_id, e.before, after
            )
            digest = entry_hash(prev, fields)
            await session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == e.id)
                .values(after=after, prev_hash=prev, hash="x" + digest[1:])
            )
            prev = digest
        # Hashes are unique: write them in a second pass once the temporary ones are set.
        prev = entries[2].prev_hash
        for n, e in enumerate(entries[2:]):
            after = {"status": "cancelled", "n": -1} if n == 0 else e.after
            fields = AuditFields(
                e.at, e.actor_id, e.org_id, e.action, e.entity, e.entity_id, e.before, after
            )
            digest = entry_hash(prev, fields)
            await session.execute(
                update(AuditEntry).where(AuditEntry.id == e.id).values(hash=digest)
            )
            prev = digest


async def _tamper_append(settings: Settings, clock: ManualClock, mac: str | None) -> None:
    """Append an entry chained correctly, with a made-up signature (or none)."""
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        last = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        prev = last.hash if last is not None else GENESIS
        fields = AuditFields(clock.now(), None, None, "case.closed", "case", "1", None, None)
        await session.execute(
            insert(AuditEntry).values(
                at=fields.at,
                action=fields.action,
                entity=fields.entity,
                entity_id=fields.entity_id,
                prev_hash=prev,
                hash=entry_hash(prev, fields),
                mac=mac,
            )
        )


async def _delete_last(settings: Settings, clock: ManualClock, n: int | None) -> None:
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        if n is None:
            await session.execute(delete(AuditEntry))
            return
        ids = list(await session.scalars(select(AuditEntry.id).order_by(AuditEntry.id.desc())))
        await session.execute(delete(AuditEntry).where(AuditEntry.id.in_(ids[:n])))


async def test_a_sound_trail_passes_and_says_what_it_proves(
    keyed: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    await _trail(keyed, clock)
    result = _verify(keyed, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"audit chain ok: {ENTRIES} entries" in result.stdout
    assert f"latest checkpoint: {ENTRIES} entries" in result.stdout
    assert "What this proves:" in result.stdout
    assert "What it does not prove: that entries written after the latest checkpoint" in (
        result.stdout
    )


@pytest.mark.parametrize("n", [1, 3, ENTRIES - 1, None])
async def test_deleting_the_last_entries_or_all_is_found(
    keyed: Settings, clock: ManualClock, tmp_path: Path, n: int | None
) -> None:
    await _trail(keyed, clock)
    await _delete_last(keyed, clock, n)
    result = _verify(keyed, tmp_path)
    assert result.returncode == 1
    assert "the trail was cut or deleted" in result.stdout


async def test_rewriting_an_entry_and_recomputing_later_hashes_is_found(
    keyed: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    await _trail(keyed, clock, checkpoint=False)
    await _tamper_rewrite(keyed, clock)
    async with open_runtime(keyed, clock) as runtime, runtime.sessions() as session:
        count, broken = await audit.verify(session)
        entries = list(await session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
    assert broken is not None
    assert (count, broken.entry_id, broken.reason) == (2, entries[2], "mac")
    result = _verify(keyed, tmp_path)
    assert result.returncode == 1
    assert f"BROKEN at entry {entries[2]} (mac)" in result.stdout


async def test_rewriting_is_found_by_the_checkpoint_too(
    keyed: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    await _trail(keyed, clock)
    await _tamper_rewrite(keyed, clock)
    result = _verify(keyed, tmp_path)
    assert result.returncode == 1
    assert "the trail was rewritten" in result.stdout


@pytest.mark.parametrize("mac", [None, "0" * 64, "not hex", ""])
async def test_appending_a_forged_entry_is_found(
    keyed: Settings, clock: ManualClock, tmp_path: Path, mac: str | None
) -> None:
    await _trail(keyed, clock)
    await _tamper_append(keyed, clock, mac)
    result = _verify(keyed, tmp_path)
    assert result.returncode == 1
    assert "(mac)" in result.stdout


async def test_a_forged_entry_is_not_signed_at_the_next_start(
    keyed: Settings, clock: ManualClock
) -> None:
    await _trail(keyed, clock, checkpoint=False)
    await _tamper_append(keyed, clock, None)
    async with open_runtime(keyed, clock) as runtime, runtime.sessions() as session:
        _, broken = await audit.verify(session)
        unsigned = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.mac.is_(None))
        )
    assert broken is not None
    assert broken.reason == "mac"
    assert unsigned == 1


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _read_json(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text())
    assert isinstance(data, dict)
    return data


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data))


def _checkpoint_file(settings: Settings) -> Path:
    [path] = sorted(Path(settings.audit_checkpoint_dir).iterdir())
    return path


@pytest.mark.parametrize(
    "forge",
    ["count", "head_hash", "mac", "garbage", "list", "empty", "huge_count", "control"],
)
async def test_a_forged_or_broken_checkpoint_file_is_reported(
    keyed: Settings, clock: ManualClock, tmp_path: Path, forge: str
) -> None:
    await _trail(keyed, clock)
    path = _checkpoint_file(keyed)
    data = _read_json(path)
    if forge == "count":
        data["count"] = ENTRIES - 2
    elif forge == "head_hash":
        data["head_hash"] = "f" * 64
    elif forge == "mac":
        data["mac"] = "0" * 64
    elif forge == "huge_count":
        data["count"] = 10**30
    elif forge == "control":
        data["head_hash"] = "\x00\x0b" * 32
    if forge == "garbage":
        path.write_bytes(b"\xff\xfe not json {")
    elif forge == "list":
        _write_json(path, [1, 2, 3])
    elif forge == "empty":
        path.write_text("")
    else:
        _write_json(path, data)
    result = _verify(keyed, tmp_path)
    assert result.returncode == 1
    assert "FAILED" in result.stdout
    assert "Traceback" not in result.stderr


async def test_the_scheduled_checkpoint_writes_only_when_the_trail_grew(
    keyed: Settings, clock: ManualClock
) -> None:
    await _trail(keyed, clock)
    directory = Path(keyed.audit_checkpoint_dir)
    async with open_runtime(keyed, clock) as runtime:
        key = runtime.keys.audit_key
        assert await checkpoint_audit(runtime.sessions, clock, key, directory) is None
        async with runtime.sessions.begin() as session:
            await audit.record(
                session,
                at=clock.now(),
                actor_id=None,
                org_id=None,
                action="x",
                entity="y",
                entity_id=1,
            )
        clock.advance(timedelta(hours=1))
        path = await checkpoint_audit(runtime.sessions, clock, key, directory)
    assert path is not None
    assert _mode(path) == 0o600
    assert _mode(directory) == 0o700
    assert _read_json(path)["count"] == ENTRIES + 1
