"""Encryption at rest for what must stay confidential (a denouncer's identity, contacts)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.errors import BotError

log = logging.getLogger(__name__)


class SealError(BotError):
    """Sealed data cannot be opened with this key."""


class Sealer:
    """Seals and opens short texts with one symmetric key."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def seal(self, text: str) -> str:
        """Encrypt ``text``."""
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str) -> str:
        """Decrypt what ``seal`` produced."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SealError("sealed data does not match the key") from None


def load_sealer(key: str | None, key_file: Path) -> Sealer:
    """Use the configured key, else the key file, creating it (mode 600) on first start."""
    if key:
        return Sealer(key)
    if key_file.exists():
        return Sealer(key_file.read_text().strip())
    key_file.parent.mkdir(parents=True, exist_ok=True)
    new_key = Fernet.generate_key().decode()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(new_key + "\n")
    log.warning("created a new data key in %s: back it up, data sealed with it needs it", key_file)
    return Sealer(new_key)
