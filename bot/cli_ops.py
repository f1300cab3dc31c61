"""Operator commands that guard the data: keys, the audit trail, backups and restores."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import inspect

from bot.backup import (
    AUDIT_KEY_FILE,
    DATA_KEY_FILE,
    BackupError,
    restore_backup,
    write_backup,
)
from bot.checkpoints import verify_trail, write_checkpoint
from bot.clock import SystemClock
from bot.crypto import SealError
from bot.keys import pending_key_file, write_key_file
from bot.rekey import rotate_data_key
from bot.runtime import open_runtime
from bot.settings import Settings
from db.engine import create_engine
from db.queries import tallies

_DRIFT_SHOWN = 20


async def cmd_tallies(args: argparse.Namespace, settings: Settings) -> int:
    """Check the case tallies against the cases, or count them again."""
    async with open_runtime(settings, SystemClock()) as runtime:
        if args.tallies_command == "rebuild":
            async with runtime.sessions.begin() as session:
                count = await tallies.rebuild(session)
            print(f"rebuilt the case tallies: {count} rows")
            return 0
        async with runtime.sessions() as session:
            drifted = await tallies.drift(session)
    for found in drifted[:_DRIFT_SHOWN]:
        org, day, kind, status, rating, verdict, reopened, answered, month = found.key
        when = f"month {day:%Y-%m}" if month else f"{day} {kind}"
        print(
            f"org {org} {when} {status} rating={rating or '-'} {verdict} "
            f"reopened={reopened} answered={answered}: tallied {found.tallied}, "
            f"counted {found.counted}"
        )
    if drifted:
        print(f"{len(drifted)} tallies differ from the cases; run `tallies rebuild`")
        return 1
    print("case tallies ok")
    return 0


async def cmd_key(args: argparse.Namespace, settings: Settings) -> int:
    """Re-seal every sealed value under a new data key."""
    clock = SystemClock()
    path = Path(settings.data_key_file)
    new_key = Fernet.generate_key().decode()
    async with open_runtime(settings, clock) as runtime:
        # The new key is on disk before the database needs it, so no crash can lose it.
        write_key_file(pending_key_file(path), new_key)
        try:
            async with runtime.sessions.begin() as session:
                result = await rotate_data_key(
                    session, old=runtime.keys.sealer, new_key=new_key, now=clock.now()
                )
        except SealError:
            pending_key_file(path).unlink()
            print(
                "error: a sealed value does not open with the current key; nothing was changed",
                file=sys.stderr,
            )
            return 2
    os.replace(pending_key_file(path), path)
    print(
        f"re-sealed {result.contacts} contacts, {result.names} names and {result.dialogs} "
        f"open dialogs under a new key, written to {path}"
    )
    print("back the new key up now; backups made before keep the old key beside them")
    if settings.data_key:
        print(f"BOT_DATA_KEY is set: replace its value with the content of {path}, or unset it")
    return 0


_PROVES = (
    "What this proves: every entry links to the one before and carries the audit key's "
    "signature, so no entry was rewritten, inserted or appended by anyone without the audit "
    "key; and, up to the latest checkpoint, no entry was removed, not even all of them."
)
_DOES_NOT_PROVE = (
    "What it does not prove: that entries written after the latest checkpoint were not "
    "removed from the end; anything done by someone who holds the audit key (keep "
    "{key} and copies of {checkpoints} away from the database's host); that what an entry "
    "says is true."
)


async def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Check the audit trail (chain, signatures, checkpoints) or write a checkpoint now."""
    clock = SystemClock()
    directory = Path(settings.audit_checkpoint_dir)
    async with open_runtime(settings, clock) as runtime, runtime.sessions() as session:
        key = runtime.keys.audit_key
        if args.audit_command == "checkpoint":
            path = await write_checkpoint(session, key=key, directory=directory, now=clock.now())
            print(
                f"wrote {path}" if path else "the trail has not changed since the last checkpoint"
            )
            return 0
        report = await verify_trail(session, key=key, directory=directory)
    print(f"checked {report.count} entries: links, hashes and audit-key signatures")
    if report.broken is not None:
        print(
            f"audit chain BROKEN at entry {report.broken.entry_id} ({report.broken.reason}); "
            f"{report.count} ok before"
        )
    else:
        print(f"audit chain ok: {report.count} entries")
    if not report.checkpoints:
        print(f"no checkpoint in {directory}: removal of entries cannot be detected")
    for finding in report.checkpoints:
        cp = finding.checkpoint
        what = (
            f"{cp.count} entries, newest {cp.head_id}, at {cp.at:%Y-%m-%d %H:%M} UTC" if cp else ""
        )
        state = "ok" if finding.problem is None else f"FAILED: {finding.problem}"
        print(f"checkpoint {finding.path.name}: {what} {state}".replace("  ", " "))
    if (latest := report.latest) is not None:
        print(f"latest checkpoint: {latest.count} entries at {latest.at:%Y-%m-%d %H:%M} UTC")
    print(_PROVES)
    print(_DOES_NOT_PROVE.format(key=settings.audit_key_file, checkpoints=directory))
    return 0 if report.ok else 1


async def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Write a consistent backup while the bot may be running."""
    clock = SystemClock()
    out = Path(args.out or settings.backup_dir)
    async with open_runtime(settings, clock):
        pass  # the keys are checked: a backup with the wrong key would be useless
    try:
        info = await asyncio.to_thread(write_backup, settings, out, clock.now())
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {info.folder} ({info.database}, {len(info.files)} files)")
    print(
        f"keep {DATA_KEY_FILE} and {AUDIT_KEY_FILE} apart from the rest: "
        "whoever has the folder and its keys can read the sealed data"
    )
    return 0


async def _has_tables(settings: Settings) -> bool:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return bool(names)


async def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Bring a backup back where the settings point, then check its audit trail."""
    folder = Path(args.folder)
    try:
        kind = await asyncio.to_thread(
            restore_backup,
            settings,
            folder,
            force=args.force,
            has_tables=await _has_tables(settings),
        )
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored the {kind} database, the keys and the audit checkpoints from {folder}")
    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        report = await verify_trail(
            session, key=runtime.keys.audit_key, directory=Path(settings.audit_checkpoint_dir)
        )
    print(f"audit trail {'ok' if report.ok else 'NOT ok'}: {report.count} entries")
    return 0 if report.ok else 1


def add_parsers(sub: Any) -> None:
    """Declare the commands of this module on the main parser's subcommands."""
    tallies_cmd = sub.add_parser("tallies", help="the case counts /status and reports read")
    tallies_sub = tallies_cmd.add_subparsers(
        dest="tallies_command", required=True, metavar="ACTION"
    )
    tallies_sub.add_parser("check", help="compare the tallies with a count of the cases")
    tallies_sub.add_parser("rebuild", help="count every tally again from the cases")

    key = sub.add_parser("key", help="the data key that seals personal data")
    key_sub = key.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    key_sub.add_parser("rotate", help="re-seal everything under a new key, in one transaction")

    backup = sub.add_parser(
        "backup", help="write a consistent backup (database, keys, checkpoints)"
    )
    backup.add_argument("--out", help="folder for the backups (default: BOT_BACKUP_DIR)")

    restore = sub.add_parser("restore", help="restore a backup folder where the settings point")
    restore.add_argument("folder", help="a backup-… folder written by `backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace a database or key files already there"
    )
