"""Backups that can be taken while the bot runs, and restoring one into a new place.

A backup is one folder: the database (SQLite's online backup, or ``pg_dump``), the audit
checkpoints, and the two keys in separate, clearly named files. Uploaded files live inside
the database (tables ``uploads`` and ``case_files``), so they travel with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from sqlalchemy.engine import make_url

from bot.errors import BotError
from bot.settings import Settings
from db.engine import make_private_dir, sqlite_path

PREFIX: Final = "backup-"
MANIFEST: Final = "manifest.json"
SQLITE_FILE: Final = "database.sqlite3"
PG_FILE: Final = "database.pgdump"
DATA_KEY_FILE: Final = "DATA-KEY-keep-separately.key"
AUDIT_KEY_FILE: Final = "AUDIT-KEY-keep-separately.key"
CHECKPOINTS: Final = "audit-checkpoints"
FORMAT: Final = 1


class BackupError(BotError):
    """A backup cannot be written or restored; ``str(exc)`` says why."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """Where a backup went and what it holds."""

    folder: Path
    database: str
    files: dict[str, str]


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as ``pg_dump`` takes it, and its password as environment (not in ``ps``)."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _private_copy(source: Path, target: Path) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)


def _sqlite_copy(source: Path, target: Path) -> None:
    # The online backup API copies a consistent snapshot while other connections write.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    src = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _run(args: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=3600, check=False, env=env
        )
    except FileNotFoundError:
        raise BackupError(
            f"{args[0]} is not installed (apt-get install postgresql-client)"
        ) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise BackupError(f"{Path(args[0]).name}: {last}")


def _key_text(configured: str | None, path: Path) -> str | None:
    if configured:
        return configured
    return path.read_text().strip() if path.is_file() else None


def write_backup(settings: Settings, out: Path, now: datetime) -> BackupInfo:
    """Write one backup folder under ``out`` (blocking: run it in a thread)."""
    folder = out / f"{PREFIX}{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    if folder.exists():
        raise BackupError(f"{folder} exists already")
    make_private_dir(out)
    work = folder.with_name(folder.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    make_private_dir(work)
    database = sqlite_path(settings.database_url)
    if database is not None:
        if not database.is_file():
            raise BackupError(f"no database at {database}")
        _sqlite_copy(database, work / SQLITE_FILE)
        kind = "sqlite"
    else:
        target = work / PG_FILE
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        url, env = _libpq(settings.database_url)
        _run(["pg_dump", "--format=custom", f"--file={target}", url], env)
        kind = "postgresql"
    for configured, path, name in (
        (settings.data_key, Path(settings.data_key_file), DATA_KEY_FILE),
        (settings.audit_key, Path(settings.audit_key_file), AUDIT_KEY_FILE),
    ):
        key = _key_text(configured, path)
        if key is None:
            raise BackupError(f"no key at {path}: a backup without its key cannot be opened")
        fd = os.open(work / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key + "\n")
    checkpoints = Path(settings.audit_checkpoint_dir)
    if checkpoints.is_dir():
        make_private_dir(work / CHECKPOINTS)
        for path in sorted(checkpoints.iterdir()):
            if path.is_file():
                _private_copy(path, work / CHECKPOINTS / path.name)
    files = {str(p.relative_to(work)): _sha256(p) for p in sorted(work.rglob("*")) if p.is_file()}
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "database": kind,
        "uploads": "inside the database (tables uploads and case_files)",
        "files": files,
    }
    fd = os.open(work / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(manifest, fh, indent=1)
    os.replace(work, folder)
    return BackupInfo(folder, kind, files)


def backups_in(out: Path) -> list[Path]:
    """The finished backup folders under ``out``, oldest first."""
    if not out.is_dir():
        return []
    return sorted(
        p
        for p in out.iterdir()
        if p.is_dir() and p.name.startswith(PREFIX) and not p.name.endswith(".partial")
    )


def prune_backups(out: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups; return what was deleted."""
    old = backups_in(out)[:-keep] if keep > 0 else []
    for folder in old:
        shutil.rmtree(folder)
    return old


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{folder} is not a backup (no readable {MANIFEST})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: unknown backup format")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise BackupError(f"{folder}: the manifest lists no files")
    for name, digest in files.items():
        path = (folder / str(name)).resolve()
        if folder.resolve() not in path.parents:
            raise BackupError(f"{folder}: the manifest names a file outside the backup")
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{folder}: {name} is missing or damaged")
    return manifest


def _place_key(source: Path, target: Path, force: bool) -> None:
    key = source.read_text().strip()
    if target.is_file() and target.read_text().strip() != key and not force:
        raise BackupError(
            f"{target} holds another key; move it away (or pass --force) to restore this backup"
        )
    make_private_dir(target.parent)
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    os.replace(tmp, target)


def restore_backup(settings: Settings, folder: Path, *, force: bool, has_tables: bool) -> str:
    """Put a backup's database, keys and checkpoints where ``settings`` point (blocking)."""
    manifest = _manifest(folder)
    kind = manifest.get("database")
    database = sqlite_path(settings.database_url)
    if (kind == "sqlite") != (database is not None):
        raise BackupError(f"the backup is of a {kind} database; DATABASE_URL points elsewhere")
    if has_tables and not force:
        raise BackupError("the target database is not empty; pass --force to replace it")
    _place_key(folder / DATA_KEY_FILE, Path(settings.data_key_file), force)
    _place_key(folder / AUDIT_KEY_FILE, Path(settings.audit_key_file), force)
    if database is not None:
        make_private_dir(database.parent)
        for stale in (database.with_name(database.name + s) for s in ("-wal", "-shm")):
            stale.unlink(missing_ok=True)
        _sqlite_copy(folder / SQLITE_FILE, database)
    else:
        url, env = _libpq(settings.database_url)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={url}",
                str(folder / PG_FILE),
            ],
            env,
        )
    source = folder / CHECKPOINTS
    if source.is_dir():
        target = Path(settings.audit_checkpoint_dir)
        make_private_dir(target)
        for path in sorted(source.iterdir()):
            _private_copy(path, target / path.name)
    return str(kind)
