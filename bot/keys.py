"""The keys kept outside the database, checked against it before the bot may start.

Two keys: the data key seals personal data (``BOT_DATA_KEY`` / ``BOT_DATA_KEY_FILE``), the
audit key signs the audit trail and its checkpoints (``BOT_AUDIT_KEY_FILE``). The database
stores an HMAC of a fixed text under each key, so a missing or wrong key is refused at
start instead of sealing new data with a key that cannot open the old.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Sealer, SealError
from bot.settings import Settings
from bot.startup import StartupRefused
from db.engine import make_private_dir
from db.queries import keys as stored

log = logging.getLogger(__name__)

DATA: Final = "data"
AUDIT: Final = "audit"
_CHECK_TEXT: Final = b"commune-bot key check v1"


class KeyMissing(StartupRefused):
    """Data sealed or signed with a key is present, and no key is configured."""


class WrongKey(StartupRefused):
    """The configured key is not the one the database was sealed or signed with."""


@dataclass(frozen=True, slots=True)
class Keys:
    """The opened keys of a running bot."""

    sealer: Sealer
    data_key: str
    audit_key: bytes


def check_value(key: str | bytes) -> str:
    """The HMAC by which the database recognizes a key without holding it."""
    raw = key.encode() if isinstance(key, str) else key
    return hmac.new(raw, _CHECK_TEXT, hashlib.sha256).hexdigest()


def write_key_file(path: Path, key: str) -> None:
    """Write a key readable by the owner only, in a directory only the owner can enter."""
    make_private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read(configured: str | None, path: Path) -> str | None:
    if configured:
        return configured
    if path.is_file():
        return path.read_text().strip() or None
    return None


def pending_key_file(path: Path) -> Path:
    """Where ``key rotate`` keeps the new key until the database is re-sealed with it."""
    return path.with_name(path.name + ".new")


def _restore_hint(name: str, path: Path) -> str:
    backup = "DATA-KEY" if name == DATA else "AUDIT-KEY"
    hint = (
        f"restore {path} from your backup (the file {backup}-keep-separately.key in a "
        "`python -m bot backup` folder) and start again"
    )
    if pending_key_file(path).exists():
        hint += f" (a `key rotate` was interrupted: try the key in {pending_key_file(path)})"
    return hint


async def _settle(
    session: AsyncSession, name: str, key: str | None, path: Path, env: str, now: datetime
) -> str:
    """The key to use: the configured one if it matches, a new one only if nothing needs one."""
    check = await stored.key_check(session, name)
    in_use = check is not None or await stored.key_in_use(session, name)
    if key is None:
        if in_use:
            raise KeyMissing(
                f"{env} / {env}_FILE: no key, but the database holds data made with one; "
                + _restore_hint(name, path)
            )
        key = Fernet.generate_key().decode() if name == DATA else secrets.token_urlsafe(32)
        write_key_file(path, key)
        log.warning("created a new %s key in %s: back it up, the data needs it", name, path)
    if check is not None:
        if not hmac.compare_digest(check, check_value(key)):
            raise WrongKey(
                f"{env} / {env}_FILE: this is not the key the database was made with; "
                + _restore_hint(name, path)
            )
        return key
    await stored.save_key_check(session, name, check_value(key), now)
    return key


def _sealer(key: str, path: Path) -> Sealer:
    try:
        return Sealer(key)
    except ValueError:
        raise WrongKey(
            f"BOT_DATA_KEY / BOT_DATA_KEY_FILE ({path}): not a key (32 bytes, URL-safe base64); "
            + _restore_hint(DATA, path)
        ) from None


async def unlock(session: AsyncSession, settings: Settings, now: datetime) -> Keys:
    """Load both keys, check them against the database, and record checks on first use."""
    data_path = Path(settings.data_key_file)
    configured = _read(settings.data_key, data_path)
    if configured is not None and await stored.key_check(session, DATA) is None:
        # Sealed before check values existed: the configured key must open what is there.
        sample = await stored.sealed_sample(session)
        if sample is not None:
            try:
                _sealer(configured, data_path).open(sample)
            except SealError:
                raise WrongKey(
                    "BOT_DATA_KEY / BOT_DATA_KEY_FILE: this key does not open the sealed data; "
                    + _restore_hint(DATA, data_path)
                ) from None
    data_key = await _settle(session, DATA, configured, data_path, "BOT_DATA_KEY", now)
    audit_path = Path(settings.audit_key_file)
    audit_key = await _settle(
        session, AUDIT, _read(settings.audit_key, audit_path), audit_path, "BOT_AUDIT_KEY", now
    )
    return Keys(
        sealer=_sealer(data_key, data_path), data_key=data_key, audit_key=audit_key.encode()
    )
