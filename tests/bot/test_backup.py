"""`backup` while the bot runs, `restore` into a new place: the trail verifies, contacts open."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.backup import prune_backups
from bot.clock import ManualClock
from bot.feedback.views import unseal_contact
from bot.runtime import open_runtime
from bot.settings import Settings
from db.engine import create_engine
from db.models import Case, CaseKind
from db.queries import audit
from tests.conftest import REPO_ROOT
from tests.conftest import Person as Chat
from tests.handlers.feedback_support import file_case

NAME = "Nguyễn Văn Tố"
PHONE = "0912 345 678"
HOME = "Số 3 ngõ 7, thôn 3"


def _settings(database_url: str, home: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_key_file=str(home / "keys" / "secret.key"),
        audit_key_file=str(home / "keys" / "audit.key"),
        audit_checkpoint_dir=str(home / "checkpoints"),
        backup_dir=str(home / "backups"),
    )


@pytest.fixture
async def target_url(tmp_path: Path) -> AsyncIterator[str]:
    """A second, empty database to restore into (a new SQLite folder or PostgreSQL database)."""
    server = os.environ.get("TEST_POSTGRES_URL")
    if not server:
        yield f"sqlite+aiosqlite:///{tmp_path / 'elsewhere' / 'data' / 'bot.sqlite3'}"
        return
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _env(settings: Settings) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": settings.database_url,
        "BOT_DATA_KEY_FILE": settings.data_key_file,
        "BOT_AUDIT_KEY_FILE": settings.audit_key_file,
        "BOT_AUDIT_CHECKPOINT_DIR": settings.audit_checkpoint_dir,
        "BOT_BACKUP_DIR": settings.backup_dir,
    }
    for name in ("TELEGRAM_BOT_TOKEN", "BOT_DATA_KEY", "BOT_AUDIT_KEY"):
        env.pop(name, None)
    return env


async def _cli(settings: Settings, cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=_env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _folders(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir())


def _exists(path: str) -> bool:
    return Path(path).exists()


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


async def test_a_backup_taken_while_the_bot_writes_restores_elsewhere(
    database_url: str, target_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    source = _settings(database_url, tmp_path / "here")
    target = _settings(target_url, tmp_path / "elsewhere")
    out = tmp_path / "offsite"
    async with open_runtime(source, clock) as runtime:
        code = await file_case(
            Chat(runtime, 4242, "Tố", "en"),
            CaseKind.DENUNCIATION,
            "conduct",
            "Bribes at the land office.",
            address="Thôn 3",
            name=NAME,
            home=HOME,
            phone=PHONE,
        )
        status, _, err = await _cli(source, tmp_path, "audit", "checkpoint")
        assert status == 0, err
        stop = asyncio.Event()

        async def keep_writing() -> int:
            n = 0
            while not stop.is_set():
                async with runtime.sessions.begin() as session:
                    await audit.record(
                        session,
                        at=clock.now() + timedelta(seconds=n),
                        actor_id=None,
                        org_id=None,
                        action="task.updated",
                        entity="task",
                        entity_id=n,
                    )
                n += 1
                await asyncio.sleep(0.01)
            return n

        writer = asyncio.create_task(keep_writing())
        status, stdout, err = await _cli(source, tmp_path, "backup", "--out", str(out))
        stop.set()
        assert await writer > 0
    assert status == 0, err
    [folder] = _folders(out)
    assert f"wrote {folder}" in stdout
    names = {p.name for p in folder.iterdir()}
    assert {"DATA-KEY-keep-separately.key", "AUDIT-KEY-keep-separately.key"} <= names
    assert "manifest.json" in names
    assert _mode(folder) == 0o700
    assert all(_mode(p) == 0o600 for p in folder.iterdir() if p.is_file())

    status, stdout, err = await _cli(target, tmp_path, "restore", str(folder))
    assert status == 0, stdout + err
    assert "audit trail ok" in stdout
    status, stdout, err = await _cli(target, tmp_path, "audit", "verify")
    assert status == 0, stdout + err
    assert "latest checkpoint" in stdout

    async with open_runtime(target, clock) as runtime, runtime.sessions() as session:
        sealed = await session.scalar(select(Case.contact_sealed).where(Case.code == code))
        assert sealed is not None
        assert unseal_contact(runtime.keys.sealer.open(sealed)) == {
            "name": NAME,
            "home": HOME,
            "phone": PHONE,
        }

    # A second restore over the data now there is refused unless forced.
    status, _, err = await _cli(target, tmp_path, "restore", str(folder))
    assert status == 2
    assert "not empty" in err


@pytest.mark.parametrize("damage", ["database", "key", "manifest", "escape", "missing"])
async def test_a_damaged_backup_is_refused(
    database_url: str, target_url: str, clock: ManualClock, tmp_path: Path, damage: str
) -> None:
    source = _settings(database_url, tmp_path / "here")
    target = _settings(target_url, tmp_path / "elsewhere")
    async with open_runtime(source, clock):
        pass
    out = tmp_path / "offsite"
    status, _, err = await _cli(source, tmp_path, "backup", "--out", str(out))
    assert status == 0, err
    [folder] = _folders(out)
    manifest = json.loads((folder / "manifest.json").read_text())
    dump = next(name for name in manifest["files"] if name.startswith("database"))
    if damage == "database":
        with (folder / dump).open("r+b") as fh:
            fh.seek(200)
            fh.write(b"\x00tampered\x00")
    elif damage == "key":
        (folder / "DATA-KEY-keep-separately.key").write_text("another key\n")
    elif damage == "manifest":
        (folder / "manifest.json").write_text("{not json")
    elif damage == "escape":
        manifest["files"]["../../etc/passwd"] = "0" * 64
        (folder / "manifest.json").write_text(json.dumps(manifest))
    else:
        (folder / dump).unlink()
    status, _, err = await _cli(target, tmp_path, "restore", str(folder))
    assert status == 2
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert not _exists(target.data_key_file)


def test_the_daily_job_keeps_the_newest_copies(tmp_path: Path) -> None:
    for day in range(1, 10):
        (tmp_path / f"backup-202603{day:02d}T023000Z").mkdir()
    (tmp_path / "backup-20260310T023000Z.partial").mkdir()
    (tmp_path / "notes").mkdir()
    removed = prune_backups(tmp_path, 3)
    assert [p.name for p in removed] == [f"backup-202603{d:02d}T023000Z" for d in range(1, 7)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "backup-20260307T023000Z",
        "backup-20260308T023000Z",
        "backup-20260309T023000Z",
        "backup-20260310T023000Z.partial",
        "notes",
    ]
