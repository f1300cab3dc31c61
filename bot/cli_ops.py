"""Operator commands that guard the data: keys, the audit trail, backups and restores."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bot.clock import SystemClock
from bot.crypto import SealError
from bot.keys import pending_key_file, write_key_file
from bot.rekey import rotate_data_key
from bot.runtime import open_runtime
from bot.settings import Settings


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


def add_parsers(sub: Any) -> None:
    """Declare the commands of this module on the main parser's subcommands."""
    key = sub.add_parser("key", help="the data key that seals personal data")
    key_sub = key.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    key_sub.add_parser("rotate", help="re-seal everything under a new key, in one transaction")
